//! What a reverse proxy tells us about a visit (README "Behind Caddy or
//! nginx"): the visitor's address and country, whether the visit came over
//! HTTPS, and the origin for the URLs the tracker hands out.
//!
//! Nothing a client writes into these headers is believed. Only with
//! `--trust-proxy`, and then only what the proxy itself writes: the
//! right-most hops of `X-Forwarded-For` (a client can put anything to the
//! left of what the proxy appends), or the one header named by
//! `--ip-header` that the proxy overwrites. `X-Forwarded-Host` and
//! `Forwarded` are never read.
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::HttpRequest;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// Cloudflare's visitor address; the one setup whose country header
/// (`CF-IPCountry`) is believed.
pub const CF_CONNECTING_IP: HeaderName = HeaderName::from_static("cf-connecting-ip");
const CF_IPCOUNTRY: HeaderName = HeaderName::from_static("cf-ipcountry");

/// The parsed proxy options (src/config.rs).
#[derive(Debug, Clone)]
pub struct Proxy {
    /// `--trust-proxy`: without it no header below is read.
    pub trust: bool,
    /// `--ip-header`: `X-Forwarded-For`, or a header the proxy overwrites.
    pub header: HeaderName,
    /// `--trusted-proxies`: hops skipped besides the socket peer.
    pub trusted: Vec<IpNet>,
    /// `--public-url`: the origin of ready-made URLs, when given.
    pub public_url: Option<PublicUrl>,
}

impl Proxy {
    /// The options as given (`--trust-proxy`, `--ip-header`,
    /// `--trusted-proxies`, `--public-url`).
    pub fn new(
        trust: bool,
        header: HeaderName,
        trusted: Vec<IpNet>,
        public_url: Option<PublicUrl>,
    ) -> Proxy {
        let proxy = Proxy {
            trust,
            header,
            trusted,
            public_url,
        };
        if !proxy.trust && (proxy.header != header::X_FORWARDED_FOR || !proxy.trusted.is_empty()) {
            tracing::warn!("--ip-header and --trusted-proxies do nothing without --trust-proxy");
        }
        proxy
    }

    /// The visitor's address: the socket peer, or what the trusted proxy
    /// saw. IPv4-mapped IPv6 addresses are their IPv4 address.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = normalise(req.peer_addr()?.ip());
        if !self.trust {
            return Some(peer);
        }
        let headers = req.headers();
        Some(if self.header == header::X_FORWARDED_FOR {
            let values = headers.get_all(&self.header).map(|v| v.to_str().ok());
            forwarded_client(values, peer, &self.trusted)
        } else {
            only_address(headers.get_all(&self.header)).unwrap_or(peer)
        })
    }

    /// Cloudflare's country of the visitor (lower case), believed only
    /// behind Cloudflare: with `--ip-header CF-Connecting-IP`.
    pub fn country(&self, req: &HttpRequest) -> Option<String> {
        if !self.trust || self.header != CF_CONNECTING_IP {
            return None;
        }
        let c = req.headers().get(CF_IPCOUNTRY)?.to_str().ok()?.trim();
        // `XX` is unknown, `T1` Tor.
        (c.len() == 2
            && c.bytes().all(|b| b.is_ascii_alphabetic())
            && !c.eq_ignore_ascii_case("xx"))
        .then(|| c.to_ascii_lowercase())
    }

    /// Whether the visit came over HTTPS: `--public-url` is https, or the
    /// trusted proxy says so in `X-Forwarded-Proto`.
    pub fn https(&self, req: &HttpRequest) -> bool {
        self.public_url.as_ref().is_some_and(PublicUrl::https) || self.forwarded_https(req)
    }

    fn forwarded_https(&self, req: &HttpRequest) -> bool {
        // The right-most value is the one the nearest proxy wrote.
        self.trust
            && req
                .headers()
                .get_all(header::X_FORWARDED_PROTO)
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    }

    /// `scheme://host` for URLs the tracker hands out (the postback URL):
    /// `--public-url`, else the Host the request was sent to, over https
    /// only when the trusted proxy says so.
    pub fn origin(&self, req: &HttpRequest) -> String {
        if let Some(url) = &self.public_url {
            return url.0.clone();
        }
        let scheme = if self.forwarded_https(req) {
            "https"
        } else {
            "http"
        };
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| req.uri().authority().map(|a| a.as_str()))
            .filter(|h| valid_host(h))
            .unwrap_or("localhost");
        format!("{scheme}://{host}")
    }
}

fn normalise(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One hop of a proxy header: an address, also as `1.2.3.4:port`,
/// `[v6]` or `[v6]:port` (as some proxies write them).
pub fn parse_hop(hop: &str) -> Option<IpAddr> {
    let ip = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            let inner = hop.strip_prefix('[')?.strip_suffix(']')?;
            inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
        })?;
    Some(normalise(ip))
}

/// The address the outermost trusted proxy saw, from the values of every
/// `X-Forwarded-For` header in order (`None`: a value that is not text):
/// walking from the right, the first hop that is neither the socket peer
/// nor in `trusted`. When every hop is trusted, the left-most of them. An
/// unparsable hop ends the walk at the last trusted one, the peer at the
/// latest: what lies to its left was not written by a proxy we trust.
/// Empty list elements are skipped (RFC 9110 5.6.1).
pub fn forwarded_client<'a>(
    values: impl DoubleEndedIterator<Item = Option<&'a str>>,
    peer: IpAddr,
    trusted: &[IpNet],
) -> IpAddr {
    let mut nearest = peer;
    for value in values.rev() {
        let Some(value) = value else {
            return nearest;
        };
        for hop in value.rsplit(',').map(str::trim).filter(|h| !h.is_empty()) {
            let Some(ip) = parse_hop(hop) else {
                return nearest;
            };
            if ip != peer && !trusted.iter().any(|n| n.contains(&ip)) {
                return ip;
            }
            nearest = ip;
        }
    }
    nearest
}

/// The one value of a header the proxy overwrites, as an address. Two
/// values mean the proxy appended instead of overwriting (one may be the
/// client's), so neither is believed.
fn only_address<'a>(mut values: impl Iterator<Item = &'a HeaderValue>) -> Option<IpAddr> {
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    parse_hop(value.to_str().ok()?.trim())
}

/// A host with an optional port, as a URL may hold it.
fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
}

/// `--ip-header`: a header name (the `Forwarded` header's syntax is not
/// an address).
pub fn parse_ip_header(s: &str) -> Result<HeaderName, String> {
    let name = HeaderName::from_str(s.trim()).map_err(|_| format!("{s:?} is not a header name"))?;
    if name == header::FORWARDED {
        return Err("Forwarded is not supported; use X-Forwarded-For".into());
    }
    Ok(name)
}

/// `--trusted-proxies`: a comma-separated list of addresses and CIDRs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl FromStr for TrustedProxies {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                crate::snapshot::parse_net(e)
                    .ok_or_else(|| format!("{e:?} is not an IP address or CIDR"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

/// `--public-url`: `http(s)://host[:port][/path]`, kept without a
/// trailing slash.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn https(&self) -> bool {
        self.0.starts_with("https:")
    }
}

impl FromStr for PublicUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad =
            || format!("{s:?} is not an http:// or https:// URL like https://track.example.com");
        let url = s.trim().trim_end_matches('/');
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad());
        }
        let (host, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
        let path_ok = path
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"?#\"'<>\\".contains(&b));
        if !valid_host(host) || !path_ok {
            return Err(bad());
        }
        Ok(PublicUrl(format!("{scheme}://{host}{path}")))
    }
}

#[cfg(test)]
#[path = "proxy_tests.rs"]
mod tests;
