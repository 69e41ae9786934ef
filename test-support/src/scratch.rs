//! Throwaway databases for storage tests: a SQLite file in a temporary folder,
//! or a fresh database on the PostgreSQL server that `DATABASE_URL` names.
//! Either is removed when its `ScratchDb` is dropped, also when the test
//! panics, so a failed run leaves no `fs_test_*` databases behind.

use content::db::{sqlite_url, Backend};
use sqlx::{AnyPool, Executor};

pub struct ScratchDb {
    pub url: String,
    postgres: Option<Postgres>,
    _dir: Option<tempfile::TempDir>,
}

struct Postgres {
    admin_url: String,
    name: String,
}

/// Whether the PostgreSQL half of a backend test runs. PostgreSQL is required
/// unless FAMILYSTORY_SKIP_POSTGRES=1 says otherwise, so a missing server
/// fails loudly rather than silently testing less.
pub fn postgres_wanted() -> bool {
    if std::env::var("FAMILYSTORY_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        return false;
    }
    assert!(
        std::env::var("DATABASE_URL").is_ok(),
        "storage tests need PostgreSQL: set DATABASE_URL (tests/all.sh does), \
         or FAMILYSTORY_SKIP_POSTGRES=1 to test SQLite alone"
    );
    true
}

/// The backends a test that is not split by `backend_tests!` must pass on.
pub fn backends() -> Vec<Backend> {
    if postgres_wanted() {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        vec![Backend::Sqlite]
    }
}

pub async fn create(backend: Backend) -> ScratchDb {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary folder");
            ScratchDb {
                url: sqlite_url(&dir.path().join("test.db")),
                postgres: None,
                _dir: Some(dir),
            }
        }
        Backend::Postgres => {
            sqlx::any::install_default_drivers();
            let admin_url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
            let name = format!("fs_test_{}", uuid::Uuid::new_v4().simple());
            let admin = AnyPool::connect(&admin_url)
                .await
                .expect("connect to DATABASE_URL");
            admin
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create scratch database");
            admin.close().await;
            ScratchDb {
                url: with_database(&admin_url, &name),
                postgres: Some(Postgres { admin_url, name }),
                _dir: None,
            }
        }
    }
}

impl Drop for ScratchDb {
    /// Drops a PostgreSQL scratch database (a SQLite one goes with its
    /// folder). Drop cannot await, and the test's own runtime may be the one
    /// unwinding, so the DROP runs on a thread with a runtime of its own;
    /// FORCE ends the connections the test's pools still hold.
    fn drop(&mut self) {
        let Some(pg) = self.postgres.take() else {
            return;
        };
        let dropped = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(admin) = AnyPool::connect(&pg.admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pg.name);
                    let _ = admin.execute(sql.as_str()).await;
                    admin.close().await;
                }
            });
        });
        let _ = dropped.join();
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    // postgres://user@host:port/db -> replace the path after the authority.
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test that panics holding a scratch database: the database is gone
    /// afterwards, on both engines.
    #[test]
    fn a_panicking_test_leaves_nothing_behind() {
        for backend in backends() {
            let (tx, rx) = std::sync::mpsc::channel();
            let test = std::thread::spawn(move || {
                let runtime = tokio::runtime::Runtime::new().unwrap();
                runtime.block_on(async {
                    let scratch = create(backend).await;
                    sqlx::any::install_default_drivers();
                    // A connection still open when the test fails, as a
                    // service's pool would be.
                    let db = AnyPool::connect(&scratch.url).await.unwrap();
                    tx.send((
                        scratch.url.clone(),
                        scratch.postgres.as_ref().map(|p| p.name.clone()),
                    ))
                    .unwrap();
                    drop(db);
                    panic!("the test fails here");
                })
            });
            assert!(test.join().is_err(), "the test panicked");
            let (url, name) = rx.recv().unwrap();
            match name {
                None => {
                    let file = content::db::sqlite_file(&url).unwrap();
                    assert!(!file.parent().unwrap().exists(), "{url} is left");
                }
                Some(name) => {
                    let runtime = tokio::runtime::Runtime::new().unwrap();
                    let left: i64 = runtime.block_on(async {
                        let admin = AnyPool::connect(&std::env::var("DATABASE_URL").unwrap())
                            .await
                            .unwrap();
                        sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
                            .bind(&name)
                            .fetch_one(&admin)
                            .await
                            .unwrap()
                    });
                    assert_eq!(left, 0, "{name} is left");
                }
            }
        }
    }

    #[test]
    fn scratch_url_replaces_the_database_name() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
    }
}
