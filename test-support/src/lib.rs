//! What the storage tests of every crate share, kept out of the services'
//! code: throwaway databases on either backend, and `backend_tests!`, which
//! makes one test function into two named tests (`name::sqlite`,
//! `name::postgres`) so a failure names its engine and both run in parallel.
//!
//! Only ever a `[dev-dependencies]` entry.

pub mod scratch;

pub use content::db::Backend;
pub use scratch::{postgres_wanted, ScratchDb};

/// Makes each named `async fn name(backend: Backend)` into a module `name`
/// with two tests, `sqlite` and `postgres`. The function stays an ordinary
/// function beside it (so rustfmt formats it); the module sits in the type
/// namespace, the function in the value namespace, so they share the name.
///
/// ```text
/// backend_tests!(imports_a_case);
/// async fn imports_a_case(backend: Backend) { ... }
/// ```
///
/// A test that needs a multi-threaded runtime names it:
/// `backend_tests!(multi_thread: name)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }

                #[tokio::test]
                async fn postgres() {
                    if $crate::postgres_wanted() {
                        super::$name($crate::Backend::Postgres).await
                    }
                }
            }
        )+
    };
    (multi_thread: $($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if $crate::postgres_wanted() {
                        super::$name($crate::Backend::Postgres).await
                    }
                }
            }
        )+
    };
}
