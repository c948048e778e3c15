//! Lead stages (docs/API.md): the five stages stored as 0-4 (schema.sql), the
//! mapping of an advertiser's raw status onto them for postback.json, and
//! the status groups of leads.json.
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::params::Params;

crate::codes::code_enum! {
    /// A lead's stage, stored as its code (schema.sql).
    pub enum Stage names NAMES {
        #[default]
        New = 0 => "new",
        Hold = 1 => "hold",
        Approve = 2 => "approve",
        Cancel = 3 => "cancel",
        Trash = 4 => "trash",
    }
}

/// The postback parameters that list the statuses of each stage, in stage
/// order (reference: stn, sth, sta, stc, stt).
const LISTS: [&str; 5] = ["stn", "sth", "sta", "stc", "stt"];

/// Name of a stored stage; out-of-range values (never written) read as new.
pub fn name(stage: i64) -> &'static str {
    Stage::from_code(stage).unwrap_or_default().name()
}

fn by_name(s: &str) -> Option<Stage> {
    Stage::ALL
        .iter()
        .copied()
        .find(|st| st.name().eq_ignore_ascii_case(s))
}

/// The words affiliate networks commonly send for each stage, in stage
/// order, for calls that bring no lists of their own (docs/API.md,
/// postback.json). A call's `stn`...`stt` lists and the stage names come
/// first, so a network that means something else by one of these words
/// says so in its own list.
pub const DEFAULT_WORDS: [&[&str]; 5] = [
    &["lead", "created"],
    &["pending", "held", "processing", "waiting"],
    &["approved", "confirmed", "sale", "accepted", "paid"],
    &[
        "cancelled",
        "canceled",
        "rejected",
        "declined",
        "refunded",
        "chargeback",
    ],
    &["fraud", "invalid", "spam", "duplicate", "test"],
];

fn by_default_word(s: &str) -> Option<Stage> {
    Stage::ALL
        .iter()
        .zip(DEFAULT_WORDS)
        .find(|(_, words)| words.contains(&s))
        .map(|(stage, _)| *stage)
}

/// The advertiser's own status words for each stage (`sta=Confirmed,paid`).
#[derive(Debug, Default)]
pub struct StatusMap {
    lists: [Vec<String>; 5],
}

impl StatusMap {
    pub fn from_params(p: &Params) -> ApiResult<StatusMap> {
        let mut map = StatusMap::default();
        for (list, param) in map.lists.iter_mut().zip(LISTS) {
            *list = p
                .list(param)?
                .into_iter()
                .map(|s| s.to_lowercase())
                .collect();
        }
        Ok(map)
    }

    /// The stage of a raw status: the lists first (first list wins when a
    /// word is in two), then the stage names, then the networks' common
    /// words ([`DEFAULT_WORDS`]); all case-insensitive. None for a status
    /// nobody recognises: such a status creates the lead as new and leaves
    /// an existing lead's stage alone.
    pub fn stage(&self, status: &str) -> Option<Stage> {
        let s = status.trim().to_lowercase();
        Stage::ALL
            .iter()
            .zip(&self.lists)
            .find(|(_, l)| l.contains(&s))
            .map(|(stage, _)| *stage)
            .or_else(|| by_name(&s))
            .or_else(|| by_default_word(&s))
    }
}

/// The stages of a leads.json `status` value: a stage name or one of the
/// reference groups valid (all but trash), wait (new, hold), good (hold,
/// approve), bad (cancel, trash).
fn group(s: &str) -> Option<&'static [Stage]> {
    use Stage::*;
    Some(match s.to_ascii_lowercase().as_str() {
        "new" => &[New],
        "hold" => &[Hold],
        "approve" => &[Approve],
        "cancel" => &[Cancel],
        "trash" => &[Trash],
        "valid" => &[New, Hold, Approve, Cancel],
        "wait" => &[New, Hold],
        "good" => &[Hold, Approve],
        "bad" => &[Cancel, Trash],
        _ => return None,
    })
}

/// The stages of every `status` value given (one value or a list), in
/// stage order; empty when no status filter was given.
pub fn filter(p: &Params) -> ApiResult<Vec<Stage>> {
    let mut stages = Vec::new();
    for s in p.list("status")? {
        let g = group(&s).ok_or_else(|| ApiError::field(ErrorCode::BadStatus, "status"))?;
        stages.extend_from_slice(g);
    }
    stages.sort_unstable();
    stages.dedup();
    Ok(stages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    fn params(q: &str) -> Params {
        let mut p = Params::default();
        p.add_urlencoded(q).unwrap();
        p
    }

    #[test]
    fn lists_come_first_then_the_stage_names() {
        let m =
            StatusMap::from_params(&params("sta=Confirmed,PAID&stt=approve&sth[]=wait")).unwrap();
        assert_eq!(m.stage("confirmed"), Some(Approve));
        assert_eq!(m.stage(" Paid "), Some(Approve));
        // `approve` is in the trash list, which beats the stage name.
        assert_eq!(m.stage("Approve"), Some(Trash));
        assert_eq!(m.stage("WAIT"), Some(Hold));
        assert_eq!(m.stage("Cancel"), Some(Cancel));
        assert_eq!(m.stage("whatever"), None);
    }

    #[test]
    fn networks_common_words_map_without_lists() {
        let m = StatusMap::from_params(&params("")).unwrap();
        for (&stage, words) in Stage::ALL.iter().zip(DEFAULT_WORDS) {
            for w in words {
                assert_eq!(m.stage(w), Some(stage), "{w}");
                assert_eq!(m.stage(&w.to_uppercase()), Some(stage), "{w}");
            }
        }
        assert_eq!(m.stage("Approved"), Some(Approve));
        assert_eq!(m.stage("whatever"), None);
        // A call's own list wins over the common words.
        let m = StatusMap::from_params(&params("stc=sale")).unwrap();
        assert_eq!(m.stage("sale"), Some(Cancel));
        assert_eq!(m.stage("paid"), Some(Approve));
    }

    #[test]
    fn status_groups() {
        assert_eq!(
            filter(&params("status=good,new")).unwrap(),
            vec![New, Hold, Approve]
        );
        assert_eq!(filter(&params("status=bad")).unwrap(), vec![Cancel, Trash]);
        assert_eq!(filter(&params("")).unwrap(), Vec::<Stage>::new());
        assert_eq!(
            filter(&params("status=nope")).unwrap_err(),
            ApiError::field(ErrorCode::BadStatus, "status")
        );
    }
}
