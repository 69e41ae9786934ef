//! The disclosure ledger: every disclosure, withdrawal, family view and
//! identity event, append-only and hash-chained, so that an information
//! governance officer can show years later what was disclosed, to whom, and
//! that nothing has been changed since. Owns `ledger` and `ledger_head`.
//!
//! Entries are only ever inserted, by [`append`], inside the caller's own
//! transaction so that an entry commits with the action it records (or not at
//! all). The database refuses UPDATE, DELETE and (PostgreSQL) TRUNCATE on both
//! tables, and refuses an insert that does not extend the head of the chain
//! (`migrations/bridge/*/0002_ledger.sql`).
//!
//! # The hash recipe (version 1)
//!
//! Each entry's `hash` is the lowercase hex SHA-256 of these bytes, in order:
//!
//! ```text
//! "familystory-ledger-v1"         the 21 ASCII bytes, as a fixed prefix
//! seq                             8 bytes, big-endian two's complement
//! at                              8 bytes, big-endian two's complement
//! text(kind)
//! optional(actor)
//! optional(subject)
//! text(data)                      the stored JSON text, byte for byte
//! text(prev_hash)                 64 lowercase hex characters
//!
//! text(s)         = length of s in UTF-8 bytes as 8 bytes big-endian, then s in UTF-8
//! optional(None)  = the single byte 0x00
//! optional(s)     = the single byte 0x01, then text(s)
//! ```
//!
//! Every field is length-prefixed or fixed-width, so no two different entries
//! encode to the same bytes. The first entry's `prev_hash` is 64 zeros; every
//! other entry's is the `hash` of the entry numbered one less. `docs/ledger.md`
//! has a short Python program that recomputes the chain from the database
//! alone, and the unit test `known_answer` below pins one value an
//! independent implementation can check itself against.
//!
//! `data` is stored as canonical JSON ([`canonical_json`]): object keys
//! sorted by their UTF-8 bytes, no whitespace, integers only. The hash covers
//! the stored text exactly, so a verifier never has to re-canonicalise it.
//! It holds ids, content hashes and short staff-written reasons, never record
//! text; nothing in this module logs it.
//!
//! # What the chain shows, and what it cannot
//!
//! Changing, inserting, reordering or removing any entry breaks the chain at
//! that entry. Removing entries from the end leaves a shorter chain that is
//! still whole, so the database also keeps `ledger_head` (the newest entry,
//! moved only by the insert trigger) and [`verify`] compares the two. Someone
//! who can drop triggers and rewrite both tables, recomputing every hash, is
//! caught only against a head recorded outside the database: `audit verify`
//! prints one, and checks it later with `--anchor SEQ:HASH` ([`Anchor`]).
//!
//! The module is cut along those lines: `hash` (the recipe and canonical
//! JSON), `append` (writing, one entry or a page of them), `check` (the
//! chain rules, apart from any database), `verify` (reading the chain back
//! to check it, and opening a database for audit), `read` (scoped pages for
//! the pages staff and IG officers see).

mod append;
mod check;
mod hash;
mod read;
mod verify;

pub use append::{append, append_many, append_now, head};
pub use check::{Anchor, Broken, VerifyReport};
pub use hash::{canonical_json, entry_hash, DataError};
pub use read::{entries, entries_for_actor, entries_for_subject, Order, Page, MAX_PAGE};
pub use verify::{verify, verify_against, verify_database};

use serde_json::Value;

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fixed prefix of every hashed entry: names the recipe and its version.
pub const HASH_PREFIX: &[u8] = b"familystory-ledger-v1";

/// The PostgreSQL advisory lock that serialises appends ("LEDGER" in ASCII).
/// Taken per transaction, so it is released at commit or rollback.
pub const APPEND_LOCK: i64 = 0x4c45_4447_4552;

/// The kinds of entry the bridge records. A kind is free text in the table;
/// these constants keep the writers consistent.
pub mod kinds {
    /// A document published to its audience: content hash, audience, author,
    /// approver, redaction decisions.
    pub const PUBLICATION: &str = "publication";
    /// A publication withdrawn: who and why.
    pub const WITHDRAWAL: &str = "withdrawal";
    /// A family member's first view of a version (from the portal's outbox).
    pub const FAMILY_VIEW: &str = "family_view";
    pub const FAMILY_SIGN_IN: &str = "family_sign_in";
    pub const FAMILY_SIGN_IN_FAILED: &str = "family_sign_in_failed";
    pub const STAFF_SIGN_IN: &str = "staff_sign_in";
    pub const STAFF_SIGN_IN_FAILED: &str = "staff_sign_in_failed";
    pub const ACCOUNT_CHANGE: &str = "account_change";
    pub const ROLE_CHANGE: &str = "role_change";
    pub const CONFIG_CHANGE: &str = "config_change";
}

/// An entry to record. `data` is turned into canonical JSON on append; it
/// must be a JSON object whose numbers are all integers.
#[derive(Clone, Debug)]
pub struct NewEntry<'a> {
    pub kind: &'a str,
    /// Who did it: a staff id, a portal person id; `None` for the system.
    pub actor: Option<&'a str>,
    /// What it is about, e.g. a publication id.
    pub subject: Option<&'a str>,
    pub data: Value,
}

/// A recorded entry, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub at: i64,
    pub kind: String,
    pub actor: Option<String>,
    pub subject: Option<String>,
    /// The canonical JSON text, exactly as hashed.
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    pub fn data_json(&self) -> serde_json::Result<Value> {
        serde_json::from_str(&self.data)
    }

    /// Whether the stored hash is the hash of the stored content.
    pub fn hash_matches(&self) -> bool {
        self.borrowed().hash_matches()
    }

    /// The entry as [`EntryRef`], borrowing its text.
    pub fn borrowed(&self) -> EntryRef<'_> {
        EntryRef {
            seq: self.seq,
            at: self.at,
            kind: &self.kind,
            actor: self.actor.as_deref(),
            subject: self.subject.as_deref(),
            data: &self.data,
            prev_hash: &self.prev_hash,
            hash: &self.hash,
        }
    }
}

/// A recorded entry borrowed from where it was read: what verify checks,
/// a million times over, without copying each row's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryRef<'a> {
    pub seq: i64,
    pub at: i64,
    pub kind: &'a str,
    pub actor: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub data: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

impl EntryRef<'_> {
    /// Whether the stored hash is the hash of the stored content.
    pub fn hash_matches(&self) -> bool {
        let computed = hash::hash_hex(
            self.seq,
            self.at,
            self.kind,
            self.actor,
            self.subject,
            self.data,
            self.prev_hash,
        );
        computed.as_slice() == self.hash.as_bytes()
    }
}

type Row = (
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

impl From<Row> for Entry {
    fn from((seq, at, kind, actor, subject, data, prev_hash, hash): Row) -> Entry {
        Entry {
            seq,
            at,
            kind,
            actor,
            subject,
            data,
            prev_hash,
            hash,
        }
    }
}

const COLUMNS: &str = "seq, at, kind, actor, subject, data, prev_hash, hash";
