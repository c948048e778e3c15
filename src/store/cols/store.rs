//! Writing the click columns: each batch's clicks become one chunk per
//! user, in the batch's transaction, so a chunk never holds a click that
//! is not stored nor misses one that is, and nothing lives in memory
//! between batches. Small chunks (a writer batch is ~200 clicks under
//! load, one when idle) are merged once a user has [`MAX_OPEN`] of them
//! or [`CHUNK`] clicks in them: per-chunk dictionaries and row overhead
//! cost little only in big chunks.
use super::format::{encode_prices, Builder, Chunk, Costs, Ip};
use super::{Row, CHUNK, INTS, TEXTS};
use crate::store::record::ClickRecord;
use rusqlite::{params, Connection};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// Chunks of fewer than [`CHUNK`] clicks a user may have before they are
/// merged into as few as can hold them: under load (writer batches of
/// ~200 clicks) they are merged once, when they hold a chunk's clicks.
pub const MAX_OPEN: i64 = 256;

/// Clicks a migration holds before writing them (about 60 bytes each).
const MAX_HELD: usize = 1 << 20;

/// A user's small chunks (fewer than [`CHUNK`] clicks): how many, and
/// their clicks.
type Open = (i64, i64);

/// The clicks of one batch, per user; the builders are kept from batch
/// to batch for the room their lists have grown. Each user's [`Open`]
/// chunks are known from the last commit on (read once, not at every
/// batch: that query was 5% of the writer's work).
#[derive(Default)]
pub struct ColsAcc {
    users: BTreeMap<i64, Builder>,
    open: HashMap<i64, Open>,
    /// As this transaction leaves them.
    pending: HashMap<i64, Open>,
}

impl ColsAcc {
    pub fn add(&mut self, c: &ClickRecord) {
        self.users.entry(c.user_id.0).or_default().push(&Row::of(c));
    }

    /// Forgets the batch (and what a failed one would have left).
    pub fn clear(&mut self) {
        self.users.values_mut().for_each(Builder::clear);
        self.pending.clear();
    }

    /// Writes the batch's chunks, merges small ones, and empties itself.
    pub fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        for (&user, b) in self.users.iter_mut().filter(|(_, b)| !b.is_empty()) {
            let known = self.pending.get(&user).or(self.open.get(&user)).copied();
            let (count, clicks) = match known {
                Some(open) => open,
                None => open_of(conn, user)?,
            };
            let (more, more_clicks) = write(conn, user, b)?;
            let mut now = (count + more, clicks + more_clicks);
            if now.0 >= 2 && (now.0 >= MAX_OPEN || now.1 >= CHUNK as i64) {
                now = merge_open(conn, user)?;
            }
            self.pending.insert(user, now);
            b.clear();
        }
        Ok(())
    }

    /// The transaction of the last flush is committed.
    pub fn committed(&mut self) {
        self.open.extend(self.pending.drain());
    }
}

/// The user's [`Open`] chunks as stored. (A stale count, if another
/// process wrote the user's chunks, only moves a merge: the merge reads
/// the chunks themselves.)
fn open_of(conn: &Connection, user: i64) -> rusqlite::Result<Open> {
    let sql = format!("SELECT count(*), COALESCE(SUM(n), 0) FROM click_cols WHERE {OPEN}");
    conn.prepare_cached(&sql)?
        .query_row([user], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// The rows of user `?1`'s [`Open`] chunks, as the partial index
/// click_cols_open (step 6) spells them; [`CHUNK`] is 16384.
const OPEN: &str = "user_id = ?1 AND n < 16384";

/// Stores the clicks of `b` as chunks of at most [`CHUNK`] clicks, each
/// with its prices; answers the [`Open`] ones among them.
fn write(conn: &Connection, user: i64, b: &Builder) -> rusqlite::Result<Open> {
    let mut st = conn.prepare_cached(
        "INSERT INTO click_cols (id, user_id, last, n, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut costs =
        conn.prepare_cached("INSERT INTO click_cols_cost (id, data) VALUES (?1, ?2)")?;
    let mut open = (0, 0);
    for piece in b.order().chunks(CHUNK) {
        let (first, last, blob) = b.encode(piece);
        st.execute(params![first, user, last, piece.len() as i64, blob])?;
        costs.execute(params![first, b.encode_costs(piece)])?;
        if piece.len() < CHUNK {
            open = (open.0 + 1, open.1 + piece.len() as i64);
        }
    }
    Ok(open)
}

/// An error for a blob that does not decode.
pub fn damaged(id: i64) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(format!("click_cols chunk {id} is damaged").into())
}

/// Merges the user's small chunks. Their clicks may interleave (a click
/// queued late lands in a later batch): the merged chunks are in id order
/// again. Answers the [`Open`] chunks left.
fn merge_open(conn: &Connection, user: i64) -> rusqlite::Result<Open> {
    let mut b = Builder::default();
    let sql = format!(
        "SELECT id, n, c.data, k.data FROM click_cols c LEFT JOIN click_cols_cost k USING (id)
         WHERE {OPEN}"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let mut rows = st.query([user])?;
    while let Some(r) = rows.next()? {
        let (id, n): (i64, usize) = (r.get(0)?, r.get::<_, i64>(1)? as usize);
        let chunk = Chunk::parse(id, r.get_ref(2)?.as_blob()?).ok_or_else(|| damaged(id))?;
        let costs = Costs::parse(r.get_ref(3)?.as_blob()?, n).ok_or_else(|| damaged(id))?;
        b.absorb(&chunk, &costs).ok_or_else(|| damaged(id))?;
    }
    conn.prepare_cached(&format!(
        "DELETE FROM click_cols_cost WHERE id IN (SELECT id FROM click_cols WHERE {OPEN})"
    ))?
    .execute([user])?;
    conn.prepare_cached(&format!("DELETE FROM click_cols WHERE {OPEN}"))?
        .execute([user])?;
    write(conn, user, &b)
}

/// Text column `i` of a row (any bytes: a damaged text must not stop a
/// migration).
fn text<'r>(r: &'r rusqlite::Row, i: usize) -> rusqlite::Result<Cow<'r, str>> {
    Ok(String::from_utf8_lossy(r.get_ref(i)?.as_bytes()?))
}

/// Fills click_cols from every stored click (migration step 6), one pass
/// in id order, holding at most [`MAX_HELD`] clicks. A column that a later
/// step adds to the clicks is not there yet: its clicks hold its default
/// (0, '') until then.
pub fn fill_from_clicks(conn: &Connection) -> rusqlite::Result<()> {
    let have: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('clicks')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let or = |c: &str, default: &str| match have.iter().any(|h| h == c) {
        true => c.to_string(),
        false => default.to_string(),
    };
    let ints: Vec<String> = INTS.iter().map(|c| or(c, "0")).collect();
    let texts: Vec<String> = TEXTS.iter().map(|c| or(c, "''")).collect();
    let mut st = conn.prepare(&format!(
        "SELECT c.id, user_id, ip, {}, {}, COALESCE(k.cost, 0.0)
         FROM clicks c LEFT JOIN click_cost k ON k.id = c.id ORDER BY c.id",
        ints.join(", "),
        texts.join(", ")
    ))?;
    let mut rows = st.query([])?;
    let mut users: BTreeMap<i64, Builder> = BTreeMap::new();
    let mut held = 0;
    while let Some(r) = rows.next()? {
        let user: i64 = r.get(1)?;
        let ip = text(r, 2)?;
        let mut texts: [Cow<str>; TEXTS.len()] = Default::default();
        for (k, t) in texts.iter_mut().enumerate() {
            *t = text(r, 3 + INTS.len() + k)?;
        }
        let mut ints = [0i64; INTS.len()];
        for (k, v) in ints.iter_mut().enumerate() {
            *v = r.get(3 + k)?;
        }
        let b = users.entry(user).or_default();
        b.push(&Row {
            id: r.get(0)?,
            ip: Ip::of_text(&ip),
            ints,
            texts: std::array::from_fn(|i| &*texts[i]),
            cost: r.get(3 + INTS.len() + TEXTS.len())?,
        });
        held += 1;
        if b.len() == CHUNK {
            write(conn, user, b)?;
            *b = Builder::default();
            held -= CHUNK;
        }
        if held >= MAX_HELD {
            for (user, b) in std::mem::take(&mut users) {
                write(conn, user, &b)?;
            }
            held = 0;
        }
    }
    for (user, b) in users {
        if !b.is_empty() {
            write(conn, user, &b)?;
        }
    }
    Ok(())
}

/// The clicks of a piece of spend.json as the writer prices them: their
/// ids (for click_cost), and per chunk (chunk id, clicks, one bit each)
/// for [`set_prices`], gathered as the piece's chunks are read
/// (src/store/reprice/deltas.rs).
#[derive(Default)]
pub struct Matched {
    pub ids: Vec<i64>,
    chunks: Vec<(i64, usize, Vec<u64>)>,
}

impl Matched {
    /// A chunk's clicks follow (a [`Visit::chunk`]).
    pub fn begin(&mut self, c: &Chunk) {
        self.chunks.push((c.first, c.n, vec![0; c.n.div_ceil(64)]));
    }

    /// The click `id`, at place `k` of the last chunk begun, is kept.
    pub fn keep_at(&mut self, id: i64, k: usize) {
        self.ids.push(id);
        if let Some((_, _, bits)) = self.chunks.last_mut() {
            bits[k / 64] |= 1 << (k % 64);
        }
    }
}

/// Rewrites the price blobs of `chunks` (id, clicks, what `change` needs)
/// as `change` says, given every click's price.
fn reprice<T>(
    conn: &Connection,
    chunks: impl IntoIterator<Item = (i64, usize, T)>,
    mut change: impl FnMut(T, &mut [f64]),
) -> rusqlite::Result<()> {
    let mut read = conn.prepare_cached("SELECT data FROM click_cols_cost WHERE id = ?1")?;
    let mut write = conn.prepare_cached("UPDATE click_cols_cost SET data = ?2 WHERE id = ?1")?;
    for (id, n, t) in chunks {
        let blob: Vec<u8> = read.query_row([id], |r| r.get(0))?;
        let costs = Costs::parse(&blob, n).ok_or_else(|| damaged(id))?;
        let mut prices: Vec<f64> = (0..n).map(|k| costs.get(k)).collect();
        change(t, &mut prices);
        write.execute(params![id, encode_prices(&prices)])?;
    }
    Ok(())
}

/// Sets the price of the `matched` clicks to `price` in their chunks, as
/// spend.json sets click_cost (src/store/reprice/mod.rs). A chunk read in two
/// shares of the period is rewritten once per share, each time from what
/// the last left.
pub fn set_prices(conn: &Connection, matched: Matched, price: f64) -> rusqlite::Result<()> {
    let mut chunks = matched.chunks;
    chunks.retain(|(_, _, bits)| bits.iter().any(|&b| b != 0));
    reprice(conn, chunks, |bits, prices| {
        for (k, p) in prices.iter_mut().enumerate() {
            if bits[k / 64] >> (k % 64) & 1 == 1 {
                *p = price;
            }
        }
    })
}

/// Multiplies by `rate` the prices of the user's clicks with ids in
/// `[from, to)`, in their chunks, as a change of base currency does
/// (src/store/rescale.rs); answers those clicks' ids (priced ones only),
/// whose click_cost rows move with them.
pub fn scale_prices(
    conn: &Connection,
    user: i64,
    (from, to): (i64, i64),
    rate: f64,
) -> rusqlite::Result<Vec<i64>> {
    let mut st = conn.prepare_cached(
        "SELECT c.id, c.n, c.data FROM click_cols c WHERE c.user_id = ?1 AND c.id < ?3 AND c.last >= ?2",
    )?;
    let mut chunks = Vec::new();
    let mut scaled = Vec::new();
    let mut rows = st.query(params![user, from, to])?;
    while let Some(r) = rows.next()? {
        let (id, n): (i64, usize) = (r.get(0)?, r.get::<_, i64>(1)? as usize);
        let chunk = Chunk::parse(id, r.get_ref(2)?.as_blob()?).ok_or_else(|| damaged(id))?;
        let ids = chunk.ids().ok_or_else(|| damaged(id))?;
        let inside: Vec<usize> = (0..n)
            .filter(|&k| ids.get(k).is_some_and(|c| (from..to).contains(c)))
            .collect();
        if !inside.is_empty() {
            chunks.push((id, n, (inside, ids)));
        }
    }
    reprice(conn, chunks, |(inside, ids), prices| {
        for k in inside {
            if prices[k] != 0.0 {
                prices[k] *= rate;
                scaled.push(ids[k]);
            }
        }
    })?;
    Ok(scaled)
}

#[cfg(test)]
mod tests {
    /// The partial index serves the open chunks' queries only while they
    /// spell its condition, which is [`super::CHUNK`].
    #[test]
    fn open_chunks_are_those_under_a_chunk_of_clicks() {
        assert!(super::OPEN.ends_with(&format!("n < {}", super::CHUNK)));
        let step6 = include_str!("../../schema/step6_click_cols.sql");
        assert!(step6.contains(&format!("WHERE n < {};", super::CHUNK)));
    }
}
