//! Clicks for the click columns' tests, written the way the writer
//! writes them.
use super::read::Hours;
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::codes::FilterCode;
use crate::store::append::write_batch;
use crate::store::record::{ClickRecord, Tags};
use crate::user_agent::Os;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

pub const T0: i64 = 1_700_000_000;

/// 12,000 clicks of user 1 (and some of user 2) over three days, written
/// in writer-sized batches so small chunks get merged, some batches
/// holding a click that arrived late (an id below the last batch's);
/// addresses repeat (ties), some are IPv6, text or empty; a price on
/// some clicks.
pub fn fixture() -> (tempfile::TempDir, Connection, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ip.db");
    let mut conn = crate::schema::open_and_migrate(&path).unwrap();
    let second = crate::db::open(&path).unwrap();
    let mut rng = SmallRng::seed_from_u64(7);
    let mut t_ms = T0 * 1000;
    let mut batch = Vec::new();
    for i in 0..12_000i64 {
        t_ms += rng.random_range(1..40_000);
        let late = i % 97 == 50;
        let key = if late {
            (t_ms - 90_000) << 16 | 7
        } else {
            t_ms << 16
        };
        let ip = match rng.random_range(0..20) {
            0 => "2001:db8::".to_string() + &rng.random_range(0..30).to_string(),
            1 => String::new(),
            2 => "unknown".into(),
            3..=8 => format!(
                "10.0.{}.{}",
                rng.random_range(0..3),
                rng.random_range(0..20)
            ),
            _ => format!(
                "{}.{}.7.{}",
                rng.random_range(1..256),
                i % 100,
                rng.random_range(0..256)
            ),
        };
        batch.push(ClickRecord {
            key,
            user_id: crate::ids::UserId(1 + (i % 11 == 0) as i64),
            flow: ["fa", "fb", "fc"][rng.random_range(0..3)].into(),
            filter: FilterCode::ALL[rng.random_range(0..3)],
            unique: rng.random_bool(0.7),
            ip,
            geo: ["de", "br", "", "us"][rng.random_range(0..4)].into(),
            os: Os::ALL[rng.random_range(0..4)],
            mobile: rng.random_bool(0.5),
            domain: "d.example".into(),
            tags: Tags {
                subid: format!("s{}", i % 5),
                ..Tags::default()
            },
            cost: if rng.random_bool(0.3) { 0.25 } else { 0.0 },
            ..ClickRecord::default()
        });
        if batch.len() >= rng.random_range(1..60) {
            write_batch(&mut conn, &batch).unwrap();
            batch.clear();
        }
    }
    write_batch(&mut conn, &batch).unwrap();
    (dir, conn, second)
}

pub fn filters(user: i64, lists: &[(&str, Vec<Sql>)]) -> Where {
    let mut w = Where::owner(crate::ids::UserId(user));
    for (column, values) in lists {
        w.list_of(column, values.clone());
    }
    w
}

/// The fixture's whole period, and one whose edges fall inside chunks.
pub fn periods() -> [Period; 2] {
    let whole = Period {
        start: T0,
        end: T0 + 6 * 86_400,
    };
    let inside = Period {
        start: T0 + 40_000,
        end: T0 + 150_000,
    };
    [whole, inside]
}

/// The buckets of `p` in UTC hour `hour`, and the same as SQL on clicks.
pub fn utc_hour(p: Period, hour: i64) -> (Hours, String) {
    let first = p.start.div_euclid(900);
    let keep = (first..p.end.div_euclid(900) + 1)
        .map(|b| b * 900 / 3600 % 24 == hour)
        .collect();
    (
        Hours { first, keep },
        format!("(id >> 16) / 3600000 % 24 = {hour}"),
    )
}

pub fn texts(v: &[&str]) -> Vec<Sql> {
    v.iter().map(|s| Sql::Text(s.to_string())).collect()
}

/// Asserts that the click columns hold every stored click exactly once,
/// with the values of its row and its price.
pub fn assert_columns_hold_the_clicks(conn: &Connection) {
    use super::format::{Chunk, Costs};
    use super::{INTS, TEXTS};
    type Held = (i64, i64, String, Vec<i64>, Vec<String>, String);
    let mut held: Vec<Held> = Vec::new();
    let sql = "SELECT c.id, user_id, n, c.data, k.data FROM click_cols c
               JOIN click_cols_cost k USING (id)";
    let mut st = conn.prepare(sql).unwrap();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        let (id, user): (i64, i64) = (r.get(0).unwrap(), r.get(1).unwrap());
        let n = r.get::<_, i64>(2).unwrap() as usize;
        let chunk = Chunk::parse(id, r.get_ref(3).unwrap().as_blob().unwrap()).unwrap();
        let costs = Costs::parse(r.get_ref(4).unwrap().as_blob().unwrap(), n).unwrap();
        let clicks = chunk.rows(Some(&costs)).unwrap();
        assert_eq!((clicks.len(), clicks[0].id), (n, id));
        for c in clicks {
            let texts = c.texts.iter().map(|t| t.to_string()).collect();
            let (ip, cost) = (c.ip.text().into_owned(), format!("{:.9}", c.cost));
            held.push((c.id, user, ip, c.ints.to_vec(), texts, cost));
        }
    }
    held.sort();
    let sql = format!(
        "SELECT c.id, user_id, ip, {}, {}, COALESCE(k.cost, 0.0) FROM clicks c
         LEFT JOIN click_cost k ON k.id = c.id ORDER BY c.id",
        INTS.join(", "),
        TEXTS.join(", ")
    );
    let mut st = conn.prepare(&sql).unwrap();
    let stored: Vec<Held> = st
        .query_map([], |r| {
            let at = |i: usize| 3 + i;
            let ints = (0..INTS.len())
                .map(|i| r.get(at(i)))
                .collect::<Result<_, _>>()?;
            let texts = (0..TEXTS.len())
                .map(|i| r.get(at(INTS.len() + i)))
                .collect::<Result<_, _>>()?;
            let cost = format!("{:.9}", r.get::<_, f64>(at(INTS.len() + TEXTS.len()))?);
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, ints, texts, cost))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(held.len(), stored.len());
    assert!(held == stored, "the click columns differ from the clicks");
}
