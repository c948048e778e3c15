//! flowtrack's tables in ClickHouse, created when missing and upgraded by
//! numbered steps like the SQLite migrations (a shipped step is never
//! edited; a new column is a new step). Only what ClickHouse 18.16 and
//! current releases both accept (docs/SCALING.md "The SQL it uses").
//!
//! Every table is a `ReplacingMergeTree(ver)`: a row sent again (after a
//! crash, or a change logged twice) has the same key, and ClickHouse keeps
//! the one with the highest `ver` (the ship log's seq), so reads with
//! `FINAL` count it once. `node` is in every key: two nodes' ids may be
//! equal. Clicks and leads are kept in one partition per UTC day, so that
//! a day merged into one part is read without `FINAL` (src/clickhouse/parts.rs).
use super::{Client, Failed};

/// The clicks and the leads every node shipped (from step 2 on).
pub const CLICKS: &str = "clicks_by_day";
pub const LEADS: &str = "leads_by_day";
/// A day of click keys (a key is the Unix millisecond << 16,
/// src/click_id.rs) and of lead times (seconds): the partitions.
pub const CLICK_DAY: i64 = 86_400_000 << 16;
pub const LEAD_DAY: i64 = 86_400;

/// The steps, in order; step n brings the database to version n.
pub const STEPS: &[&[&str]] = &[
    // 1: clicks, leads and lead stage changes, as the nodes hold them.
    &[
        STEP1_CLICKS,
        STEP1_LEADS,
        "CREATE TABLE IF NOT EXISTS lead_stages (
            node UInt16, rid Int64, lead_id Int64, time Int64, stage Int64, custom String,
            user_id Int64, ver UInt64
        ) ENGINE = ReplacingMergeTree(ver)
        ORDER BY (node, lead_id, rid)",
    ],
    // 2: clicks and leads in one partition per UTC day (step 1 had a
    // month in the server's time zone), copied over each row once.
    // The old table is made again (empty) if a step cut short already
    // dropped it, so every statement can run twice.
    &[
        "CREATE TABLE IF NOT EXISTS clicks_by_day (
            node UInt16, id Int64, secret Int64, user_id Int64,
            flow String, way Int64, site Int64, filter Int64, uniq Int64, vid Int64,
            ip String, geo String, lang String, os Int64, browser Int64, mobile Int64,
            ua String, referer String, domain String,
            utms String, utmc String, utmn String, utmt String, utmm String,
            subid String, uuid String, adid String, data1 String, data2 String,
            source Int64, landing Int64, offer Int64, lp Int64,
            cost Float64, ver UInt64
        ) ENGINE = ReplacingMergeTree(ver)
        PARTITION BY intDiv(id, 5662310400000)
        ORDER BY (user_id, id, node)",
        "CREATE TABLE IF NOT EXISTS leads_by_day (
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
        PARTITION BY intDiv(time, 86400)
        ORDER BY (user_id, node, id)",
        STEP1_CLICKS,
        "INSERT INTO clicks_by_day SELECT * FROM clicks FINAL",
        "DROP TABLE clicks",
        STEP1_LEADS,
        "INSERT INTO leads_by_day SELECT * FROM leads FINAL",
        "DROP TABLE leads",
    ],
];

const STEP1_CLICKS: &str = "CREATE TABLE IF NOT EXISTS clicks (
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
        ORDER BY (user_id, id, node)";
const STEP1_LEADS: &str = "CREATE TABLE IF NOT EXISTS leads (
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
        ORDER BY (user_id, node, id)";

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
    use super::*;
    use crate::store::registry::DIMS;

    /// The columns the newest CREATE TABLE of `table` names, in order.
    fn columns(table: &str) -> Vec<String> {
        let sql = STEPS
            .iter()
            .flat_map(|step| step.iter())
            .rfind(|s| s.contains(&format!("EXISTS {table} (")))
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
        assert_eq!(columns(CLICKS), want);
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
        assert_eq!(columns(LEADS), want);
    }

    /// The partitions are the days the reports split by.
    #[test]
    fn the_tables_are_partitioned_by_the_days_the_reports_use() {
        let by = |table: &str| {
            let sql = STEPS[1]
                .iter()
                .find(|s| s.contains(&format!("EXISTS {table} (")))
                .unwrap();
            sql[sql.find("PARTITION BY ").unwrap() + 13..sql.find("\n        ORDER").unwrap()]
                .to_string()
        };
        assert_eq!(by(CLICKS), format!("intDiv(id, {CLICK_DAY})"));
        assert_eq!(by(LEADS), format!("intDiv(time, {LEAD_DAY})"));
    }
}
