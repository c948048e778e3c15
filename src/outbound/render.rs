//! Filling a postback template's macros (docs/API.md "Outbound
//! postbacks"), each value encoded for where it stands, and masking the
//! secrets of a rendered call before a log shows it.
use serde_json::Value;

/// How a macro's value is written where it stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Encoding {
    /// Percent-encoded: a URL, or a form body.
    Percent,
    /// Escaped as inside a JSON string (the template has the quotes).
    Json,
    /// As it is.
    Raw,
}

impl Encoding {
    /// The encoding of a body sent with content type `ctype`.
    pub fn of_body(ctype: &str) -> Encoding {
        let t = ctype.to_ascii_lowercase();
        if t.contains("json") {
            Encoding::Json
        } else if t.contains("x-www-form-urlencoded") {
            Encoding::Percent
        } else {
            Encoding::Raw
        }
    }

    fn write(self, value: &str, out: &mut String) {
        match self {
            Encoding::Percent => {
                for b in value.bytes() {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        out.push(b as char);
                    } else {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
            }
            Encoding::Json => {
                let quoted = Value::from(value).to_string();
                out.push_str(&quoted[1..quoted.len() - 1]);
            }
            Encoding::Raw => out.push_str(value),
        }
    }
}

/// `template` with every `{name}` that `value` knows replaced by its
/// encoded value; other braces are left as they are (a network's own).
pub fn fill(template: &str, enc: Encoding, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        let known = match after.as_bytes().get(name_len) {
            Some(b'}') if name_len > 0 => value(&after[..name_len]),
            _ => None,
        };
        match known {
            Some(v) => {
                enc.write(&v, &mut out);
                rest = &after[name_len + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a parameter or key of that name holds a secret.
pub fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const IN: [&str; 8] = [
        "token",
        "secret",
        "password",
        "passwd",
        "apikey",
        "api_key",
        "auth",
        "signature",
    ];
    const IS: [&str; 5] = ["key", "sig", "pass", "pwd", "hash"];
    IN.iter().any(|w| n.contains(w))
        || IS.contains(&n.as_str())
        || n.ends_with("_key")
        || n.ends_with("-key")
}

const MASK: &str = "***";

/// `key=value&...` with secret values masked.
fn mask_pairs(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if !v.is_empty() && is_secret(&decode(k)) => format!("{k}={MASK}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn decode(s: &str) -> String {
    form_urlencoded::parse(format!("{s}=").as_bytes())
        .next()
        .map_or_else(|| s.to_string(), |(k, _)| k.into_owned())
}

/// A URL as a log shows it: the password of `user:password@` and the
/// values of secret query parameters masked.
pub fn mask_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(end);
            let authority = match authority.rsplit_once('@') {
                Some((user, host)) => match user.split_once(':') {
                    Some((name, _)) => format!("{name}:{MASK}@{host}"),
                    None => format!("{MASK}@{host}"),
                },
                None => authority.to_string(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => head.to_string(),
    };
    if let Some(q) = query {
        out.push('?');
        out.push_str(&mask_pairs(q));
    }
    out
}

fn mask_json(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if is_secret(k) && !v.is_object() && !v.is_array() {
                    *v = Value::from(MASK);
                } else {
                    mask_json(v);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask_json),
        _ => {}
    }
}

/// A body as a log shows it: secret values of a form or JSON body masked.
pub fn mask_body(body: &str, ctype: &str) -> String {
    match Encoding::of_body(ctype) {
        Encoding::Percent => mask_pairs(body),
        Encoding::Json => match serde_json::from_str::<Value>(body) {
            Ok(mut v) => {
                mask_json(&mut v);
                v.to_string()
            }
            Err(_) => body.to_string(),
        },
        Encoding::Raw => body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(name: &str) -> Option<String> {
        match name {
            "a" => Some("x y&z=1/é".into()),
            "q" => Some("say \"hi\"\n".into()),
            _ => None,
        }
    }

    #[test]
    fn fills_known_macros_encoded_for_their_place() {
        assert_eq!(
            fill("https://n/p?a={a}&b={b}&{}&{a", Encoding::Percent, known),
            "https://n/p?a=x%20y%26z%3D1%2F%C3%A9&b={b}&{}&{a"
        );
        assert_eq!(
            fill(r#"{"v":"{q}","w":{"x":1}}"#, Encoding::Json, known),
            r#"{"v":"say \"hi\"\n","w":{"x":1}}"#
        );
        assert_eq!(fill("{a}{a}", Encoding::Raw, known), "x y&z=1/éx y&z=1/é");
        assert_eq!(fill("{{a}}", Encoding::Raw, known), "{x y&z=1/é}");
    }

    #[test]
    fn masks_secrets() {
        assert_eq!(
            mask_url("https://u:pw@n.example/p?token=abc&c=1&api_key=k&sig=&Access_Token=z"),
            "https://u:***@n.example/p?token=***&c=1&api_key=***&sig=&Access_Token=***"
        );
        assert_eq!(mask_url("http://tok@n/p"), "http://***@n/p");
        assert_eq!(mask_url("http://n/p?a=1"), "http://n/p?a=1");
        assert_eq!(
            mask_body(
                r#"{"access_token":"t","data":[{"key":"k","n":1}]}"#,
                "application/json"
            ),
            r#"{"access_token":"***","data":[{"key":"***","n":1}]}"#
        );
        assert_eq!(
            mask_body("secret=s&x=1", "application/x-www-form-urlencoded"),
            "secret=***&x=1"
        );
        assert!(!is_secret("keyword") && !is_secret("subid") && is_secret("pixel_key"));
    }
}
