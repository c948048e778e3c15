//! IP to country (docs/API.md "The click path" step 4): the bundled offline table (`iptocc`), or
//! a MaxMind-format database given with `--geoip`.
pub mod countries;
mod country_table;

use std::net::IpAddr;
use std::path::Path;

pub enum GeoDb {
    Bundled,
    Mmdb(maxminddb::Reader<Vec<u8>>),
}

impl GeoDb {
    pub fn open(path: Option<&Path>) -> Result<GeoDb, String> {
        match path {
            None => Ok(GeoDb::Bundled),
            Some(p) => maxminddb::Reader::open_readfile(p)
                .map(GeoDb::Mmdb)
                .map_err(|e| format!("cannot open geoip database {}: {e}", p.display())),
        }
    }

    /// Two-letter lower-case country code; empty when unknown.
    pub fn country(&self, ip: IpAddr) -> String {
        // One copy, lower-cased on the way (looked up on every click).
        let code = |c: &str| (c.len() == 2).then(|| c.to_ascii_lowercase());
        match self {
            GeoDb::Bundled => iptocc::country_code(ip).and_then(code),
            GeoDb::Mmdb(r) => r
                .lookup(ip)
                .ok()
                .and_then(|res| res.decode::<maxminddb::geoip2::Country>().ok().flatten())
                .and_then(|c| c.country.iso_code.and_then(code)),
        }
        .unwrap_or_default()
    }
}
