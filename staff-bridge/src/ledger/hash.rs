//! The hash recipe (version 1, in the module documentation of `ledger`) and
//! the canonical JSON text that `data` is stored as. Pure functions: what an
//! independent verifier must reproduce, pinned by `known_answer`.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::HASH_PREFIX;

/// Why some data cannot go into the ledger.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DataError {
    #[error("ledger data must be a JSON object")]
    NotAnObject,
    #[error("ledger data must not hold fractional numbers (their text form is not canonical)")]
    Fractional,
}

/// The canonical JSON text of `value`: object keys sorted by their UTF-8
/// bytes, no whitespace, strings escaped as serde_json does (`\"`, `\\`,
/// `\b \f \n \r \t`, other control characters as lowercase `\u00xx`, all else
/// as UTF-8), integers in decimal. Fractional numbers are refused: their text
/// differs between JSON libraries. Written out by hand rather than trusting
/// `Value`'s map order, which a cargo feature elsewhere could change.
pub fn canonical_json(value: &Value) -> Result<String, DataError> {
    let mut out = String::new();
    write_canonical(value, &mut out)?;
    Ok(out)
}

fn write_canonical(value: &Value, out: &mut String) -> Result<(), DataError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if !(n.is_i64() || n.is_u64()) {
                return Err(DataError::Fractional);
            }
            out.push_str(&n.to_string());
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(&map[key], out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

// Serialising a string to JSON cannot fail (serde_json fails only on maps
// with non-string keys and on writer errors).
#[allow(clippy::expect_used)]
fn write_string(s: &str, out: &mut String) {
    out.push_str(&serde_json::to_string(s).expect("a string always serialises"));
}

fn hash_text(hasher: &mut Sha256, s: &str) {
    hasher.update((s.len() as u64).to_be_bytes());
    hasher.update(s.as_bytes());
}

fn hash_optional(hasher: &mut Sha256, s: Option<&str>) {
    match s {
        None => hasher.update([0u8]),
        Some(s) => {
            hasher.update([1u8]);
            hash_text(hasher, s);
        }
    }
}

pub(super) fn hash_hex(
    seq: i64,
    at: i64,
    kind: &str,
    actor: Option<&str>,
    subject: Option<&str>,
    data: &str,
    prev_hash: &str,
) -> [u8; 64] {
    let mut hasher = Sha256::new();
    hasher.update(HASH_PREFIX);
    hasher.update(seq.to_be_bytes());
    hasher.update(at.to_be_bytes());
    hash_text(&mut hasher, kind);
    hash_optional(&mut hasher, actor);
    hash_optional(&mut hasher, subject);
    hash_text(&mut hasher, data);
    hash_text(&mut hasher, prev_hash);
    let mut out = [0u8; 64];
    // 32 bytes are 64 hex digits, exactly the buffer's length.
    #[allow(clippy::expect_used)]
    hex::encode_to_slice(hasher.finalize(), &mut out).expect("64 hex digits for 32 bytes");
    out
}

/// An entry's hash by the recipe in the module documentation, as lowercase
/// hex. `data` is the stored canonical JSON text.
pub fn entry_hash(
    seq: i64,
    at: i64,
    kind: &str,
    actor: Option<&str>,
    subject: Option<&str>,
    data: &str,
    prev_hash: &str,
) -> String {
    let hex = hash_hex(seq, at, kind, actor, subject, data, prev_hash);
    hex.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::GENESIS_HASH;
    use serde_json::json;

    /// A value to check an independent implementation of the recipe against
    /// (docs/ledger.md gives the same one).
    #[test]
    fn known_answer() {
        let data =
            canonical_json(&json!({"publication": "P-1", "audience": ["person-a", "person-b"]}))
                .unwrap();
        assert_eq!(
            data,
            r#"{"audience":["person-a","person-b"],"publication":"P-1"}"#
        );
        let hash = entry_hash(
            1,
            1_700_000_000,
            "publication",
            Some("staff-1"),
            None,
            &data,
            GENESIS_HASH,
        );
        assert_eq!(
            hash,
            "129901156691c835fa55cc7339ef08fb549ec03b3f2ae9ccfcd95da663be7ab3"
        );
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_refuses_fractions() {
        let value =
            json!({"b": {"z": 1, "a": [true, null, -3]}, "a": "line\nbreak \"quoted\" \u{1} é"});
        assert_eq!(
            canonical_json(&value).unwrap(),
            "{\"a\":\"line\\nbreak \\\"quoted\\\" \\u0001 é\",\"b\":{\"a\":[true,null,-3],\"z\":1}}"
        );
        assert_eq!(
            canonical_json(&json!({"x": 1.5})),
            Err(DataError::Fractional)
        );
        assert_eq!(
            canonical_json(&json!({"x": 2.0})),
            Err(DataError::Fractional)
        );
        assert_eq!(
            canonical_json(&json!({"x": u64::MAX})).unwrap(),
            format!("{{\"x\":{}}}", u64::MAX)
        );
    }

    #[test]
    fn every_field_changes_the_hash_and_none_is_not_empty() {
        let base = entry_hash(2, 10, "k", Some("a"), Some("s"), "{}", GENESIS_HASH);
        let variants = [
            entry_hash(3, 10, "k", Some("a"), Some("s"), "{}", GENESIS_HASH),
            entry_hash(2, 11, "k", Some("a"), Some("s"), "{}", GENESIS_HASH),
            entry_hash(2, 10, "j", Some("a"), Some("s"), "{}", GENESIS_HASH),
            entry_hash(2, 10, "k", None, Some("s"), "{}", GENESIS_HASH),
            entry_hash(2, 10, "k", Some(""), Some("s"), "{}", GENESIS_HASH),
            entry_hash(2, 10, "k", Some("a"), None, "{}", GENESIS_HASH),
            entry_hash(2, 10, "k", Some("a"), Some("s"), "{\"a\":1}", GENESIS_HASH),
            entry_hash(2, 10, "k", Some("a"), Some("s"), "{}", &"1".repeat(64)),
            // The same bytes moved between neighbouring fields.
            entry_hash(2, 10, "ka", Some(""), Some("s"), "{}", GENESIS_HASH),
            entry_hash(2, 10, "k", Some("as"), Some(""), "{}", GENESIS_HASH),
        ];
        for (i, variant) in variants.iter().enumerate() {
            assert_ne!(&base, variant, "variant {i}");
        }
        assert_eq!(base.len(), 64);
        assert!(base
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
}
