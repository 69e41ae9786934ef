//! Verifying: reads the whole chain back in one snapshot and runs it
//! through [`Checker`]; opens a database for audit, read-only and unmigrated.

use content::db::{Backend, Db};
use futures_util::TryStreamExt;
use sqlx::any::AnyPoolOptions;
use sqlx::Executor;

use super::check::{Anchor, Checker, VerifyReport};
use super::{head, Row, COLUMNS};

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
