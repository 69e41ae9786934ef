//! Searching the ledger: by case, family member, staff member, kind and
//! date range, newest first, a page at a time. Pages are keyed by entry
//! number, so entries appended while someone pages never shift what they
//! see. Each filter uses an index (`ledger_by_kind`, `ledger_by_at`,
//! `ledger_by_actor`, and `ledger_people` / `ledger_cases` from `links`).

use content::db::Db;

use crate::ledger::Entry;

/// Entries per page of results.
pub const PAGE: i64 = 50;

/// The kinds an IG officer chooses from, grouped as they think of them.
pub const KINDS: &[(&str, &str)] = &[
    ("publication", "Publication"),
    ("withdrawal", "Withdrawal"),
    ("family_view", "Family member opened an item"),
    ("family_publication_delivered", "Item delivered to a phone"),
    (
        "family_contribution",
        "Family member sent views, a response, a request or feedback",
    ),
    (
        "contribution_outcome",
        "Staff recorded what was done about a contribution",
    ),
    ("correction_decided", "Correction request decided"),
    ("message", "Worker's message to a family member"),
    ("family_message", "Family member's message to their worker"),
    (
        "family_messages_read",
        "Family member read a worker's message",
    ),
    ("family_sign_in", "Family sign-in"),
    ("family_sign_in_failed", "Family sign-in failure"),
    ("family_sign_out", "Family sign-out"),
    ("staff_sign_in", "Staff sign-in"),
    ("staff_sign_in_failed", "Staff sign-in failure"),
    ("staff_sign_out", "Staff sign-out"),
    ("staff_locked_out", "Staff locked out"),
    ("role_change", "Role change"),
    ("account_change", "Staff account change"),
    ("case_grant", "Case granted"),
    ("invitation_issued", "Invitation issued"),
    ("invitation_revoked", "Invitation revoked"),
    ("family_invitation_used", "Invitation used"),
    ("family_passkeys_revoked", "Passkeys revoked (lost phone)"),
    ("family_access_ended", "Access ended"),
    ("family_access_frozen", "Access paused"),
    ("family_access_unfrozen", "Access restored"),
    ("subject_access_export", "Subject access export"),
    ("publication_erased", "Publication erased"),
    ("ledger_checked", "Ledger checked"),
    ("family_unknown_event", "Unknown portal event"),
];

/// The words for a kind, or the kind itself.
pub fn kind_label(kind: &str) -> &str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, label)| *label)
        .unwrap_or(kind)
}

/// What to search for. Every part is optional; together they narrow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub case_id: Option<i64>,
    /// A family member's portal id.
    pub person: Option<String>,
    /// A staff member's id: entries they made.
    pub staff: Option<String>,
    pub kind: Option<String>,
    /// From this time (inclusive), seconds since the epoch.
    pub from: Option<i64>,
    /// Before this time (exclusive).
    pub until: Option<i64>,
    /// Entries numbered below this: the next page.
    pub before: Option<i64>,
}

/// One page of results.
#[derive(Debug)]
pub struct Found {
    pub entries: Vec<Entry>,
    /// Where the next page starts (`before`), if there is one.
    pub next: Option<i64>,
}

enum Param {
    Int(i64),
    Text(String),
}

/// The SQL and its parameters for a filter, `limit` rows and one more (to
/// tell whether there is a next page).
fn sql_for(filter: &Filter, seq_range: Option<(i64, i64)>, limit: i64) -> (String, Vec<Param>) {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    let next = |p: Param, params: &mut Vec<Param>| {
        params.push(p);
        format!("${}", params.len())
    };
    if let Some(case) = filter.case_id {
        let n = next(Param::Int(case), &mut params);
        conditions.push(format!(
            "seq IN (SELECT seq FROM ledger_cases WHERE case_id = {n})"
        ));
    }
    if let Some(person) = &filter.person {
        let n = next(Param::Text(person.clone()), &mut params);
        conditions.push(format!(
            "seq IN (SELECT seq FROM ledger_people WHERE person = {n})"
        ));
    }
    if let Some(staff) = &filter.staff {
        let n = next(Param::Text(staff.clone()), &mut params);
        conditions.push(format!("actor = {n}"));
    }
    if let Some(kind) = &filter.kind {
        let n = next(Param::Text(kind.clone()), &mut params);
        conditions.push(format!("kind = {n}"));
    }
    if let Some(from) = filter.from {
        let n = next(Param::Int(from), &mut params);
        conditions.push(format!("at >= {n}"));
    }
    if let Some(until) = filter.until {
        let n = next(Param::Int(until), &mut params);
        conditions.push(format!("at < {n}"));
    }
    if let Some((first, last)) = seq_range {
        let a = next(Param::Int(first), &mut params);
        let b = next(Param::Int(last), &mut params);
        conditions.push(format!("seq >= {a} AND seq <= {b}"));
    }
    if let Some(before) = filter.before {
        let n = next(Param::Int(before), &mut params);
        conditions.push(format!("seq < {n}"));
    }
    let n = next(Param::Int(limit + 1), &mut params);
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    (
        format!(
            "SELECT seq, at, kind, actor, subject, data, prev_hash, hash FROM ledger {clause} ORDER BY seq DESC LIMIT {n}"
        ),
        params,
    )
}

/// One page of entries matching `filter`, newest first. Brings the index
/// of who and which case each entry concerns up to date first.
pub async fn search(db: &Db, filter: &Filter) -> sqlx::Result<Found> {
    super::links::catch_up(db).await?;
    search_indexed(db, filter, PAGE).await
}

/// As [`search`], without catching the index up: for a caller that just did.
pub async fn search_indexed(db: &Db, filter: &Filter, limit: i64) -> sqlx::Result<Found> {
    let seq_range = match (filter.from, filter.until) {
        (None, None) => None,
        (from, until) => match seq_range(db, from, until).await? {
            Some(range) => Some(range),
            None => {
                return Ok(Found {
                    entries: Vec::new(),
                    next: None,
                })
            }
        },
    };
    let (sql, params) = sql_for(filter, seq_range, limit);
    let mut query = sqlx::query_as(&sql);
    for param in params {
        query = match param {
            Param::Int(v) => query.bind(v),
            Param::Text(v) => query.bind(v),
        };
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
    let rows: Vec<Row> = query.fetch_all(&db.pool).await?;
    let mut entries: Vec<Entry> = rows.into_iter().map(Entry::from).collect();
    let next = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(Found { entries, next })
}

/// How far apart in time two entries may be recorded out of order: `at` is
/// read from the clock before an append takes the ledger's lock, so a later
/// entry can carry a slightly earlier time. A day is far more than that.
const CLOCK_SLACK: i64 = 86_400;

/// The entry numbers a date range can hold, found through `ledger_by_at`
/// with two index probes, so that a search by date walks only that stretch
/// of the ledger (the planners otherwise walk it newest first, and a range
/// long ago, or empty, costs a scan of everything after it). `None` when no
/// entry is in the range.
async fn seq_range(
    db: &Db,
    from: Option<i64>,
    until: Option<i64>,
) -> sqlx::Result<Option<(i64, i64)>> {
    let first: Option<i64> = match from {
        None => Some(1),
        Some(from) => {
            sqlx::query_scalar("SELECT seq FROM ledger WHERE at >= $1 ORDER BY at, seq LIMIT 1")
                .bind(from - CLOCK_SLACK)
                .fetch_optional(&db.pool)
                .await?
        }
    };
    let last: Option<i64> = match until {
        None => Some(i64::MAX),
        Some(until) => {
            sqlx::query_scalar(
                "SELECT seq FROM ledger WHERE at < $1 ORDER BY at DESC, seq DESC LIMIT 1",
            )
            .bind(until.saturating_add(CLOCK_SLACK))
            .fetch_optional(&db.pool)
            .await?
        }
    };
    Ok(match (first, last) {
        (Some(first), Some(last)) if first <= last => Some((first, last)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_is_a_parameter_never_text_in_the_sql() {
        let filter = Filter {
            case_id: Some(3),
            person: Some("x' OR 1=1 --".into()),
            staff: Some("s".into()),
            kind: Some("publication".into()),
            from: Some(1),
            until: Some(2),
            before: Some(99),
        };
        let (sql, params) = sql_for(&filter, Some((1, 9)), 50);
        assert!(!sql.contains("OR 1=1"));
        assert_eq!(params.len(), 10);
        assert!(sql.ends_with("ORDER BY seq DESC LIMIT $10"), "{sql}");
        let (sql, params) = sql_for(&Filter::default(), None, 50);
        assert_eq!(params.len(), 1);
        assert!(!sql.contains("WHERE"));
    }
}
