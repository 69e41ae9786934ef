//! Reading: the ledger a page at a time, whole or scoped to one subject or one
//! actor, for the staff and IG pages.

use content::db::Db;

use super::{Entry, Row, COLUMNS};

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
