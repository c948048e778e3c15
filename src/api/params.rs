//! Request parameters from the query string, a form body or a JSON body,
//! merged into one map (docs/API.md). The body wins over the query. Arrays come
//! as `a[]=x&a[]=y`, `a=x,y` or JSON arrays; `meta[k]=v` equals a JSON
//! `meta` object. Parsing never fails the request: bad input becomes an
//! `ApiError` value that the handler answers in the envelope.
use super::error::{ApiError, ApiResult, ErrorCode};
use crate::text::cut;
use serde_json::{Map, Value};

/// Largest body accepted; a spend batch of thousands of rows fits easily.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// Largest single text value kept (docs/API.md "The click path" cuts tags at 255; names and
/// comments get more room).
pub const MAX_TEXT: usize = 255;

#[derive(Debug, Clone, Default)]
pub struct Params {
    map: Map<String, Value>,
}

/// Decodes `%XX` and `+` of one form component; bad UTF-8 is an error.
fn decode_component(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

impl Params {
    pub fn from_map(map: Map<String, Value>) -> Self {
        Params { map }
    }

    /// Adds `key=value` pairs of a query string or form body.
    pub fn add_urlencoded(&mut self, raw: &str) -> ApiResult<()> {
        for pair in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key =
                decode_component(k).ok_or_else(|| ApiError::field(ErrorCode::BadParam, "?"))?;
            let value = decode_component(v)
                .ok_or_else(|| ApiError::field(ErrorCode::BadParam, key.clone()))?;
            self.add_pair(key, value);
        }
        Ok(())
    }

    fn add_pair(&mut self, key: String, value: String) {
        // `name[]` appends to an array; `name[sub]` fills an object.
        if let Some(open) = key.find('[').filter(|_| key.ends_with(']')) {
            let name = key[..open].to_string();
            let sub = &key[open + 1..key.len() - 1];
            let slot = self.map.entry(name).or_insert(Value::Null);
            if sub.is_empty() {
                if !slot.is_array() {
                    *slot = Value::Array(Vec::new());
                }
                slot.as_array_mut()
                    .expect("array")
                    .push(Value::String(value));
            } else {
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                slot.as_object_mut()
                    .expect("object")
                    .insert(sub.to_string(), Value::String(value));
            }
        } else {
            self.map.insert(key, Value::String(value));
        }
    }

    /// Adds a JSON object's members; anything but an object is `bad-json`.
    pub fn add_json(&mut self, body: &[u8]) -> ApiResult<()> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => {
                for (k, v) in m {
                    self.map.insert(k, v);
                }
                Ok(())
            }
            _ => Err(ApiError::new(ErrorCode::BadJson)),
        }
    }

    /// Refuses parameters a management function does not know: a typo
    /// (`site=1` where `ways` was meant) would otherwise be ignored and
    /// save something else than the caller meant. `id` (the token) is
    /// always allowed. The first unknown name is the error's `field`.
    pub fn only(&self, known: &[&str]) -> ApiResult<()> {
        match self
            .map
            .keys()
            .find(|k| *k != "id" && !known.contains(&k.as_str()))
        {
            Some(k) => Err(ApiError::field(ErrorCode::BadParam, cut(k, 64))),
            None => Ok(()),
        }
    }

    /// Every parameter as received, in order (postback.json logs them:
    /// src/leads/inlog.rs).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name)
    }

    /// A text parameter, trimmed; empty counts as absent. Numbers and
    /// booleans given in JSON are accepted as their text.
    pub fn text(&self, name: &str) -> ApiResult<Option<String>> {
        let s = match self.raw(name) {
            None => return Ok(None),
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => (if *b { "1" } else { "0" }).to_string(),
            Some(_) => return Err(ApiError::field(ErrorCode::BadParam, name)),
        };
        Ok(if s.is_empty() { None } else { Some(s) })
    }

    /// Text cut to `max` characters (docs/API.md "The click path": tags are cut at 255).
    pub fn text_max(&self, name: &str, max: usize) -> ApiResult<Option<String>> {
        Ok(self.text(name)?.map(|s| cut(&s, max)))
    }

    /// A list: JSON array, `a[]` pairs, or one comma-separated value.
    pub fn list(&self, name: &str) -> ApiResult<Vec<String>> {
        let bad = || ApiError::field(ErrorCode::BadParam, name);
        let items: Vec<String> = match self.raw(name) {
            None => return Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(bad()),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => self.text(name)?.map(|s| vec![s]).unwrap_or_default(),
        };
        Ok(items
            .iter()
            .flat_map(|s| s.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect())
    }

    /// A whole number within `min..=max`, else `code` with this field.
    pub fn int(&self, name: &str, min: i64, max: i64, code: ErrorCode) -> ApiResult<Option<i64>> {
        let Some(s) = self.text(name)? else {
            return Ok(None);
        };
        match s.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::field(code, name)),
        }
    }

    /// A finite decimal number within `0..=max` (money, costs).
    pub fn money(&self, name: &str, max: f64, code: ErrorCode) -> ApiResult<Option<f64>> {
        let Some(s) = self.text(name)? else {
            return Ok(None);
        };
        match s.replace(',', ".").parse::<f64>() {
            Ok(n) if n.is_finite() && (0.0..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::field(code, name)),
        }
    }

    /// A flag: 1/true/yes/on is true, 0/false/no/off or absent is false.
    pub fn flag(&self, name: &str) -> ApiResult<Option<bool>> {
        let Some(s) = self.text(name)? else {
            return Ok(None);
        };
        match s.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Some(true)),
            "0" | "false" | "no" | "off" => Ok(Some(false)),
            _ => Err(ApiError::field(ErrorCode::BadParam, name)),
        }
    }

    /// A string-to-string object (`meta[k]=v` or JSON `meta`).
    pub fn object(&self, name: &str) -> ApiResult<Map<String, Value>> {
        match self.raw(name) {
            None => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m.clone()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Map::new()),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => Ok(m),
                _ => Err(ApiError::field(ErrorCode::BadParam, name)),
            },
            Some(_) => Err(ApiError::field(ErrorCode::BadParam, name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_objects_and_commas_are_one_shape() {
        let mut p = Params::default();
        p.add_urlencoded("flow[]=a&flow[]=b&way=1,2&meta[x]=1&meta[y]=%E2%9C%93")
            .unwrap();
        assert_eq!(p.list("flow").unwrap(), vec!["a", "b"]);
        assert_eq!(p.list("way").unwrap(), vec!["1", "2"]);
        let m = p.object("meta").unwrap();
        assert_eq!(m["y"], "✓");
    }

    #[test]
    fn bad_utf8_and_bad_percent() {
        let mut p = Params::default();
        assert_eq!(
            p.add_urlencoded("a=%FF").unwrap_err(),
            ApiError::field(ErrorCode::BadParam, "a")
        );
        let mut p = Params::default();
        p.add_urlencoded("a=%zz&b=%").unwrap();
        assert_eq!(p.text("a").unwrap().unwrap(), "%zz");
        assert_eq!(p.text("b").unwrap().unwrap(), "%");
    }

    #[test]
    fn numbers_are_checked() {
        let mut p = Params::default();
        p.add_urlencoded("n=99999999999999999999999&m=1e400&k=-1")
            .unwrap();
        assert!(p.int("n", 0, 10, ErrorCode::BadParam).is_err());
        assert!(p.money("m", 1e12, ErrorCode::BadPrice).is_err());
        assert!(p.money("k", 1e12, ErrorCode::BadPrice).is_err());
    }
}
