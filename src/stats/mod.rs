//! stats.json (reference "Click statistics", docs/API.md): clicks and leads of
//! a period grouped by one of 18 items, with the reference metrics plus
//! spend, profit and ROI, per group and in total.
//!
//! Clicks count in the group of their own time and leads in the group of
//! theirs (`leads.time`), in the user's timezone. The numbers come from
//! two aggregate queries (src/store/aggregate.rs); this module parses the
//! request, folds the grouped rows into groups, and renders them.
pub mod items;
pub mod metrics;

use crate::api::dates::{local, period, Period};
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::filters::Where;
use crate::api::params::Params;
use crate::api::Call;
use crate::store::aggregate::{self as source, Grouping};
use crate::store::reports::{Aggregates, Local};
use crate::store::Hours;
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
    pub fn parse(p: &Params, user: crate::ids::UserId, tz: &TimeZone) -> ApiResult<StatsRequest> {
        let period = period(p, tz, true)?;
        let item = match p.text("item")? {
            None => return Err(ApiError::new(ErrorCode::NoItem)),
            Some(s) => Item::parse(&s)
                .ok_or_else(|| ApiError::one_of(ErrorCode::NoItem, "item", &items::ITEM_NAMES))?,
        };
        let hour = p.int("hour", 0, 23, ErrorCode::BadParam)?.map(|h| h as i8);
        let mut filters = Where::owner(user);
        crate::store::filters::dimensions(&mut filters, p)?;
        Ok(StatsRequest {
            item,
            hour,
            period,
            filters,
        })
    }

    pub fn grouping(&self) -> Grouping {
        Grouping {
            buckets: self.item.chronological() || self.hour.is_some(),
            column: self.item.column(),
            top: Some(MAX_GROUPS + 1),
        }
    }

    /// The buckets of the `hour` filter in `tz`, if it is given.
    pub fn hours(&self, tz: &TimeZone) -> Option<Hours> {
        self.hour.map(|h| hours_of(self.period, h, tz))
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

/// A request's groups as the store's aggregates come in: each bucket in
/// its local date or hour (or left out by the `hour` filter), in the
/// user's timezone.
pub struct Fold<'a> {
    folder: Folder<'a>,
    pub groups: HashMap<Key, Row>,
    /// An answer cut to its busiest click groups takes no other leads.
    cut: bool,
}

impl<'a> Fold<'a> {
    pub fn new(req: &StatsRequest, tz: &'a TimeZone) -> Fold<'a> {
        Fold {
            folder: Folder {
                item: req.item,
                hour: req.hour,
                tz,
                local: HashMap::new(),
            },
            groups: HashMap::new(),
            cut: false,
        }
    }

    pub fn clicks(&mut self, a: source::ClickAgg) {
        if let Some(k) = self.folder.group(a.bucket, a.value) {
            let row = self.groups.entry(k).or_default();
            row.add_clicks(a.click, a.unique, a.spend);
        }
    }

    pub fn lpclicks(&mut self, a: source::LpAgg) {
        if let Some(k) = self.folder.group(a.bucket, a.value) {
            if !self.cut || self.groups.contains_key(&k) {
                self.groups.entry(k).or_default().lpclick += a.lpclick;
            }
        }
    }

    pub fn leads(&mut self, a: source::LeadAgg) {
        if let Some(k) = self.folder.group(a.bucket, a.value) {
            if !self.cut || self.groups.contains_key(&k) {
                let row = self.groups.entry(k).or_default();
                row.add_leads(&a.goal, &a.leads);
            }
        }
    }
}

/// Most groups one answer holds. Items like ip or subid can have millions
/// of values in a month; such an answer keeps the groups with the most
/// clicks, says `"truncated": true`, and its total still counts everything.
pub const MAX_GROUPS: usize = 10_000;

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let req = StatsRequest::parse(&call.params, user.id, &user.tz)?;
    let names = Names::load(&call.conn, user.id, req.item)?;
    // The numbers come from ClickHouse with `--reports clickhouse`
    // (docs/SCALING.md), else from this node's own file.
    match &call.state.clickhouse {
        Some(ch) => answer(&req, &user.tz, &names, &mut ch.aggregates()),
        None => {
            let mut local = Local::new(&call.conn, &call.state.reports);
            answer(&req, &user.tz, &names, &mut local)
        }
    }
}

/// The answer to `req` from `source`.
pub fn answer(
    req: &StatsRequest,
    tz: &TimeZone,
    names: &Names,
    source: &mut dyn Aggregates,
) -> ApiResult {
    let g = req.grouping();
    let mut fold = Fold::new(req, tz);
    // The click columns keep the clicks of the `hour` filter themselves
    // when grouping by a value (src/store/cols).
    let hours = req.hours(tz);
    let (f, p) = (&req.filters, req.period);
    source.clicks(g, f, p, hours.as_ref(), &mut |a| fold.clicks(a))?;
    let truncated = fold.groups.len() > MAX_GROUPS;
    // A cut answer reads the leads and landing clicks of its groups only
    // (src/store/grouped.rs).
    if truncated {
        let keep = fold.groups.keys().filter_map(|k| match k {
            Key::Text(t) => Some(t.as_str()),
            Key::Int(_) => None,
        });
        let keep: std::collections::HashSet<&str> = keep.collect();
        let (mut leads, mut lps) = (Vec::new(), Vec::new());
        source.leads(g, f, p, Some(&keep), &mut |a| leads.push(a))?;
        source.lpclicks(g, f, p, Some(&keep), &mut |a| lps.push(a))?;
        fold.cut = true;
        leads.into_iter().for_each(|a| fold.leads(a));
        lps.into_iter().for_each(|a| fold.lpclicks(a));
    } else {
        source.leads(g, f, p, None, &mut |a| fold.leads(a))?;
        source.lpclicks(g, f, p, None, &mut |a| fold.lpclicks(a))?;
    }
    let total = match truncated {
        true => Some(total_row(source, req, &mut fold.folder)?),
        false => None,
    };
    let mut answer = render(req.item, names, fold.groups, total);
    if truncated {
        answer["truncated"] = Value::Bool(true);
    }
    Ok(answer)
}

/// The 15-minute buckets of `period` that fall in local hour `hour`.
fn hours_of(period: Period, hour: i8, tz: &TimeZone) -> Hours {
    let first = period.start.div_euclid(source::BUCKET);
    let end = (period.end - 1).div_euclid(source::BUCKET) + 1;
    let keep = (first..end)
        .map(|b| local(b * source::BUCKET, tz).hour() == hour)
        .collect();
    Hours { first, keep }
}

/// The total of every click and lead of the request, for answers whose
/// groups were cut to [`MAX_GROUPS`].
fn total_row(
    source: &mut dyn Aggregates,
    req: &StatsRequest,
    folder: &mut Folder,
) -> ApiResult<Row> {
    let g = Grouping {
        buckets: req.hour.is_some(),
        column: None,
        top: None,
    };
    let (f, p) = (&req.filters, req.period);
    let mut total = Row::default();
    source.clicks(g, f, p, None, &mut |a| {
        if folder.group(a.bucket, None).is_some() || a.bucket.is_none() {
            total.add_clicks(a.click, a.unique, a.spend);
        }
    })?;
    source.leads(g, f, p, None, &mut |a| {
        if folder.group(a.bucket, None).is_some() || a.bucket.is_none() {
            total.add_leads(&a.goal, &a.leads);
        }
    })?;
    source.lpclicks(g, f, p, None, &mut |a| {
        if folder.group(a.bucket, None).is_some() || a.bucket.is_none() {
            total.lpclick += a.lpclick;
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
