//! A spend import's clicks as the writer prices them: pieces of a few
//! thousand click ids, each priced by one slice of the writer's
//! (src/spend/task.rs), each from a few chunks of the click columns at
//! most, since the writer reads the chunks of a piece whole. Kept in the
//! database until priced (table spend_piece), as sorted ids: the first,
//! then each gap, as LEB128 varints (2-5 bytes a click instead of 8).
//! The pass that finds an import's clicks cuts them into pieces as it
//! goes ([`Cutter`]), so it never holds their ids as 8-byte numbers,
//! which over a big month took far more than the pieces
//! (docs/ARCHITECTURE.md "Memory").
use crate::store::cols::format::Chunk;
use crate::store::cols::read::{At, Values, Visit};

/// Most clicks in a piece: a chunk of the click columns, so that a dense
/// import reads each chunk once and rewrites its prices once. Pieces of
/// 4,096 and 8,192 clicks read each chunk four or two times and made an
/// import of 1M clicks 1.9 and 1.4 times as long; one piece is 10-20 ms
/// of the writer's.
pub const PIECE: usize = 16384;
/// Most chunks a piece's clicks come from.
const CHUNKS: usize = 8;

/// The first id, then each gap.
fn deltas(ids: &[i64]) -> impl Iterator<Item = u64> + '_ {
    let mut last = 0u64;
    ids.iter().enumerate().map(move |(i, &id)| {
        let v = id as u64;
        let delta = if i == 0 { v } else { v.wrapping_sub(last) };
        last = v;
        delta
    })
}

/// Sorted, distinct ids as a blob, allocated at its exact size: an
/// import's pieces are held until the writer has stored them all, and a
/// blob grown then shrunk leaves the allocator holding more than it.
pub fn encode(ids: &[i64]) -> Vec<u8> {
    let size = deltas(ids)
        .map(|d| (64 - d.leading_zeros()).div_ceil(7).max(1) as usize)
        .sum();
    let mut out = Vec::with_capacity(size);
    for delta in deltas(ids) {
        let mut d = delta;
        loop {
            let byte = (d & 0x7f) as u8;
            d >>= 7;
            if d == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
    }
    out
}

/// The ids of [`encode`]; None for a blob that is not one.
pub fn decode(blob: &[u8]) -> Option<Vec<i64>> {
    let mut ids = Vec::with_capacity(blob.len() / 2);
    let (mut value, mut shift, mut last) = (0u64, 0u32, 0u64);
    for &b in blob {
        if shift > 63 {
            return None;
        }
        value |= u64::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            last = if ids.is_empty() {
                value
            } else {
                last.wrapping_add(value)
            };
            ids.push(last as i64);
            (value, shift) = (0, 0);
        }
    }
    (shift == 0).then_some(ids)
}

/// Cuts the clicks a pass keeps into encoded pieces as they come, in the
/// order the chunks are read: at most [`PIECE`] clicks from at most
/// [`CHUNKS`] chunks each.
#[derive(Default)]
pub struct Cutter {
    pieces: Vec<Vec<u8>>,
    piece: Vec<i64>,
    /// Chunks with a click in the piece being cut.
    chunks: usize,
    /// Whether the chunk being read counts in `chunks` yet.
    counted: bool,
    clicks: usize,
}

/// A share of an import's clicks, cut into pieces.
#[derive(Debug, Default)]
pub struct Cut {
    pub pieces: Vec<Vec<u8>>,
    /// Clicks in them.
    pub clicks: usize,
}

impl Cutter {
    fn flush(&mut self) {
        self.piece.sort_unstable();
        self.pieces.push(encode(&self.piece));
        self.piece.clear();
        (self.chunks, self.counted) = (0, false);
    }

    /// Keeps click `id` of the chunk being read.
    pub fn keep(&mut self, id: i64) {
        if !self.counted {
            if self.chunks == CHUNKS {
                self.flush();
            }
            (self.chunks, self.counted) = (self.chunks + 1, true);
        }
        if self.piece.capacity() == 0 {
            self.piece.reserve_exact(PIECE);
        }
        self.piece.push(id);
        self.clicks += 1;
        if self.piece.len() == PIECE {
            self.flush();
        }
    }

    pub fn done(mut self) -> Cut {
        if !self.piece.is_empty() {
            self.flush();
        }
        Cut {
            pieces: self.pieces,
            clicks: self.clicks,
        }
    }
}

impl Visit for Cutter {
    fn chunk(&mut self, _: &Chunk, _: Option<Values>) {
        self.counted = false;
    }

    fn click(&mut self, at: &mut At) {
        self.keep(at.id());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunks of `sizes` clicks (ids 1, 2, ...), every click kept.
    fn cut(sizes: &[usize]) -> Vec<Vec<i64>> {
        let mut c = Cutter::default();
        let mut id = 0;
        for &n in sizes {
            c.counted = false;
            for _ in 0..n {
                id += 1;
                c.keep(id);
            }
        }
        let cut = c.done();
        let pieces: Vec<Vec<i64>> = cut.pieces.iter().map(|p| decode(p).unwrap()).collect();
        assert_eq!(cut.clicks, id as usize);
        pieces
    }

    #[test]
    fn a_piece_holds_at_most_its_clicks_from_at_most_its_chunks() {
        let lens = |p: Vec<Vec<i64>>| p.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(lens(cut(&[3; 9])), [24, 3]);
        assert_eq!(lens(cut(&[PIECE + 5, 2])), [PIECE, 7]);
        assert_eq!(lens(cut(&[PIECE - 1, 1, 4])), [PIECE, 4]);
        assert_eq!(lens(cut(&[0, 0, 2])), [2]);
        assert!(cut(&[]).is_empty());
        let all: Vec<i64> = cut(&[5, PIECE, 40, 3, 3, 3, 3, 3, 3, 3, 1]).concat();
        assert_eq!(all, (1..=all.len() as i64).collect::<Vec<_>>());
    }

    #[test]
    fn ids_come_back_as_they_went() {
        let ids = [1i64, 2, 300, 70_000, 1 << 40, (1 << 62) + 5, i64::MAX];
        assert_eq!(decode(&encode(&ids)).unwrap(), ids);
        // Allocated at its exact size.
        let blob = encode(&ids);
        assert_eq!(blob.capacity(), blob.len());
        assert_eq!(decode(&encode(&[])).unwrap(), Vec::<i64>::new());
        // A varint cut short is no list.
        let mut blob = encode(&[5, 1 << 40]);
        blob.pop();
        assert_eq!(decode(&blob), None);
    }
}
