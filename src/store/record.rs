//! A click as the request thread hands it to the writer: owned, no database.
use crate::codes::FilterCode;
use crate::ids::{FlowId, UserId};
use crate::user_agent::{Browser, Os};

#[derive(Debug, Clone, Default)]
pub struct Tags {
    pub utms: String,
    pub utmc: String,
    pub utmn: String,
    pub utmt: String,
    pub utmm: String,
    pub subid: String,
    pub uuid: String,
    pub adid: String,
    pub data1: String,
    pub data2: String,
}

#[derive(Debug, Clone, Default)]
pub struct ClickRecord {
    pub key: i64,
    pub secret: i64,
    pub user_id: UserId,
    pub flow: FlowId,
    pub way: i64,
    pub site: i64,
    pub filter: FilterCode,
    pub unique: bool,
    pub vid: i64,
    pub ip: String,
    pub geo: String,
    pub lang: String,
    pub os: Os,
    pub browser: Browser,
    pub mobile: bool,
    pub ua: String,
    pub referer: String,
    pub domain: String,
    pub tags: Tags,
    /// Spend of this click in the user's base currency: 0 from the click
    /// path (spend.json prices clicks later), set by `flowtrack demo`.
    /// Stored in click_cost, not in the click row (migration step 3).
    pub cost: f64,
}

pub const INSERT_SQL: &str = "INSERT INTO clicks (id, secret, user_id, flow, way, site, filter, uniq, vid, ip, geo, lang, os, browser, mobile, ua, referer, domain, utms, utmc, utmn, utmt, utmm, subid, uuid, adid, data1, data2) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)";

const COST_SQL: &str = "INSERT INTO click_cost (id, cost) VALUES (?1, ?2)";

impl ClickRecord {
    /// Every text of the click (the writer's queue counts the memory
    /// they hold).
    pub fn texts(&self) -> impl Iterator<Item = &String> {
        let t = &self.tags;
        [
            &self.flow.0,
            &self.ip,
            &self.geo,
            &self.lang,
            &self.ua,
            &self.referer,
            &self.domain,
            &t.utms,
            &t.utmc,
            &t.utmn,
            &t.utmt,
            &t.utmm,
            &t.subid,
            &t.uuid,
            &t.adid,
            &t.data1,
            &t.data2,
        ]
        .into_iter()
    }

    /// Inserts this click, and its price when it has one, on `conn` (the
    /// transaction `st` belongs to); `ua`/`referer` are already dictionary
    /// ids.
    pub fn insert(
        &self,
        conn: &rusqlite::Connection,
        st: &mut rusqlite::CachedStatement<'_>,
        ua: i64,
        referer: i64,
    ) -> rusqlite::Result<()> {
        let t = &self.tags;
        st.execute(rusqlite::params![
            self.key,
            self.secret,
            self.user_id,
            self.flow,
            self.way,
            self.site,
            self.filter,
            self.unique as i64,
            self.vid,
            self.ip,
            self.geo,
            self.lang,
            self.os,
            self.browser,
            self.mobile as i64,
            ua,
            referer,
            self.domain,
            t.utms,
            t.utmc,
            t.utmn,
            t.utmt,
            t.utmm,
            t.subid,
            t.uuid,
            t.adid,
            t.data1,
            t.data2,
        ])?;
        // No row is a price of 0 (click_cost never holds zeros).
        if self.cost != 0.0 {
            conn.prepare_cached(COST_SQL)?
                .execute(rusqlite::params![self.key, self.cost])?;
        }
        Ok(())
    }
}
