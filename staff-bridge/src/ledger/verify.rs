//! Verifying: reads the whole chain back in one snapshot and runs it
//! through [`Checker`], on the service's pool or, for `audit verify`, on a
//! read-only, unmigrated connection of its own.

use std::str::FromStr;

use content::db::{Backend, Db};
use futures_util::TryStreamExt;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
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
/// values of its own: a third of the time on a million entries (see
/// docs/performance.md).
pub async fn verify_database(url: &str, anchor: Option<&Anchor>) -> anyhow::Result<VerifyReport> {
    let report = match Backend::of_url(url)? {
        Backend::Sqlite => {
            let options = SqliteConnectOptions::from_str(&read_only_sqlite_url(url))?
                .read_only(true)
                .pragma("query_only", "ON");
            let mut conn = SqliteConnection::connect_with(&options).await?;
            let mut tx = conn.begin().await?;
            // The first read fixes this transaction's snapshot (WAL).
            let recorded_head = head_or_refuse(recorded_head!(&mut *tx))?;
            let mut checker = Checker::new(anchor);
            check_rows!(&mut *tx, checker);
            tx.rollback().await?;
            conn.close().await?;
            checker.finish(recorded_head)
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
        Err(sqlx::Error::Database(_)) => anyhow::bail!(
            "this database has no ledger: is it the staff bridge's database, migrated by version 0.1 or later?"
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
