//! The lists derived from the registry's rows, at compile time: the
//! ordered ones by each row's place, the others by its flags.
use super::{Dim, Lead, Ty, DIMS};

/// The ordered lists of dimensions: each row's place in one.
#[derive(Clone, Copy)]
pub enum Place {
    Filter,
    Item,
    Roll,
    /// The integer click columns.
    Int,
    /// The text click columns.
    Text,
}

const fn place(d: &Dim, list: Place) -> Option<usize> {
    match (list, d.ty) {
        (Place::Filter, _) => d.filter,
        (Place::Item, _) => match d.item {
            Some((_, k)) => Some(k),
            None => None,
        },
        (Place::Roll, _) => d.roll,
        (Place::Int, Ty::Int { .. }) | (Place::Text, Ty::Text { .. }) => d.cols,
        (Place::Int | Place::Text, _) => None,
    }
}

/// How many rows have a place in `list`.
pub const fn count(list: Place) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < DIMS.len() {
        n += place(&DIMS[i], list).is_some() as usize;
        i += 1;
    }
    n
}

/// The rows of `list` in their places; a place taken twice or left
/// empty does not compile.
pub const fn ordered<const N: usize>(list: Place) -> [Dim; N] {
    let mut out = [DIMS[0]; N];
    let mut taken = [false; N];
    let mut i = 0;
    while i < DIMS.len() {
        if let Some(k) = place(&DIMS[i], list) {
            assert!(k < N && !taken[k], "a place is out of range or taken twice");
            taken[k] = true;
            out[k] = DIMS[i];
        }
        i += 1;
    }
    let mut k = 0;
    while k < N {
        assert!(taken[k], "a place is left empty");
        k += 1;
    }
    out
}

/// The columns of `dims`.
pub const fn columns<const N: usize>(dims: [Dim; N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = dims[i].column;
        i += 1;
    }
    out
}

/// Whether a dimension is text.
pub const fn is_text(d: &Dim) -> bool {
    matches!(d.ty, Ty::Text { .. })
}

/// Calls `f` with each place and row of `dims`, unrolled: `dims` is one
/// of the constant lists, so each call reads a known field of a click
/// with no dispatch. The writer reads a click's dimensions this way (its
/// per-click cost, docs/BENCHMARKS.md); a loop over the rows would look
/// each one's field up at run time.
#[inline(always)]
pub fn unrolled<const N: usize>(dims: &[Dim; N], mut f: impl FnMut(usize, &Dim)) {
    const { assert!(N <= 48, "unrolled reads at most 48 rows") };
    macro_rules! at {
        ($($i:literal)*) => {
            $(if $i == N {
                return;
            }
            f($i, &dims[$i]);)*
        };
    }
    at!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23
        24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47);
}

/// The unordered lists of dimensions: the rows that have a flag, in
/// [`DIMS`] order.
#[derive(Clone, Copy)]
pub enum Flag {
    /// Shown by clicks.json (an API name).
    Api,
    /// A URL macro.
    Token,
    /// Set from the query string.
    Query,
    /// Kept in `dict`.
    Dict,
    /// Copied by a lead.
    Lead,
}

const fn has(d: &Dim, flag: Flag) -> bool {
    match flag {
        Flag::Api => d.api.is_some(),
        Flag::Token => d.token.is_some(),
        Flag::Query => d.query,
        Flag::Dict => d.dict,
        Flag::Lead => !matches!(d.lead, Lead::No),
    }
}

/// How many rows have `flag`.
pub const fn count_with(flag: Flag) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < DIMS.len() {
        n += has(&DIMS[i], flag) as usize;
        i += 1;
    }
    n
}

/// The rows that have `flag`, in [`DIMS`] order.
pub const fn with<const N: usize>(flag: Flag) -> [Dim; N] {
    let mut out = [DIMS[0]; N];
    let (mut k, mut i) = (0, 0);
    while i < DIMS.len() {
        if has(&DIMS[i], flag) {
            out[k] = DIMS[i];
            k += 1;
        }
        i += 1;
    }
    assert!(k == N, "N is not count_with(flag)");
    out
}
