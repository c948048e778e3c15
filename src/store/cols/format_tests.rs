use super::*;
use crate::store::cols::CHUNK;

fn row(id: i64, ip: &str, k: i64) -> Row<'_> {
    Row {
        id,
        ip: Ip::of_text(ip),
        ints: [
            k % 2,
            k % 7,
            k % 300,
            k % 6,
            k % 2,
            k % 9,
            k % 12,
            k % 4,
            k % 5,
        ],
        texts: [
            ["fa", "fb", "fc"][(k % 3) as usize],
            ["de", "", "br", "us"][(k % 4) as usize],
            "fb",
            if k % 1000 == 0 { "x.example" } else { "" },
            "ü-cpc",
            ["s1", "s22", "s333"][(k % 3) as usize],
            "",
            if k % 5 == 0 { "ad5" } else { "ad" },
            ["", "kw"][(k % 2) as usize],
        ],
        cost: [0.0, 0.25, 1.0 / 3.0][(k % 3) as usize],
    }
}

fn round_trip(rows: &[Row]) -> Vec<Row<'static>> {
    let mut b = Builder::default();
    for r in rows {
        b.push(r);
    }
    let order = b.order();
    let (first, last, blob) = b.encode(&order);
    let costs: &'static [u8] = Box::leak(b.encode_costs(&order).into_boxed_slice());
    let mut want = rows.to_vec();
    want.sort_by_key(|r| r.id);
    assert_eq!((first, last), (want[0].id, want[want.len() - 1].id));
    let blob: &'static [u8] = Box::leak(blob.into_boxed_slice());
    let costs = Costs::parse(costs, rows.len()).unwrap();
    let got = Chunk::parse(first, blob)
        .unwrap()
        .rows(Some(&costs))
        .unwrap();
    assert_eq!(got, want);
    got
}

#[test]
fn addresses_keep_the_exact_text_of_the_click_row() {
    for s in ["1.2.3.4", "0.0.0.0", "255.255.255.255", "10.0.0.1"] {
        assert!(matches!(Ip::of_text(s), Ip::V4(_)), "{s}");
        assert_eq!(Ip::of_text(s).text(), s);
    }
    assert!(matches!(Ip::of_text("2001:db8::1"), Ip::V6(_)));
    // Not the canonical text of an address: kept as it is.
    for s in [
        "",
        "01.2.3.4",
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1",
        "2001:DB8::1",
        "::ffff:1.2.3.4x",
        "a",
    ] {
        assert_eq!(Ip::of_text(s), Ip::Text(s), "{s}");
    }
}

#[test]
fn every_column_comes_back_as_written() {
    // Ids in a new millisecond, the same one, the demo's counter, and
    // arbitrary; addresses of every kind; pushed out of order.
    let base = 1_700_000_000_000i64 << 16;
    let ids = [
        base,
        base + 1,
        base + 2,
        base + (5 << 16),
        base + (5 << 16) + 3,
        base + (900 << 16) + 4,
        base + (900 << 16) + 77,
        base + (1_000_000 << 16),
        base + (1_000_000 << 16) + 0xFFFF,
        base + (1_000_001 << 16),
    ];
    let ips = [
        "1.2.3.4",
        "",
        "2001:db8::1",
        "9.9.9.9",
        "not an ip",
        "1.2.3.4",
    ];
    let mut rows: Vec<Row> = ids
        .iter()
        .enumerate()
        .map(|(k, &id)| row(id, ips[k % ips.len()], k as i64 * 37))
        .collect();
    rows.reverse();
    round_trip(&rows);
    // One click: every column one value, zero bits wide.
    round_trip(&rows[..1]);
}

#[test]
fn a_full_chunk_with_wide_codes_comes_back() {
    let base = 1_750_000_000_000i64 << 16;
    let ips: Vec<String> = (0..CHUNK)
        .map(|k| format!("10.{}.{}.{}", k % 256, k / 256 % 256, k % 7))
        .collect();
    let rows: Vec<Row> = (0..CHUNK)
        .map(|k| row(base + ((k as i64 * 263) << 16), &ips[k], k as i64))
        .collect();
    round_trip(&rows);
}

#[test]
fn a_damaged_blob_is_refused_and_never_panics() {
    let base = 1_700_000_000_000i64 << 16;
    let rows: Vec<Row> = (0..50)
        .map(|k| row(base + k * 3, ["1.1.1.1", "x", "::1"][k as usize % 3], k))
        .collect();
    let mut b = Builder::default();
    rows.iter().for_each(|r| b.push(r));
    let (first, _, blob) = b.encode(&b.order());
    let costs = b.encode_costs(&b.order());
    let read = |blob: &[u8], costs: &[u8]| {
        let costs = Costs::parse(costs, 50);
        if let Some(c) = Chunk::parse(first, blob) {
            let _ = c.rows(costs.as_ref());
        }
    };
    for cut in 0..blob.len() {
        read(&blob[..cut], &costs);
    }
    for cut in 0..costs.len() {
        read(&blob, &costs[..cut]);
    }
    for at in 0..blob.len() {
        for bit in 0..8 {
            let mut bad = blob.clone();
            bad[at] ^= 1 << bit;
            read(&bad, &costs);
        }
    }
    for at in 0..costs.len() {
        for bit in 0..8 {
            let mut bad = costs.clone();
            bad[at] ^= 1 << bit;
            read(&blob, &bad);
        }
    }
    assert!(Chunk::parse(first, &[2, 1]).is_none());
}

#[test]
fn a_version_1_chunk_reads_its_clicks_with_source_and_landing_0() {
    let rows: Vec<Row> = (0..500)
        .map(|k| row(1_000 + k * 3, "10.0.0.1", k))
        .collect();
    let mut b = Builder::default();
    for r in &rows {
        b.push(r);
    }
    let order = b.order();
    let (first, _, blob) = b.encode(&order);
    let old = as_version_1(&blob).unwrap();
    assert!(old.len() < blob.len());
    let got = Chunk::parse(first, &old).unwrap().rows(None).unwrap();
    for (g, w) in got.iter().zip(&rows) {
        let mut w = w.clone();
        w.ints[V1_INTS..].fill(0);
        w.cost = 0.0;
        assert_eq!(*g, w);
    }
    assert_eq!(got.len(), rows.len());
    // Neither version 0 nor 3 is read.
    for v in [0u8, 3] {
        let mut other = old.clone();
        other[0] = v;
        assert!(Chunk::parse(first, &other).is_none());
    }
}
