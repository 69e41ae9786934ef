//! Database connections shared by both services: one schema per service, SQLite
//! (WAL) by default, PostgreSQL when a `postgres://` URL is configured. Queries
//! stay beside the code that owns each table; this module only opens pools and
//! runs migrations.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

use crate::seal::Sealer;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A service's pool and which database it talks to (some SQL differs), with
/// the key that seals record text in it when the service keeps any.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Connections for reads that need no transaction (on SQLite, several
    /// read-only connections beside the one writer, which WAL allows; on
    /// PostgreSQL, the same pool).
    reader: AnyPool,
    sealer: Option<Arc<Sealer>>,
}

impl Db {
    pub fn new(pool: AnyPool, backend: Backend) -> Db {
        Db {
            reader: pool.clone(),
            pool,
            backend,
            sealer: None,
        }
    }

    /// The pool for a hot read outside any transaction: it sees everything
    /// committed before it starts, and never waits for the writer.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// This database with the key its record text is sealed to.
    pub fn with_sealer(mut self, sealer: Sealer) -> Db {
        self.sealer = Some(Arc::new(sealer));
        self
    }

    /// The sealing key. Code that stores record text only runs on a database
    /// opened with one, so its absence is a programming error, not bad input.
    #[allow(clippy::expect_used)] // a programming error, as above
    pub fn sealer(&self) -> &Sealer {
        self.sealer
            .as_deref()
            .expect("record text was touched on a database opened without its sealing key")
    }

    pub fn seal(&self, plain: &str) -> String {
        self.sealer().seal(plain)
    }

    /// Opens sealed text read from this database.
    pub fn unseal(&self, sealed: &str) -> sqlx::Result<String> {
        self.sealer()
            .open(sealed)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }
}

/// The migration sets of one service, one per backend.
pub struct Migrations {
    pub sqlite: &'static Migrator,
    pub postgres: &'static Migrator,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database_url must start with sqlite:// or postgres:// (got a URL starting {0:?})")]
    UnsupportedUrl(String),
    #[error("could not open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not apply migrations: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::UnsupportedUrl(url.chars().take(12).collect()))
        }
    }
}

/// The URL of a SQLite file, created on first open.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// The file a `sqlite://` (or `sqlite:`) URL names, without its options;
/// None for another engine or an in-memory database.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Opens the pool and brings the schema up to date.
pub async fn connect(url: &str, migrations: &Migrations) -> Result<Db, DbError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)?;
    let options = AnyConnectOptions::from_str(url).map_err(DbError::Connect)?;
    let pool = match backend {
        // One connection: SQLite has one writer anyway, and a single connection
        // means a transaction can never fail with SQLITE_BUSY on upgrade.
        Backend::Sqlite => AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?,
        Backend::Postgres => AnyPoolOptions::new()
            .max_connections(10)
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?,
    };
    let migrator = match backend {
        Backend::Sqlite => migrations.sqlite,
        Backend::Postgres => migrations.postgres,
    };
    migrator.run(&pool).await.map_err(DbError::Migrate)?;
    let mut db = Db::new(pool, backend);
    if backend == Backend::Sqlite {
        let options = AnyConnectOptions::from_str(url).map_err(DbError::Connect)?;
        db.reader = AnyPoolOptions::new()
            .max_connections(READERS)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA query_only = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
    }
    Ok(db)
}

/// Read-only SQLite connections beside the writer.
const READERS: u32 = 4;

/// Seconds since the Unix epoch: every timestamp in both schemas is stored so,
/// which keeps SQL identical on SQLite and PostgreSQL.
/// After content is erased: rewrites storage so that no copy of what was
/// overwritten stays behind. On SQLite, VACUUM rebuilds the file from live
/// rows only (free pages and freed cells held old ciphertext, which the key
/// file would open), then a checkpoint copies it in and truncates the WAL,
/// whose frames held old page images. On PostgreSQL, VACUUM FULL rewrites
/// the named tables without their dead rows (its WAL segments are recycled
/// on PostgreSQL's own schedule). Outside any transaction; it takes the
/// database (SQLite) or the tables (PostgreSQL) for as long as it runs.
pub async fn scrub(db: &Db, tables: &[&str]) -> sqlx::Result<()> {
    match db.backend {
        Backend::Sqlite => {
            sqlx::query("VACUUM").execute(&db.pool).await?;
            // The pragma answers a row, which the Any driver decodes fine.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&db.pool)
                .await?;
        }
        Backend::Postgres => {
            for table in tables {
                // Table names come from the caller's constants, never input.
                sqlx::query(&format!("VACUUM FULL {table}"))
                    .execute(&db.pool)
                    .await?;
            }
        }
    }
    Ok(())
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        let file = |url| sqlite_file(url).map(|p| p.display().to_string());
        assert_eq!(
            file("sqlite:///var/lib/familystory/portal.db?mode=rwc").as_deref(),
            Some("/var/lib/familystory/portal.db")
        );
        assert_eq!(file("sqlite://x.db").as_deref(), Some("x.db"));
        assert_eq!(file("sqlite:x.db?mode=ro").as_deref(), Some("x.db"));
        assert_eq!(file("postgres://localhost/x"), None);
        assert_eq!(file("sqlite::memory:"), None);
    }
}
