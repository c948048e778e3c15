//! What a visit tells us (SPEC 2 steps 1-2): the visitor's IP and headers,
//! and the tags of the query string.
use super::record::Tags;
use crate::api::params::cut;
use actix_web::HttpRequest;
use std::net::IpAddr;

const MAX: usize = 255;

pub struct Visitor {
    pub ip: Option<IpAddr>,
    pub ua: String,
    pub lang: String,
    pub accept_language: String,
    pub referer: String,
    pub domain: String,
    /// Country from a trusted proxy (CF-IPCountry), lower case.
    pub proxy_country: Option<String>,
    pub cookie: Option<u64>,
}

pub const COOKIE: &str = "ftv";

fn header<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The first address of a proxy header, when it parses.
fn proxy_ip(req: &HttpRequest) -> Option<IpAddr> {
    ["CF-Connecting-IP", "X-Real-IP", "X-Forwarded-For"]
        .iter()
        .filter_map(|h| header(req, h).split(',').next())
        .find_map(|v| v.trim().parse().ok())
}

/// Reads our visitor cookie from the Cookie header(s).
fn read_cookie(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get_all("cookie")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == COOKIE)
                .then(|| u64::from_str_radix(v, 16).ok())
                .flatten()
        })
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

impl Visitor {
    /// The client's address: the socket peer, or a trusted proxy's header.
    pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> Option<IpAddr> {
        let peer = req.peer_addr().map(|a| a.ip());
        let ip = if trust_proxy {
            proxy_ip(req).or(peer)
        } else {
            peer
        };
        ip.map(|ip| match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        })
    }

    pub fn from_request(req: &HttpRequest, trust_proxy: bool) -> Visitor {
        let ip = Self::client_ip(req, trust_proxy);
        let proxy_country = trust_proxy
            .then(|| header(req, "CF-IPCountry").trim().to_ascii_lowercase())
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_lowercase()) && c != "xx");
        let accept_language = cut(header(req, "accept-language"), 512);
        let host = header(req, "host");
        let domain = host
            .rsplit_once(':')
            .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(h, _)| h);
        Visitor {
            ip,
            ua: cut(header(req, "user-agent"), 1024),
            lang: primary_language(&accept_language),
            accept_language,
            referer: cut(header(req, "referer"), 1024),
            domain: cut(&domain.to_ascii_lowercase(), MAX),
            proxy_country,
            cookie: read_cookie(req),
        }
    }
}

/// The ad click id parameters, first present wins (SPEC 2 step 2).
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

/// Reads the tags of a click's query string; values cut to 255 characters.
/// Undecodable values are taken lossily: a visitor is never refused.
pub fn tags_from_query(query: &str) -> Tags {
    let mut t = Tags::default();
    let mut ad: [Option<String>; 9] = Default::default();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        let v = cut(v.trim(), MAX);
        let slot = match k.as_ref() {
            "utm_source" => &mut t.utms,
            "utm_campaign" => &mut t.utmc,
            "utm_content" => &mut t.utmn,
            "utm_term" => &mut t.utmt,
            "utm_medium" => &mut t.utmm,
            "subid" => &mut t.subid,
            "uuid" => &mut t.uuid,
            "data1" => &mut t.data1,
            "data2" => &mut t.data2,
            other => {
                if let Some(i) = AD_IDS.iter().position(|a| *a == other) {
                    if ad[i].is_none() && !v.is_empty() {
                        ad[i] = Some(v);
                    }
                }
                continue;
            }
        };
        if slot.is_empty() {
            *slot = v;
        }
    }
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
    fn primary_language_is_lower_case() {
        assert_eq!(primary_language("de-CH,de;q=0.9"), "de");
        assert_eq!(primary_language("*"), "");
    }
}
