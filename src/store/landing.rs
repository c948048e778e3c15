//! Landing clicks (docs/API.md "Landing pages"): the visitor went on from
//! the landing page to an offer. It changes the click's row (its `lp`
//! time and the offer reached), which no click rollup or click column
//! holds, and counts in the landing-click rollups (lp_roll.rs), so every
//! derived copy stays in step (docs/ARCHITECTURE.md "The click store"). It travels the writer's queue beside new clicks,
//! so it shares their bound and their order: a landing click queued after
//! its click is always stored after it.
use super::record::ClickRecord;
use crate::ids::UserId;
use rusqlite::Connection;

/// A landing click as the request thread hands it to the writer.
#[derive(Debug, Clone, Default)]
pub struct LandingClick {
    /// The click's row key and secret (both must match).
    pub key: i64,
    pub secret: i64,
    pub user_id: UserId,
    /// The offer reached (a site id).
    pub offer: i64,
    /// When (Unix seconds, > 0).
    pub lp: i64,
}

/// What the writer stores: a new click, or the landing click of one.
/// The queue boxes each one already: boxing the click too would cost
/// every click a second allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Write {
    Click(ClickRecord),
    Landing(LandingClick),
}

impl From<ClickRecord> for Write {
    fn from(c: ClickRecord) -> Write {
        Write::Click(c)
    }
}

impl From<LandingClick> for Write {
    fn from(l: LandingClick) -> Write {
        Write::Landing(l)
    }
}

/// Only the first landing click counts: a repeat, or the same one
/// stored again after a failed batch, changes nothing.
const LP_SQL: &str = "UPDATE clicks SET lp = ?1, offer = ?2
     WHERE id = ?3 AND secret = ?4 AND user_id = ?5 AND lp = 0";

impl LandingClick {
    /// Stores it on `tx` (the writer's batch transaction). A click that
    /// is not there (another user's, or never stored) is left alone.
    pub fn store(&self, tx: &Connection) -> rusqlite::Result<()> {
        let changed = tx.prepare_cached(LP_SQL)?.execute(rusqlite::params![
            self.lp,
            self.offer,
            self.key,
            self.secret,
            self.user_id
        ])?;
        if changed > 0 {
            super::lp_roll::count(tx, self.key)?;
            super::ship::log(tx, super::ship::Kind::Clicks, 0, (self.key, self.key))?;
        }
        Ok(())
    }
}
