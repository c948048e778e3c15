//! What every request can reach: the pool, the writer (clicks, postbacks), the in-memory
//! snapshot of flows/users (so the click path does no database I/O, DESIGN
//! 1), the geo database and the visitor memory for uniqueness.
use crate::clicks::uniqueness::Visitors;
use crate::db::{writer::Writer, Pool};
use crate::geo::GeoDb;
use crate::snapshot::Snapshot;
use std::sync::{Arc, RwLock};

pub struct AppState {
    /// Light calls (management, login, profile) and finding a report's
    /// caller.
    pub pool: Pool,
    /// Reports (stats, leads, clicks), two connections per report slot.
    pub reports: Pool,
    /// The checks of writer endpoints (postback) before their write.
    pub writes: Pool,
    /// Report slots and the time budget (src/api/reads.rs).
    pub reads: crate::api::reads::Reads,
    pub writer: Writer<crate::store::Appender>,
    pub snapshot: RwLock<Arc<Snapshot>>,
    pub geo: GeoDb,
    pub visitors: Visitors,
    /// Recent landing clicks, for `/lp` (src/clicks/landing.rs).
    pub landings: crate::clicks::landing::Recent,
    /// What proxy headers are believed, and the public origin.
    pub proxy: crate::proxy::Proxy,
    pub login_throttle: crate::accounts::throttle::Throttle,
    /// The install secret: credential hashes and postback keys.
    pub keys: crate::accounts::keys::Keys,
    /// The time sessions and login waits go by (src/clock.rs).
    pub clock: crate::clock::ClockRef,
    /// The outbound postback sender's handle (src/leads/outbound/sender.rs).
    pub outbox: crate::leads::outbound::Outbox,
    /// Copies clicks and leads to ClickHouse when configured
    /// (src/clickhouse/ship.rs).
    pub shipper: std::sync::OnceLock<crate::clickhouse::ship::Shipper>,
    /// Reports from ClickHouse (`--reports clickhouse`,
    /// src/clickhouse/reports.rs); None: from this node's file.
    pub clickhouse: Option<crate::clickhouse::reports::Reports>,
    /// This node's id, carried by its click ids (src/click_id.rs).
    pub node: u16,
    /// The click row keys this server hands out (src/click_id.rs).
    pub click_keys: crate::click_id::Keys,
    /// Held while the snapshot is rebuilt and swapped (see `reload`).
    pub reloading: std::sync::Mutex<()>,
    /// Stops the checkpoint thread when the state goes.
    pub checkpointer: crate::db::checkpoint::Checkpointer,
}

impl AppState {
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Rebuilds the snapshot after a management change (flows, sites,
    /// blacklist, users). Configuration is small, so a full reload is
    /// simpler and safer than patching.
    ///
    /// One reload at a time: two changes committed at once would
    /// otherwise race, and the snapshot read before the later commit
    /// could replace the one read after it (a flow just created would
    /// then answer 404 until the next change). Each change commits before
    /// it reloads, so the reload that runs last has read every change.
    pub fn reload(&self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        let _one = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = Arc::new(Snapshot::load(conn)?);
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok(())
    }
}
