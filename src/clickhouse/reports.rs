//! stats.json from ClickHouse (`--reports clickhouse`, docs/SCALING.md):
//! the same aggregates per 15-minute bucket and value as the node's own
//! file hands out (src/store/reports.rs), read from the rows every node
//! shipped, each counted once (src/clickhouse/parts.rs). stats.json folds
//! and renders them as it does its own, so the JSON is the same for the
//! same data.
use super::parts::{self, Span, Table};
use super::{Client, Failed, Target};
use crate::api::dates::Period;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::filters::Where;
use crate::click_id::key_at;
use crate::store::aggregate::{ClickAgg, Grouping, Key, LeadAgg, Leads, LpAgg, BUCKET};
use crate::store::registry::{is_text, DIMS};
use crate::store::reports::Aggregates;
use crate::store::Hours;
use rusqlite::types::Value as Sql;
use std::collections::HashSet;
use std::time::Duration;

/// Most bytes of `IN (...)` a query carries for the groups an answer
/// kept; past it the rows of every group come back and the fold drops
/// the others (ClickHouse parses at most 256 KiB of query by default).
const KEEP_BYTES: usize = 128 << 10;

/// The reporting side of a node: one client, its calls bounded by the
/// report budget.
pub struct Reports {
    client: Client,
    /// Days with a part younger than this are read with `FINAL`
    /// (src/clickhouse/parts.rs).
    busy: Duration,
}

impl Reports {
    /// `merge_after`: how long days wait to be merged (`--merge-after-secs`).
    pub fn new(target: Target, budget: Duration, merge_after: Duration) -> Reports {
        let secs = budget.as_secs().max(1);
        Reports {
            client: Client::new(target, budget + Duration::from_secs(1))
                .with_settings(&format!("max_execution_time={secs}")),
            busy: merge_after.min(parts::BUSY),
        }
    }

    pub fn aggregates(&self) -> Remote<'_> {
        Remote { reports: self }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn busy(&self) -> Duration {
        self.busy
    }
}

/// [`Aggregates`] from ClickHouse.
pub struct Remote<'a> {
    reports: &'a Reports,
}

/// A report's failure as the API answers it: `timeout` past the budget,
/// else `db` (the log says why).
pub fn api_error(e: Failed) -> ApiError {
    // Code 159: TIMEOUT_EXCEEDED.
    if e.message.contains("Code: 159") || e.message.contains("imeout") {
        return ApiError::new(ErrorCode::Timeout);
    }
    tracing::error!(error = %e.message, "a ClickHouse report failed");
    ApiError::db()
}

/// A value as a ClickHouse literal.
pub fn literal(v: &Sql) -> String {
    match v {
        Sql::Integer(n) => n.to_string(),
        Sql::Real(f) => format!("{f:?}"),
        Sql::Text(t) => quote(t),
        Sql::Null | Sql::Blob(_) => "NULL".into(),
    }
}

/// A string literal: backslash and quote escaped.
pub fn quote(t: &str) -> String {
    let mut out = String::with_capacity(t.len() + 2);
    out.push('\'');
    for c in t.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The conditions of `w` with their values written in: its clauses name
/// columns that ClickHouse's tables have under the same names, and
/// placeholders only.
pub fn condition(w: &Where) -> String {
    let sql = w.sql();
    let mut out = String::with_capacity(sql.len() + 16 * w.args.len());
    let mut args = w.args.iter();
    for c in sql.chars() {
        match c {
            '?' => out.push_str(&args.next().map(literal).unwrap_or_else(|| "NULL".into())),
            c => out.push(c),
        }
    }
    out
}

/// A field of a TabSeparated answer, unescaped.
pub fn unescape(field: &str) -> String {
    if !field.contains('\\') {
        return field.to_string();
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('0') => out.push('\0'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

/// The SELECT's group columns and their GROUP BY.
struct Groups {
    select: String,
    by: String,
}

fn groups(g: Grouping, time: &str, extra: &[&str]) -> Groups {
    let mut cols = Vec::new();
    if g.buckets {
        cols.push(format!("{time} AS b"));
    }
    if let Some(c) = g.column {
        cols.push(format!("{c} AS v"));
    }
    let mut by: Vec<String> = cols
        .iter()
        .map(|c| c.rsplit(' ').next().unwrap_or_default().to_string())
        .collect();
    by.extend(extra.iter().map(|e| e.to_string()));
    cols.extend(extra.iter().map(|e| e.to_string()));
    Groups {
        select: cols.iter().map(|c| format!("{c}, ")).collect(),
        by: match by.is_empty() {
            true => String::new(),
            false => format!(" GROUP BY {}", by.join(", ")),
        },
    }
}

/// `AND v IN (...)` for the kept text values, when they fit.
fn kept(g: Grouping, keep: Option<&HashSet<&str>>) -> String {
    let (Some(keep), Some(c)) = (keep, g.column) else {
        return String::new();
    };
    if !text_column(c) || keep.iter().map(|k| k.len() + 4).sum::<usize>() > KEEP_BYTES {
        return String::new();
    }
    let mut values: Vec<&str> = keep.iter().copied().collect();
    values.sort_unstable();
    let list: Vec<String> = values.into_iter().map(quote).collect();
    format!(" AND {c} IN ({})", list.join(", "))
}

fn text_column(column: &str) -> bool {
    DIMS.iter().any(|d| d.column == column && is_text(d))
}

/// Reads one answer's rows: the bucket and value `g` groups by, then the
/// rest of each row.
fn each_row(
    text: &str,
    g: Grouping,
    mut row: impl FnMut(Option<i64>, Option<Key>, &[&str]) -> ApiResult<()>,
) -> ApiResult<()> {
    let text_value = g.column.is_some_and(text_column);
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let mut at = 0;
        let bucket = match g.buckets {
            true => {
                at += 1;
                Some(int(fields.first())? * BUCKET)
            }
            false => None,
        };
        let value = match g.column {
            Some(_) => {
                let f = fields.get(at).ok_or_else(bad_answer)?;
                at += 1;
                Some(match text_value {
                    true => Key::Text(unescape(f)),
                    false => Key::Int(int(Some(f))?),
                })
            }
            None => None,
        };
        row(bucket, value, &fields[at.min(fields.len())..])?;
    }
    Ok(())
}

fn bad_answer() -> ApiError {
    tracing::error!("ClickHouse answered rows of another shape");
    ApiError::db()
}

fn int(f: Option<&&str>) -> ApiResult<i64> {
    f.and_then(|f| f.parse().ok()).ok_or_else(bad_answer)
}

fn real(f: Option<&&str>) -> ApiResult<f64> {
    f.and_then(|f| f.parse().ok()).ok_or_else(bad_answer)
}

impl Remote<'_> {
    /// `sql(source)` over the rows of `t` in `s` meeting `cond`, each
    /// once; `columns` are the ones `sql` reads, the grouped one added.
    fn select(
        &self,
        t: &Table,
        columns: &str,
        g: Grouping,
        cond: &str,
        s: Span,
        sql: impl Fn(&str) -> String,
    ) -> ApiResult<String> {
        let cols = parts::columns(columns.split(", ").chain(g.column));
        let sql = |src: &str| format!("{} FORMAT TabSeparated", sql(src));
        parts::select(self.reports, t, &cols, cond, s, sql).map_err(api_error)
    }
}

impl Aggregates for Remote<'_> {
    fn clicks(
        &mut self,
        g: Grouping,
        f: &Where,
        p: Period,
        _hours: Option<&Hours>,
        each: &mut dyn FnMut(ClickAgg),
    ) -> ApiResult<()> {
        // The bucket of a click id: its Unix millisecond is id >> 16
        // (src/click_id.rs).
        let gr = groups(g, "intDiv(intDiv(id, 65536), 900000)", &[]);
        // The groups stats.json keeps: most clicks, ties by value, as the
        // node's own file cuts them.
        let top = match (g.top, g.column, g.buckets) {
            (Some(n), Some(_), false) => format!(" ORDER BY count() DESC, v LIMIT {n}"),
            _ => String::new(),
        };
        let s = Span {
            lo: key_at(p.start),
            hi: key_at(p.end),
        };
        let text = self.select(
            &parts::CLICKS,
            "id, uniq, cost",
            g,
            &condition(f),
            s,
            |src| {
                format!(
                    "SELECT {}count(), sum(uniq), sumKahan(cost) FROM {src}{}{top}",
                    gr.select, gr.by
                )
            },
        )?;
        each_row(&text, g, |bucket, value, rest| {
            let click = int(rest.first())?;
            // A group without clicks is no group (an aggregate without
            // GROUP BY over no rows gives one such row).
            if click != 0 {
                each(ClickAgg {
                    bucket,
                    value,
                    click,
                    unique: int(rest.get(1))?,
                    spend: real(rest.get(2))?,
                });
            }
            Ok(())
        })
    }

    fn leads(
        &mut self,
        g: Grouping,
        f: &Where,
        p: Period,
        keep: Option<&HashSet<&str>>,
        each: &mut dyn FnMut(LeadAgg),
    ) -> ApiResult<()> {
        let gr = groups(g, "intDiv(time, 900)", &["goal"]);
        let cond = format!("{}{}", condition(f), kept(g, keep));
        let s = Span {
            lo: p.start,
            hi: p.end,
        };
        let columns = "time, stage, base, goal";
        let text = self.select(&parts::LEADS, columns, g, &cond, s, |src| {
            format!(
                "SELECT {}countIf(stage = 0), countIf(stage = 1), countIf(stage = 2), \
                 countIf(stage = 3), countIf(stage = 4), sumKahan(if(stage = 1, base, 0)), \
                 sumKahan(if(stage = 2, base, 0)) FROM {src}{}",
                gr.select, gr.by
            )
        })?;
        each_row(&text, g, |bucket, value, rest| {
            let mut stages = [0i64; 5];
            for (i, s) in stages.iter_mut().enumerate() {
                *s = int(rest.get(1 + i))?;
            }
            each(LeadAgg {
                bucket,
                value,
                goal: unescape(rest.first().ok_or_else(bad_answer)?),
                leads: Leads {
                    stages,
                    mh: real(rest.get(6))?,
                    ma: real(rest.get(7))?,
                },
            });
            Ok(())
        })
    }

    fn lpclicks(
        &mut self,
        g: Grouping,
        f: &Where,
        p: Period,
        keep: Option<&HashSet<&str>>,
        each: &mut dyn FnMut(LpAgg),
    ) -> ApiResult<()> {
        let gr = groups(g, "intDiv(lp, 900)", &[]);
        let cond = format!(
            "lp > 0 AND {} AND lp >= {} AND lp < {}{}",
            condition(f),
            p.start,
            p.end,
            kept(g, keep)
        );
        // Landing clicks are by their own time: clicks of any day.
        let text = self.select(&parts::CLICKS, "lp", g, &cond, Span::ALL, |src| {
            format!("SELECT {}count() FROM {src}{}", gr.select, gr.by)
        })?;
        each_row(&text, g, |bucket, value, rest| {
            let lpclick = int(rest.first())?;
            if lpclick != 0 {
                each(LpAgg {
                    bucket,
                    value,
                    lpclick,
                });
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_in_as_literals() {
        let mut w = Where::owner(crate::ids::UserId(3));
        w.push_in("geo", &[Sql::Text("d'e\\".into()), Sql::Text("fr".into())]);
        w.push_in("way", &[Sql::Integer(-4)]);
        assert_eq!(
            condition(&w),
            r"user_id = 3 AND geo IN ('d\'e\\','fr') AND way IN (-4)"
        );
    }

    #[test]
    fn tab_separated_fields_are_unescaped() {
        assert_eq!(unescape(r"a\tb\\c\nd\'"), "a\tb\\c\nd'");
        assert_eq!(unescape("plain"), "plain");
    }
}
