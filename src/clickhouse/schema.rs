//! flowtrack's tables in ClickHouse, created when missing and upgraded by
//! numbered steps like the SQLite migrations (a shipped step is never
//! edited; a new column is a new step). Only what ClickHouse 18.16 and
//! current releases both accept (docs/SCALING.md "The SQL it uses").
//!
//! Every table is a `ReplacingMergeTree(ver)`: a row sent again (after a
//! crash, or a change logged twice) has the same key, and ClickHouse keeps
//! the one with the highest `ver` (the ship log's seq), so reads with
//! `FINAL` count it once. `node` is in every key: two nodes' ids may be
//! equal.
use super::{Client, Failed};

/// The steps, in order; step n brings the database to version n.
pub const STEPS: &[&[&str]] = &[
    // 1: clicks, leads and lead stage changes, as the nodes hold them.
    &[
        "CREATE TABLE IF NOT EXISTS clicks (
            node UInt16, id Int64, secret Int64, user_id Int64,
            flow String, way Int64, site Int64, filter Int64, uniq Int64, vid Int64,
            ip String, geo String, lang String, os Int64, browser Int64, mobile Int64,
            ua String, referer String, domain String,
            utms String, utmc String, utmn String, utmt String, utmm String,
            subid String, uuid String, adid String, data1 String, data2 String,
            source Int64, landing Int64, offer Int64, lp Int64,
            cost Float64, ver UInt64
        ) ENGINE = ReplacingMergeTree(ver)
        PARTITION BY toYYYYMM(toDateTime(intDiv(id, 65536000)))
        ORDER BY (user_id, id, node)",
        "CREATE TABLE IF NOT EXISTS leads (
            node UInt16, id Int64, user_id Int64, time Int64, updated Int64,
            click String, click_id Int64, uid String,
            flow String, way Int64, site Int64, filter Int64,
            stage Int64, custom String, goal String,
            price Float64, currency String, base Float64,
            ip String, geo String, os Int64, browser Int64, mobile Int64,
            name String, phone String, email String, comment String, meta String,
            ua String, referer String, domain String,
            utms String, utmc String, utmn String, utmt String, utmm String,
            subid String, adid String, data1 String, data2 String,
            source Int64, landing Int64, offer Int64,
            ver UInt64
        ) ENGINE = ReplacingMergeTree(ver)
        PARTITION BY toYYYYMM(toDateTime(time))
        ORDER BY (user_id, node, id)",
        "CREATE TABLE IF NOT EXISTS lead_stages (
            node UInt16, rid Int64, lead_id Int64, time Int64, stage Int64, custom String,
            user_id Int64, ver UInt64
        ) ENGINE = ReplacingMergeTree(ver)
        ORDER BY (node, lead_id, rid)",
    ],
];

/// The version a fully upgraded ClickHouse database has.
pub const LATEST: u32 = STEPS.len() as u32;

/// Creates the database and brings its tables to [`LATEST`]; answers the
/// version it found. Every statement is idempotent, so two nodes
/// upgrading at once, or a step cut short, end the same.
pub fn upgrade(client: &Client) -> Result<u32, Failed> {
    let db = &client.target().database;
    client.run(&format!("CREATE DATABASE IF NOT EXISTS {db}"), b"", false)?;
    client.run(
        "CREATE TABLE IF NOT EXISTS flowtrack_schema (version UInt32) ENGINE = TinyLog",
        b"",
        true,
    )?;
    let found: u32 = client
        .run("SELECT max(version) FROM flowtrack_schema", b"", true)?
        .trim()
        .parse()
        .unwrap_or(0);
    if found > LATEST {
        return Err(Failed {
            message: format!(
                "the ClickHouse database is at version {found}, newer than this flowtrack \
                 knows ({LATEST}): upgrade flowtrack"
            ),
            retry: false,
        });
    }
    for (i, step) in STEPS.iter().enumerate().skip(found as usize) {
        for sql in *step {
            client.run(sql, b"", true)?;
        }
        client.run(
            &format!("INSERT INTO flowtrack_schema (version) VALUES ({})", i + 1),
            b"",
            true,
        )?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::STEPS;
    use crate::store::registry::DIMS;

    /// The columns a CREATE TABLE of step 1 names, in order.
    fn columns(table: &str) -> Vec<String> {
        let sql = STEPS[0]
            .iter()
            .find(|s| s.contains(&format!("EXISTS {table} (")))
            .unwrap();
        let body = &sql[sql.find('(').unwrap() + 1..sql.find(") ENGINE").unwrap()];
        body.split(',')
            .map(|c| c.split_whitespace().next().unwrap().to_string())
            .collect()
    }

    /// The shipper sends a click's key, secret, owner, every registry
    /// dimension and its price: a dimension added to the registry needs a
    /// new step here, or its inserts fail.
    #[test]
    fn the_clicks_table_has_every_column_the_shipper_sends() {
        let mut want = vec!["node", "id", "secret", "user_id"];
        want.extend(DIMS.iter().map(|d| d.column));
        want.extend(["cost", "ver"]);
        assert_eq!(columns("clicks"), want);
    }

    /// The shipper sends every column of the SQLite leads table.
    #[test]
    fn the_leads_table_has_every_column_of_the_nodes_leads() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::schema::migrate(&mut conn).unwrap();
        let mut st = conn
            .prepare("SELECT name FROM pragma_table_info('leads')")
            .unwrap();
        let mut want: Vec<String> = vec!["node".into()];
        want.extend(st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap));
        want.push("ver".into());
        assert_eq!(columns("leads"), want);
    }
}
