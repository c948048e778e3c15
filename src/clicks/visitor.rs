//! What a visit tells us (docs/API.md "The click path" steps 1-2): the visitor's IP and headers,
//! and the tags of the query string.
use crate::proxy::Proxy;
use crate::store::record::Tags;
use crate::store::registry::{self, tag_mut, Dim, Flag};
use crate::text::{cut, cut_str};
use actix_web::http::header::{self, AsHeaderName};
use actix_web::HttpRequest;
use std::net::IpAddr;

const MAX: usize = 255;

pub struct Visitor<'a> {
    pub ip: Option<IpAddr>,
    pub ua: String,
    pub lang: String,
    /// Only read by the filters, so borrowed from the request.
    pub accept_language: &'a str,
    pub referer: String,
    pub domain: String,
    /// Country from Cloudflare (CF-IPCountry), lower case; only believed
    /// behind it (`Proxy::country`).
    pub proxy_country: Option<String>,
    pub cookie: Option<u64>,
}

const COOKIE: &str = "ftv";

/// `name` as a `HeaderName` constant where one exists: a `&str` name is
/// parsed again on every lookup.
fn header(req: &HttpRequest, name: impl AsHeaderName) -> &str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The Set-Cookie value giving a new visitor `cookie`, as 16 hex digits
/// ([`read_cookie`] reads it back), written without the formatter.
/// `secure` when the visit came over HTTPS (`Proxy::https`), so that the
/// browser never sends it over plain HTTP.
pub fn set_cookie(cookie: u64, secure: bool) -> String {
    const ATTRS: &str = "; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax";
    const SECURE: &str = "; Secure";
    let mut out = String::with_capacity(COOKIE.len() + 17 + ATTRS.len() + SECURE.len());
    out.push_str(COOKIE);
    out.push('=');
    for shift in (0..16).rev() {
        out.push(char::from(
            b"0123456789abcdef"[(cookie >> (shift * 4)) as usize & 15],
        ));
    }
    out.push_str(ATTRS);
    if secure {
        out.push_str(SECURE);
    }
    out
}

/// The value of the first cookie `name` of the Cookie header(s).
pub fn cookie<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.trim())
        })
}

/// Reads our visitor cookie from the Cookie header(s).
fn read_cookie(req: &HttpRequest) -> Option<u64> {
    cookie(req, COOKIE).and_then(|v| u64::from_str_radix(v, 16).ok())
}

/// The primary language of Accept-Language, e.g. `de` of `de-CH,de;q=0.9`.
fn primary_language(header: &str) -> String {
    let first = header
        .split(',')
        .next()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    let primary = first.split(['-', '_']).next().unwrap_or("");
    if (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        primary.to_ascii_lowercase()
    } else {
        String::new()
    }
}

impl<'a> Visitor<'a> {
    pub fn from_request(req: &'a HttpRequest, proxy: &Proxy) -> Visitor<'a> {
        let ip = proxy.client_ip(req);
        let proxy_country = proxy.country(req);
        let accept_language = cut_str(header(req, header::ACCEPT_LANGUAGE), 512);
        let host = header(req, header::HOST);
        let domain = host
            .rsplit_once(':')
            .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(h, _)| h);
        Visitor {
            ip,
            ua: cut(header(req, header::USER_AGENT), 1024),
            lang: primary_language(accept_language),
            accept_language,
            referer: cut(header(req, header::REFERER), 1024),
            domain: cut_str(domain, MAX).to_ascii_lowercase(),
            proxy_country,
            cookie: read_cookie(req),
        }
    }
}

/// The address as text, as `Display` writes it; IPv4 without the
/// formatter, which was a few per cent of the click path (docs/BENCHMARKS.md).
pub fn ip_text(ip: IpAddr) -> String {
    let IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut out = String::with_capacity(15);
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if octet >= 100 {
            out.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            out.push(char::from(b'0' + octet / 10 % 10));
        }
        out.push(char::from(b'0' + octet % 10));
    }
    out
}

/// The ad click id parameters, first present wins (docs/API.md "The click path" step 2).
const AD_IDS: [&str; 9] = [
    "fbclid",
    "gclid",
    "ttclid",
    "yclid",
    "adclid",
    "clid",
    "adid",
    "uid",
    "unique_id",
];

/// Calls `f` with each decoded name and value of a query string, as
/// `form_urlencoded::parse` reads them. A pair without `%` or `+` is
/// already its decoded text, so only the others are decoded (one at a
/// time, by `form_urlencoded` itself): decoding every pair was a few per
/// cent of the click path (docs/BENCHMARKS.md).
pub(super) fn each_pair(query: &str, mut f: impl FnMut(&str, &str)) {
    let plain = |s: &str| !s.bytes().any(|b| b == b'%' || b == b'+');
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if plain(pair) {
            f(k, v);
        } else if let Some((k, v)) = form_urlencoded::parse(pair.as_bytes()).next() {
            f(&k, &v);
        }
    }
}

/// The tags a query parameter of their API name sets.
const QUERY: [Dim; registry::count_with(Flag::Query)] = registry::with(Flag::Query);

/// Reads the tags of a click's query string; values cut to 255 characters.
/// Undecodable values are taken lossily: a visitor is never refused.
pub fn tags_from_query(query: &str) -> Tags {
    let mut t = Tags::default();
    let mut ad: [Option<String>; 9] = Default::default();
    each_pair(query, |k, v| {
        let v = cut_str(v.trim(), MAX);
        match QUERY.iter().find(|d| d.api == Some(k)) {
            Some(d) => {
                if let Some(slot) = tag_mut(d, &mut t).filter(|s| s.is_empty()) {
                    *slot = v.to_string();
                }
            }
            None => {
                if let Some(i) = AD_IDS.iter().position(|a| *a == k) {
                    if ad[i].is_none() && !v.is_empty() {
                        ad[i] = Some(v.to_string());
                    }
                }
            }
        }
    });
    t.adid = ad.into_iter().flatten().next().unwrap_or_default();
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_click_id_takes_the_first_in_spec_order() {
        let t = tags_from_query("uid=3&gclid=2&fbclid=1&utm_source=fb");
        assert_eq!(t.adid, "1");
        assert_eq!(t.utms, "fb");
        let long = "x".repeat(300);
        assert_eq!(tags_from_query(&format!("subid={long}")).subid.len(), 255);
    }

    #[test]
    fn pairs_are_read_as_form_urlencoded_reads_them() {
        let queries = [
            "a=1&b=2",
            "a=x%20y&b=c+d&%61=e",
            "&&a&=1&b==2&c=%zz&d=%E2%9C%93&e=%FF",
            "utm_source=a+b%2Bc&utm_source=second",
            "",
        ];
        for q in queries {
            let mut ours = Vec::new();
            each_pair(q, |k, v| ours.push((k.to_string(), v.to_string())));
            let theirs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(ours, theirs, "{q}");
        }
    }

    #[test]
    fn set_cookie_writes_sixteen_hex_digits() {
        assert_eq!(
            set_cookie(0xab, false),
            "ftv=00000000000000ab; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax"
        );
        assert!(set_cookie(u64::MAX, false).starts_with("ftv=ffffffffffffffff;"));
        assert!(set_cookie(1, true).ends_with("; SameSite=Lax; Secure"));
    }

    #[test]
    fn ip_text_is_what_display_writes() {
        for s in [
            "0.0.0.0",
            "1.2.3.4",
            "10.99.100.255",
            "255.255.255.255",
            "::1",
            "2001:db8::7",
        ] {
            let ip: IpAddr = s.parse().unwrap();
            assert_eq!(ip_text(ip), ip.to_string());
        }
        for n in 0..=255u8 {
            let ip = IpAddr::from([n, 255 - n, n / 3, 7]);
            assert_eq!(ip_text(ip), ip.to_string());
        }
    }

    #[test]
    fn primary_language_is_lower_case() {
        assert_eq!(primary_language("de-CH,de;q=0.9"), "de");
        assert_eq!(primary_language("*"), "");
    }
}
