//! `GET|HEAD /{flow}`: the click path (docs/API.md), with no database I/O on
//! the request thread: classify, filter, pick a way, queue the record for
//! the writer (never waiting), answer.
use super::filters::{self, Filter, FilterCode};
use super::uniqueness::{cookie_key, ip_ua_key};
use super::visitor::{ip_text, set_cookie, tags_from_query, Visitor};
use super::{answer, landing, macros, source};
use crate::click_id as id;
use crate::state::AppState;
use crate::store::record::ClickRecord;
use crate::user_agent;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rand::RngCore;

/// The flow id of a click path: its one segment, percent-decoded as
/// actix decodes path parameters (`/demo%2Dfb` is `demo-fb`).
pub fn flow_segment(req: &HttpRequest) -> Option<&str> {
    req.match_info()
        .as_str()
        .strip_prefix('/')
        .filter(|f| !f.is_empty() && !f.contains('/'))
}

/// Answers a click on the path's flow (routed by `crate::web::fallback`).
pub async fn click(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let snapshot = state.snapshot();
    let flow_id = flow_segment(&req).unwrap_or("");
    let Some(flow) = snapshot.flows.get(flow_id) else {
        return answer::not_found(HttpResponse::NotFound());
    };
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let now = now_ms / 1000;
    let v = Visitor::from_request(&req, &state.proxy);
    let ua = user_agent::classify_cached(&v.ua);
    let ip_text = v.ip.map(ip_text).unwrap_or_default();
    let geo = match (&v.proxy_country, v.ip) {
        // Cloudflare's country header (believed only behind it) counts
        // only when no database knows the address.
        (Some(c), Some(ip)) => Some(state.geo.country(ip))
            .filter(|g| !g.is_empty())
            .unwrap_or_else(|| c.clone()),
        (Some(c), None) => c.clone(),
        (None, Some(ip)) => state.geo.country(ip),
        (None, None) => String::new(),
    };

    // Uniqueness and the way this visitor got before (steps 6-7).
    let (cookie, new_cookie) = match v.cookie {
        Some(c) => (c, false),
        None => (rand::rng().next_u64(), true),
    };
    let ck = cookie_key(&flow.id, cookie);
    let iu = ip_ua_key(&flow.id, &ip_text, &v.ua);
    let lookup = if new_cookie { iu } else { ck };
    let previous = state
        .visitors
        .previous(flow.user_id.0, lookup, now, flow.uniq_secs);

    let ctx = filters::Ctx {
        ua,
        geo: &geo,
        ip: v.ip,
        accept_language: v.accept_language,
    };
    let decision = filters::decide(flow, &snapshot, &ctx, previous.way);
    let (filter, way) = match decision {
        Filter::Target(w) => (FilterCode::Target, Some(w)),
        Filter::Blocked(code) => (code, None),
    };
    // HEAD gets the same answer but is not a visit: link checkers and
    // prefetchers must neither add clicks nor make the visitor's real
    // click look like a return (docs/API.md "The click path").
    let record_it = req.method() != actix_web::http::Method::HEAD;
    if record_it {
        state.visitors.remember(
            flow.user_id.0,
            &[ck, iu],
            now,
            way.map_or(0, |w| w.id),
            previous.unique,
        );
    }

    let mut tags = tags_from_query(req.query_string());
    let (source, cost) = match &flow.source {
        Some(s) => (s.id, source::apply(s, req.query_string(), &mut tags)),
        None => (0, 0.0),
    };
    let mut record = ClickRecord {
        key: state.click_keys.next(now_ms),
        secret: id::node_secret(state.node),
        user_id: flow.user_id,
        flow: flow.id.clone(),
        way: way.map_or(0, |w| w.id),
        site: way.map_or(0, |w| w.site),
        filter,
        unique: previous.unique,
        vid: cookie as i64,
        ip: ip_text,
        geo,
        lang: v.lang,
        os: ua.os,
        browser: ua.browser,
        mobile: ua.mobile,
        ua: v.ua,
        referer: v.referer,
        domain: v.domain,
        tags,
        source,
        landing: 0,
        offer: way.map_or(0, |w| w.site),
        lp: 0,
        cost,
    };
    // A way to a landing page (docs/API.md "Landing pages"); other ways
    // pay one test of an empty list.
    let lp_way = way.filter(|w| !w.offers.is_empty());
    if let Some(w) = lp_way {
        landing::choose(w, &mut record);
    }
    let click_id = id::encode(record.key, record.secret);
    let target = match way {
        Some(w) if lp_way.is_some() => Some(landing::url(w, &record, &click_id, || {
            state.proxy.origin(&req)
        })),
        Some(w) => Some(macros::expand(&w.url, &record, &click_id)),
        None => flow
            .trafficback
            .as_ref()
            .map(|(_, url)| macros::expand(url, &record, &click_id)),
    };
    let memo = lp_way
        .filter(|_| record_it)
        .map(|_| landing::memo(&mut record));
    if record_it && !state.writer.enqueue(record) {
        // The writer's queue is full: a redirect would promise a click
        // that is not stored (docs/API.md "The click path").
        return answer::busy();
    }

    let mut builder = HttpResponse::Ok();
    if new_cookie {
        let secure = state.proxy.https(&req);
        builder.insert_header((header::SET_COOKIE, set_cookie(cookie, secure)));
    }
    if let Some(memo) = memo {
        let secure = state.proxy.https(&req);
        builder.append_header((header::SET_COOKIE, landing::set_cookie(&click_id, secure)));
        state.landings.remember(memo, false);
    }
    match target {
        Some(url) => answer::go(builder, flow.method, &url),
        None => answer::not_found(builder),
    }
}
