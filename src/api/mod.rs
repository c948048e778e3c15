//! The API layer (SPEC 3): one route for every `/api/tracker/{fn}.json`,
//! parameters merged from query and body, the token checked, the handler
//! run on a pooled connection inside `web::block`, and every outcome —
//! including malformed input — answered as HTTP 200 JSON.
pub mod csv;
pub mod dates;
pub mod error;
pub mod filters;
pub mod params;

use crate::db::PooledConn;
use crate::snapshot::User;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use error::{ApiError, ApiResult};
use futures_util::StreamExt;
use params::Params;
use serde_json::Value;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

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
    /// `scheme://host` the client used, for ready-made URLs.
    pub origin: String,
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
pub type Prepare = fn(&mut Call) -> ApiResult<crate::db::writer::JobFn>;

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
    /// Needs no token (login).
    pub open: bool,
    /// Must see every click answered before the call (SPEC 2).
    pub fresh: bool,
    /// May answer CSV with format=csv (SPEC 5.2), rows under this key.
    pub csv: Option<&'static str>,
}

const fn ep(name: &'static str, run: Handler) -> Endpoint {
    Endpoint {
        name,
        run: Run::Pool(run),
        open: false,
        fresh: false,
        csv: None,
    }
}

const fn on_writer(name: &'static str, prepare: Prepare) -> Endpoint {
    Endpoint {
        name,
        run: Run::Writer(prepare),
        open: false,
        fresh: false,
        csv: None,
    }
}

const fn sliced(
    name: &'static str,
    prepare: fn(&mut Call) -> ApiResult<crate::db::writer::Sliced>,
) -> Endpoint {
    Endpoint {
        name,
        run: Run::Sliced(prepare),
        open: false,
        fresh: false,
        csv: None,
    }
}

/// Every API function. Reads that must see the latest clicks are `fresh`;
/// writes run by the writer see them by queue order and need no barrier.
pub static ENDPOINTS: &[Endpoint] = &[
    on_writer("postback", crate::leads::postback::prepare),
    Endpoint {
        fresh: true,
        ..sliced("spend", crate::spend::prepare)
    },
    Endpoint {
        csv: Some("leads"),
        ..ep("leads", crate::leads::list::run)
    },
    Endpoint {
        fresh: true,
        csv: Some("stats"),
        ..ep("stats", crate::stats::run)
    },
    Endpoint {
        fresh: true,
        csv: Some("clicks"),
        ..ep("clicks", crate::clicks::list::run)
    },
    ep("sites", crate::sites::list),
    ep("site", crate::sites::save),
    ep("site-delete", crate::sites::delete),
    ep("flows", crate::flows::list),
    ep("flow", crate::flows::save),
    ep("flow-delete", crate::flows::delete),
    ep("goals", crate::goals::list),
    ep("goal", crate::goals::save),
    ep("blacklist", crate::accounts::blacklist::run),
    ep("profile", crate::accounts::profile::run),
    ep("token", crate::accounts::profile::rotate_token),
    Endpoint {
        open: true,
        ..ep("login", crate::accounts::login::run)
    },
    ep("rates", crate::money::rates_endpoint),
];

fn json_reply(v: &Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/json")
        .body(
            serde_json::to_string(v)
                .unwrap_or_else(|_| "{\"status\":\"error\",\"error\":\"db\"}".into()),
        )
}

pub fn error_reply(e: &ApiError) -> HttpResponse {
    json_reply(&e.to_json())
}

/// Reads the body with a size limit and merges it over the query.
async fn read_params(req: &HttpRequest, mut payload: web::Payload) -> ApiResult<Params> {
    let mut params = Params::default();
    params.add_urlencoded(req.query_string())?;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::new("bad-body"))?;
        if body.len() + chunk.len() > params::MAX_BODY {
            return Err(ApiError::new("too-large"));
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
        let text = std::str::from_utf8(&body).map_err(|_| ApiError::field("bad-param", "body"))?;
        params.add_urlencoded(text)?;
    }
    Ok(params)
}

/// Token from `id` or an `Authorization: Bearer` header.
fn authenticate(
    state: &AppState,
    conn: &PooledConn,
    params: &Params,
    bearer: Option<String>,
) -> ApiResult<Arc<User>> {
    let token = params.text("id")?.or(bearer).ok_or_else(ApiError::access)?;
    crate::accounts::tokens::find_user(state, conn, &token)?.ok_or_else(ApiError::access)
}

/// What the dispatcher read from the request for the handler.
struct Input {
    params: Params,
    bearer: Option<String>,
    ip: Option<IpAddr>,
    origin: String,
}

/// Builds the call on a pooled connection and runs `f` on it. Blocking:
/// runs on a blocking thread. The connection goes back to the pool when
/// `f` returns.
fn with_call<T>(
    st: &AppState,
    ep: &Endpoint,
    input: Input,
    f: impl FnOnce(&mut Call) -> ApiResult<T>,
) -> ApiResult<T> {
    // Wait for the writer before taking a pooled connection, so calls
    // waiting on a stalled writer cannot hold every connection.
    if ep.fresh && !st.writer.barrier(Duration::from_secs(2)) {
        return Err(ApiError::db());
    }
    let conn = st.pool.get()?;
    let user = if ep.open {
        None
    } else {
        Some(authenticate(st, &conn, &input.params, input.bearer)?)
    };
    let mut call = Call {
        state: st,
        params: input.params,
        conn,
        ip: input.ip,
        origin: input.origin,
        user,
    };
    f(&mut call)
}

pub async fn dispatch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let name = req.match_info().get("function").unwrap_or("");
    let Some(ep) = name
        .strip_suffix(".json")
        .and_then(|n| ENDPOINTS.iter().find(|e| e.name == n))
    else {
        return error_reply(&ApiError::new("no-function"));
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
    let ip = crate::clicks::visitor::Visitor::client_ip(&req, state.trust_proxy);
    let origin = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let csv = ep
        .csv
        .filter(|_| matches!(params.text("format"), Ok(Some(f)) if f.eq_ignore_ascii_case("csv")));
    let st = state.clone();
    let input = Input {
        params,
        bearer,
        ip,
        origin,
    };
    let result = match ep.run {
        Run::Pool(handler) => web::block(move || with_call(&st, ep, input, handler))
            .await
            .unwrap_or_else(|_| Err(ApiError::db())),
        Run::Writer(prepare) => {
            // The blocking thread checks the call, hands the job to the
            // writer and is free at once: this task awaits the answer
            // holding neither a thread nor a pooled connection.
            let (to, answer) = crate::db::writer::ticket();
            actix_web::rt::task::spawn_blocking(move || match with_call(&st, ep, input, prepare) {
                Ok(job) => st.writer.submit(job, to),
                Err(e) => to.answer(Err(e)),
            });
            answer.wait(WRITE_TIMEOUT).await
        }
        Run::Sliced(prepare) => {
            use crate::db::writer::Sliced;
            // As Run::Writer; reading what to write may take a while
            // (the clicks of a big spend), hence the longer limit.
            let (to, answer) = crate::db::writer::ticket();
            actix_web::rt::task::spawn_blocking(move || match with_call(&st, ep, input, prepare) {
                Ok(Sliced::Task(task)) => st.writer.start_task(task, to),
                Ok(Sliced::Done(v)) => to.answer(Ok(v)),
                Err(e) => to.answer(Err(e)),
            });
            answer.wait(SLICED_TIMEOUT).await
        }
    };
    match result {
        Ok(v) => match csv {
            Some(key) => csv::reply(&v, key),
            None => json_reply(&error::ok(v)),
        },
        Err(e) => error_reply(&e),
    }
}

/// Anything else under /api answers the envelope, never a 404 page.
pub async fn unknown() -> HttpResponse {
    error_reply(&ApiError::new("no-function"))
}
