//! postback.json (reference "Postback", docs/API.md): creates or changes a lead
//! from an advertiser's call.
//!
//! Which lead a call changes:
//! 1. with `uid`, the user's lead with that uid;
//! 2. else (or when no lead has that uid yet) the lead of the same click —
//!    or the same flow + subid for flow leads — and the same goal. With a
//!    uid, only a lead that has no uid yet is taken here, so that one click
//!    can bring several orders with their own uids, while a first postback
//!    without uid and a later one with it still meet on one lead;
//! 3. none: a new lead.
//!
//! A call without `goal` means goal `lead` when it looks a lead up by click
//! or creates one; an update found by uid keeps its goal.
//!
//! Advertisers resend postbacks, often in bursts. The parameters are checked
//! on a pooled connection (`prepare`); the lookup, compare and write
//! (`write`) run on the one writer thread (db/writer.rs), inside the group
//! commit and its own savepoint. So identical calls arriving together
//! serialize: the first creates the lead and the others find it and answer
//! `no-changes` (their would-be row equals the stored one). The writer runs
//! its queue in order, so a postback sent right after a click finds that
//! click (docs/API.md "The click path") without waiting for a separate commit.
use super::request::{PostbackRequest, Source, DEFAULT_GOAL};
use super::row::{record_stage, Copied, LeadRow};
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::Call;
use crate::click_id as id;
use crate::db::writer::{JobFn, Write};
use crate::ids::UserId;
use crate::snapshot::User;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, ToSql};
use serde_json::json;

/// Reads the click a postback names into a fresh lead row. Unknown,
/// undecodable or secret-mismatching ids are `bad-click`; a click of
/// another user is `access` (docs/API.md). A click whose row a node that
/// keeps only recent clicks deleted (`--keep-days`, docs/SCALING.md) is
/// read from a lead of it: the lead copied its dimensions, and its
/// `click` text holds the whole id, secret included.
pub(crate) fn from_click(conn: &Connection, user: UserId, text: &str) -> ApiResult<LeadRow> {
    let (key, secret) = id::decode(text).ok_or_else(|| ApiError::new(ErrorCode::BadClick))?;
    let fresh = |dims| LeadRow {
        click: text.to_string(),
        click_id: Some(key),
        dims,
        ..LeadRow::default()
    };
    match crate::store::click(conn, key)? {
        Some(c) if c.secret != secret => Err(ApiError::new(ErrorCode::BadClick)),
        Some(c) if c.user_id != user => Err(ApiError::access()),
        Some(c) => Ok(fresh(Copied::of(&c))),
        None => {
            let by_click = "click_id = ? AND click = ?";
            match LeadRow::load(conn, user, by_click, &[&key as &dyn ToSql, &text])? {
                Some((_, lead)) => Ok(fresh(lead.dims)),
                None => Err(ApiError::new(ErrorCode::BadClick)),
            }
        }
    }
}

/// A flow lead starts with the flow id and the subid; way and site are 0
/// (docs/API.md). `owner` is the flow's user, None for no such flow.
fn from_flow(owner: Option<UserId>, user: UserId, flow: &str, subid: &str) -> ApiResult<LeadRow> {
    match owner {
        None => Err(ApiError::new(ErrorCode::BadFlow)),
        Some(o) if o != user => Err(ApiError::access()),
        Some(_) => {
            let mut lead = LeadRow::default();
            lead.dims.set("flow", Sql::Text(flow.to_string()));
            lead.dims.set("subid", Sql::Text(subid.to_string()));
            Ok(lead)
        }
    }
}

/// The user a flow belongs to. Archived flows still take postbacks
/// (advertisers keep sending them after a flow is deleted), so the table
/// is asked, not only the in-memory snapshot of live flows.
fn flow_owner(conn: &Connection, flow: &str) -> rusqlite::Result<Option<UserId>> {
    conn.prepare_cached("SELECT user_id FROM flows WHERE id = ?1")?
        .query_row([flow], |r| r.get(0))
        .optional()
}

/// The lead this call changes, if any (see the module comment).
fn find(
    conn: &Connection,
    user: UserId,
    req: &PostbackRequest,
    fresh: &LeadRow,
) -> rusqlite::Result<Option<(i64, LeadRow)>> {
    if let Some(uid) = &req.uid {
        // `uid <> ''` lets SQLite use the partial index leads_uid.
        let by_uid = "uid <> '' AND uid = ?";
        if let Some(found) = LeadRow::load(conn, user, by_uid, &[uid as &dyn ToSql])? {
            return Ok(Some(found));
        }
    }
    let goal = req.goal.as_deref().unwrap_or(DEFAULT_GOAL);
    let no_uid = if req.uid.is_some() {
        " AND uid = ''"
    } else {
        ""
    };
    match &req.source {
        Source::Click(_) => LeadRow::load(
            conn,
            user,
            &format!("click_id = ? AND goal = ?{no_uid}"),
            &[&fresh.click_id as &dyn ToSql, &goal],
        ),
        Source::Flow { flow, subid } => LeadRow::load(
            conn,
            user,
            &format!("click_id IS NULL AND flow = ? AND subid = ? AND goal = ?{no_uid}"),
            &[flow as &dyn ToSql, subid, &goal],
        ),
    }
}

/// The write of an (authenticated) call, followed by its row of the
/// incoming postback log (src/leads/inlog.rs), which every call of a known
/// user gets: a call refused by its checks becomes a job that answers
/// that refusal, so its row is written on the writer like any other.
pub fn prepare(call: &mut Call) -> ApiResult<Write> {
    let user = call.user()?;
    let entry = super::inlog::Entry::of(call, user.id);
    let write = checked(call, &user).unwrap_or_else(|refused| {
        let answer: JobFn = Box::new(move |_: &Connection| Err(refused));
        answer.into()
    });
    Ok(entry.follow(write))
}

/// Parses and checks the call on its pooled connection, before anything
/// is queued: the writer only does the lookup and the write.
fn checked(call: &mut Call, user: &User) -> ApiResult<Write> {
    let req = PostbackRequest::parse(&call.conn, &call.params, &user.currency)?;
    let user = user.id;
    // A flow is committed before anyone can post to it and never changes
    // owner, so it is checked here, off the writer (a live flow from
    // memory). A click may still wait in the writer's queue, so the job
    // reads it (docs/API.md "The click path").
    let start = match &req.source {
        Source::Flow { flow, subid } => {
            let live = call
                .state
                .snapshot()
                .flows
                .get(flow.as_str())
                .map(|f| f.user_id);
            let owner = match live {
                Some(o) => Some(o),
                None => flow_owner(&call.conn, flow)?,
            };
            Start::Lead(Box::new(from_flow(owner, user, flow, subid)?))
        }
        Source::Click(text) => Start::Click(text.clone()),
    };
    let outbox = call.state.outbox.clone();
    let clock = call.state.clock.clone();
    let job: JobFn = Box::new(move |conn: &Connection| {
        let fresh = match start {
            Start::Lead(row) => *row,
            Start::Click(text) => from_click(conn, user, &text)?,
        };
        let now = clock.now_ms().div_euclid(1000);
        let (answer, queued) = write_at(conn, user, &req, fresh, now)?;
        if queued {
            outbox.kick();
        }
        Ok(answer)
    });
    Ok(job.into())
}

/// What a new lead starts from: a flow lead's row, read before queuing,
/// or the click it names, read on the writer.
enum Start {
    // Boxed: a LeadRow is many times the size of the other arm's String.
    Lead(Box<LeadRow>),
    Click(String),
}

/// Finds the lead and creates or changes it at Unix second `now` (the
/// app's clock; src/store/model_tests drives the store with leads at
/// chosen times); `fresh` is the new lead's data. Runs on the writer
/// inside a savepoint, so an error anywhere here leaves nothing behind;
/// it must not open a transaction of its own. Also answers whether an
/// outbound postback was queued.
pub(crate) fn write_at(
    conn: &Connection,
    user: UserId,
    req: &PostbackRequest,
    fresh: LeadRow,
    now: i64,
) -> ApiResult<(serde_json::Value, bool)> {
    let mut moved = false;
    let (id, create, row) = match find(conn, user, req, &fresh)? {
        Some((id, old)) => {
            let mut row = old.clone();
            req.apply(&mut row, false)?;
            if row == old {
                return Err(ApiError::new(ErrorCode::NoChanges));
            }
            row.update(conn, id, now)?;
            // History keeps every status change: a new stage, or a new raw
            // status within the same stage.
            if (row.stage, &row.custom) != (old.stage, &old.custom) {
                record_stage(conn, id, now, row.stage, &row.custom)?;
            }
            moved = row.stage != old.stage;
            if row.goal != old.goal {
                crate::goals::ensure(conn, user, &row.goal)?;
            }
            (id, false, row)
        }
        None => {
            let mut row = fresh;
            req.apply(&mut row, true)?;
            let id = row.insert(conn, user, now)?;
            record_stage(conn, id, now, row.stage, &row.custom)?;
            crate::goals::ensure(conn, user, &row.goal)?;
            (id, true, row)
        }
    };
    // The source hears of a new lead or a new stage in the same
    // transaction (docs/ARCHITECTURE.md "Outbound postbacks").
    let queued = match create || moved {
        true => crate::leads::outbound::outbox::queue(conn, user, id, &row, now)?,
        false => false,
    };
    let answer = json!({
        "id": id,
        "create": create,
        "stage": row.stage.name(),
    });
    Ok((answer, queued))
}
