//! The flow's filters in their order and the weighted way choice
//! (docs/API.md "The click path"). The first filter that blocks is the
//! one recorded.
use crate::geo::countries::accept_language_matches;
use crate::snapshot::{Device, Flow, Snapshot, Way};
use crate::user_agent::{Os, UaInfo};
use rand::Rng;
use std::net::IpAddr;

pub use crate::codes::{FilterCode, FILTER_NAMES as NAMES};

pub struct Ctx<'a> {
    pub ua: UaInfo,
    pub geo: &'a str,
    pub ip: Option<IpAddr>,
    pub accept_language: &'a str,
}

pub enum Filter<'f> {
    Target(&'f Way),
    Blocked(FilterCode),
}

fn listed(list: &[String], geo: &str) -> bool {
    list.iter().any(|c| c == geo)
}

/// Whether a way's own rules let this visitor through.
pub fn accepts(way: &Way, ctx: &Ctx) -> bool {
    way.active
        && (way.geo.is_empty() || listed(&way.geo, ctx.geo))
        && !listed(&way.geox, ctx.geo)
        && !(way.bots && ctx.ua.bot)
        && match way.device {
            Device::Any => true,
            Device::Desktop => !ctx.ua.mobile,
            Device::Mobile => ctx.ua.mobile,
            Device::Ios => ctx.ua.os == Os::Ios,
            Device::Android => ctx.ua.os == Os::Android,
        }
}

pub fn decide<'f>(flow: &'f Flow, snap: &Snapshot, ctx: &Ctx, sticky: Option<i64>) -> Filter<'f> {
    if flow.bots && ctx.ua.bot {
        return Filter::Blocked(FilterCode::Bot);
    }
    if snap.blacklisted(flow.user_id, ctx.ip) {
        return Filter::Blocked(FilterCode::Blacklist);
    }
    if !flow.geo.is_empty() && !listed(&flow.geo, ctx.geo) {
        return Filter::Blocked(FilterCode::Country);
    }
    if flow.lang && !flow.geo.is_empty() && !accept_language_matches(ctx.accept_language, &flow.geo)
    {
        return Filter::Blocked(FilterCode::Language);
    }
    // A returning visitor keeps their way while it still accepts them.
    if let Some(w) = sticky
        .and_then(|id| flow.ways.iter().find(|w| w.id == id))
        .filter(|w| w.weight > 0 && accepts(w, ctx))
    {
        return Filter::Target(w);
    }
    match pick(flow.ways.iter().filter(|w| accepts(w, ctx) && w.weight > 0)) {
        Some(w) => Filter::Target(w),
        None => Filter::Blocked(FilterCode::Rules),
    }
}

/// Weighted random choice.
fn pick<'f>(ways: impl Iterator<Item = &'f Way> + Clone) -> Option<&'f Way> {
    let total: u64 = ways.clone().map(|w| w.weight as u64).sum();
    if total == 0 {
        return None;
    }
    let mut roll = rand::rng().random_range(0..total);
    for w in ways {
        if roll < w.weight as u64 {
            return Some(w);
        }
        roll -= w.weight as u64;
    }
    None
}
