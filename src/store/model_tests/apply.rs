//! A model case's database, written the way the server writes it: clicks
//! through the writer's [`Appender`], a batch a transaction; leads
//! through postback.json's parsing and write; spends through
//! spend.json's parsing, `store::reprice::collect` and the writer's
//! spend task; base-currency changes through `store::rescale`'s task,
//! each task a slice a transaction until it is done. Beside it, what the
//! operations say the rows hold: each click's price, each lead's stage,
//! money and time, each user's currency (leads.rs, spend.rs).
use super::check::Checked;
pub use super::leads::{Lead, Source};
use super::ops::{dim, Click, Op, CURRENCIES, DIMS};
use crate::codes::FilterCode;
use crate::db::writer::{Sink, Task};
use crate::ids::UserId;
use crate::store::append::Appender;
use crate::store::record::ClickRecord;
use crate::user_agent::{Browser, Os};
use jiff::tz::TimeZone;
use rusqlite::{params, Connection, TransactionBehavior};
use std::collections::HashMap;

pub struct World {
    _dir: tempfile::TempDir,
    pub conn: Connection,
    pub pool: crate::db::Pool,
    pub zones: [TimeZone; 2],
    pub currency: [String; 2],
    /// Every click stored, as the writer got it, and as generated.
    pub clicks: Vec<(ClickRecord, Click)>,
    /// Click key → price in its user's base currency; no entry is 0.
    pub prices: HashMap<i64, f64>,
    pub leads: Vec<Lead>,
    appender: Appender,
}

/// The first day of the clicks plus `days`, as spend.json and stats.json
/// take dates.
pub fn date(days: i64) -> jiff::civil::Date {
    jiff::civil::date(2024, 4, 5)
        .checked_add(jiff::Span::new().days(days))
        .expect("a date near T0")
}

impl World {
    pub fn new(zones: [&str; 2]) -> World {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.db");
        let mut conn = crate::schema::open_and_migrate(&path).unwrap();
        crate::rates::seed(&mut conn).unwrap();
        for (i, zone) in zones.iter().enumerate() {
            conn.execute(
                "INSERT INTO users (id, name, token_hash, password, timezone, created)
                 VALUES (?1, 'u' || ?1, 't' || ?1, '', ?2, 0)",
                params![i as i64 + 1, zone],
            )
            .unwrap();
        }
        for (flow, user, way) in [("fa", 1, 11), ("fb", 1, 12), ("ga", 2, 21), ("gb", 2, 22)] {
            conn.execute(
                "INSERT INTO flows (id, user_id, name, created) VALUES (?1, ?2, ?1, 0)",
                params![flow, user],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO ways (id, user_id, flow_id) VALUES (?1, ?2, ?3)",
                params![way, user, flow],
            )
            .unwrap();
        }
        let pool = crate::db::pool(&path, 2).unwrap();
        World {
            _dir: dir,
            conn,
            pool,
            zones: zones.map(|z| TimeZone::get(z).unwrap()),
            currency: ["usd".into(), "usd".into()],
            clicks: Vec::new(),
            prices: HashMap::new(),
            leads: Vec::new(),
            appender: Appender::default(),
        }
    }

    pub fn apply(&mut self, op: &Op) -> Checked {
        match op {
            Op::Batch(clicks) => self.batch(clicks),
            Op::Trickle(n, c) => {
                for i in 0..*n as u32 {
                    let sec = c.sec + i;
                    self.batch(&[Click {
                        day: c.day + (sec / 86_400) as u8,
                        sec: sec % 86_400,
                        ..c.clone()
                    }]);
                }
            }
            Op::Postback(p) => self.postback(p),
            Op::Spend(s) => return self.spend(s),
            Op::Currency(user, to) => self.rescale(*user, CURRENCIES[*to as usize]),
        }
        Ok(())
    }

    /// One writer batch: the rows and every derived copy, one transaction.
    fn batch(&mut self, clicks: &[Click]) {
        let n = self.clicks.len();
        let records: Vec<ClickRecord> = (n..)
            .zip(clicks)
            .map(|(i, c)| record(i as i64, c))
            .collect();
        let tx = self.conn.transaction().unwrap();
        let run: Vec<&ClickRecord> = records.iter().collect();
        self.appender.clicks(&tx, &run).unwrap();
        self.appender.flush(&tx).unwrap();
        tx.commit().unwrap();
        self.appender.committed();
        self.clicks
            .extend(records.into_iter().zip(clicks.iter().cloned()));
    }

    pub(super) fn rate(&self, currency: &str) -> f64 {
        let sql = "SELECT rate FROM rates WHERE currency = ?1";
        self.conn.query_row(sql, [currency], |r| r.get(0)).unwrap()
    }

    /// postback.json's conversion: `amount` in `from` into `to`.
    pub(super) fn convert(&self, amount: f64, from: &str, to: &str) -> f64 {
        match from == to {
            true => amount,
            false => amount / self.rate(from) * self.rate(to),
        }
    }

    fn rescale(&mut self, user: u8, to: &str) {
        let uid = user as i64 + 1;
        self.run(crate::store::rescale::change(UserId(uid), to));
        let old = std::mem::replace(&mut self.currency[user as usize], to.into());
        let rate = self.convert(1.0, &old, to);
        let users: HashMap<i64, i64> = self
            .clicks
            .iter()
            .map(|(r, _)| (r.key, r.user_id.0))
            .collect();
        for (key, price) in self.prices.iter_mut() {
            if users[key] == uid {
                *price *= rate;
            }
        }
        for l in self.leads.iter_mut().filter(|l| l.user == uid) {
            l.base *= rate;
        }
    }

    /// A writer task, a slice a transaction, to its end.
    pub(super) fn run(&mut self, mut task: Box<dyn Task>) {
        loop {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .unwrap();
            let done = task.slice(&tx).unwrap();
            tx.commit().unwrap();
            if done.is_some() {
                return;
            }
        }
    }

    /// User 0 or 1 as a request sees it.
    pub fn user(&self, u: u8) -> crate::snapshot::User {
        crate::snapshot::User {
            id: UserId(u as i64 + 1),
            name: format!("u{}", u + 1),
            timezone: String::new(),
            tz: self.zones[u as usize].clone(),
            currency: self.currency[u as usize].clone(),
            postback_nonce: 0,
            legacy_postback: false,
        }
    }
}

/// The `n`th click stored, as the click path hands it to the writer.
fn record(n: i64, c: &Click) -> ClickRecord {
    // Unique keys: the sequence bits count the clicks.
    let key = (c.time() * 1000) << 16 | (n & 0xffff);
    let mut r = ClickRecord {
        key,
        secret: n * 7 + 1,
        user_id: UserId(c.user as i64 + 1),
        unique: c.unique,
        ..ClickRecord::default()
    };
    for i in 0..DIMS {
        let v = c.value(i);
        let int = || v.parse::<i64>().unwrap();
        let t = &mut r.tags;
        match dim(i).1 {
            "flow" => r.flow = v.into(),
            "way" => r.way = int(),
            "site" => r.site = int(),
            "filter" => r.filter = FilterCode::from_code(int()).unwrap(),
            "geo" => r.geo = v.into(),
            "mobile" => r.mobile = int() != 0,
            "os" => r.os = Os::from_code(int()).unwrap(),
            "browser" => r.browser = Browser::from_code(int()).unwrap(),
            "domain" => r.domain = v.into(),
            "ip" => r.ip = v.into(),
            "source" => r.source = int(),
            "landing" => r.landing = int(),
            "offer" => r.offer = int(),
            // The tags of the query string, through the registry.
            column => match crate::store::registry::DIMS
                .iter()
                .find(|d| d.column == column)
                .and_then(|d| crate::store::registry::tag_mut(d, t))
            {
                Some(tag) => *tag = v.into(),
                None => panic!("a dimension the model test does not know: {column}"),
            },
        }
    }
    r
}
