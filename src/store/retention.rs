//! Keeping only recent click rows on a node that ships to ClickHouse
//! (`--keep-days`, README "Running it", docs/ARCHITECTURE.md "Keeping
//! only recent clicks"). [`trim`] deletes the oldest click rows, but only
//! those ClickHouse already holds: a click is shipped once no row of the
//! ship log (src/store/ship) can still name it, that is once its id is
//! below the smallest `lo` of every log row of clicks (a row of listed ids
//! too: its `lo` is where its sending stands), and only while writes are
//! logged at all.
//!
//! What goes with a click row: its price (click_cost), its entry of the
//! partial index clicks_lp, and the chunks of click columns all of whose
//! clicks are gone (a chunk holding a newer click stays whole). The
//! rollups stay: they are small, and the node's reports of old periods
//! still count those clicks (by date, flow, country, ...); what only the
//! click rows or columns answer (clicks.json, subid, ip, ...) holds the
//! kept clicks only, and ClickHouse has the rest. The long texts of the
//! dictionary stay too (shared by many clicks; a few bytes each).
//!
//! Each call records how far it got in `ship_state`: `kept_from`, a click
//! id below which no click row is left, and `kept_lp`, the latest landing
//! click among those deleted. `flowtrack store verify` compares only what
//! those clicks cannot have touched ([`horizon`]).
use rusqlite::{params, Connection, OptionalExtension};

/// Where `flowtrack store verify` may compare the copies with the click
/// rows on a trimmed node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    /// No click row with a smaller id is left (those of the chunks are
    /// not compared).
    pub kept_from: i64,
    /// The first 15-minute bucket of the click rollups that no deleted
    /// click counted in.
    pub bucket: i64,
    /// The first bucket of the landing-click rollups that no deleted
    /// click's landing click counted in.
    pub lp_bucket: i64,
}

impl std::fmt::Display for Horizon {
    /// "the click rows before 2027-01-15 08:00 UTC are gone (--keep-days)"
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.kept_from >> 16;
        match jiff::Timestamp::from_millisecond(ms) {
            Ok(t) => write!(
                f,
                "the click rows before {} are gone",
                t.strftime("%Y-%m-%d %H:%M:%S UTC")
            )?,
            Err(_) => write!(f, "the click rows below id {} are gone", self.kept_from)?,
        }
        f.write_str(" (--keep-days)")
    }
}

/// A 15-minute bucket in row keys (click_id: unix ms << 16).
const BUCKET_KEYS: i64 = 900_000 << 16;

fn state(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM ship_state WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

fn set_state(conn: &Connection, key: &str, value: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO ship_state (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value.to_string()])?;
    Ok(())
}

fn state_int(conn: &Connection, key: &str) -> rusqlite::Result<Option<i64>> {
    Ok(state(conn, key)?.and_then(|v| v.parse().ok()))
}

/// Every click with a smaller id is in ClickHouse; None while writes are
/// not logged (shipping off: nothing is known to be there).
fn shipped_below(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    if state(conn, "logging")?.as_deref() != Some("1") {
        return Ok(None);
    }
    // The log is short while ClickHouse takes rows (a row goes once
    // acknowledged); during an outage a scan of it each hour is cheap
    // beside the writes it logs.
    let lo: Option<i64> = conn
        .prepare_cached("SELECT min(lo) FROM ship_log WHERE kind = ?1")?
        .query_row([super::ship::Kind::Clicks as i64], |r| r.get(0))?;
    Ok(Some(lo.unwrap_or(i64::MAX)))
}

/// Deletes at most `max` click rows, the oldest first, with ids below
/// both `before_key` and the oldest click not yet in ClickHouse, with all
/// the store keeps of them but the rollups (above); answers how many. A
/// writer job: one transaction.
pub fn trim(conn: &Connection, before_key: i64, max: usize) -> rusqlite::Result<usize> {
    let Some(shipped) = shipped_below(conn)? else {
        return Ok(0);
    };
    let cut = before_key.min(shipped);
    let (n, last, lp): (i64, Option<i64>, Option<i64>) = conn
        .prepare_cached(
            "SELECT count(*), max(id), max(lp) FROM
               (SELECT id, lp FROM clicks WHERE id < ?1 ORDER BY id LIMIT ?2)",
        )?
        .query_row(params![cut, max as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let Some(last) = last else {
        return Ok(0);
    };
    // Below `bound` no click row is left once these are deleted: every
    // one below the cut, or the first `max` of them.
    let bound = match (n as usize) < max {
        true => cut,
        false => last + 1,
    };
    conn.prepare_cached("DELETE FROM clicks WHERE id < ?1")?
        .execute([bound])?;
    // By range, not by the deleted ids: a price spend.json wrote for a
    // click already gone (its chunk kept it) goes too.
    conn.prepare_cached("DELETE FROM click_cost WHERE id < ?1")?
        .execute([bound])?;
    // A chunk's id is its first click's: the range finds the candidates.
    conn.prepare_cached(
        "DELETE FROM click_cols_cost WHERE id IN
           (SELECT id FROM click_cols WHERE id < ?1 AND last < ?1)",
    )?
    .execute([bound])?;
    conn.prepare_cached("DELETE FROM click_cols WHERE id < ?1 AND last < ?1")?
        .execute([bound])?;
    let kept_from = state_int(conn, "kept_from")?.unwrap_or(i64::MIN).max(bound);
    set_state(conn, "kept_from", kept_from)?;
    let kept_lp = state_int(conn, "kept_lp")?
        .unwrap_or(0)
        .max(lp.unwrap_or(0));
    set_state(conn, "kept_lp", kept_lp)?;
    Ok(n as usize)
}

/// How far the click rows were trimmed; None when never.
pub fn horizon(conn: &Connection) -> rusqlite::Result<Option<Horizon>> {
    // A database before the ship log (a read-only verify of an old file)
    // was never trimmed.
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM main.sqlite_master WHERE name = 'ship_state')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(None);
    }
    let Some(kept_from) = state_int(conn, "kept_from")? else {
        return Ok(None);
    };
    let kept_lp = state_int(conn, "kept_lp")?.unwrap_or(0);
    Ok(Some(Horizon {
        kept_from,
        // The first bucket whose first key is at or after kept_from.
        bucket: kept_from.div_euclid(BUCKET_KEYS)
            + i64::from(kept_from.rem_euclid(BUCKET_KEYS) > 0),
        // A deleted click landed at kept_lp at the latest.
        lp_bucket: kept_lp.div_euclid(900) + 1,
    }))
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
