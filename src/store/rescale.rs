//! A change of a user's base currency (profile.json). Click prices, the
//! rollups' spend and the leads' base amounts are kept in the base
//! currency (docs/API.md, schema.sql), so all of them are multiplied by the
//! rate between the two currencies: otherwise reports would add up
//! amounts in two currencies.
//!
//! It rewrites every price of the user, millions of rows for a busy one,
//! so the writer runs it as a task a slice at a time between batches of
//! clicks (src/db/writer/tasks.rs). The first slice sets the currency
//! and converts the leads and their rollups at once: postbacks write
//! those between slices, in the currency they read. The click prices
//! (click_cost and the click columns) follow by ranges of click ids, then
//! the rollups' spend by ranges of 15-minute buckets. What is left is
//! kept in `rescale_pending` (phase and cursor), moved on in each
//! slice's transaction, so every price is multiplied exactly once and a
//! crash resumes the change at start. Clicks stored meanwhile have no
//! price, and the user's spends wait for the change (tasks of one user
//! run one after another), so nothing else moves these prices meanwhile.
use crate::api::error::ApiResult;
use crate::click_id::key_bucket;
use crate::db::writer::{Task, SLICE};
use crate::ids::UserId;
use crate::store::cols::store::scale_prices;
use crate::store::rollup::KINDS;
use rusqlite::types::Value as Sql;
use rusqlite::vtab::array::Array;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use std::rc::Rc;
use std::time::Instant;

/// The click prices, then click_wide, then each kind of click_roll.
const CLICKS: i64 = 0;
const WIDE: i64 = 1;
const ROLL: i64 = 2;
const DONE: i64 = ROLL + KINDS.len() as i64;

/// 15-minute buckets of rollup rows converted by one statement.
const BUCKETS: i64 = 4;

/// The change of `user`'s base currency to `to` (a known currency), for
/// the writer to run; it answers once every price is converted.
pub fn change(user: UserId, to: &str) -> Box<dyn Task> {
    Box::new(Rescale {
        user: user.0,
        to: Some(to.to_string()),
    })
}

/// The users whose change of base currency is under way (past its first
/// slice), by id.
pub(super) fn pending_users(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut st =
        conn.prepare_cached("SELECT user_id FROM main.rescale_pending ORDER BY user_id")?;
    let rows = st.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// The changes a crash interrupted, finished first.
pub fn resume(conn: &Connection) -> rusqlite::Result<Vec<Box<dyn Task>>> {
    let mut st = conn.prepare("SELECT user_id FROM rescale_pending")?;
    let rows = st.query_map([], |r| {
        Ok(Box::new(Rescale {
            user: r.get(0)?,
            to: None,
        }) as Box<dyn Task>)
    })?;
    rows.collect()
}

struct Rescale {
    user: i64,
    /// The new currency until the first slice committed; None when
    /// resumed.
    to: Option<String>,
}

/// What is left: the rate, the phase, where in it, and the last click
/// priced before the change began.
struct Left {
    rate: f64,
    phase: i64,
    cursor: i64,
    horizon: i64,
}

impl Rescale {
    /// The first slice's work: the currency, the leads, and what is left.
    /// None when there is nothing more to do.
    fn begin(&self, conn: &Connection, to: &str) -> ApiResult<Option<Left>> {
        let old: String = conn.query_row(
            "SELECT currency FROM users WHERE id = ?1",
            [self.user],
            |r| r.get(0),
        )?;
        if old == to {
            return Ok(None);
        }
        let rate = crate::rates::convert(conn, 1.0, &old, to, "currency")?;
        conn.execute(
            "UPDATE users SET currency = ?1 WHERE id = ?2",
            params![to, self.user],
        )?;
        for sql in [
            "UPDATE lead_roll SET mh = mh * ?1, ma = ma * ?1 WHERE user_id = ?2",
            "UPDATE leads SET base = base * ?1 WHERE user_id = ?2 AND base <> 0",
        ] {
            conn.execute(sql, params![rate, self.user])?;
        }
        let horizon: Option<i64> = conn.query_row(
            "SELECT max(last) FROM click_cols WHERE user_id = ?1",
            [self.user],
            |r| r.get(0),
        )?;
        let Some(horizon) = horizon else {
            return Ok(None);
        };
        let left = Left {
            rate,
            phase: CLICKS,
            cursor: i64::MIN,
            horizon,
        };
        conn.execute(
            "INSERT INTO rescale_pending (user_id, rate, phase, cursor, horizon)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![self.user, rate, left.phase, left.cursor, left.horizon],
        )?;
        Ok(Some(left))
    }

    /// One step of `left`, a range of clicks or of buckets, moving it on.
    fn step(&self, conn: &Connection, left: &mut Left) -> rusqlite::Result<()> {
        if left.phase == CLICKS {
            // Up to the next chunk: about one chunk's clicks.
            let next: Option<i64> = conn
                .prepare_cached("SELECT min(id) FROM click_cols WHERE user_id = ?1 AND id > ?2")?
                .query_row(params![self.user, left.cursor], |r| r.get(0))?;
            let end = next.unwrap_or(i64::MAX).min(left.horizon.saturating_add(1));
            let ids = scale_prices(conn, self.user, (left.cursor, end), left.rate)?;
            let ids: Array = Rc::new(ids.into_iter().map(Sql::Integer).collect());
            conn.prepare_cached(
                "UPDATE click_cost SET cost = cost * ?1 WHERE id IN (SELECT value FROM rarray(?2))",
            )?
            .execute(params![left.rate, ids])?;
            left.cursor = end;
            if end > left.horizon {
                (left.phase, left.cursor) = (WIDE, i64::MIN);
            }
            return Ok(());
        }
        // A range of rollup rows: [user, bucket, kind] as their SQL wants.
        let roll = left.phase != WIDE;
        let table = if roll { "click_roll" } else { "click_wide" };
        let kind = if roll { " AND kind = ?3" } else { "" };
        let mut args = vec![Sql::Integer(self.user), Sql::Integer(left.cursor)];
        if roll {
            args.push(Sql::Integer(left.phase - ROLL));
        }
        let first: Option<i64> = conn
            .prepare_cached(&format!(
                "SELECT min(bucket) FROM {table} WHERE user_id = ?1 AND bucket >= ?2{kind}"
            ))?
            .query_row(rusqlite::params_from_iter(&args), |r| r.get(0))?;
        let Some(first) = first.filter(|&b| b <= key_bucket(left.horizon)) else {
            (left.phase, left.cursor) = (left.phase + 1, i64::MIN);
            return Ok(());
        };
        let end = first + BUCKETS;
        args[1] = Sql::Integer(first);
        args.extend([Sql::Real(left.rate), Sql::Integer(end)]);
        conn.prepare_cached(&format!(
            "UPDATE {table} SET cost = cost * ?{r} WHERE user_id = ?1 AND bucket >= ?2
               AND bucket < ?{e}{kind} AND cost <> 0",
            r = args.len() - 1,
            e = args.len(),
        ))?
        .execute(rusqlite::params_from_iter(&args))?;
        left.cursor = end;
        Ok(())
    }
}

impl Task for Rescale {
    fn key(&self) -> i64 {
        self.user
    }

    fn slice(&mut self, conn: &Connection) -> ApiResult<Option<Value>> {
        let started = Instant::now();
        let kept = conn
            .query_row(
                "SELECT rate, phase, cursor, horizon FROM rescale_pending WHERE user_id = ?1",
                [self.user],
                |r| {
                    Ok(Left {
                        rate: r.get(0)?,
                        phase: r.get(1)?,
                        cursor: r.get(2)?,
                        horizon: r.get(3)?,
                    })
                },
            )
            .optional()?;
        let left = match (kept, &self.to) {
            (Some(left), _) => Some(left),
            (None, Some(to)) => self.begin(conn, to)?,
            (None, None) => None,
        };
        let Some(mut left) = left else {
            return Ok(Some(json!({})));
        };
        while left.phase < DONE && started.elapsed() <= SLICE {
            self.step(conn, &mut left)?;
        }
        if left.phase >= DONE {
            conn.execute(
                "DELETE FROM rescale_pending WHERE user_id = ?1",
                [self.user],
            )?;
            // ClickHouse gets the converted prices once they all are.
            for kind in [super::ship::Kind::Clicks, super::ship::Kind::Leads] {
                super::ship::log(conn, kind, self.user, super::ship::ALL)?;
            }
            return Ok(Some(json!({})));
        }
        conn.execute(
            "UPDATE rescale_pending SET phase = ?2, cursor = ?3 WHERE user_id = ?1",
            params![self.user, left.phase, left.cursor],
        )?;
        Ok(None)
    }

    fn abandon(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        tracing::error!(
            user = self.user,
            "a change of base currency gave up part way; prices are mixed"
        );
        conn.execute(
            "DELETE FROM rescale_pending WHERE user_id = ?1",
            [self.user],
        )?;
        Ok(())
    }
}
