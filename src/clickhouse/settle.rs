//! Merging each quiet day into one part (docs/SCALING.md "Reports"):
//! reports read a day of one part without `FINAL` (src/clickhouse/parts.rs),
//! several times faster. ClickHouse's own merges leave a day in a few
//! parts, so a thread beside the shipper asks for the last merge of every
//! day of clicks or leads that no node has sent rows to for
//! `--merge-after-secs`. Every node does it; two asking for the same day
//! cost one merge (the second finds nothing to merge).
use super::{parts, Client, Failed, Target};
use std::time::Duration;

/// How long one merge may take before the thread stops waiting for it
/// (ClickHouse finishes it anyway).
const MERGE_TIMEOUT: Duration = Duration::from_secs(600);

/// The days, `(table, partition id)`, of more than one part and no new
/// part for `quiet`.
fn quiet_days(client: &Client, quiet: Duration) -> Result<Vec<(String, String)>, Failed> {
    let sql = format!(
        "SELECT table, partition_id FROM system.parts WHERE database = currentDatabase() \
         AND table IN ('{}', '{}') AND active GROUP BY table, partition_id \
         HAVING count() > 1 AND max(modification_time) <= now() - {} \
         ORDER BY table, partition_id FORMAT TabSeparated",
        parts::CLICKS.name,
        parts::LEADS.name,
        quiet.as_secs()
    );
    let text = client.run(&sql, b"", true)?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(t, p)| (t.to_string(), p.to_string()))
        .collect())
}

/// One pass: merges every quiet day; answers how many it asked for.
pub fn pass(client: &Client, quiet: Duration, go_on: impl Fn() -> bool) -> Result<usize, Failed> {
    let days = quiet_days(client, quiet)?;
    let mut n = 0;
    for (table, id) in days {
        if !go_on() {
            break;
        }
        // Names and ids come from ClickHouse's own list; a day another
        // node merges meanwhile is merged once.
        let id = id.replace(['\'', '\\'], "");
        client.run(
            &format!("OPTIMIZE TABLE {table} PARTITION ID '{id}' FINAL"),
            b"",
            true,
        )?;
        n += 1;
    }
    Ok(n)
}

/// The thread's loop: a pass every `quiet` (between 1 s and 1 min)
/// until `sleep` answers false (the server stops).
pub fn run(target: Target, quiet: Duration, sleep: impl Fn(Duration) -> bool) {
    let client = Client::new(target, MERGE_TIMEOUT);
    let every = quiet.clamp(Duration::from_secs(1), Duration::from_secs(60));
    while sleep(every) {
        match pass(&client, quiet, || sleep(Duration::ZERO)) {
            Ok(0) => {}
            Ok(n) => tracing::debug!(days = n, "quiet days merged in ClickHouse"),
            // The shipper says when ClickHouse is down; this tries again.
            Err(e) => tracing::debug!(error = %e.message, "merging quiet days failed"),
        }
    }
}
