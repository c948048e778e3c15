//! A spend import's clicks as the writer prices them: pieces of a few
//! thousand click ids, each priced by one slice of the writer's
//! (src/spend/task.rs), each from a few chunks of the click columns at
//! most, since the writer reads the chunks of a piece whole. Kept in the
//! database until priced (table spend_piece), as sorted ids: the first,
//! then each gap, as LEB128 varints (2-5 bytes a click instead of 8).
use crate::store::cols::store::Matched;

/// Most clicks in a piece: a chunk of the click columns, so that a dense
/// import reads each chunk once and rewrites its prices once. Pieces of
/// 4,096 and 8,192 clicks read each chunk four or two times and made an
/// import of 1M clicks 1.9 and 1.4 times as long; one piece is 10-20 ms
/// of the writer's.
pub const PIECE: usize = 16384;
/// Most chunks a piece's clicks come from.
const CHUNKS: usize = 8;

/// Sorted, distinct ids as a blob.
pub fn encode(ids: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ids.len() * 3 + 8);
    let mut last = 0u64;
    for (i, &id) in ids.iter().enumerate() {
        let v = id as u64;
        let delta = if i == 0 { v } else { v.wrapping_sub(last) };
        last = v;
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

/// The matched clicks as encoded pieces, in the order the chunks were
/// read: at most [`PIECE`] clicks from at most [`CHUNKS`] chunks each.
pub fn cut(matched: &Matched) -> Vec<Vec<u8>> {
    let mut pieces = Vec::new();
    let mut piece: Vec<i64> = Vec::with_capacity(PIECE);
    let mut chunks = 0;
    let mut flush = |piece: &mut Vec<i64>| {
        piece.sort_unstable();
        pieces.push(encode(piece));
        piece.clear();
    };
    for mut run in matched.runs().filter(|r| !r.is_empty()) {
        if chunks == CHUNKS {
            flush(&mut piece);
            chunks = 0;
        }
        chunks += 1;
        while !run.is_empty() {
            let (now, rest) = run.split_at((PIECE - piece.len()).min(run.len()));
            piece.extend_from_slice(now);
            run = rest;
            if piece.len() == PIECE {
                flush(&mut piece);
                chunks = usize::from(!run.is_empty());
            }
        }
    }
    if !piece.is_empty() {
        flush(&mut piece);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_back_as_they_went() {
        let ids = [1i64, 2, 300, 70_000, 1 << 40, (1 << 62) + 5, i64::MAX];
        assert_eq!(decode(&encode(&ids)).unwrap(), ids);
        assert_eq!(decode(&encode(&[])).unwrap(), Vec::<i64>::new());
        // A varint cut short is no list.
        let mut blob = encode(&[5, 1 << 40]);
        blob.pop();
        assert_eq!(decode(&blob), None);
    }
}
