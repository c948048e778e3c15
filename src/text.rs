//! Text helpers of every layer: cutting what a visitor or a caller sent
//! to a bound.

/// Cuts a string to at most `max` characters on a char boundary.
pub fn cut(s: &str, max: usize) -> String {
    cut_str(s, max).to_string()
}

/// [`cut`] without the copy. A string of at most `max` bytes has at most
/// `max` characters, so the usual case never walks the characters (the
/// click path cuts every header and tag: docs/BENCHMARKS.md).
pub fn cut_str(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_a_char_boundary() {
        assert_eq!(cut("héllo", 2), "hé");
        assert_eq!(cut_str("héllo", 9), "héllo");
        assert_eq!(cut_str("", 0), "");
        assert_eq!(cut_str("✓✓✓", 1), "✓");
    }
}
