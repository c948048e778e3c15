//! Flows and their ways (docs/API.md flows/flow/flow-delete). Everything sent
//! is validated before anything is written, and the write is one
//! transaction, so a bad way never leaves half a flow behind.
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::params::Params;
use crate::api::Call;
use crate::ids::UserId;
use crate::snapshot::{split_list, Method};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};
use ways::{countries, way_spec, ways_param};

mod ways;

/// Paths the router keeps for itself (docs/API.md "The click path").
const RESERVED: [&str; 7] = ["api", "app", "static", "health", "favicon", "robots", "lp"];

/// `[a-z0-9-]{2,32}` and not a reserved path.
pub fn valid_id(id: &str) -> bool {
    (2..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !RESERVED.contains(&id)
}

enum Trafficback {
    Keep,
    Clear,
    Site(i64),
    Url(String),
}

fn trafficback(conn: &Connection, user: UserId, p: &Params) -> ApiResult<Trafficback> {
    if !p.has("trafficback") {
        return Ok(Trafficback::Keep);
    }
    match p.text("trafficback")? {
        None => Ok(Trafficback::Clear),
        Some(s) if s.bytes().all(|b| b.is_ascii_digit()) => {
            let site = s
                .parse::<i64>()
                .map_err(|_| ApiError::field(ErrorCode::BadSite, "trafficback"))?;
            crate::sites::owned(conn, user, site).map_err(|e| ApiError {
                field: Some("trafficback".into()),
                ..e
            })?;
            Ok(Trafficback::Site(site))
        }
        Some(s) if crate::sites::valid_url(&s) => Ok(Trafficback::Url(s)),
        Some(_) => Err(ApiError::field(ErrorCode::BadUrl, "trafficback")),
    }
}

pub fn save(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&[
        "flow",
        "name",
        "method",
        "geo",
        "lang",
        "bots",
        "unique",
        "trafficback",
        "ways",
        "source",
    ])?;
    let p = &call.params;
    let id = match p.text("flow")? {
        Some(f) if valid_id(&f) => f,
        Some(_) => return Err(ApiError::field(ErrorCode::BadFlow, "flow")),
        None => loop {
            let f = crate::accounts::tokens::random(6).to_ascii_lowercase();
            if valid_id(&f) && !exists(&call.conn, &f)? {
                break f;
            }
        },
    };
    let owner: Option<UserId> = call
        .conn
        .query_row("SELECT user_id FROM flows WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .optional()?;
    if owner.is_some_and(|o| o != user.id) {
        return Err(ApiError::access());
    }
    let method = match p.text("method")? {
        Some(m) => Some(
            Method::parse(&m)
                .ok_or_else(|| ApiError::field(ErrorCode::BadMethod, "method"))?
                .as_str(),
        ),
        None => None,
    };
    let geo = if p.has("geo") {
        Some(countries(p.list("geo")?, "geo")?)
    } else {
        None
    };
    let lang = p.flag("lang")?;
    let bots = p.flag("bots")?;
    let unique = p.int("unique", 0, 720, ErrorCode::BadUnique)?;
    let name = p.text_max("name", 255)?;
    let tb = trafficback(&call.conn, user.id, p)?;
    let source = crate::sources::flow_param(&call.conn, user.id, p)?;
    let ways = match ways_param(p)? {
        Some(list) => {
            if list.len() > 1000 {
                return Err(ApiError::field(ErrorCode::BadWay, "ways"));
            }
            Some(
                list.iter()
                    .enumerate()
                    .map(|(i, v)| way_spec(&call.conn, user.id, v, i))
                    .collect::<ApiResult<Vec<_>>>()?,
            )
        }
        None => None,
    };
    let tx = call.conn.transaction()?;
    if owner.is_none() {
        tx.execute(
            "INSERT INTO flows (id, user_id, name, created) VALUES (?1, ?2, ?1, unixepoch())",
            params![id, user.id],
        )?;
    }
    tx.execute(
        "UPDATE flows SET name = COALESCE(?2, name), method = COALESCE(?3, method), geo = COALESCE(?4, geo),
           lang = COALESCE(?5, lang), bots = COALESCE(?6, bots), uniq_hours = COALESCE(?7, uniq_hours), archived = 0
         WHERE id = ?1",
        params![id, name, method, geo, lang, bots, unique],
    )?;
    match tb {
        Trafficback::Keep => 0,
        Trafficback::Clear => tx.execute(
            "UPDATE flows SET tb_site = NULL, tb_url = '' WHERE id = ?1",
            [&id],
        )?,
        Trafficback::Site(s) => tx.execute(
            "UPDATE flows SET tb_site = ?2, tb_url = '' WHERE id = ?1",
            params![id, s],
        )?,
        Trafficback::Url(u) => tx.execute(
            "UPDATE flows SET tb_site = NULL, tb_url = ?2 WHERE id = ?1",
            params![id, u],
        )?,
    };
    crate::sources::set_flow(&tx, &id, source)?;
    let mut way_ids = Vec::new();
    if let Some(ways) = ways {
        // Ways sent replace the flow's ways: kept by id, new, or archived.
        tx.execute("UPDATE ways SET archived = 1 WHERE flow_id = ?1", [&id])?;
        for (pos, w) in ways.iter().enumerate() {
            let values = params![
                w.site, w.url, w.weight, w.geo, w.geox, w.device, w.bots, w.active, pos as i64, id,
                user.id, w.offers
            ];
            let updated = match w.way {
                Some(way) => tx.execute(
                    "UPDATE ways SET site_id = ?1, url = ?2, weight = ?3, geo = ?4, geox = ?5, device = ?6, bots = ?7,
                       active = ?8, pos = ?9, archived = 0, offers = ?13 WHERE id = ?12 AND flow_id = ?10 AND user_id = ?11",
                    params![w.site, w.url, w.weight, w.geo, w.geox, w.device, w.bots, w.active, pos as i64, id, user.id, way, w.offers],
                )?,
                None => 0,
            };
            if w.way.is_some() && updated == 0 {
                return Err(ApiError::field(
                    ErrorCode::BadWay,
                    format!("ways[{pos}].way"),
                ));
            }
            if updated == 0 {
                tx.execute(
                    "INSERT INTO ways (site_id, url, weight, geo, geox, device, bots, active, pos, flow_id, user_id, offers)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    values,
                )?;
                way_ids.push(tx.last_insert_rowid());
            } else {
                way_ids.push(w.way.unwrap_or_default());
            }
        }
    } else {
        let mut st =
            tx.prepare("SELECT id FROM ways WHERE flow_id = ?1 AND archived = 0 ORDER BY pos, id")?;
        way_ids = st
            .query_map([&id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
    }
    // Saved as asked, but a flow that can send nobody anywhere is almost
    // always a mistake (a typo'd `ways`): every visitor would get a 404.
    let (active, trafficback): (i64, bool) = tx.query_row(
        "SELECT (SELECT count(*) FROM ways WHERE flow_id = ?1 AND archived = 0 AND active = 1),
                tb_site IS NOT NULL OR tb_url <> '' FROM flows WHERE id = ?1",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    tx.commit()?;
    call.reload()?;
    let mut answer = json!({ "flow": id, "ways": way_ids });
    if active == 0 && !trafficback {
        answer["warning"] =
            "no active way and no trafficback: every visitor gets a 404 page (filter 5)".into();
    }
    Ok(answer)
}

fn exists(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.query_row("SELECT 1 FROM flows WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

pub fn delete(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&["flow"])?;
    let id = call
        .params
        .text("flow")?
        .ok_or_else(|| ApiError::field(ErrorCode::BadFlow, "flow"))?;
    let owner: Option<UserId> = call
        .conn
        .query_row(
            "SELECT user_id FROM flows WHERE id = ?1 AND archived = 0",
            [&id],
            |r| r.get(0),
        )
        .optional()?;
    match owner {
        Some(o) if o == user.id => {}
        Some(_) => return Err(ApiError::access()),
        None => return Err(ApiError::field(ErrorCode::BadFlow, "flow")),
    }
    call.conn
        .execute("UPDATE flows SET archived = 1 WHERE id = ?1", [&id])?;
    call.reload()?;
    Ok(json!({ "flow": id }))
}

fn list_json(s: &str) -> Value {
    Value::from(split_list(s))
}

pub fn list(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let conn = &call.conn;
    let mut ways: Map<String, Value> = Map::new();
    let mut st = conn.prepare(
        "SELECT w.flow_id, w.id, w.site_id, CASE WHEN w.site_id IS NULL THEN w.url ELSE s.url END,
                w.weight, w.geo, w.geox, w.device, w.bots, w.active, w.offers
         FROM ways w LEFT JOIN sites s ON s.id = w.site_id
         WHERE w.user_id = ?1 AND w.archived = 0 ORDER BY w.flow_id, w.pos, w.id",
    )?;
    let rows = st.query_map([user.id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            json!({
                "way": r.get::<_, i64>(1)?,
                "site": r.get::<_, Option<i64>>(2)?.map_or(Value::Bool(false), Value::from),
                "url": r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                "weight": r.get::<_, i64>(4)?,
                "geo": list_json(&r.get::<_, String>(5)?),
                "geox": list_json(&r.get::<_, String>(6)?),
                "device": r.get::<_, String>(7)?,
                "bots": r.get::<_, i64>(8)?,
                "active": r.get::<_, i64>(9)?,
                "offers": crate::landings::offers_json(&r.get::<_, String>(10)?),
            }),
        ))
    })?;
    for row in rows {
        let (flow, way) = row?;
        if let Value::Array(a) = ways.entry(flow).or_insert(Value::Array(Vec::new())) {
            a.push(way);
        }
    }
    let mut st = conn.prepare(
        "SELECT id, name, method, geo, lang, bots, uniq_hours, tb_site, tb_url, source_id FROM flows
         WHERE user_id = ?1 AND archived = 0 ORDER BY created, id",
    )?;
    let flows = st
        .query_map([user.id], |r| {
            let id: String = r.get(0)?;
            let tb = match (r.get::<_, Option<i64>>(7)?, r.get::<_, String>(8)?) {
                (Some(site), _) => Value::from(site),
                (None, url) if !url.is_empty() => Value::from(url),
                _ => Value::Bool(false),
            };
            let source: Option<i64> = r.get(9)?;
            Ok(json!({
                "flow": id,
                "name": r.get::<_, String>(1)?,
                "method": r.get::<_, String>(2)?,
                "geo": list_json(&r.get::<_, String>(3)?),
                "lang": r.get::<_, i64>(4)?,
                "bots": r.get::<_, i64>(5)?,
                "unique": r.get::<_, i64>(6)?,
                "trafficback": tb,
                "ways": ways.get(&id).cloned().unwrap_or(Value::Array(Vec::new())),
                "source": source.map_or(Value::Bool(false), Value::from),
                "link": crate::sources::link(conn, &call.origin, &id, source)?,
            }))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "flows": flows }))
}
