//! `GET|HEAD /lp/{click}`, `/lp/{click}/{n}`, `/lp`, `/lp/{n}`: the
//! landing page's link to the offer (docs/API.md "Landing pages"). It
//! records the landing click on the same click through the writer (never
//! waiting; only the first one counts) and redirects to the offer with
//! the usual macros. The click is found in the memory of recent landing
//! clicks, else by one primary-key read on a pooled connection, off the
//! request thread and within a time budget.
use super::landing;
use super::{answer, macros};
use crate::click_id as id;
use crate::snapshot::{offers, Flow};
use crate::state::AppState;
use crate::store::record::ClickRecord;
use crate::store::LandingClick;
use actix_web::{web, HttpRequest, HttpResponse};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The time a click read from the database may take (waiting for a
/// connection included); past it the visitor gets `503` (try again).
const LOOKUP_BUDGET: Duration = Duration::from_millis(250);
/// Reads of forgotten clicks at once: a flood of made-up ids must not
/// hold every connection of the management calls.
const LOOKUPS: usize = 4;
static LOOKING: AtomicUsize = AtomicUsize::new(0);

/// What the path names: a click id (or the cookie's when None) and the
/// offer's place on the page (None: the click's own offer; Err: not a
/// place).
struct Target<'a> {
    click: Option<&'a str>,
    n: Option<Result<usize, ()>>,
}

/// `1` to `999`.
fn place(s: &str) -> Result<usize, ()> {
    match s.parse::<usize>() {
        Ok(n) if (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) && n > 0 => {
            Ok(n)
        }
        _ => Err(()),
    }
}

fn target(path: &str) -> Option<Target<'_>> {
    let rest = path.strip_prefix("/lp")?;
    if rest.is_empty() || rest == "/" {
        return Some(Target {
            click: None,
            n: None,
        });
    }
    let mut parts = rest.strip_prefix('/')?.split('/');
    let a = parts.next().filter(|s| !s.is_empty())?;
    let b = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let digits = a.len() <= 3 && a.bytes().all(|b| b.is_ascii_digit());
    Some(match b {
        None if digits => Target {
            click: None,
            n: Some(place(a)),
        },
        None => Target {
            click: Some(a),
            n: None,
        },
        Some(b) => Target {
            click: Some(a),
            n: Some(place(b)),
        },
    })
}

/// The click `key` read from the database, if its secret is `secret`;
/// Err when it could not be read in time (or too many reads run): the
/// visitor may try again.
async fn read(state: &AppState, key: i64, secret: i64) -> Result<Option<ClickRecord>, ()> {
    if LOOKING.fetch_add(1, Ordering::AcqRel) >= LOOKUPS {
        LOOKING.fetch_sub(1, Ordering::AcqRel);
        return Err(());
    }
    let pool = state.pool.clone();
    let found = web::block(move || {
        let deadline = Instant::now() + LOOKUP_BUDGET;
        crate::db::budget::within(Some(deadline), || {
            let conn = pool.get_timeout(LOOKUP_BUDGET).map_err(|_| ())?;
            crate::store::click(&conn, key).map_err(|_| ())
        })
    })
    .await;
    LOOKING.fetch_sub(1, Ordering::AcqRel);
    Ok(found.map_err(|_| ())??.filter(|c| c.secret == secret))
}

/// The flow's trafficback for a known click that cannot go on, else the
/// plain 404 page.
fn trafficback(flow: &Flow, click: &ClickRecord, click_id: &str) -> HttpResponse {
    match &flow.trafficback {
        Some((_, url)) => answer::go(
            HttpResponse::Ok(),
            flow.method,
            &macros::expand(url, click, click_id),
        ),
        None => answer::not_found(HttpResponse::NotFound()),
    }
}

pub async fn lp(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    // A flow named `lp`, made before the name was kept for this path,
    // keeps its link (docs/API.md "Landing pages").
    if req.path() == "/lp" && state.snapshot().flows.contains_key("lp") {
        return super::route::click(req, state).await;
    }
    let not_found = || answer::not_found(HttpResponse::NotFound());
    let Some(t) = target(req.path()) else {
        return not_found();
    };
    let cookie;
    let click_id = match t.click {
        Some(c) => c,
        None => match landing::read_cookie(&req) {
            Some(c) => {
                cookie = c;
                cookie.as_str()
            }
            None => return not_found(),
        },
    };
    let Some((key, secret)) = id::decode(click_id) else {
        return not_found();
    };
    // HEAD is answered but is no landing click (link checkers).
    let count = req.method() != actix_web::http::Method::HEAD;
    let (click, first) = match state.landings.claim(key, secret, count) {
        Some(found) => found,
        None => {
            let c = match read(&state, key, secret).await {
                Ok(Some(c)) => c,
                Ok(None) => return not_found(),
                Err(()) => return answer::busy(),
            };
            let first = count && c.lp == 0;
            let counted = c.lp > 0 || first;
            let c = Arc::new(c);
            state.landings.remember(ClickRecord::clone(&c), counted);
            (c, first)
        }
    };
    let snapshot = state.snapshot();
    let Some(flow) = snapshot.flows.get(click.flow.as_str()) else {
        if first {
            state.landings.unclaim(key);
        }
        return not_found();
    };
    let way = flow
        .ways
        .iter()
        .find(|w| w.id == click.way && !w.offers.is_empty());
    let offer = way.and_then(|w| match t.n {
        Some(Ok(n)) => w.offers.get(n - 1),
        Some(Err(())) => None,
        None => w
            .offers
            .iter()
            .find(|o| o.site == click.offer)
            .or_else(|| offers::pick(&w.offers, click.vid, w.id))
            // Every weight 0: each offer only by its place; the plain
            // link takes the first.
            .or_else(|| w.offers.first()),
    });
    let Some(offer) = offer else {
        if first {
            state.landings.unclaim(key);
        }
        return trafficback(flow, &click, click_id);
    };
    if first {
        let lp = LandingClick {
            key,
            secret,
            user_id: click.user_id,
            offer: offer.site,
            lp: jiff::Timestamp::now().as_second(),
        };
        if !state.writer.enqueue(lp) {
            state.landings.unclaim(key);
            return answer::busy();
        }
    }
    let mut values = ClickRecord::clone(&click);
    values.offer = offer.site;
    let url = macros::expand(&offer.url, &values, click_id);
    answer::go(HttpResponse::Ok(), flow.method, &url)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parts<'a> = (Option<&'a str>, Option<Result<usize, ()>>);

    fn parts(path: &str) -> Option<Parts<'_>> {
        target(path).map(|t| (t.click, t.n))
    }

    #[test]
    fn paths_name_a_click_and_a_place() {
        assert_eq!(parts("/lp"), Some((None, None)));
        assert_eq!(parts("/lp/"), Some((None, None)));
        assert_eq!(parts("/lp/2"), Some((None, Some(Ok(2)))));
        assert_eq!(parts("/lp/0"), Some((None, Some(Err(())))));
        assert_eq!(parts("/lp/abc"), Some((Some("abc"), None)));
        assert_eq!(parts("/lp/abc/3"), Some((Some("abc"), Some(Ok(3)))));
        assert_eq!(parts("/lp/abc/1000"), Some((Some("abc"), Some(Err(())))));
        assert_eq!(parts("/lp/abc/x"), Some((Some("abc"), Some(Err(())))));
        assert_eq!(parts("/lp/a/1/2"), None);
        assert_eq!(parts("/lp//1"), None);
        assert_eq!(parts("/lpx"), None);
    }
}
