//! How the shapes' members read and write where serde's defaults would not do: `null` as absent,
//! times in the JavaScript API's units, headers as an ordered object, and serde's complaints as
//! this crate's errors, naming the member at fault by its path (`credentials.accessKeyId`).
//!
//! Every function here is generic over serde's traits: the same code reads a JavaScript value
//! (serde-wasm-bindgen, in the wasm), a JSON body (serde_json) and a test's input.

use crate::response::AssumeRoleResult;
use crate::time;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::time::SystemTime;

/// A string that is absent when empty (or `null`).
///
/// # Errors
/// When the value is neither a string nor `null`.
pub fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// `T`, or its default when `null` (or `undefined`).
///
/// # Errors
/// When the value is neither a `T` nor `null`.
pub fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An HTTP status (100-599) when the value is one; any other number is none.
///
/// # Errors
/// When the value is neither a number nor `null`.
pub fn status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    let status = Option::<f64>::deserialize(d)?;
    Ok(status.filter(|s| s.fract() == 0.0 && (100.0..=599.0).contains(s)).map(|s| s as u16))
}

/// A boolean that is `false` when `null`.
///
/// # Errors
/// When the value is neither a boolean nor `null`.
pub fn null_as_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

/// An instant from epoch milliseconds (JavaScript's `Date.now()`; `pkg/core.js` passes a `Date`
/// as its time).
///
/// # Errors
/// When the value is not a number of milliseconds between 1970 and 9999.
pub fn epoch_millis<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
    let millis = f64::deserialize(d)?;
    time::from_epoch_millis(millis).ok_or_else(|| de::Error::custom("must be a valid time between 1970 and 9999"))
}

/// Epoch seconds a timestamp can be: 1970 to 9999.
fn valid_timestamp(seconds: f64) -> bool {
    seconds.is_finite() && (0.0..=time::MAX_EPOCH_SECONDS as f64).contains(&seconds)
}

/// A timestamp as botocore reads one: epoch seconds (integer, fraction, exponent), or a string of
/// ISO 8601 or of epoch seconds; `null` is absent.
///
/// # Errors
/// When the value is none of those, or not between 1970 and 9999.
pub fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    struct TimestampVisitor;
    impl Visitor<'_> for TimestampVisitor {
        type Value = Option<f64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a timestamp (epoch seconds or ISO 8601 string)")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if valid_timestamp(v) {
                Ok(Some(v))
            } else {
                Err(E::custom("is not a timestamp between 1970 and 9999 (epoch seconds or ISO 8601)"))
            }
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.visit_f64(v as f64)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            self.visit_f64(v as f64)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            let seconds = time::parse_iso8601(s).or_else(|| serde_json::from_str::<f64>(s.trim()).ok());
            self.visit_f64(seconds.unwrap_or(f64::NAN))
        }
    }
    d.deserialize_any(TimestampVisitor)
}

/// `(name, value)` pairs as an object's properties, in their order (a JavaScript object keeps the
/// order its string keys were set in).
///
/// # Errors
/// As the serializer's.
pub fn pairs_as_object<S: Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (name, value) in pairs {
        map.serialize_entry(name, value)?;
    }
    map.end()
}

/// Header pairs as a caller gives them: `[name, value]` pairs or an object's properties, a value a
/// string or a number; `null` is none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderPairs(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for HeaderPairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct HeaderValue(String);
        impl<'de> Deserialize<'de> for HeaderValue {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct ValueVisitor;
                impl Visitor<'_> for ValueVisitor {
                    type Value = HeaderValue;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a string or a number")
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<HeaderValue, E> {
                        Ok(HeaderValue(v.to_string()))
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<HeaderValue, E> {
                        // As JavaScript's `String(n)` writes an integer; fractions as Rust does.
                        Ok(HeaderValue(if v.fract() == 0.0 && v.abs() < 1e21 { (v as i128).to_string() } else { v.to_string() }))
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<HeaderValue, E> {
                        Ok(HeaderValue(v.to_string()))
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<HeaderValue, E> {
                        Ok(HeaderValue(v.to_string()))
                    }
                }
                d.deserialize_any(ValueVisitor)
            }
        }
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = HeaderPairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[name, value] pairs or an object of strings")
            }
            fn visit_unit<E: de::Error>(self) -> Result<HeaderPairs, E> {
                Ok(HeaderPairs::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<HeaderPairs, E> {
                Ok(HeaderPairs::default())
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<HeaderPairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some((name, HeaderValue(value))) = seq.next_element::<(String, HeaderValue)>()? {
                    pairs.push((name, value));
                }
                Ok(HeaderPairs(pairs))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HeaderPairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some((name, HeaderValue(value))) = map.next_entry::<String, HeaderValue>()? {
                    pairs.push((name, value));
                }
                Ok(HeaderPairs(pairs))
            }
        }
        d.deserialize_any(PairsVisitor)
    }
}

/// `null`, `boolean`, `number`, `string`, `array` or `object`: for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Where a shape did not read, and the rule broken: `("credentials.accessKeyId", "is required")`.
/// The path is empty for the value itself.
pub type Fault = (String, String);

/// Reads `T` from `d`, naming the member at fault.
///
/// # Errors
/// The member's path and the rule it broke, in words that never quote the value (it may be a
/// secret).
pub fn read_with<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<T, Fault>
where
    D::Error: fmt::Display,
{
    serde_path_to_error::deserialize(d).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        fault(path, &e.into_inner().to_string())
    })
}

/// A 200 body's members (a JSON object), by the result's shape.
///
/// # Errors
/// As [`read_with`].
pub fn read(root: &Value) -> Result<AssumeRoleResult, Fault> {
    read_with(root)
}

/// serde's complaint about the member at `path`, in this crate's words.
fn fault(path: String, message: &str) -> Fault {
    // serde-wasm-bindgen's errors are JavaScript `Error`s, shown as `Error: <message>`.
    let message = message.strip_prefix("Error: ").unwrap_or(message);
    let join = |name: &str| if path.is_empty() { name.to_string() } else { [path.as_str(), ".", name].concat() };
    if let Some(name) = message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
        return (join(name), "is required".into());
    }
    // "invalid type: string \"...\", expected a boolean": the value is left out, it may be a secret.
    if message.starts_with("invalid type: ") || message.starts_with("invalid value: ") || message.starts_with("invalid length ") {
        let expected = message.rsplit_once(", expected ").map_or("another type", |(_, e)| e);
        let expected = match expected {
            "f64" | "f32" | "u16" | "u32" | "u64" | "i64" => "a number",
            e if e.starts_with("struct ") || e == "a map" => "an object",
            "a sequence" | "a tuple of size 2" => "an array",
            e => e,
        };
        return (path, ["must be ", expected].concat());
    }
    // serde-wasm-bindgen walks a sequence through JavaScript's iteration: a number or a string
    // where an array belongs fails in the engine (`TypeError: ...`), not in serde.
    if message.starts_with("TypeError: ") {
        return (path, "is not of its type (an array or an object where one belongs)".into());
    }
    // serde_json's parse errors end in the place: not the member's.
    (path, message.split(" at line ").next().unwrap_or(message).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::AssumeRoleRequest;
    use serde_json::json;

    fn input(value: Value) -> Result<AssumeRoleRequest, Fault> {
        read_with(&value)
    }

    #[test]
    fn names_the_member_at_fault_without_its_value() {
        let ok = json!({"clusterName": "c", "token": "a.b.c", "now": 0});
        assert!(input(ok).is_ok());
        let cases = [
            (json!({"token": "a.b.c", "now": 0}), "clusterName", "is required"),
            (json!({"clusterName": 5, "token": "a.b.c", "now": 0}), "clusterName", "must be a string"),
            (json!({"clusterName": "c", "token": "a.b.c"}), "now", "is required"),
            (json!({"clusterName": "c", "token": "a.b.c", "now": "x"}), "now", "must be a number"),
            (json!({"clusterName": "c", "token": "a.b.c", "now": -1}), "now", "must be a valid time between 1970 and 9999"),
            (json!({"clusterName": "c", "token": "a.b.c", "now": 0, "useFips": "yes"}), "useFips", "must be a boolean"),
            (json!({"clusterName": "c", "token": "a.b.c", "now": 0, "credentials": "SECRET"}), "credentials", "must be an object"),
            (json!({"clusterName": "c", "token": "a.b.c", "now": 0, "credentials": {"secretAccessKey": "SECRET"}}), "credentials.accessKeyId", "is required"),
            (json!({"clusterName": "c", "token": "a.b.c", "now": 0, "credentials": {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": 5}}), "credentials.sessionToken", "must be a string"),
            (json!(null), "", "must be an object"),
        ];
        for (value, path, rule) in cases {
            let text = value.to_string();
            let (p, r) = input(value).err().unwrap_or_else(|| panic!("{text} accepted"));
            assert_eq!((p.as_str(), r.as_str()), (path, rule), "{text}");
            assert!(!r.contains("SECRET"));
        }
    }

    #[test]
    fn null_is_absent_and_an_empty_session_token_too() {
        let i = input(json!({"clusterName": "c", "token": "t", "now": 1, "region": null, "useFips": null,
            "credentials": {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": ""}}))
        .unwrap();
        assert_eq!(i.region, None);
        assert!(!i.use_fips);
        assert_eq!(i.credentials.unwrap().session_token, None);
    }

    #[test]
    fn results_read_members_as_botocore_does() {
        let r = read(&json!({"subject": null, "credentials": {"expiration": "2025-11-28T15:00:00Z", "accessKeyId": 5}}));
        assert_eq!(r.unwrap_err(), ("credentials.accessKeyId".into(), "must be a string".into()));
        let r = read(&json!({"credentials": {"expiration": "1.764342e9"}})).unwrap();
        assert_eq!(r.credentials.unwrap().expiration, Some(1_764_342_000.0));
        assert_eq!(read(&json!({"credentials": {"expiration": true}})).unwrap_err().1, "must be a timestamp (epoch seconds or ISO 8601 string)");
        assert_eq!(read(&json!({"credentials": {"expiration": -1}})).unwrap_err().0, "credentials.expiration");
    }

    #[test]
    fn header_pairs_from_pairs_or_an_object() {
        let pairs: HeaderPairs = read_with(&json!([["a", "1"], ["b", 2]])).unwrap();
        assert_eq!(pairs.0, vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
        let object: HeaderPairs = read_with(&json!({"a": "1"})).unwrap();
        assert_eq!(object.0, vec![("a".into(), "1".into())]);
        for bad in [json!(5), json!([["a"]]), json!([["a", {}]]), json!([5]), json!([["a", "b"], null]), json!({"a": {}})] {
            assert!(read_with::<HeaderPairs, _>(&bad).is_err(), "{bad}");
        }
    }
}
