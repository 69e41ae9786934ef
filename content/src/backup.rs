//! Consistent online copies of a service's SQLite database, and putting one
//! back. `VACUUM INTO` copies the database as one read transaction sees it,
//! so a backup taken while families sign in and staff publish holds every
//! row of a committed transaction and none of an uncommitted one, with
//! nothing else stopped. The copy is a plain database file (no WAL beside
//! it).
//!
//! The key file is not in the copy: sealed content in it opens only with the
//! service's `key_file`, which the operator keeps apart (`familystory backup
//! --key-to` copies it where they say). PostgreSQL is backed up with its own
//! tools (`pg_dump`); see docs/operations.md.

use std::path::{Path, PathBuf};

use crate::db::{Backend, Db};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this database is PostgreSQL: back it up with pg_dump (see docs/operations.md), then check the copy with `familystory audit verify`"
    )]
    UsePgDump,
    #[error("{0} already exists: a backup or restore never overwrites a file")]
    Exists(PathBuf),
    #[error("the database URL {0:?} is not a SQLite file")]
    NotAFile(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Copies the live database to `to` (a new file), consistently, while the
/// service keeps running.
pub async fn snapshot(db: &Db, to: &Path) -> Result<(), BackupError> {
    if db.backend == Backend::Postgres {
        return Err(BackupError::UsePgDump);
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    // VACUUM INTO takes a file name, not a parameter; quote it as SQL does.
    let name = to.to_string_lossy().replace('\'', "''");
    sqlx::query(&format!("VACUUM INTO '{name}'"))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Puts a backup back as the database `to_url` names, which must not exist
/// yet (restore into a fresh folder, then point the service at it).
pub fn restore(from: &Path, to_url: &str) -> Result<PathBuf, BackupError> {
    let to =
        crate::db::sqlite_file(to_url).ok_or_else(|| BackupError::NotAFile(to_url.to_string()))?;
    if to.exists() {
        return Err(BackupError::Exists(to));
    }
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(from, &to)?;
    Ok(to)
}
