//! Landing pages on the click path (docs/API.md "Landing pages"): the
//! offer a visitor gets behind a way's landing page, the `{lpclick}`
//! macro, the `ftlp` cookie, and the memory of recent landing clicks
//! that lets `/lp` (src/clicks/lp.rs) find a click without the database.
//! A way without a landing page never comes here.
use super::macros;
use crate::click_id as id;
use crate::snapshot::{offers, Way};
use crate::store::record::ClickRecord;
use actix_web::HttpRequest;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The cookie naming a visitor's last landing click for `/lp` without an
/// id in the link.
pub const COOKIE: &str = "ftlp";
/// How long the cookie and the memory keep a landing click.
pub const MAX_AGE_SECS: i64 = 86_400;
/// Most landing clicks the memory keeps (a few hundred bytes each);
/// older ones are read from the database (docs/API.md "Landing pages").
pub const MEMORY: usize = 65_536;
const SHARDS: usize = 8;

/// Sets the click's landing page and the offer its visitor gets (sticky:
/// the same visitor always gets the same offer behind the same way).
pub fn choose(way: &Way, record: &mut ClickRecord) {
    record.landing = way.site;
    record.offer = offers::pick(&way.offers, record.vid, way.id).map_or(0, |o| o.site);
}

/// The landing page's URL for `record`: the usual macros, and
/// `{lpclick}`, the link to the offer through this tracker
/// (`{origin}/lp/{click}`, percent-encoded like every macro value).
pub fn url(
    way: &Way,
    record: &ClickRecord,
    click_id: &str,
    origin: impl FnOnce() -> String,
) -> String {
    let url = macros::expand(&way.url, record, click_id);
    if !url.contains("{lpclick}") {
        return url;
    }
    let mut link = String::with_capacity(64);
    macros::encode(&format!("{}/lp/{click_id}", origin()), &mut link);
    url.replace("{lpclick}", &link)
}

/// A copy of `record` for the memory, without its user agent and
/// referer, which `/lp` does not need (so they are never copied).
pub fn memo(record: &mut ClickRecord) -> ClickRecord {
    let ua = std::mem::take(&mut record.ua);
    let referer = std::mem::take(&mut record.referer);
    let memo = record.clone();
    record.ua = ua;
    record.referer = referer;
    memo
}

/// The `Set-Cookie` of the landing click's id: sent only to `/lp`, for a
/// day; `secure` over HTTPS.
pub fn set_cookie(click_id: &str, secure: bool) -> String {
    let mut out =
        format!("{COOKIE}={click_id}; Max-Age={MAX_AGE_SECS}; Path=/lp; HttpOnly; SameSite=Lax");
    if secure {
        out.push_str("; Secure");
    }
    out
}

/// The click id the `ftlp` cookie holds.
pub fn read_cookie(req: &HttpRequest) -> Option<String> {
    super::visitor::cookie(req, COOKIE).map(str::to_string)
}

struct Memo {
    click: Arc<ClickRecord>,
    /// Its landing click is stored or queued.
    counted: bool,
}

/// Recent landing clicks by row key, bounded by age and count: what `/lp`
/// needs to answer (owner, flow, way, offer and the macros' values; not
/// the user agent or referer) and whether it was counted.
pub struct Recent {
    shards: [Mutex<BTreeMap<i64, Memo>>; SHARDS],
    cap: usize,
}

impl Default for Recent {
    fn default() -> Recent {
        Recent::with_cap(MEMORY)
    }
}

impl Recent {
    pub fn with_cap(cap: usize) -> Recent {
        Recent {
            shards: Default::default(),
            cap: cap.div_ceil(SHARDS).max(1),
        }
    }

    fn shard(&self, key: i64) -> std::sync::MutexGuard<'_, BTreeMap<i64, Memo>> {
        // Keys of one millisecond differ in their low bits, those of an
        // idle tracker in their time: both spread.
        let i = ((key >> 16) ^ key) as usize % SHARDS;
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps `click` (its user agent and referer dropped), forgetting the
    /// oldest past the bounds.
    pub fn remember(&self, mut click: ClickRecord, counted: bool) {
        click.ua = String::new();
        click.referer = String::new();
        let key = click.key;
        let oldest = (jiff::Timestamp::now().as_second() - MAX_AGE_SECS).max(0);
        let mut shard = self.shard(key);
        while let Some(first) = shard.first_key_value().map(|(k, _)| *k) {
            if shard.len() < self.cap && id::key_time(first) >= oldest {
                break;
            }
            shard.pop_first();
        }
        let click = Arc::new(click);
        shard.insert(key, Memo { click, counted });
    }

    /// A copy of the remembered click `key` if its secret is `secret`,
    /// and whether this visit is the one that counts its landing click
    /// (then it is marked counted: give it back with [`Recent::unclaim`]
    /// if it cannot be queued). `count` false only looks (HEAD).
    pub fn claim(&self, key: i64, secret: i64, count: bool) -> Option<(Arc<ClickRecord>, bool)> {
        let mut shard = self.shard(key);
        let memo = shard.get_mut(&key).filter(|m| m.click.secret == secret)?;
        let first = count && !memo.counted;
        memo.counted |= first;
        Some((memo.click.clone(), first))
    }

    /// The landing click of `key` was not queued after all.
    pub fn unclaim(&self, key: i64) {
        if let Some(m) = self.shard(key).get_mut(&key) {
            m.counted = false;
        }
    }

    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |s| s.len()))
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(key: i64) -> ClickRecord {
        ClickRecord {
            key,
            secret: 7,
            ua: "Mozilla".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_landing_click_counts_once_and_only_with_its_secret() {
        let r = Recent::with_cap(16);
        let now = jiff::Timestamp::now().as_millisecond() << 16;
        r.remember(click(now), false);
        assert!(r.claim(now, 8, true).is_none());
        assert!(r.claim(now + 1, 7, true).is_none());
        let (c, first) = r.claim(now, 7, false).unwrap();
        assert!(!first && c.ua.is_empty());
        assert!(r.claim(now, 7, true).unwrap().1);
        assert!(!r.claim(now, 7, true).unwrap().1);
        r.unclaim(now);
        assert!(r.claim(now, 7, true).unwrap().1);
    }

    #[test]
    fn the_memory_is_bounded_by_count_and_age() {
        let r = Recent::with_cap(SHARDS * 4);
        let now = jiff::Timestamp::now().as_millisecond() << 16;
        for k in 0..1000 {
            r.remember(click(now + k), false);
        }
        assert!(r.len() <= SHARDS * 4, "{}", r.len());
        assert!(r.claim(now + 999, 7, false).is_some());
        let r = Recent::with_cap(64);
        let old = (jiff::Timestamp::now().as_millisecond() - 2 * MAX_AGE_SECS * 1000) << 16;
        for k in 0..SHARDS as i64 * 3 {
            r.remember(click(old + k), false);
        }
        for k in 0..SHARDS as i64 * 3 {
            r.remember(click(now + k), false);
        }
        assert!((0..SHARDS as i64 * 3).all(|k| r.claim(old + k, 7, false).is_none()));
    }
}
