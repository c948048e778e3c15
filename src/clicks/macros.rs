//! URL macros of site and trafficback URLs (docs/API.md "The click path"). Values are
//! percent-encoded, so a visitor's input can never add a parameter, a CR/LF
//! or change the target host (no header injection, no open redirect).
use crate::store::record::ClickRecord;
use crate::store::registry::{self, Dim, Flag, Val};
use std::borrow::Cow;

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(value: &str, out: &mut String) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[(b >> 4) as usize]));
            out.push(char::from(b"0123456789ABCDEF"[(b & 15) as usize]));
        }
    }
}

/// The dimensions with a `{token}`.
const TOKENS: [Dim; registry::count_with(Flag::Token)] = registry::with(Flag::Token);

/// The text of macro `name`: the click id, the way and site (empty for
/// none), or a dimension's token (an id of 0 is none too).
fn value<'a>(
    name: &str,
    c: &'a ClickRecord,
    click_id: &'a str,
    way: &'a str,
    site: &'a str,
) -> Option<Cow<'a, str>> {
    match name {
        "click" => Some(click_id.into()),
        "way" => Some(way.into()),
        "site" => Some(site.into()),
        _ => TOKENS
            .iter()
            .find(|d| d.token == Some(name))
            .map(|d| match d.get(c) {
                Val::Text(s) => s.into(),
                Val::Int(0) => "".into(),
                Val::Int(n) => n.to_string().into(),
            }),
    }
}

/// Replaces known `{macro}`s in `url`; unknown ones stay as they are.
pub fn expand(url: &str, c: &ClickRecord, click_id: &str) -> String {
    let way = if c.way > 0 {
        c.way.to_string()
    } else {
        String::new()
    };
    let site = if c.site > 0 {
        c.site.to_string()
    } else {
        String::new()
    };
    let mut out = String::with_capacity(url.len() + 32);
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| value(&after[..close], c, click_id, &way, &site).map(|v| (close, v)))
        {
            Some((close, v)) => {
                encode(&v, &mut out);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // A stored URL is validated on save; strip control characters anyway so
    // a Location header can never be split.
    out.retain(|ch| !ch.is_control());
    // A Location header must be ASCII: percent-encode what a site URL may
    // hold beyond it (IDN paths, umlauts in queries).
    if !out.is_ascii() {
        let mut ascii = String::with_capacity(out.len() + 16);
        for ch in out.chars() {
            if ch.is_ascii() {
                ascii.push(ch);
            } else {
                encode(ch.encode_utf8(&mut [0u8; 4]), &mut ascii);
            }
        }
        return ascii;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_are_encoded_and_unknown_ones_kept() {
        let mut c = ClickRecord {
            flow: "ab".into(),
            way: 7,
            ..Default::default()
        };
        c.tags.utms = "a b&c=d\r\nX: y".into();
        c.offer = 12;
        let url = expand(
            "https://x.test/?s={utms}&w={way}&t={site}&k={nope}&c={click}&o={offer}&l={landing}{",
            &c,
            "ID",
        );
        assert_eq!(
            url,
            "https://x.test/?s=a%20b%26c%3Dd%0D%0AX%3A%20y&w=7&t=&k={nope}&c=ID&o=12&l={"
        );
    }
}
