//! The API layer (docs/API.md): one route for every `/api/tracker/{fn}.json`,
//! parameters merged from query and body, the credential checked, the
//! handler run on a pooled connection inside `web::block`, and every
//! outcome — including malformed input — answered as HTTP 200 JSON. It
//! knows no function: the application's [`Routes`] (src/routes.rs) name
//! the handlers and check the credentials.
pub mod csv;
pub mod dates;
pub mod error;
pub mod filters;
pub mod params;
pub mod reads;
mod reply;

use crate::db::{budget, Pool, PooledConn};
use crate::snapshot::User;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use error::{ApiError, ApiResult, ErrorCode};
use futures_util::StreamExt;
use params::Params;
use reply::{render, Rendered};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a writer endpoint's call waits for its write to start (its
/// checks included); past that the write is abandoned, never run, and the
/// call answers `db`.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// The same for a sliced write, whose checks read its clicks.
const SLICED_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything a handler gets: typed access to the request and the database.
pub struct Call<'a> {
    pub state: &'a AppState,
    pub params: Params,
    pub conn: PooledConn,
    pub ip: Option<IpAddr>,
    /// `scheme://host` for ready-made URLs: `--public-url`, else the Host
    /// the request was sent to (src/proxy.rs).
    pub origin: String,
    /// The request's User-Agent (a new session records it).
    pub user_agent: String,
    /// The dashboard session the call came with, if it did.
    pub session: Option<i64>,
    user: Option<Arc<User>>,
}

impl Call<'_> {
    /// The authenticated user (every endpoint but login has one).
    pub fn user(&self) -> ApiResult<Arc<User>> {
        self.user.clone().ok_or_else(ApiError::access)
    }

    /// Rebuilds the in-memory configuration after a management change.
    pub fn reload(&self) -> ApiResult<()> {
        Ok(self.state.reload(&self.conn)?)
    }
}

pub type Handler = fn(&mut Call) -> ApiResult;

/// Checks a call on a pooled connection and returns the write that the
/// one writer thread runs in its queue order (db/writer.rs).
pub type Prepare = fn(&mut Call) -> ApiResult<crate::db::writer::Write>;

/// How an endpoint runs.
pub enum Run {
    /// Entirely on a pooled connection inside `web::block`.
    Pool(Handler),
    /// Checked on a pooled connection, written by the writer thread: the
    /// write joins the writer's group commit instead of contending for
    /// SQLite's write lock, and it sees every click queued before it.
    Writer(Prepare),
    /// Checked and read on a pooled connection, then written by the
    /// writer a slice at a time between batches of clicks
    /// (db/writer/tasks.rs): a write too big for one transaction.
    Sliced(fn(&mut Call) -> ApiResult<crate::db::writer::Sliced>),
}

pub struct Endpoint {
    pub name: &'static str,
    pub run: Run,
    /// Needs no credential (login; its attempts wait their turn first).
    pub open: bool,
    /// Must see every click answered before the call (docs/API.md "The click path").
    pub fresh: bool,
    /// May answer CSV with format=csv (docs/API.md).
    pub csv: Option<Csv>,
    /// A report: runs in a report slot, on the report pool, within the
    /// time budget (src/api/reads.rs).
    pub heavy: bool,
}

/// How an endpoint answers CSV (format=csv, docs/API.md).
#[derive(Clone, Copy)]
pub struct Csv {
    /// The key its rows are under.
    pub key: &'static str,
    /// The fields of its rows, for the header row of an answer without
    /// rows; empty when the answer's `total` gives them (stats).
    pub fields: fn() -> &'static [&'static str],
}

/// The user a credential belongs to when it may call the function, and
/// the dashboard session it is, if one.
pub type Authenticate = fn(
    &AppState,
    &rusqlite::Connection,
    &str,
    &str,
) -> rusqlite::Result<Option<(Arc<User>, Option<i64>)>>;

/// What an open endpoint's call waits for before it runs, holding no
/// thread and no connection (login's turn).
pub type Turn =
    for<'a> fn(
        &'a AppState,
        &'a Params,
        Option<IpAddr>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<()>> + 'a>>;

/// What the application plugs into the dispatcher (src/routes.rs).
pub struct Routes {
    /// Every API function.
    pub endpoints: &'static [Endpoint],
    /// Who a credential is (README "Credentials").
    pub authenticate: Authenticate,
    /// The wait of an open endpoint's call.
    pub turn: Turn,
}

pub const fn ep(name: &'static str, run: Handler) -> Endpoint {
    Endpoint {
        name,
        run: Run::Pool(run),
        open: false,
        fresh: false,
        csv: None,
        heavy: false,
    }
}

pub const fn on_writer(name: &'static str, prepare: Prepare) -> Endpoint {
    Endpoint {
        name,
        run: Run::Writer(prepare),
        open: false,
        fresh: false,
        csv: None,
        heavy: false,
    }
}

pub const fn sliced(
    name: &'static str,
    prepare: fn(&mut Call) -> ApiResult<crate::db::writer::Sliced>,
) -> Endpoint {
    Endpoint {
        name,
        run: Run::Sliced(prepare),
        open: false,
        fresh: false,
        csv: None,
        heavy: false,
    }
}

pub fn error_reply(e: &ApiError) -> HttpResponse {
    render(Err(e.clone()), None).respond()
}

/// Reads the body with a size limit and merges it over the query.
async fn read_params(req: &HttpRequest, mut payload: web::Payload) -> ApiResult<Params> {
    let mut params = Params::default();
    params.add_urlencoded(req.query_string())?;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::new(ErrorCode::BadBody))?;
        if body.len() + chunk.len() > params::MAX_BODY {
            return Err(ApiError::new(ErrorCode::TooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    // JSON by content type, or by its look when the client sent none.
    if ctype.contains("json") || (!ctype.contains("form") && first == Some(b'{')) {
        params.add_json(&body)?;
    } else {
        let text =
            std::str::from_utf8(&body).map_err(|_| ApiError::field(ErrorCode::BadParam, "body"))?;
        params.add_urlencoded(text)?;
    }
    Ok(params)
}

/// The credential from `id` or an `Authorization: Bearer` header, and
/// whether it may call `function` (README "Credentials").
fn authenticate(
    state: &AppState,
    conn: &PooledConn,
    input: &Input,
    function: &str,
) -> ApiResult<(Arc<User>, Option<i64>)> {
    let secret = input.params.text("id")?;
    let secret = secret
        .or(input.bearer.clone())
        .ok_or_else(ApiError::access)?;
    let found = (input.routes.authenticate)(state, conn, &secret, function)?;
    found.ok_or_else(ApiError::access)
}

/// What the dispatcher read from the request for the handler.
struct Input {
    routes: &'static Routes,
    params: Params,
    bearer: Option<String>,
    ip: Option<IpAddr>,
    origin: String,
    user_agent: String,
    /// The request's log span, which gets the caller's user id
    /// (src/logs.rs).
    span: tracing::Span,
}

/// Who calls `ep`, and with which dashboard session: nobody for an open
/// endpoint (login).
type Caller = (Option<Arc<User>>, Option<i64>);

fn caller(st: &AppState, conn: &PooledConn, ep: &Endpoint, input: &Input) -> ApiResult<Caller> {
    if ep.open {
        return Ok((None, None));
    }
    let (user, session) = authenticate(st, conn, input, ep.name)?;
    crate::logs::record_user(&input.span, user.id);
    Ok((Some(user), session))
}

/// Builds the call on a connection of `pool` and runs `f` on it.
/// Blocking: runs on a blocking thread. `found` is given when the caller
/// was already found (a report, before it waited for its slot). The
/// connection goes back to the pool when `f` returns; a report's within
/// its time budget and without a transaction left open.
fn with_call<T>(
    st: &AppState,
    pool: &Pool,
    ep: &Endpoint,
    input: Input,
    found: Option<Caller>,
    f: impl FnOnce(&mut Call) -> ApiResult<T>,
) -> ApiResult<T> {
    // What is logged on this thread carries the request's id (src/logs.rs).
    let _span = input.span.clone().entered();
    // Wait for the writer before taking a pooled connection, so calls
    // waiting on a stalled writer cannot hold every connection.
    if ep.fresh && !st.writer.barrier(Duration::from_secs(2)) {
        return Err(ApiError::db());
    }
    let conn = pool.get()?;
    let (user, session) = match found {
        Some(found) => found,
        None => caller(st, &conn, ep, &input)?,
    };
    let mut call = Call {
        state: st,
        params: input.params,
        conn,
        ip: input.ip,
        origin: input.origin,
        user_agent: input.user_agent,
        session,
        user,
    };
    if !ep.heavy {
        return f(&mut call);
    }
    let deadline = Instant::now() + st.reads.budget;
    let result = budget::within(Some(deadline), || f(&mut call));
    // A report stopped inside a read transaction (src/store/ip.rs) may
    // leave it open; the next call on this connection must not read
    // that old snapshot.
    if !call.conn.is_autocommit() {
        let _ = call.conn.execute_batch("ROLLBACK");
    }
    match result {
        // Whatever failed past the deadline failed for being stopped.
        Err(e)
            if e.code == ErrorCode::Timeout
                || (e.code == ErrorCode::Db && Instant::now() >= deadline) =>
        {
            tracing::info!(function = ep.name, "report stopped at its time budget");
            Err(ApiError::new(ErrorCode::Timeout))
        }
        other => other,
    }
}

/// A report: the caller is found on a light connection, a report slot
/// awaited (src/api/reads.rs) holding no thread and no connection, then
/// the report runs on the report pool and is rendered before the slot
/// goes back.
async fn report(
    st: web::Data<AppState>,
    ep: &'static Endpoint,
    input: Input,
    handler: Handler,
    csv: Option<Csv>,
) -> Rendered {
    let who = st.clone();
    let found = web::block(move || -> ApiResult<_> {
        let conn = who.pool.get()?;
        Ok((caller(&who, &conn, ep, &input)?, input))
    });
    let (found, input) = match found.await.unwrap_or_else(|_| Err(ApiError::db())) {
        Ok(found) => found,
        Err(e) => return render(Err(e), None),
    };
    let slot = match st.reads.enter(found.0.as_ref().map_or(0, |u| u.id.0)).await {
        Ok(slot) => slot,
        Err(e) => return render(Err(e), None),
    };
    // CSV writes times in the caller's timezone.
    let tz = found
        .0
        .as_ref()
        .map_or(jiff::tz::TimeZone::UTC, |u| u.tz.clone());
    web::block(move || {
        let result = with_call(&st, &st.reports, ep, input, Some(found), handler);
        let rendered = render(result, csv.map(|c| (c, &tz)));
        drop(slot);
        // A report may have held tens of MiB: give them back now rather
        // than keep them for this thread (src/memory.rs).
        crate::memory::release();
        rendered
    })
    .await
    .unwrap_or_else(|_| render(Err(ApiError::db()), None))
}

/// Answers a call to one of `routes`' functions.
pub async fn dispatch(
    routes: &'static Routes,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let name = req.match_info().get("function").unwrap_or("");
    let Some(ep) = name
        .strip_suffix(".json")
        .and_then(|n| routes.endpoints.iter().find(|e| e.name == n))
    else {
        return error_reply(&ApiError::new(ErrorCode::NoFunction));
    };
    let params = match read_params(&req, payload).await {
        Ok(p) => p,
        Err(e) => return error_reply(&e),
    };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    // The login throttle keys on this address: the same one the click
    // log records, so rotating what a client writes changes nothing.
    let ip = state.proxy.client_ip(&req);
    let origin = state.proxy.origin(&req);
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let csv = ep
        .csv
        .filter(|_| matches!(params.text("format"), Ok(Some(f)) if f.eq_ignore_ascii_case("csv")));
    // A log-in waits for its turn here, holding no thread or connection.
    if ep.open {
        if let Err(e) = (routes.turn)(&state, &params, ip).await {
            return error_reply(&e);
        }
    }
    let st = state.clone();
    let input = Input {
        routes,
        params,
        bearer,
        ip,
        origin,
        user_agent,
        span: tracing::Span::current(),
    };
    let rendered = match ep.run {
        Run::Pool(handler) if ep.heavy => report(st, ep, input, handler, csv).await,
        // Endpoints with CSV are reports (src/routes.rs checks).
        Run::Pool(handler) => {
            web::block(move || render(with_call(&st, &st.pool, ep, input, None, handler), None))
                .await
                .unwrap_or_else(|_| render(Err(ApiError::db()), None))
        }
        Run::Writer(prepare) => {
            // The blocking thread checks the call on the writer
            // endpoints' own pool (never waiting for a report's or a
            // light call's connection), hands the job to the writer and
            // is free at once: this task awaits the answer holding
            // neither a thread nor a pooled connection.
            let (to, answer) = crate::db::writer::ticket();
            actix_web::rt::task::spawn_blocking(move || {
                match with_call(&st, &st.writes, ep, input, None, prepare) {
                    Ok(write) => st.writer.submit_write(write, to),
                    Err(e) => to.answer(Err(e)),
                }
            });
            render(answer.wait(WRITE_TIMEOUT).await, None)
        }
        Run::Sliced(prepare) => {
            use crate::db::writer::Sliced;
            // As Run::Writer, checked on the light calls' pool (the
            // postbacks' own stays theirs); reading what to write may
            // take a while (the clicks of a big spend), hence the longer
            // limit.
            let (to, answer) = crate::db::writer::ticket();
            actix_web::rt::task::spawn_blocking(move || {
                match with_call(&st, &st.pool, ep, input, None, prepare) {
                    Ok(Sliced::Task(task)) => st.writer.start_task(task, to),
                    Ok(Sliced::Done(v)) => to.answer(Ok(v)),
                    Err(e) => to.answer(Err(e)),
                }
                // Reading a big write's clicks held their ids and prices.
                crate::memory::release();
            });
            render(answer.wait(SLICED_TIMEOUT).await, None)
        }
    };
    rendered.respond()
}

/// Anything else under /api answers the envelope, never a 404 page.
pub async fn unknown() -> HttpResponse {
    error_reply(&ApiError::new(ErrorCode::NoFunction))
}
