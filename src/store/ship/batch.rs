//! Reading the ship log into a batch of rows for ClickHouse, and moving
//! past it once ClickHouse has them (docs/SCALING.md "Shipping").
use super::Kind;
use crate::store::page::{record, RECORD, RECORD_FROM};
use crate::store::registry::{Val, DIMS};
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::vtab::array::Array;
use rusqlite::{params, Connection, ToSql};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::rc::Rc;

/// Log rows read at once; a batch may end earlier (its row budget).
const LOG_ROWS: i64 = 256;

/// Rows for ClickHouse as JSONEachRow lines, one text per table, and how
/// far through the log they go.
#[derive(Debug, Default)]
pub struct Batch {
    pub clicks: String,
    pub leads: String,
    pub stages: String,
    /// A user whose clicks and leads ClickHouse deletes before anything
    /// later is sent (a batch that has one has nothing else).
    pub removed: Option<i64>,
    /// Clicks, leads and stage changes in the batch.
    pub rows: usize,
    pub progress: Progress,
    /// The clicks and leads already in it: two log rows of one batch may
    /// name the same row (a click and its landing click), and a part
    /// ClickHouse writes must hold each key once, so that a day merged
    /// into one part counts each row once without `FINAL`
    /// (src/clickhouse/parts.rs).
    in_clicks: HashSet<i64>,
    in_leads: HashSet<i64>,
}

/// How far through the log a batch goes.
#[derive(Debug, Default, Clone, Copy)]
pub struct Progress {
    /// Every log row up to this seq is in the batch.
    done: Option<i64>,
    /// The log row the batch sent only part of: (seq, the next id).
    partial: Option<(i64, i64)>,
}

impl Progress {
    /// Whether the batch has nothing to send or move past.
    pub fn is_empty(&self) -> bool {
        self.done.is_none() && self.partial.is_none()
    }

    /// Whether the batch stopped within a log row, or at its budget.
    pub fn more(&self) -> bool {
        self.partial.is_some()
    }
}

struct LogRow {
    seq: i64,
    kind: i64,
    user: i64,
    lo: i64,
    hi: i64,
    ids: Option<Vec<u8>>,
}

/// The next batch of at most about `budget` rows, from the oldest log
/// rows, each row tagged with `node` and its log row's seq as version.
pub fn next_batch(conn: &Connection, node: u16, budget: usize) -> rusqlite::Result<Batch> {
    let mut st = conn.prepare_cached(
        "SELECT seq, kind, user_id, lo, hi, ids FROM ship_log ORDER BY seq LIMIT ?1",
    )?;
    let log: Vec<LogRow> = st
        .query_map([LOG_ROWS], |r| {
            Ok(LogRow {
                seq: r.get(0)?,
                kind: r.get(1)?,
                user: r.get(2)?,
                lo: r.get(3)?,
                hi: r.get(4)?,
                ids: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut b = Batch::default();
    for row in log {
        if row.kind == Kind::Removed as i64 {
            // Alone in its batch: the deletion goes before what follows,
            // after what came before.
            if b.progress.done.is_none() {
                b.removed = Some(row.user);
                b.progress.done = Some(row.seq);
            }
            return Ok(b);
        }
        let room = budget.saturating_sub(b.rows);
        if room == 0 {
            return Ok(b);
        }
        // A piece's ids, from where the last batch stopped.
        let ids = row.ids.as_deref().map(|blob| {
            let mut ids = crate::store::reprice::pieces::decode(blob).unwrap_or_default();
            ids.retain(|&id| id >= row.lo);
            ids
        });
        let (sent, last) = match row.kind {
            k if k == Kind::Clicks as i64 => clicks(conn, &mut b, node, &row, ids, room)?,
            _ => leads(conn, &mut b, node, &row, ids, room)?,
        };
        match last {
            Some(last) if sent >= room && last < row.hi => {
                b.progress.partial = Some((row.seq, last + 1));
                return Ok(b);
            }
            _ => b.progress.done = Some(row.seq),
        }
    }
    Ok(b)
}

/// The WHERE of a log row's rows (`id` is the table's id column), its
/// arguments, and the LIMIT.
fn span(
    id: &str,
    row: &LogRow,
    ids: Option<Vec<i64>>,
    room: usize,
) -> (String, Vec<Box<dyn ToSql>>) {
    let mut sql = format!("{id} >= ?1 AND {id} <= ?2");
    let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(row.lo), Box::new(row.hi)];
    if row.user != 0 {
        let user = if id == "c.id" { "c.user_id" } else { "user_id" };
        let _ = write!(sql, " AND {user} = ?3");
        args.push(Box::new(row.user));
    }
    if let Some(ids) = ids {
        let n = args.len() + 1;
        let _ = write!(sql, " AND {id} IN (SELECT value FROM rarray(?{n}))");
        let array: Array = Rc::new(ids.into_iter().map(Sql::Integer).collect());
        args.push(Box::new(array));
    }
    // The room is bound, so that a few statements serve every log row.
    let _ = write!(sql, " ORDER BY {id} LIMIT ?{}", args.len() + 1);
    args.push(Box::new(room as i64));
    (sql, args)
}

/// Adds a log row's clicks (at most `room`); answers how many and the
/// last id.
fn clicks(
    conn: &Connection,
    b: &mut Batch,
    node: u16,
    row: &LogRow,
    ids: Option<Vec<i64>>,
    room: usize,
) -> rusqlite::Result<(usize, Option<i64>)> {
    let (cond, args) = span("c.id", row, ids, room);
    let sql = format!("{} {} WHERE {cond}", *RECORD, *RECORD_FROM);
    let mut st = conn.prepare_cached(&sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
    let (mut n, mut last) = (0, None);
    while let Some(r) = rows.next()? {
        let c = record(r)?;
        n += 1;
        last = Some(c.key);
        // Read as it is now, so the same as the copy already in.
        if !b.in_clicks.insert(c.key) {
            continue;
        }
        let mut line = Line::new(&mut b.clicks);
        line.int("node", node.into());
        line.int("id", c.key);
        line.int("secret", c.secret);
        line.int("user_id", c.user_id.0);
        for d in &DIMS {
            match d.get(&c) {
                Val::Int(v) => line.int(d.column, v),
                Val::Text(t) => line.text(d.column, t),
            }
        }
        line.real("cost", c.cost);
        line.int("ver", row.seq);
        line.end();
    }
    b.rows += n;
    Ok((n, last))
}

/// Adds a log row's leads (at most `room`) and all their stage changes;
/// answers how many leads and the last id.
fn leads(
    conn: &Connection,
    b: &mut Batch,
    node: u16,
    row: &LogRow,
    ids: Option<Vec<i64>>,
    room: usize,
) -> rusqlite::Result<(usize, Option<i64>)> {
    let (cond, args) = span("id", row, ids, room);
    let mut st = conn.prepare_cached(&format!("SELECT * FROM leads WHERE {cond}"))?;
    let names: Vec<String> = st.column_names().into_iter().map(String::from).collect();
    let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
    let (mut n, mut last, mut sent) = (0, None, Vec::new());
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        n += 1;
        last = Some(id);
        if !b.in_leads.insert(id) {
            continue;
        }
        let mut line = Line::new(&mut b.leads);
        line.int("node", node.into());
        for (i, name) in names.iter().enumerate() {
            line.value(name, r.get_ref(i)?);
        }
        line.int("ver", row.seq);
        line.end();
        sent.push(id);
    }
    let array: Array = Rc::new(sent.into_iter().map(Sql::Integer).collect());
    let mut st = conn.prepare_cached(
        "SELECT s.rowid, s.lead_id, s.time, s.stage, s.custom, l.user_id
         FROM lead_stages s JOIN leads l ON l.id = s.lead_id
         WHERE s.lead_id IN (SELECT value FROM rarray(?1))",
    )?;
    let mut rows = st.query([array])?;
    while let Some(r) = rows.next()? {
        let mut line = Line::new(&mut b.stages);
        line.int("node", node.into());
        line.int("rid", r.get(0)?);
        line.int("lead_id", r.get(1)?);
        line.int("time", r.get(2)?);
        line.int("stage", r.get(3)?);
        line.text("custom", &r.get::<_, String>(4)?);
        line.int("user_id", r.get(5)?);
        line.int("ver", row.seq);
        line.end();
        b.rows += 1;
    }
    b.rows += n;
    Ok((n, last))
}

/// Moves past `b` once ClickHouse has it (a writer job): its whole log
/// rows go, a partly sent one starts at its next id.
pub fn advance(conn: &Connection, b: Progress) -> rusqlite::Result<()> {
    if let Some(done) = b.done {
        conn.prepare_cached("DELETE FROM ship_log WHERE seq <= ?1")?
            .execute([done])?;
    }
    if let Some((seq, next)) = b.partial {
        conn.prepare_cached("UPDATE ship_log SET lo = ?2 WHERE seq = ?1")?
            .execute(params![seq, next])?;
    }
    if !b.is_empty() {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO ship_state (key, value) VALUES ('shipped', '1')",
        )?
        .execute([])?;
    }
    Ok(())
}

/// One JSON object on its own line.
struct Line<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Line<'a> {
    fn new(out: &'a mut String) -> Line<'a> {
        out.push('{');
        Line { out, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(k);
        self.out.push_str("\":");
    }

    fn int(&mut self, k: &str, v: i64) {
        self.key(k);
        let _ = write!(self.out, "{v}");
    }

    fn real(&mut self, k: &str, v: f64) {
        self.key(k);
        match v.is_finite() {
            true => {
                let _ = write!(self.out, "{v}");
            }
            false => self.out.push('0'),
        }
    }

    fn text(&mut self, k: &str, v: &str) {
        self.key(k);
        // serde_json escapes exactly what JSON needs.
        self.out
            .push_str(&serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into()));
    }

    /// A column as SQLite holds it (NULL as 0: ClickHouse's columns are
    /// not Nullable).
    fn value(&mut self, k: &str, v: ValueRef<'_>) {
        match v {
            ValueRef::Integer(i) => self.int(k, i),
            ValueRef::Real(f) => self.real(k, f),
            ValueRef::Text(t) => self.text(k, &String::from_utf8_lossy(t)),
            ValueRef::Null => self.int(k, 0),
            ValueRef::Blob(_) => self.text(k, ""),
        }
    }

    fn end(self) {
        self.out.push_str("}\n");
    }
}
