//! A spend.json request as the writer writes it: a task run a slice at a
//! time between batches of clicks (src/db/writer/tasks.rs), so a spend
//! over millions of clicks never holds the writer for more than a few
//! milliseconds at once.
//!
//! No half of a spend survives a crash. Its first slices write the whole
//! request to the database before any price: a `spend_pending` row, then
//! its pieces (src/store/reprice/pieces.rs: the resolved click ids and each
//! one's price) in `spend_piece`, then `ready = 1`. Each later slice
//! prices the first pieces left and deletes them in the same
//! transaction, and the last one deletes the row. At start,
//! [`resume`] drops a spend that was not ready (nothing was priced yet)
//! and finishes one that was, before any other write of its user. Which
//! clicks a piece holds was decided when the request was read, and the
//! slice that prices them reads their old prices itself, so finishing
//! after a restart gives what finishing at once would have.
//!
//! A user's spends and changes of currency run one after another, in the
//! order they came: a batch's elements apply in their order, and the
//! last spend over a click sets its price. Reports between two slices
//! may see a spend half written for a moment (README "Storage").
use crate::api::error::{ApiError, ApiResult};
use crate::db::writer::{Task, SLICE};
use crate::ids::UserId;
use crate::rates;
use crate::store::reprice::pieces;
use crate::store::reprice::price_piece;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use std::time::Instant;

/// The clicks of one piece, encoded, and their price in `base`.
pub struct Piece {
    pub price: f64,
    pub ids: Vec<u8>,
}

pub struct SpendTask {
    /// `spend_pending.id`, chosen at random so that a slice whose
    /// commit failed can insert the same row again.
    id: i64,
    user: UserId,
    /// The currency the prices are in (the user's when the request was
    /// read).
    base: String,
    /// Until every piece is in the database; none when resumed.
    pieces: Vec<Piece>,
    answer: Value,
}

impl SpendTask {
    pub fn new(user: UserId, base: String, pieces: Vec<Piece>, answer: Value) -> SpendTask {
        SpendTask {
            id: rand::random::<i64>() & i64::MAX,
            user,
            base,
            pieces,
            answer,
        }
    }

    /// Writes the next pieces; true once every one is written.
    fn stage(&mut self, conn: &Connection, started: Instant) -> ApiResult<bool> {
        let ready: Option<bool> = conn
            .query_row(
                "SELECT ready FROM spend_pending WHERE id = ?1",
                [self.id],
                |r| r.get(0),
            )
            .optional()?;
        match ready {
            Some(true) => {
                self.pieces = Vec::new();
                return Ok(true);
            }
            Some(false) => {}
            None => {
                conn.execute(
                    "INSERT INTO spend_pending (id, user_id, ready) VALUES (?1, ?2, 0)",
                    params![self.id, self.user],
                )?;
            }
        }
        // The user's base currency cannot change between two slices (its
        // change is a task of the same user); it may have since the
        // request was read.
        let now: String = conn.query_row(
            "SELECT currency FROM users WHERE id = ?1",
            [self.user],
            |r| r.get(0),
        )?;
        let rate = rates::convert(conn, 1.0, &self.base, &now, "currency")?;
        let written: i64 = conn.query_row(
            "SELECT count(*) FROM spend_piece WHERE spend = ?1",
            [self.id],
            |r| r.get(0),
        )?;
        let mut insert =
            conn.prepare_cached("INSERT INTO spend_piece (spend, price, ids) VALUES (?1, ?2, ?3)")?;
        for p in self.pieces.iter().skip(written as usize) {
            if started.elapsed() > SLICE {
                return Ok(false);
            }
            insert.execute(params![self.id, p.price * rate, p.ids])?;
        }
        conn.execute(
            "UPDATE spend_pending SET ready = 1 WHERE id = ?1",
            [self.id],
        )?;
        Ok(true)
    }
}

impl Task for SpendTask {
    fn key(&self) -> i64 {
        self.user.0
    }

    fn slice(&mut self, conn: &Connection) -> ApiResult<Option<Value>> {
        let started = Instant::now();
        if !self.pieces.is_empty() && !self.stage(conn, started)? {
            return Ok(None);
        }
        let mut next = conn.prepare_cached(
            "SELECT id, price, ids FROM spend_piece WHERE spend = ?1 ORDER BY id LIMIT 1",
        )?;
        let mut done = conn.prepare_cached("DELETE FROM spend_piece WHERE id = ?1")?;
        // Another piece only when it should fit in the slice, judging by
        // the last one.
        let mut last = std::time::Duration::ZERO;
        while started.elapsed() + last <= SLICE {
            let piece: Option<(i64, f64, Vec<u8>)> = next
                .query_row([self.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let Some((piece, price, blob)) = piece else {
                conn.execute("DELETE FROM spend_pending WHERE id = ?1", [self.id])?;
                return Ok(Some(std::mem::take(&mut self.answer)));
            };
            let at = Instant::now();
            let ids = pieces::decode(&blob).ok_or_else(ApiError::db)?;
            price_piece(conn, self.user, &ids, price)?;
            done.execute([piece])?;
            last = at.elapsed();
        }
        Ok(None)
    }

    fn abandon(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let staged: bool = conn
            .query_row(
                "SELECT ready FROM spend_pending WHERE id = ?1",
                [self.id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false);
        if staged {
            tracing::error!(
                user = self.user.0,
                "a spend import gave up half written; its other prices stay"
            );
        }
        conn.execute("DELETE FROM spend_piece WHERE spend = ?1", [self.id])?;
        conn.execute("DELETE FROM spend_pending WHERE id = ?1", [self.id])?;
        Ok(())
    }
}

/// The spends a crash interrupted: those not ready are dropped (nothing
/// of them was priced), the others are finished first.
pub fn resume(conn: &Connection) -> rusqlite::Result<Vec<Box<dyn Task>>> {
    conn.execute_batch(
        "DELETE FROM spend_piece WHERE spend IN (SELECT id FROM spend_pending WHERE ready = 0);
         DELETE FROM spend_pending WHERE ready = 0;",
    )?;
    let mut st = conn.prepare("SELECT id, user_id FROM spend_pending ORDER BY rowid")?;
    let rows = st.query_map([], |r| {
        Ok(Box::new(SpendTask {
            id: r.get(0)?,
            user: r.get(1)?,
            base: String::new(),
            pieces: Vec::new(),
            answer: Value::Null,
        }) as Box<dyn Task>)
    })?;
    let tasks = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    if !tasks.is_empty() {
        tracing::info!(
            spends = tasks.len(),
            "finishing spend imports a stop interrupted"
        );
    }
    Ok(tasks)
}
