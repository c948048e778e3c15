//! The offers behind a landing page (docs/API.md "Landing pages"): how a
//! way keeps them ("site:weight,site:weight" in link order, `ways.offers`)
//! and which one a visitor gets.

/// An offer behind a way's landing page: its site, weight and URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub site: i64,
    pub weight: u32,
    pub url: String,
}

/// The (site, weight) pairs of a stored list; entries that are not
/// "site:weight" are skipped (the API never writes one).
pub fn parse(stored: &str) -> Vec<(i64, u32)> {
    stored
        .split(',')
        .filter_map(|e| {
            let (site, weight) = e.trim().split_once(':')?;
            Some((site.parse().ok()?, weight.parse().ok()?))
        })
        .collect()
}

/// The stored form of `offers`, in their order.
pub fn format(offers: &[(i64, u32)]) -> String {
    let parts: Vec<String> = offers.iter().map(|(s, w)| format!("{s}:{w}")).collect();
    parts.join(",")
}

/// A 64-bit mix (splitmix64's finaliser): equal inputs, equal outputs,
/// on every run and every build, so no memory is needed to be sticky.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The offer visitor `vid` gets behind way `way`: weighted, and always
/// the same for the same visitor and way while the list stays the same.
/// None when every weight is 0 (or there is no offer).
pub fn pick(offers: &[Offer], vid: i64, way: i64) -> Option<&Offer> {
    let total: u64 = offers.iter().map(|o| o.weight as u64).sum();
    if total == 0 {
        return None;
    }
    let mut roll = mix(vid as u64 ^ mix(way as u64)) % total;
    for o in offers {
        if roll < o.weight as u64 {
            return Some(o);
        }
        roll -= o.weight as u64;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(site: i64, weight: u32) -> Offer {
        Offer {
            site,
            weight,
            url: String::new(),
        }
    }

    #[test]
    fn stored_lists_round_trip() {
        assert_eq!(parse("3:1,4:0,5:1000000"), [(3, 1), (4, 0), (5, 1_000_000)]);
        assert_eq!(format(&parse("3:1,4:0")), "3:1,4:0");
        assert!(parse("").is_empty());
        assert_eq!(parse("x,3:1,4"), [(3, 1)]);
    }

    #[test]
    fn the_pick_is_sticky_and_weighted() {
        let offers = [offer(1, 1), offer(2, 3), offer(3, 0)];
        let mut seen = [0u32; 4];
        for vid in 0..4000i64 {
            let first = pick(&offers, vid, 9).unwrap().site;
            assert_eq!(pick(&offers, vid, 9).unwrap().site, first);
            seen[first as usize] += 1;
        }
        assert_eq!(seen[3], 0);
        // About 1:3, far from both 1:1 and all-one-side.
        assert!((700..1300).contains(&seen[1]), "{seen:?}");
        assert!(pick(&[offer(1, 0)], 1, 1).is_none());
        assert!(pick(&[], 1, 1).is_none());
    }
}
