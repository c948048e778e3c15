//! Periods (docs/API.md): `from`/`to` are whole days in the user's timezone,
//! both inclusive; `ufrom`/`uto` are Unix timestamps. Spend also takes
//! `YYYY-MM-DD HH:MM:SS`, ISO 8601 and Unix timestamps.
use super::error::{ApiError, ApiResult, ErrorCode};
use super::params::Params;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A half-open range of Unix seconds `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: i64,
    pub end: i64,
}

impl Period {
    pub const ALL: Period = Period {
        start: i64::MIN / 4,
        end: i64::MAX / 4,
    };
}

pub fn parse_date(s: &str) -> Option<Date> {
    s.trim().parse::<Date>().ok()
}

/// Start of a civil day in `tz`, as Unix seconds.
pub fn day_start(d: Date, tz: &TimeZone) -> Option<i64> {
    d.to_zoned_datetime(tz.clone())
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// A moment: Unix seconds, ISO 8601 with offset, or a civil date-time /
/// date in `tz`. `end` makes a bare date mean the end of that day.
pub fn parse_moment(s: &str, tz: &TimeZone, end: bool) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .ok()
            .filter(|t| *t < 1 << 40)
            .map(|t| t + end as i64);
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts.as_second() + end as i64);
    }
    // A bare date first: jiff also reads "2024-05-10" as a DateTime at
    // midnight, which would make `to` end one second into the day.
    let bare_date = s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    if let Some(d) = parse_date(s).filter(|_| bare_date) {
        return if end {
            day_start(d.tomorrow().ok()?, tz)
        } else {
            day_start(d, tz)
        };
    }
    if let Ok(dt) = s.replace(' ', "T").parse::<DateTime>() {
        return dt
            .to_zoned_datetime(tz.clone())
            .ok()
            .map(|z| z.timestamp().as_second() + end as i64);
    }
    let d = parse_date(s)?;
    if end {
        day_start(d.tomorrow().ok()?, tz)
    } else {
        day_start(d, tz)
    }
}

/// The period of `from`/`to` (days in `tz`) or `ufrom`/`uto`; open ends
/// reach to all time. `required` makes missing from/to `no-from`/`no-to`.
/// A period whose start is not before its end (`from` after `to`) is
/// `bad-date` naming the end's parameter, rather than an empty answer that
/// looks like "no traffic".
pub fn period(p: &Params, tz: &TimeZone, required: bool) -> ApiResult<Period> {
    let mut period = Period::ALL;
    let mut end_field = "to";
    match p.text("from")? {
        Some(f) => {
            period.start = parse_moment(&f, tz, false)
                .ok_or_else(|| ApiError::field(ErrorCode::BadDate, "from"))?
        }
        None => {
            if let Some(t) = p.int("ufrom", 0, 1 << 40, ErrorCode::BadDate)? {
                period.start = t;
            } else if required {
                return Err(ApiError::new(ErrorCode::NoFrom));
            }
        }
    }
    match p.text("to")? {
        Some(t) => {
            period.end = parse_moment(&t, tz, true)
                .ok_or_else(|| ApiError::field(ErrorCode::BadDate, "to"))?
        }
        None => {
            if let Some(t) = p.int("uto", 0, 1 << 40, ErrorCode::BadDate)? {
                period.end = t + 1;
                end_field = "uto";
            } else if required {
                return Err(ApiError::new(ErrorCode::NoTo));
            }
        }
    }
    if period.start >= period.end {
        return Err(ApiError::field(ErrorCode::BadDate, end_field));
    }
    Ok(period)
}

/// Local civil date-time of a Unix second in `tz`.
pub fn local(t: i64, tz: &TimeZone) -> DateTime {
    tz.to_datetime(Timestamp::from_second(t).unwrap_or(Timestamp::UNIX_EPOCH))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_that_ends_before_it_starts_is_bad_date() {
        let tz = TimeZone::UTC;
        let ask = |q: &str| {
            let mut p = Params::default();
            p.add_urlencoded(q).unwrap();
            period(&p, &tz, false)
        };
        let bad = |f: &str| Err(ApiError::field(ErrorCode::BadDate, f));
        assert_eq!(ask("from=2024-05-11&to=2024-05-10"), bad("to"));
        assert_eq!(ask("ufrom=200&uto=100"), bad("uto"));
        assert!(ask("from=2024-05-10&to=2024-05-10").is_ok());
        assert!(ask("ufrom=100&uto=100").is_ok());
    }

    #[test]
    fn days_are_whole_days_in_the_users_zone() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let mut p = Params::default();
        p.add_urlencoded("from=2024-03-31&to=2024-03-31").unwrap();
        let r = period(&p, &tz, true).unwrap();
        // DST starts that day: 23 hours long.
        assert_eq!(r.end - r.start, 23 * 3600);
        assert_eq!(r.start, 1711839600);
    }

    #[test]
    fn moments_in_every_format() {
        let tz = TimeZone::UTC;
        assert_eq!(parse_moment("1700000000", &tz, false), Some(1700000000));
        assert_eq!(
            parse_moment("2023-11-14 22:13:20", &tz, false),
            Some(1700000000)
        );
        assert_eq!(
            parse_moment("2023-11-14T22:13:20Z", &tz, false),
            Some(1700000000)
        );
        assert_eq!(
            parse_moment("2023-11-14T23:13:20+01:00", &tz, false),
            Some(1700000000)
        );
        assert_eq!(parse_moment("nonsense", &tz, false), None);
    }
}
