//! stats.json (reference "Click statistics", docs/API.md): clicks and leads of
//! a period grouped by one of 18 items, with the reference metrics plus
//! spend, profit and ROI, per group and in total.
//!
//! Clicks count in the group of their own time and leads in the group of
//! theirs (`leads.time`), in the user's timezone. The numbers come from
//! two aggregate queries (src/stats/source.rs); this module parses the
//! request, folds the grouped rows into groups, and renders them.
pub mod items;
pub mod metrics;

use crate::api::dates::{local, period, Period};
use crate::api::error::{ApiError, ApiResult};
use crate::api::filters::Where;
use crate::api::params::Params;
use crate::api::Call;
use crate::store::aggregate::{self as source, Grouping};
use crate::store::{cols, ip};
use items::{Item, Key, Names};
use jiff::tz::TimeZone;
use metrics::Row;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// A parsed stats.json request (docs/ARCHITECTURE.md: typed at the boundary).
pub struct StatsRequest {
    pub item: Item,
    /// Only this local hour (0-23): the reference's `hour` filter.
    pub hour: Option<i8>,
    /// The period in Unix seconds; each source turns it into its own
    /// condition (a click id range, `leads.time`).
    pub period: Period,
    /// Owner and dimension filters; the columns are named the same in
    /// clicks and leads (schema.sql), so both sources share them.
    pub filters: Where,
}

impl StatsRequest {
    pub fn parse(p: &Params, user: i64, tz: &TimeZone) -> ApiResult<StatsRequest> {
        let period = period(p, tz, true)?;
        let item = match p.text("item")? {
            None => return Err(ApiError::new("no-item")),
            Some(s) => Item::parse(&s)
                .ok_or_else(|| ApiError::one_of("no-item", "item", &items::ITEM_NAMES))?,
        };
        let hour = p.int("hour", 0, 23, "bad-param")?.map(|h| h as i8);
        let mut filters = Where::owner(user);
        filters.dimensions(p)?;
        Ok(StatsRequest {
            item,
            hour,
            period,
            filters,
        })
    }

    fn grouping(&self) -> Grouping {
        Grouping {
            buckets: self.item.chronological() || self.hour.is_some(),
            column: self.item.column(),
            top: Some(MAX_GROUPS + 1),
        }
    }
}

/// Folds (bucket, value) rows into the request's groups, converting each
/// bucket to local time once.
struct Folder<'a> {
    item: Item,
    hour: Option<i8>,
    tz: &'a TimeZone,
    /// bucket → its group (None: outside the `hour` filter).
    local: HashMap<i64, Option<Key>>,
}

impl Folder<'_> {
    fn group(&mut self, bucket: Option<i64>, value: Option<Key>) -> Option<Key> {
        let Some(b) = bucket else {
            return value;
        };
        let (item, hour, tz) = (self.item, self.hour, self.tz);
        let time_key = self
            .local
            .entry(b)
            .or_insert_with(|| {
                let t = local(b, tz);
                (hour.is_none_or(|h| t.hour() == h)).then(|| item.time_key(t))
            })
            .clone()?;
        Some(value.unwrap_or(time_key))
    }
}

/// Most groups one answer holds. Items like ip or subid can have millions
/// of values in a month; such an answer keeps the groups with the most
/// clicks, says `"truncated": true`, and its total still counts everything.
pub const MAX_GROUPS: usize = 10_000;

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let req = StatsRequest::parse(&call.params, user.id, &user.tz)?;
    let g = req.grouping();
    let mut folder = Folder {
        item: req.item,
        hour: req.hour,
        tz: &user.tz,
        local: HashMap::new(),
    };
    let mut groups: HashMap<Key, Row> = HashMap::new();
    // The click columns keep the clicks of the `hour` filter themselves
    // when grouping by a value (src/stats/cols).
    let hours = req.hour.map(|h| hours_of(req.period, h, &user.tz));
    // About one address per click: the click columns answer item ip
    // (src/stats/ip.rs), already cut to the top groups.
    let top = match req.item.column() {
        Some("ip") => {
            // A spare from the report pool, which holds one for each
            // report slot (src/api/reads.rs).
            let mut spare = call.state.reports.try_get();
            let (f, p) = (&req.filters, req.period);
            ip::top(
                &call.conn,
                spare.as_deref_mut(),
                f,
                p,
                hours.as_ref(),
                g.top.unwrap_or(0),
            )?
        }
        _ => None,
    };
    match top {
        Some(top) => {
            for (k, s) in top {
                groups
                    .entry(k)
                    .or_default()
                    .add_clicks(s.click, s.unique, s.spend);
            }
        }
        None => source::clicks(
            &call.conn,
            Some(&call.state.reports),
            g,
            &req.filters,
            req.period,
            hours.as_ref(),
            |a| {
                if let Some(k) = folder.group(a.bucket, a.value) {
                    groups
                        .entry(k)
                        .or_default()
                        .add_clicks(a.click, a.unique, a.spend);
                }
            },
        )?,
    }
    let truncated = groups.len() > MAX_GROUPS;
    // A cut answer reads the leads of its groups only (src/stats/source.rs).
    let mut kept = Vec::new();
    if truncated {
        let keep = groups.keys().filter_map(|k| match k {
            Key::Text(t) => Some(t.as_str()),
            Key::Int(_) => None,
        });
        let keep: std::collections::HashSet<&str> = keep.collect();
        let mut spare = call.state.reports.try_get();
        let (f, p) = (&req.filters, req.period);
        source::kept_leads(&call.conn, spare.as_deref_mut(), g, f, p, &keep, |a| {
            kept.push(a)
        })?;
    }
    let mut add = |a: source::LeadAgg| {
        if let Some(k) = folder.group(a.bucket, a.value) {
            // Cut answers keep their click groups only.
            if !truncated || groups.contains_key(&k) {
                groups.entry(k).or_default().add_leads(&a.goal, &a.leads);
            }
        }
    };
    match truncated {
        true => kept.into_iter().for_each(&mut add),
        false => source::leads(&call.conn, g, &req.filters, req.period, &mut add)?,
    }
    let total = if truncated {
        Some(total_row(call, &req, &mut folder)?)
    } else {
        None
    };
    let names = Names::load(&call.conn, user.id, req.item)?;
    let mut answer = render(req.item, &names, groups, total);
    if truncated {
        answer["truncated"] = Value::Bool(true);
    }
    Ok(answer)
}

/// The 15-minute buckets of `period` that fall in local hour `hour`.
fn hours_of(period: Period, hour: i8, tz: &TimeZone) -> cols::read::Hours {
    let first = period.start.div_euclid(source::BUCKET);
    let end = (period.end - 1).div_euclid(source::BUCKET) + 1;
    let keep = (first..end)
        .map(|b| local(b * source::BUCKET, tz).hour() == hour)
        .collect();
    cols::read::Hours { first, keep }
}

/// The total of every click and lead of the request, for answers whose
/// groups were cut to [`MAX_GROUPS`].
fn total_row(call: &Call, req: &StatsRequest, folder: &mut Folder) -> ApiResult<Row> {
    let g = Grouping {
        buckets: req.hour.is_some(),
        column: None,
        top: None,
    };
    let mut total = Row::default();
    source::clicks(&call.conn, None, g, &req.filters, req.period, None, |a| {
        if folder.group(a.bucket, None).is_some() || a.bucket.is_none() {
            total.add_clicks(a.click, a.unique, a.spend);
        }
    })?;
    source::leads(&call.conn, g, &req.filters, req.period, |a| {
        if folder.group(a.bucket, None).is_some() || a.bucket.is_none() {
            total.add_leads(&a.goal, &a.leads);
        }
    })?;
    Ok(total)
}

/// The answer: groups in docs/API.md order (date/hour ascending, others by
/// clicks, most first, then by id) and the total.
fn render(item: Item, names: &Names, groups: HashMap<Key, Row>, total: Option<Row>) -> Value {
    let mut rows: Vec<(Key, Row)> = groups.into_iter().collect();
    if item.chronological() {
        rows.sort_by(|a, b| a.0.cmp(&b.0));
    } else {
        rows.sort_by(|a, b| b.1.click.cmp(&a.1.click).then_with(|| a.0.cmp(&b.0)));
    }
    rows.truncate(MAX_GROUPS);
    let given = total.is_some();
    let mut total = total.unwrap_or_default();
    let mut stats = Map::with_capacity(rows.len());
    for (key, row) in &rows {
        if !given {
            total.merge(row);
        }
        let mut head = Map::new();
        head.insert("id".into(), key.to_json());
        head.insert("name".into(), names.name(key));
        stats.insert(key.map_key(), row.to_json(head));
    }
    json!({ "stats": stats, "total": total.to_json(Map::new()) })
}
