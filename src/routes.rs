//! The application's API functions (docs/API.md): the table the generic
//! dispatcher of src/api answers from, and how it checks a credential.
//! Here, at the root, so that the API layer names no handler and the
//! handlers may use it.
use crate::api::{self, ep, on_writer, sliced, Csv, Endpoint, Routes};
use crate::state::AppState;
use crate::{accounts, clicks, flows, goals, leads, outbound, rates, sites, sources, spend, stats};
use actix_web::{web, HttpRequest, HttpResponse};

/// Every API function. Reads that must see the latest clicks are `fresh`;
/// writes run by the writer see them by queue order and need no barrier.
pub static ENDPOINTS: &[Endpoint] = &[
    on_writer("postback", leads::postback::prepare),
    Endpoint {
        fresh: true,
        ..sliced("spend", spend::prepare)
    },
    Endpoint {
        csv: Some(Csv {
            key: "leads",
            fields: || leads::list::FIELDS.as_slice(),
        }),
        heavy: true,
        ..ep("leads", leads::list::run)
    },
    Endpoint {
        fresh: true,
        csv: Some(Csv {
            key: "stats",
            fields: || &[],
        }),
        heavy: true,
        ..ep("stats", stats::run)
    },
    Endpoint {
        fresh: true,
        csv: Some(Csv {
            key: "clicks",
            fields: || &clicks::list::FIELDS,
        }),
        heavy: true,
        ..ep("clicks", clicks::list::run)
    },
    ep("sites", sites::list),
    ep("site", sites::save),
    ep("site-delete", sites::delete),
    ep("sources", sources::list),
    ep("source", sources::save),
    ep("source-delete", sources::delete),
    ep("flows", flows::list),
    ep("flow", flows::save),
    ep("flow-delete", flows::delete),
    ep("goals", goals::list),
    ep("goal", goals::save),
    ep("blacklist", accounts::blacklist::run),
    ep("profile", accounts::profile::run),
    ep("token", accounts::profile::rotate_token),
    ep("postback-key", accounts::profile::rotate_postback_key),
    ep("sessions", accounts::sessions::list),
    ep("session-delete", accounts::sessions::delete),
    ep("logout", accounts::sessions::logout),
    Endpoint {
        open: true,
        ..ep("login", accounts::login::run)
    },
    ep("rates", rates::run),
    Endpoint {
        csv: Some(Csv {
            key: "postbacks",
            fields: || &outbound::api::FIELDS,
        }),
        heavy: true,
        ..ep("postbacks-out", outbound::api::list)
    },
    ep("postback-retry", outbound::api::retry),
    ep("postback-preview", outbound::api::preview),
];

/// The functions and the credential checks `/api/tracker/{fn}.json` answers with.
pub static ROUTES: Routes = Routes {
    endpoints: ENDPOINTS,
    authenticate,
    turn,
};

/// The user and dashboard session of a credential (src/accounts/tokens.rs).
fn authenticate(
    state: &AppState,
    conn: &rusqlite::Connection,
    secret: &str,
    function: &str,
) -> rusqlite::Result<Option<(std::sync::Arc<crate::snapshot::User>, Option<i64>)>> {
    use accounts::tokens::Credential;
    let found = accounts::tokens::authenticate(state, conn, secret, function)?;
    Ok(found.map(|(user, credential)| match credential {
        Credential::Session(id) => (user, Some(id)),
        Credential::Token | Credential::PostbackKey => (user, None),
    }))
}

/// A log-in attempt's turn (src/accounts/throttle.rs).
fn turn<'a>(
    state: &'a AppState,
    params: &'a api::params::Params,
    ip: Option<std::net::IpAddr>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = api::error::ApiResult<()>> + 'a>> {
    Box::pin(accounts::login::wait_turn(state, params, ip))
}

/// The route of `/api/tracker/{fn}.json`.
pub async fn dispatch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    api::dispatch(&ROUTES, req, payload, state).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_endpoints_are_reports() {
        // The caller's timezone for CSV times is taken where reports run
        // (src/api/mod.rs `report`).
        for ep in super::ENDPOINTS.iter().filter(|e| e.csv.is_some()) {
            assert!(ep.heavy, "{}", ep.name);
        }
    }
}
