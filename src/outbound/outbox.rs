//! The outbox (docs/ARCHITECTURE.md "Outbound postbacks"): a conversion
//! event is written here in the same transaction as the lead change that
//! caused it, so it is never lost and never sent for a change that was
//! rolled back; the sender (src/outbound/sender.rs) delivers it and
//! records each attempt. Everything here runs on the writer thread.
use super::render::{fill, Encoding};
use super::spec::{self, Postback};
use crate::ids::UserId;
use crate::leads::row::LeadRow;
use crate::leads::stage::Stage;
use crate::store::registry::{Lead, Ty};
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection, OptionalExtension};

/// Attempts before a call counts as failed: the retries wait 1, 2, 4 ...
/// 512 minutes, so the last comes about 17 hours after the first, and a
/// receiver down for a night still gets it (docs/API.md).
pub const MAX_ATTEMPTS: i64 = 11;
/// The first retry's wait, in seconds; each next one waits twice as long.
const FIRST_RETRY: i64 = 60;

/// An outbox row's state.
pub const PENDING: i64 = 0;
pub const SENT: i64 = 1;
pub const FAILED: i64 = 2;
pub const STATES: [&str; 3] = ["pending", "sent", "failed"];

/// A rendered call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: String,
    pub url: String,
    pub body: String,
    pub ctype: String,
}

/// What a macro of a lead's event stands for.
pub struct Event<'a> {
    pub lead: i64,
    pub row: &'a LeadRow,
    pub stage: Stage,
    pub time: i64,
    /// The payout sent and its currency (lower case).
    pub payout: f64,
    pub currency: String,
}

/// Up to 4 decimals, without trailing zeros (`12.5`, `3`).
fn amount(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

impl Event<'_> {
    /// The value of macro `name` (docs/API.md lists them).
    pub fn value(&self, pb: &Postback, name: &str) -> Option<String> {
        let row = self.row;
        Some(match name {
            "clickid" => return self.text("adid"),
            "click" => row.click.clone(),
            "payout" => amount(self.payout),
            "currency" => self.currency.to_ascii_uppercase(),
            "status" => pb.word(self.stage).to_string(),
            "stage" => self.stage.name().to_string(),
            "goal" => row.goal.clone(),
            "lead" => self.lead.to_string(),
            "uid" => row.uid.clone(),
            "time" => self.time.to_string(),
            "geo" => self.text("geo")?.to_ascii_uppercase(),
            other => return self.text(other),
        })
    }

    /// The lead's copy of the click's text dimension with API name `api`
    /// (its tags, ip, flow...).
    fn text(&self, api: &str) -> Option<String> {
        crate::leads::row::COPIED
            .iter()
            .zip(&self.row.dims.0)
            .find(|(d, _)| d.api == Some(api) && d.lead != Lead::No)
            .and_then(|(d, v)| match (d.ty, v) {
                (Ty::Text { .. }, Sql::Text(s)) => Some(s.clone()),
                _ => None,
            })
    }

    /// `pb` filled for this event.
    pub fn render(&self, pb: &Postback) -> Call {
        let value = |n: &str| self.value(pb, n);
        let post = pb.method == "post";
        Call {
            method: pb.method.clone(),
            url: fill(&pb.url, Encoding::Percent, value),
            body: if post {
                fill(&pb.body, Encoding::of_body(pb.content_type()), value)
            } else {
                String::new()
            },
            ctype: if post {
                pb.content_type().to_string()
            } else {
                String::new()
            },
        }
    }
}

/// A user's source's template and the source's own currency.
pub fn source(
    conn: &Connection,
    user: UserId,
    id: i64,
) -> rusqlite::Result<Option<(Postback, String)>> {
    let sql = format!(
        "SELECT currency, {} FROM sources WHERE id = ?1 AND user_id = ?2",
        spec::COLUMNS
    );
    conn.prepare_cached(&sql)?
        .query_row(params![id, user], |r| {
            Ok((Postback::read(r, 1)?, r.get(0)?))
        })
        .optional()
}

/// The payout sent for a lead: its price times the share, in `currency`
/// (the lead's own when the rates table no longer knows either).
pub fn payout(conn: &Connection, row: &LeadRow, pb: &Postback, currency: &str) -> (f64, String) {
    let share = row.price * pb.share / 100.0;
    match crate::rates::convert(conn, share, &row.currency, currency, "currency") {
        Ok(x) => ((x * 10_000.0).round() / 10_000.0, currency.to_string()),
        Err(_) => (share, row.currency.clone()),
    }
}

/// The event of lead `lead` (row `row`) at `stage` for its source's
/// template, if the source sends one: (source, template, event's call).
pub fn event_call(
    conn: &Connection,
    user: UserId,
    lead: i64,
    row: &LeadRow,
    now: i64,
) -> rusqlite::Result<Option<(i64, Call)>> {
    let source = match row.dims.get("source") {
        Some(Sql::Integer(s)) if *s > 0 => *s,
        _ => return Ok(None),
    };
    let Some((pb, own)) = self::source(conn, user, source)? else {
        return Ok(None);
    };
    if pb.sends(row.stage, &row.goal).is_err() {
        return Ok(None);
    }
    let cur = if pb.currency.is_empty() {
        own
    } else {
        pb.currency.clone()
    };
    let (payout, currency) = payout(conn, row, &pb, &cur);
    let event = Event {
        lead,
        row,
        stage: row.stage,
        time: now,
        payout,
        currency,
    };
    Ok(Some((source, event.render(&pb))))
}

/// Queues the event of lead `lead` having just been created or moved to
/// its stage, when its click's source sends that stage and goal; a lead
/// that comes back to a stage it was sent at is not sent again. Answers
/// whether a row was queued. Runs inside the lead's own write.
pub fn queue(
    conn: &Connection,
    user: UserId,
    lead: i64,
    row: &LeadRow,
    now: i64,
) -> rusqlite::Result<bool> {
    let Some((source, call)) = event_call(conn, user, lead, row, now)? else {
        return Ok(false);
    };
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO postbacks_out
               (user_id, lead_id, source_id, stage, time, method, url, body, type, next)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?5)",
        )?
        .execute(params![
            user,
            lead,
            source,
            row.stage,
            now,
            call.method,
            call.url,
            call.body,
            call.ctype
        ])?;
    Ok(n > 0)
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The HTTP status (0: no answer).
    pub http: i64,
    pub latency_ms: i64,
    /// An excerpt of the answer's body.
    pub response: String,
    /// Why it did not succeed ('' when it did).
    pub error: String,
    /// Worth another try (no answer, 408, 429, 5xx).
    pub retry: bool,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.http)
    }
}

/// Records attempt `outcome` of row `id` at `now`: sent, failed, or due
/// again after the backoff.
pub fn record(conn: &Connection, id: i64, outcome: &Outcome, now: i64) -> rusqlite::Result<()> {
    let attempts: i64 = conn
        .prepare_cached("SELECT attempts FROM postbacks_out WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, i64>(0))?
        + 1;
    let (state, next) = if outcome.ok() {
        (SENT, now)
    } else if outcome.retry && attempts < MAX_ATTEMPTS {
        (PENDING, now + (FIRST_RETRY << (attempts - 1)))
    } else {
        (FAILED, now)
    };
    conn.prepare_cached(
        "UPDATE postbacks_out SET state = ?2, attempts = ?3, next = ?4, last = ?5, http = ?6,
           latency = ?7, response = ?8, error = ?9 WHERE id = ?1",
    )?
    .execute(params![
        id,
        state,
        attempts,
        next,
        now,
        outcome.http,
        outcome.latency_ms,
        outcome.response,
        outcome.error
    ])?;
    Ok(())
}

/// A failed call of `user` made due again at `now`, its attempts counted
/// afresh; false when `id` is no failed call of theirs.
pub fn retry(conn: &Connection, user: UserId, id: i64, now: i64) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE postbacks_out SET state = 0, attempts = 0, next = ?3, error = ''
             WHERE id = ?1 AND user_id = ?2 AND state = 2",
        )?
        .execute(params![id, user, now])?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_keep_four_decimals_without_trailing_zeros() {
        assert_eq!(super::amount(12.5), "12.5");
        assert_eq!(super::amount(3.0), "3");
        assert_eq!(super::amount(0.123456), "0.1235");
        assert_eq!(super::amount(0.0), "0");
        assert_eq!(super::amount(-0.00001), "0");
    }
}
