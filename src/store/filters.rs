//! The dimension filters of leads.json, clicks.json and stats.json, from
//! the dimension registry: each filter parameter is a column of the same
//! name in the clicks and leads tables (and in the rollups that hold it).
use super::registry::{self, Dim, Place, Ty};
use crate::api::error::ApiResult;
use crate::api::filters::Where;
use crate::api::params::Params;

/// Every dimension filter, in the order they are checked (the registry's
/// `filter` places).
pub const DIMENSIONS: [Dim; registry::count(Place::Filter)] = registry::ordered(Place::Filter);

/// The numeric range of a dimension filter; None for text.
pub fn range(d: &Dim) -> Option<(i64, i64)> {
    match d.ty {
        Ty::Int { min, max } => Some((min, max)),
        Ty::Text { .. } => None,
    }
}

/// Adds every dimension filter of the request to `w`.
pub fn dimensions(w: &mut Where, p: &Params) -> ApiResult<()> {
    for d in DIMENSIONS {
        if let Some(param) = d.api {
            w.list(p, param, d.column, range(&d))?;
        }
    }
    Ok(())
}
