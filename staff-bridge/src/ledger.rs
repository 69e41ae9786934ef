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

use std::fmt;
use std::str::FromStr;

use content::db::{Backend, Db};
use futures_util::TryStreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, Executor};

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
        let computed = hash_hex(
            self.seq,
            self.at,
            &self.kind,
            self.actor.as_deref(),
            self.subject.as_deref(),
            &self.data,
            &self.prev_hash,
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

// --- the hash -------------------------------------------------------------

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

fn hash_hex(
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
    String::from_utf8(hex.to_vec()).expect("hex is ASCII")
}

// --- appending --------------------------------------------------------------

/// Appends an entry in the caller's transaction and returns its number.
///
/// `conn` must be inside a transaction (`&mut *tx`): on PostgreSQL the
/// advisory lock that keeps appends in single file lasts until that
/// transaction ends, so the entry's number and link cannot be taken by anyone
/// else before it commits. SQLite has one writer. Should two writers ever race
/// regardless (a transaction opened at REPEATABLE READ, another process on the
/// same SQLite file), the database refuses the second insert rather than fork
/// the chain.
pub async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    entry: &NewEntry<'_>,
    at: i64,
) -> sqlx::Result<i64> {
    if !entry.data.is_object() {
        return Err(sqlx::Error::Encode(Box::new(DataError::NotAnObject)));
    }
    let data = canonical_json(&entry.data).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    if backend == Backend::Postgres {
        // The function returns void, which the Any driver cannot decode; a
        // FROM clause turns it into a row we never read.
        sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let (head_seq, head_hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM ledger_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    let seq = head_seq + 1;
    let hash = entry_hash(
        seq,
        at,
        entry.kind,
        entry.actor,
        entry.subject,
        &data,
        &head_hash,
    );
    sqlx::query(
        "INSERT INTO ledger (seq, at, kind, actor, subject, data, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(entry.kind)
    .bind(entry.actor)
    .bind(entry.subject)
    .bind(&data)
    .bind(&head_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

/// Appends an entry, stamped now, in a transaction of its own: for events that
/// change nothing else, like a failed sign-in.
pub async fn append_now(db: &Db, entry: &NewEntry<'_>) -> sqlx::Result<i64> {
    let mut tx = db.pool.begin().await?;
    let seq = append(&mut tx, db.backend, entry, content::db::now()).await?;
    tx.commit().await?;
    Ok(seq)
}

/// The newest entry's number and hash: `(0, GENESIS_HASH)` when empty.
pub async fn head(db: &Db) -> sqlx::Result<(i64, String)> {
    sqlx::query_as("SELECT seq, hash FROM ledger_head WHERE id = 1")
        .fetch_one(&db.pool)
        .await
}

// --- verifying --------------------------------------------------------------

/// The first entry at which the chain fails, and why, in words that follow
/// "The ledger is broken at entry N: ".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// How many entries the ledger holds.
    pub entries: u64,
    /// `None` when the chain is whole.
    pub first_broken: Option<Broken>,
    /// The newest entry read, to record outside the database as an [`Anchor`].
    pub last: Option<Anchor>,
}

impl VerifyReport {
    pub fn is_whole(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// An entry's number and hash as recorded outside the database by an earlier
/// verify (`SEQ:HASH`). If that entry later has another hash, or is gone, the
/// chain up to it was rewritten or cut short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl FromStr for Anchor {
    type Err = String;

    fn from_str(s: &str) -> Result<Anchor, String> {
        let bad = || {
            format!("an anchor is SEQ:HASH, an entry number and its 64 hex digit hash (got {s:?})")
        };
        let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        let hash = hash.to_ascii_lowercase();
        if seq < 1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Anchor { seq, hash })
    }
}

/// Recomputes every hash and link of the chain. See [`verify_against`].
pub async fn verify(db: &Db) -> Result<VerifyReport, sqlx::Error> {
    verify_against(db, None).await
}

/// Recomputes every hash and link of the chain, in order, streaming the table
/// in bounded memory; checks that entry numbers run 1, 2, 3... without a gap,
/// that the last entry is the head the database recorded, and, given an
/// anchor, that the anchored entry still has its recorded hash. Reports the
/// first broken entry, and keeps counting the rest.
pub async fn verify_against(db: &Db, anchor: Option<&Anchor>) -> Result<VerifyReport, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    if db.backend == Backend::Postgres {
        // One snapshot for the head and every row, so that entries appended
        // meanwhile are neither half-seen nor mistaken for a mismatch.
        tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?;
    }
    // SQLite: the first read fixes this transaction's snapshot (WAL).
    let recorded_head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM ledger_head WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?;

    let mut checker = Checker::new(anchor);
    {
        let sql = format!("SELECT {COLUMNS} FROM ledger ORDER BY seq");
        let mut rows = sqlx::query_as::<_, Row>(&sql).fetch(&mut *tx);
        while let Some(row) = rows.try_next().await? {
            checker.entry(row.into());
        }
    }
    tx.rollback().await?;
    Ok(checker.finish(recorded_head))
}

/// The chain checks, one entry at a time, apart from the database.
struct Checker<'a> {
    anchor: Option<&'a Anchor>,
    entries: u64,
    last: Option<Anchor>,
    first_broken: Option<Broken>,
}

impl<'a> Checker<'a> {
    fn new(anchor: Option<&'a Anchor>) -> Checker<'a> {
        Checker {
            anchor,
            entries: 0,
            last: None,
            first_broken: None,
        }
    }

    fn entry(&mut self, entry: Entry) {
        self.entries += 1;
        if self.first_broken.is_none() {
            self.first_broken = self.check(&entry);
        }
        self.last = Some(Anchor {
            seq: entry.seq,
            hash: entry.hash,
        });
    }

    fn check(&self, entry: &Entry) -> Option<Broken> {
        let (expected, prev_hash) = match &self.last {
            None => (1, GENESIS_HASH),
            Some(last) => (last.seq + 1, last.hash.as_str()),
        };
        let broken = |seq: i64, reason: String| Some(Broken { seq, reason });
        if entry.seq > expected {
            let reason = match (expected - 1, entry.seq - expected) {
                (0, 1) => format!("it is missing: the ledger starts at entry {}.", entry.seq),
                (0, n) => format!(
                    "it is missing, with the {} after it: the ledger starts at entry {}.",
                    n - 1,
                    entry.seq
                ),
                (before, 1) => format!(
                    "it is missing: entry {before} is followed by entry {}.",
                    entry.seq
                ),
                (before, n) => {
                    format!("it is missing, with the {} after it: entry {before} is followed by entry {}.", n - 1, entry.seq)
                }
            };
            return broken(expected, reason);
        }
        if entry.seq < expected {
            return broken(
                entry.seq,
                format!("it is out of order: it comes after entry {}.", expected - 1),
            );
        }
        if !entry.hash_matches() {
            return broken(entry.seq, "its hash does not match its content.".into());
        }
        if entry.prev_hash != prev_hash {
            let reason = if entry.seq == 1 {
                "it does not start the chain: its previous hash is not 64 zeros.".to_string()
            } else {
                format!(
                    "it does not follow from entry {}: that entry has been changed since this one was written.",
                    entry.seq - 1
                )
            };
            return broken(entry.seq, reason);
        }
        if let Some(anchor) = self.anchor {
            if anchor.seq == entry.seq && anchor.hash != entry.hash {
                return broken(
                    entry.seq,
                    "its hash is not the one recorded for it earlier (the anchor): the chain up to it has been rewritten."
                        .into(),
                );
            }
        }
        None
    }

    fn finish(mut self, recorded_head: Option<(i64, String)>) -> VerifyReport {
        if self.first_broken.is_none() {
            self.first_broken = self.check_end(recorded_head);
        }
        VerifyReport {
            entries: self.entries,
            first_broken: self.first_broken,
            last: self.last,
        }
    }

    /// What the chain alone cannot show: entries cut off its end.
    fn check_end(&self, recorded_head: Option<(i64, String)>) -> Option<Broken> {
        let last_seq = self.last.as_ref().map_or(0, |l| l.seq);
        let last_hash = self.last.as_ref().map_or(GENESIS_HASH, |l| l.hash.as_str());
        let Some((head_seq, head_hash)) = recorded_head else {
            return Some(Broken {
                seq: last_seq + 1,
                reason: format!(
                    "the ledger's record of its newest entry is gone, so entries after {last_seq} may have been removed."
                ),
            });
        };
        if head_seq > last_seq {
            let more = head_seq - last_seq - 1;
            let what = if more == 0 {
                "it is missing".to_string()
            } else {
                format!("it and the {more} after it are missing")
            };
            return Some(Broken {
                seq: last_seq + 1,
                reason: format!(
                    "{what}: the ledger recorded {}, and ends at entry {last_seq}.",
                    entry_count(head_seq)
                ),
            });
        }
        if head_seq < last_seq {
            return Some(Broken {
                seq: head_seq + 1,
                reason: format!(
                    "it was added around the database's checks: the ledger recorded {}, and holds {last_seq}.",
                    entry_count(head_seq)
                ),
            });
        }
        if head_hash != last_hash {
            return Some(Broken {
                seq: last_seq,
                reason: "its hash is not the one the ledger recorded for its newest entry.".into(),
            });
        }
        if let Some(anchor) = self.anchor {
            if anchor.seq > last_seq {
                return Some(Broken {
                    seq: last_seq + 1,
                    reason: format!(
                        "it is missing: the anchor recorded entry {}, and the ledger ends at entry {last_seq}.",
                        anchor.seq
                    ),
                });
            }
        }
        None
    }
}

fn entry_count(n: i64) -> String {
    format!("{n} {}", if n == 1 { "entry" } else { "entries" })
}

/// Opens a bridge database to audit it: read-only, and without migrating, so
/// that checking a copy kept as evidence never changes it.
pub async fn open_for_audit(url: &str) -> anyhow::Result<Db> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)?;
    let pool = match backend {
        Backend::Sqlite => {
            AnyPoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("PRAGMA query_only = ON").await?;
                        Ok(())
                    })
                })
                .connect(&read_only_sqlite_url(url))
                .await?
        }
        Backend::Postgres => {
            AnyPoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                            .await?;
                        Ok(())
                    })
                })
                .connect(url)
                .await?
        }
    };
    let db = Db::new(pool, backend);
    if head(&db).await.is_err() {
        anyhow::bail!("this database has no ledger: is it the staff bridge's database, migrated by version 0.1 or later?");
    }
    Ok(db)
}

/// The same SQLite URL with `mode=ro`: a wrong path then fails to open rather
/// than creating an empty database.
fn read_only_sqlite_url(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("mode="))
        .collect();
    params.push("mode=ro");
    format!("{base}?{}", params.join("&"))
}

// --- reading ------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

/// A page of a scoped query. Pages are keyed by entry number, so entries
/// appended while someone pages never shift or repeat what they see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub order: Order,
    /// The last entry number of the previous page; `None` for the first page.
    pub after: Option<i64>,
    /// At most this many entries (1 to [`MAX_PAGE`]).
    pub limit: i64,
}

pub const MAX_PAGE: i64 = 500;

impl Page {
    pub fn first(order: Order, limit: i64) -> Page {
        Page {
            order,
            after: None,
            limit,
        }
    }

    /// The page after `entries`, or `None` when they were the last.
    pub fn next(&self, entries: &[Entry]) -> Option<Page> {
        let last = entries.last()?;
        (entries.len() as i64 >= self.limit.clamp(1, MAX_PAGE)).then_some(Page {
            after: Some(last.seq),
            ..*self
        })
    }
}

/// The whole ledger, a page at a time.
pub async fn entries(db: &Db, page: Page) -> sqlx::Result<Vec<Entry>> {
    scoped(db, Scope::All, page).await
}

/// Everything recorded about one subject (e.g. a publication), a page at a time.
pub async fn entries_for_subject(db: &Db, subject: &str, page: Page) -> sqlx::Result<Vec<Entry>> {
    scoped(db, Scope::Subject(subject), page).await
}

/// Everything one actor (a staff member, a family member) did, a page at a time.
pub async fn entries_for_actor(db: &Db, actor: &str, page: Page) -> sqlx::Result<Vec<Entry>> {
    scoped(db, Scope::Actor(actor), page).await
}

#[derive(Clone, Copy)]
enum Scope<'a> {
    All,
    Subject(&'a str),
    Actor(&'a str),
}

async fn scoped(db: &Db, scope: Scope<'_>, page: Page) -> sqlx::Result<Vec<Entry>> {
    let (comparison, direction, from) = match page.order {
        Order::OldestFirst => (">", "ASC", page.after.unwrap_or(0)),
        Order::NewestFirst => ("<", "DESC", page.after.unwrap_or(i64::MAX)),
    };
    let limit = page.limit.clamp(1, MAX_PAGE);
    // The column comes from this enum, never from the caller's text.
    let filter = match scope {
        Scope::All => None,
        Scope::Subject(value) => Some(("subject", value)),
        Scope::Actor(value) => Some(("actor", value)),
    };
    let rows: Vec<Row> = match filter {
        Some((column, value)) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM ledger WHERE {column} = $1 AND seq {comparison} $2 \
                 ORDER BY seq {direction} LIMIT $3"
            );
            sqlx::query_as(&sql)
                .bind(value)
                .bind(from)
                .bind(limit)
                .fetch_all(&db.pool)
                .await?
        }
        None => {
            let sql =
                format!("SELECT {COLUMNS} FROM ledger WHERE seq {comparison} $1 ORDER BY seq {direction} LIMIT $2");
            sqlx::query_as(&sql)
                .bind(from)
                .bind(limit)
                .fetch_all(&db.pool)
                .await?
        }
    };
    Ok(rows.into_iter().map(Entry::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn anchors_parse_and_print() {
        let hash = "Ab".repeat(32);
        let anchor: Anchor = format!("42:{hash}").parse().unwrap();
        assert_eq!(
            anchor,
            Anchor {
                seq: 42,
                hash: hash.to_ascii_lowercase()
            }
        );
        assert_eq!(anchor.to_string().parse::<Anchor>().unwrap(), anchor);
        for bad in [
            "",
            "42",
            "x:abc",
            &format!("0:{hash}"),
            "42:abc",
            &format!("42:{}", "g".repeat(64)),
        ] {
            assert!(bad.parse::<Anchor>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn read_only_urls_replace_any_mode() {
        assert_eq!(
            read_only_sqlite_url("sqlite:///d/bridge.db?mode=rwc"),
            "sqlite:///d/bridge.db?mode=ro"
        );
        assert_eq!(
            read_only_sqlite_url("sqlite:///d/bridge.db"),
            "sqlite:///d/bridge.db?mode=ro"
        );
        assert_eq!(
            read_only_sqlite_url("sqlite://x.db?cache=shared&mode=rw"),
            "sqlite://x.db?cache=shared&mode=ro"
        );
    }

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let data = format!("{{\"n\":{seq}}}");
                let hash = entry_hash(seq, 100 + seq, "k", None, None, &data, &prev);
                let entry = Entry {
                    seq,
                    at: 100 + seq,
                    kind: "k".into(),
                    actor: None,
                    subject: None,
                    data,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                entry
            })
            .collect()
    }

    fn check(
        entries: Vec<Entry>,
        head: Option<(i64, String)>,
        anchor: Option<&Anchor>,
    ) -> VerifyReport {
        let mut checker = Checker::new(anchor);
        for entry in entries {
            checker.entry(entry);
        }
        checker.finish(head)
    }

    fn head_of(entries: &[Entry]) -> Option<(i64, String)> {
        Some(
            entries
                .last()
                .map_or((0, GENESIS_HASH.into()), |e| (e.seq, e.hash.clone())),
        )
    }

    #[test]
    fn the_checker_names_the_first_broken_entry() {
        let whole = chain(6);
        let head = head_of(&whole);
        assert!(check(whole.clone(), head.clone(), None).is_whole());
        assert!(check(vec![], head_of(&[]), None).is_whole());

        // Content changed: that entry.
        let mut e = whole.clone();
        e[2].kind = "other".into();
        assert_eq!(check(e, head.clone(), None).first_broken.unwrap().seq, 3);

        // Content changed and its hash recomputed: the next entry no longer follows.
        let mut e = whole.clone();
        e[2].data = "{\"n\":99}".into();
        e[2].hash = entry_hash(3, e[2].at, "k", None, None, &e[2].data, &e[2].prev_hash);
        let broken = check(e, head.clone(), None).first_broken.unwrap();
        assert_eq!(broken.seq, 4);
        assert!(
            broken.reason.contains("does not follow from entry 3"),
            "{}",
            broken.reason
        );

        // A middle entry removed: named as missing.
        let mut e = whole.clone();
        e.remove(3);
        let broken = check(e, head.clone(), None).first_broken.unwrap();
        assert_eq!(
            broken,
            Broken {
                seq: 4,
                reason: "it is missing: entry 3 is followed by entry 5.".into()
            }
        );

        // The first entry removed.
        let broken = check(whole[1..].to_vec(), head.clone(), None)
            .first_broken
            .unwrap();
        assert_eq!(broken.seq, 1);

        // Two entries swapped (by number): out of order.
        let mut e = whole.clone();
        e.swap(2, 3);
        assert_eq!(check(e, head.clone(), None).first_broken.unwrap().seq, 3);

        // The last two cut off: the recorded head shows it.
        let broken = check(whole[..4].to_vec(), head.clone(), None)
            .first_broken
            .unwrap();
        assert_eq!(broken.seq, 5);
        assert!(
            broken.reason.contains("it and the 1 after it are missing"),
            "{}",
            broken.reason
        );

        // The head record itself gone.
        assert_eq!(
            check(whole.clone(), None, None).first_broken.unwrap().seq,
            7
        );

        // A rewritten chain, whole in itself, caught by an anchor.
        let rewritten = {
            let mut prev = GENESIS_HASH.to_string();
            let mut e = whole.clone();
            for entry in &mut e {
                if entry.seq == 2 {
                    entry.data = "{\"n\":0}".into();
                }
                entry.prev_hash = prev.clone();
                entry.hash = entry_hash(entry.seq, entry.at, "k", None, None, &entry.data, &prev);
                prev = entry.hash.clone();
            }
            e
        };
        let anchor = Anchor {
            seq: 4,
            hash: whole[3].hash.clone(),
        };
        let rewritten_head = head_of(&rewritten);
        assert!(check(rewritten.clone(), rewritten_head.clone(), None).is_whole());
        assert_eq!(
            check(rewritten, rewritten_head, Some(&anchor))
                .first_broken
                .unwrap()
                .seq,
            4
        );
        // An anchor beyond the end.
        let anchor = Anchor {
            seq: 9,
            hash: "a".repeat(64),
        };
        assert_eq!(
            check(whole, head, Some(&anchor)).first_broken.unwrap().seq,
            7
        );
    }
}
