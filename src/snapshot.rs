//! In-memory copy of the configuration the hot paths need: users by id,
//! active flows with their ways and resolved URLs, each user's blacklist.
//! Swapped whole after every management change (docs/ARCHITECTURE.md).
use crate::ids::{FlowId, UserId};
use ipnet::IpNet;
use rusqlite::Connection;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

pub mod offers;
pub mod source;

#[derive(Debug)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub timezone: String,
    pub tz: jiff::tz::TimeZone,
    pub currency: String,
    /// The nonce in the user's postback key (src/accounts/keys.rs).
    pub postback_nonce: i64,
    /// The token from before credentials were split still posts conversions.
    pub legacy_postback: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Redirect,
    Meta,
    Js,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "redirect" => Some(Method::Redirect),
            "meta" => Some(Method::Meta),
            "js" => Some(Method::Js),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Redirect => "redirect",
            Method::Meta => "meta",
            Method::Js => "js",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Any,
    Desktop,
    Mobile,
    Ios,
    Android,
}

impl Device {
    pub fn parse(s: &str) -> Option<Device> {
        match s {
            "any" | "" => Some(Device::Any),
            "desktop" => Some(Device::Desktop),
            "mobile" => Some(Device::Mobile),
            "ios" => Some(Device::Ios),
            "android" => Some(Device::Android),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct Way {
    pub id: i64,
    pub site: i64,
    pub url: String,
    pub weight: u32,
    pub geo: Vec<String>,
    pub geox: Vec<String>,
    pub device: Device,
    pub bots: bool,
    pub active: bool,
    /// The offers behind the way's landing page (empty: the way goes
    /// straight to its site or URL).
    pub offers: Vec<offers::Offer>,
}

#[derive(Debug)]
pub struct Flow {
    pub id: FlowId,
    pub user_id: UserId,
    pub method: Method,
    pub geo: Vec<String>,
    pub lang: bool,
    pub bots: bool,
    pub uniq_secs: i64,
    pub trafficback: Option<(i64, String)>,
    pub ways: Vec<Way>,
    /// The traffic source the flow buys from (flow.json `source`).
    pub source: Option<Arc<source::Source>>,
}

#[derive(Debug, Default)]
pub struct Snapshot {
    pub users: HashMap<UserId, Arc<User>>,
    /// Looked up on every click: foldhash rather than SipHash (docs/BENCHMARKS.md).
    pub flows: foldhash::HashMap<FlowId, Arc<Flow>>,
    pub blacklists: HashMap<UserId, Vec<IpNet>>,
}

/// Splits a stored comma list ("de,at") into its items.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// Parses an IP or CIDR entry of a blacklist.
pub fn parse_net(entry: &str) -> Option<IpNet> {
    entry
        .parse::<IpNet>()
        .ok()
        .or_else(|| entry.parse::<IpAddr>().ok().map(IpNet::from))
}

impl Snapshot {
    pub fn load(conn: &Connection) -> rusqlite::Result<Snapshot> {
        let mut snap = Snapshot::default();
        let mut st = conn.prepare(
            "SELECT id, name, timezone, currency, postback_nonce, legacy_postback_hash IS NOT NULL
             FROM users",
        )?;
        let users = st.query_map([], |r| {
            let timezone: String = r.get(2)?;
            let tz = jiff::tz::TimeZone::get(&timezone).unwrap_or(jiff::tz::TimeZone::UTC);
            Ok(User {
                id: r.get(0)?,
                name: r.get(1)?,
                timezone,
                tz,
                currency: r.get(3)?,
                postback_nonce: r.get(4)?,
                legacy_postback: r.get(5)?,
            })
        })?;
        for u in users {
            let u = Arc::new(u?);
            snap.users.insert(u.id, u);
        }
        let mut sites: HashMap<i64, String> = HashMap::new();
        let mut st = conn.prepare("SELECT id, url FROM sites")?;
        for row in st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (id, url) = row?;
            sites.insert(id, url);
        }
        let mut ways: HashMap<String, Vec<Way>> = HashMap::new();
        let mut st = conn.prepare(
            "SELECT id, flow_id, site_id, url, weight, geo, geox, device, bots, active, offers
             FROM ways WHERE archived = 0 ORDER BY flow_id, pos, id",
        )?;
        let rows = st.query_map([], |r| {
            let site: Option<i64> = r.get(2)?;
            let own: String = r.get(3)?;
            let url = site.and_then(|s| sites.get(&s).cloned()).unwrap_or(own);
            let device: String = r.get(7)?;
            Ok((
                r.get::<_, String>(1)?,
                Way {
                    id: r.get(0)?,
                    site: site.unwrap_or(0),
                    url,
                    weight: r.get::<_, i64>(4)?.clamp(0, u32::MAX as i64) as u32,
                    geo: split_list(&r.get::<_, String>(5)?),
                    geox: split_list(&r.get::<_, String>(6)?),
                    device: Device::parse(&device).unwrap_or(Device::Any),
                    bots: r.get::<_, i64>(8)? != 0,
                    active: r.get::<_, i64>(9)? != 0,
                    offers: offers::parse(&r.get::<_, String>(10)?)
                        .into_iter()
                        .filter_map(|(site, weight)| {
                            let url = sites.get(&site)?.clone();
                            Some(offers::Offer { site, weight, url })
                        })
                        .collect(),
                },
            ))
        })?;
        for row in rows {
            let (flow, way) = row?;
            ways.entry(flow).or_default().push(way);
        }
        let bases = snap.users.values().map(|u| (u.id.0, u.currency.clone()));
        let sources = source::load(conn, &bases.collect())?;
        let mut st = conn.prepare(
            "SELECT id, user_id, method, geo, lang, bots, uniq_hours, tb_site, tb_url, source_id
             FROM flows WHERE archived = 0",
        )?;
        let rows = st.query_map([], |r| {
            let id: FlowId = r.get(0)?;
            let tb_site: Option<i64> = r.get(7)?;
            let tb_url: String = r.get(8)?;
            let trafficback = match tb_site.and_then(|s| sites.get(&s).map(|u| (s, u.clone()))) {
                Some(t) => Some(t),
                None if !tb_url.is_empty() => Some((0, tb_url)),
                None => None,
            };
            Ok(Flow {
                ways: ways.remove(id.as_str()).unwrap_or_default(),
                id,
                user_id: r.get(1)?,
                method: Method::parse(&r.get::<_, String>(2)?).unwrap_or(Method::Redirect),
                geo: split_list(&r.get::<_, String>(3)?),
                lang: r.get::<_, i64>(4)? != 0,
                bots: r.get::<_, i64>(5)? != 0,
                uniq_secs: r.get::<_, i64>(6)? * 3600,
                trafficback,
                source: r
                    .get::<_, Option<i64>>(9)?
                    .and_then(|s| sources.get(&s).cloned()),
            })
        })?;
        for f in rows {
            let f = f?;
            snap.flows.insert(f.id.clone(), Arc::new(f));
        }
        let mut st = conn.prepare("SELECT user_id, entry FROM blacklist")?;
        for row in st.query_map([], |r| Ok((r.get::<_, UserId>(0)?, r.get::<_, String>(1)?)))? {
            let (user, entry) = row?;
            if let Some(net) = parse_net(&entry) {
                snap.blacklists.entry(user).or_default().push(net);
            }
        }
        Ok(snap)
    }

    pub fn blacklisted(&self, user: UserId, ip: Option<IpAddr>) -> bool {
        match (ip, self.blacklists.get(&user)) {
            (Some(ip), Some(list)) => list.iter().any(|n| n.contains(&ip)),
            _ => false,
        }
    }
}
