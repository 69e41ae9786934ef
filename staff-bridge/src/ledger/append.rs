//! Appending: one entry in the caller's transaction, or many at once for
//! events that arrive in pages, always extending the head of the chain.

use content::db::{Backend, Db};
use std::ops::Range;

use sqlx::AnyConnection;

use super::hash::{canonical_json, entry_hash, DataError};
use super::{NewEntry, APPEND_LOCK};

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
    let numbers = append_many(conn, backend, std::slice::from_ref(entry), at).await?;
    Ok(numbers.start)
}

/// Appends `entries` in order, all stamped `at`, in the caller's transaction
/// (as [`append`]), and returns the numbers they were given. For events that
/// arrive in pages: one lock, one read of the head and, on SQLite, one
/// statement per few hundred entries, where appending them one by one costs
/// all three per entry. Any entry whose data the ledger refuses fails the whole
/// call before anything is written.
pub async fn append_many(
    conn: &mut AnyConnection,
    backend: Backend,
    entries: &[NewEntry<'_>],
    at: i64,
) -> sqlx::Result<Range<i64>> {
    let data = entries
        .iter()
        .map(|entry| stored_data(&entry.data))
        .collect::<Result<Vec<String>, DataError>>()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
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
    let mut rows = Vec::with_capacity(entries.len());
    let mut prev_hash = head_hash;
    for (i, (entry, data)) in entries.iter().zip(data).enumerate() {
        let seq = head_seq + 1 + i as i64;
        let hash = entry_hash(
            seq,
            at,
            entry.kind,
            entry.actor,
            entry.subject,
            &data,
            &prev_hash,
        );
        let prev = std::mem::replace(&mut prev_hash, hash.clone());
        rows.push((seq, entry, data, prev, hash));
    }
    // PostgreSQL fires AFTER ROW triggers at the end of a statement, so the
    // head would not have moved between the rows of one multi-row insert and
    // its insert trigger would refuse the second: one row per statement there.
    let per_statement = match backend {
        Backend::Sqlite => ROWS_PER_INSERT,
        Backend::Postgres => 1,
    };
    for chunk in rows.chunks(per_statement) {
        let sql = insert_sql(chunk.len());
        let mut query = sqlx::query(&sql);
        for (seq, entry, data, prev, hash) in chunk {
            query = query
                .bind(*seq)
                .bind(at)
                .bind(entry.kind)
                .bind(entry.actor)
                .bind(entry.subject)
                .bind(data.as_str())
                .bind(prev.as_str())
                .bind(hash.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(head_seq + 1..head_seq + 1 + entries.len() as i64)
}

/// Rows per INSERT statement on SQLite: 8 parameters each stays well under
/// SQLite's limit of 32,766 parameters, and larger statements gain nothing.
const ROWS_PER_INSERT: usize = 256;

/// The data of an entry as stored: canonical JSON of an object.
fn stored_data(data: &serde_json::Value) -> Result<String, DataError> {
    if !data.is_object() {
        return Err(DataError::NotAnObject);
    }
    canonical_json(data)
}

/// The INSERT of `rows` entries, numbered parameters row by row.
fn insert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=8).map(|c| format!("${}", r * 8 + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO ledger (seq, at, kind, actor, subject, data, prev_hash, hash) VALUES {}",
        values.join(", ")
    )
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
