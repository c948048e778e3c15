//! The store's side of shipping to ClickHouse (docs/SCALING.md): every
//! write of clicks and leads adds a row to `ship_log` in its own
//! transaction while shipping is on, naming what to (re)send; the
//! shipper (src/clickhouse/ship.rs) reads a [`Batch`] of it, sends it, and
//! once ClickHouse has acknowledged, [`advance`]s past it through the
//! writer. A row is sent as the store holds it when the batch is read, so
//! a row sent twice (a crash between the acknowledgement and the advance)
//! or a change logged twice sends the same content; its version is the
//! log row's `seq`, which only grows, and ClickHouse keeps the newest.
mod batch;

pub use batch::{advance, next_batch, Batch, Progress};

use rusqlite::{params, Connection, OptionalExtension};

/// What a log row names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Click rows (with their price and dictionary texts).
    Clicks = 0,
    /// Leads, with their stage changes.
    Leads = 1,
    /// Every click and lead of a user, gone (`flowtrack demo` starts its
    /// user over): ClickHouse deletes them before what follows is sent.
    Removed = 2,
}

/// Every id: a range that names them all.
pub const ALL: (i64, i64) = (i64::MIN, i64::MAX);

const LOG_SQL: &str = "INSERT INTO ship_log (kind, user_id, lo, hi, ids)
     SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS
       (SELECT 1 FROM ship_state WHERE key = 'logging' AND value = '1')";

/// Logs `kind`'s rows with ids in `lo..=hi` (of `user`, 0: anyone's) to
/// be sent, when shipping is on: one cheap lookup when it is off.
pub fn log(conn: &Connection, kind: Kind, user: i64, (lo, hi): (i64, i64)) -> rusqlite::Result<()> {
    insert(conn, params![kind as i64, user, lo, hi, None::<Vec<u8>>])
}

fn insert(conn: &Connection, args: impl rusqlite::Params) -> rusqlite::Result<()> {
    match conn.prepare_cached(LOG_SQL) {
        Ok(mut st) => st.execute(args).map(drop),
        // A migration step before the log existed that finishes old work
        // through today's code (a change of base currency cut short, run
        // to its end by step 9): such a database ships nothing yet, and
        // turning shipping on sends everything it holds.
        Err(e) if e.to_string().contains("no such table: ship_") => Ok(()),
        Err(e) => Err(e),
    }
}

/// Logs the rows with the sorted, distinct `ids` (a spend's piece).
pub fn log_ids(conn: &Connection, kind: Kind, user: i64, ids: &[i64]) -> rusqlite::Result<()> {
    let (Some(&lo), Some(&hi)) = (ids.first(), ids.last()) else {
        return Ok(());
    };
    let blob = super::reprice::pieces::encode(ids);
    insert(conn, params![kind as i64, user, lo, hi, blob])
}

/// The id a new lead takes, as SQL for an INSERT's `id`: the next one
/// above the leads there are and, while shipping is on, above node
/// << 32, so that the leads of two nodes never share an id in ClickHouse
/// and in its reports (2^32 leads per node; leads made before shipping
/// started keep theirs, docs/SCALING.md "Node ids").
pub const NEW_LEAD_ID: &str = "(SELECT max(coalesce(max(id), 0) + 1,
       (SELECT coalesce(max((CAST(n.value AS INTEGER) << 32) + 1), 0) FROM ship_state n
          JOIN ship_state l ON l.key = 'logging' AND l.value = '1' WHERE n.key = 'node'))
     FROM leads)";

fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM ship_state WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

fn set(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO ship_state (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// The node's id in ClickHouse: chosen at random when the database was
/// made (or upgraded), or set by `--node`.
pub fn node(conn: &Connection) -> rusqlite::Result<u16> {
    Ok(get(conn, "node")?.and_then(|v| v.parse().ok()).unwrap_or(1))
}

/// Sets the node's id. Refused once anything was shipped under another
/// id: ClickHouse would then hold this node's history twice.
pub fn set_node(conn: &Connection, node: u16) -> Result<(), String> {
    let err = |e: rusqlite::Error| e.to_string();
    let old = self::node(conn).map_err(err)?;
    if old == node {
        return Ok(());
    }
    if get(conn, "shipped").map_err(err)?.is_some() {
        return Err(format!(
            "this database shipped to ClickHouse as node {old}; it cannot become node {node} \
             (its history would be counted twice)"
        ));
    }
    set(conn, "node", &node.to_string()).map_err(err)
}

/// What [`switch`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Switched {
    /// Nothing changed.
    Same,
    /// Shipping starts (or starts over for another ClickHouse database):
    /// everything the database holds is logged to be sent.
    Started,
    /// Shipping stopped: writes are no longer logged; a later start
    /// sends everything again.
    Stopped,
}

/// Turns the logging of writes on for ClickHouse database `target`
/// (its host, port and name), or off (None). Runs at start, before any
/// write. A gap in the log (a run without ClickHouse) or another target
/// cannot be bridged by the log, so then everything is sent again: the
/// versions make that safe.
pub fn switch(conn: &Connection, target: Option<&str>) -> rusqlite::Result<Switched> {
    let on = get(conn, "logging")?.as_deref() == Some("1");
    let old = get(conn, "target")?;
    match target {
        None if !on => Ok(Switched::Same),
        None => {
            set(conn, "logging", "0")?;
            conn.execute("DELETE FROM ship_log", [])?;
            Ok(Switched::Stopped)
        }
        Some(t) if on && old.as_deref() == Some(t) => Ok(Switched::Same),
        Some(t) => {
            conn.execute("DELETE FROM ship_log", [])?;
            set(conn, "logging", "1")?;
            set(conn, "target", t)?;
            log(conn, Kind::Clicks, 0, ALL)?;
            log(conn, Kind::Leads, 0, ALL)?;
            Ok(Switched::Started)
        }
    }
}

/// Logs every click and lead to be sent again when this node has shipped
/// before: its ClickHouse turned out empty (src/clickhouse/ship.rs).
pub fn resend_all(conn: &Connection) -> rusqlite::Result<()> {
    // Once: a resend already waiting covers it.
    let waiting: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM ship_log WHERE kind = ?1 AND user_id = 0 AND ids IS NULL
           AND lo = ?2 AND hi = ?3)",
        params![Kind::Clicks as i64, ALL.0, ALL.1],
        |r| r.get(0),
    )?;
    if get(conn, "shipped")?.is_some() && !waiting {
        tracing::warn!("ClickHouse has none of this node's tables: everything is sent again");
        log(conn, Kind::Clicks, 0, ALL)?;
        log(conn, Kind::Leads, 0, ALL)?;
    }
    Ok(())
}

/// How many log rows are waiting (the start line reports it).
pub fn waiting(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM ship_log", [], |r| r.get(0))
}
