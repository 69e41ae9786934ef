//! Verifying: reads the whole chain back in one snapshot and runs it
//! through [`Checker`], on the service's pool or, for `audit verify`, on a
//! read-only, unmigrated connection of its own.

use content::db::{Backend, Db};
use futures_util::TryStreamExt;
use sqlx::{ColumnIndex, Connection, Decode, Executor, PgConnection, Row, Type};

use super::check::{Anchor, Checker, VerifyReport};
use super::{EntryRef, COLUMNS};

/// The head the database recorded, read in the same snapshot as the rows.
macro_rules! recorded_head {
    ($conn:expr) => {
        sqlx::query_as::<_, (i64, String)>(HEAD)
            .fetch_optional($conn)
            .await
    };
}

/// Streams every entry, oldest first, through the checker: one loop for every
/// driver, each row's text borrowed rather than copied.
macro_rules! check_rows {
    ($conn:expr, $checker:ident) => {{
        let sql = format!("SELECT {COLUMNS} FROM ledger ORDER BY seq");
        let mut rows = sqlx::query(&sql).fetch($conn);
        while let Some(row) = rows.try_next().await? {
            $checker.entry(entry_of(&row)?);
        }
    }};
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
///
/// This runs on the service's own pool; `audit verify` uses
/// [`verify_database`], the same checks on a connection of its own.
pub async fn verify_against(db: &Db, anchor: Option<&Anchor>) -> Result<VerifyReport, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    if db.backend == Backend::Postgres {
        tx.execute(SNAPSHOT).await?;
    }
    let recorded_head = recorded_head!(&mut *tx)?;
    let mut checker = Checker::new(anchor);
    check_rows!(&mut *tx, checker);
    tx.rollback().await?;
    Ok(checker.finish(recorded_head))
}

/// Opens the bridge database at `url` to audit it, read-only and without
/// migrating (checking a copy kept as evidence never changes it), and runs
/// [`verify_against`]'s checks over it. It reads through the engine's own
/// driver rather than `Any`, which copies every column of every row into
/// values of its own; on SQLite through rusqlite, in a tight loop on a
/// blocking thread, since sqlx also hands each row across threads as owned
/// values, which was most of the time on a million entries (see
/// docs/performance.md).
pub async fn verify_database(url: &str, anchor: Option<&Anchor>) -> anyhow::Result<VerifyReport> {
    let report = match Backend::of_url(url)? {
        Backend::Sqlite => {
            let path = content::db::sqlite_file(url)
                .ok_or_else(|| anyhow::anyhow!("{url} does not name a SQLite file"))?;
            let anchor = anchor.cloned();
            tokio::task::spawn_blocking(move || verify_sqlite_file(&path, anchor.as_ref()))
                .await??
        }
        Backend::Postgres => {
            let mut conn = PgConnection::connect(url).await?;
            let mut tx = conn.begin().await?;
            tx.execute(SNAPSHOT).await?;
            let recorded_head = head_or_refuse(recorded_head!(&mut *tx))?;
            let mut checker = Checker::new(anchor);
            check_rows!(&mut *tx, checker);
            tx.rollback().await?;
            conn.close().await?;
            checker.finish(recorded_head)
        }
    };
    Ok(report)
}

/// Verifies a SQLite file through rusqlite: one read transaction (its
/// snapshot), each row's text borrowed from SQLite's own buffers.
fn verify_sqlite_file(
    path: &std::path::Path,
    anchor: Option<&Anchor>,
) -> anyhow::Result<VerifyReport> {
    use rusqlite::{OpenFlags, OptionalExtension};
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "query_only", "ON")?;
    conn.execute_batch("BEGIN")?;
    // The first read fixes this transaction's snapshot (WAL).
    let head = conn
        .query_row(HEAD, [], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional();
    let recorded_head = match head {
        Ok(head) => head,
        Err(rusqlite::Error::SqliteFailure(..)) => anyhow::bail!(NO_LEDGER),
        Err(other) => return Err(other.into()),
    };
    let mut checker = Checker::new(anchor);
    {
        let mut statement = conn.prepare(&format!("SELECT {COLUMNS} FROM ledger ORDER BY seq"))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            checker.entry(EntryRef {
                seq: row.get(0)?,
                at: row.get(1)?,
                kind: row.get_ref(2)?.as_str()?,
                actor: row.get_ref(3)?.as_str_or_null()?,
                subject: row.get_ref(4)?.as_str_or_null()?,
                data: row.get_ref(5)?.as_str()?,
                prev_hash: row.get_ref(6)?.as_str()?,
                hash: row.get_ref(7)?.as_str()?,
            });
        }
    }
    conn.execute_batch("ROLLBACK")?;
    Ok(checker.finish(recorded_head))
}

/// The file a `sqlite:` URL names (`sqlite://PATH?options` or `sqlite:PATH`).
const NO_LEDGER: &str =
    "this database has no ledger: is it the staff bridge's database, migrated by version 0.1 or later?";

/// One snapshot for the head and every row, so that entries appended
/// meanwhile are neither half-seen nor mistaken for a mismatch.
const SNAPSHOT: &str = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

const HEAD: &str = "SELECT seq, hash FROM ledger_head WHERE id = 1";

/// The recorded head, or a clear refusal when the table is not there at all:
/// then this is not a bridge database (or not one from version 0.1 on).
fn head_or_refuse(
    head: sqlx::Result<Option<(i64, String)>>,
) -> anyhow::Result<Option<(i64, String)>> {
    match head {
        Ok(head) => Ok(head),
        Err(sqlx::Error::Database(_)) => anyhow::bail!(NO_LEDGER),
        Err(other) => Err(other.into()),
    }
}

/// An entry borrowed from a row of `SELECT {COLUMNS}`, on any driver.
fn entry_of<'r, R>(row: &'r R) -> sqlx::Result<EntryRef<'r>>
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    &'r str: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(EntryRef {
        seq: row.try_get(0)?,
        at: row.try_get(1)?,
        kind: row.try_get(2)?,
        actor: row.try_get(3)?,
        subject: row.try_get(4)?,
        data: row.try_get(5)?,
        prev_hash: row.try_get(6)?,
        hash: row.try_get(7)?,
    })
}
