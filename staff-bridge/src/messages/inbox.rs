//! Whose conversation it is, and what waits in it.
//!
//! A conversation belongs to the worker it was handed over to, or, until it
//! is handed over, to the case's allocated workers (a practitioner listed
//! among the case's professionals with their email, or granted the case).
//! Its family member's unread messages count in their header; opening it
//! marks them read (and tells the family member "read by your worker").
//! Anything unanswered for two working days goes to the duty view too.

use content::db::Db;
use content::sync::MessageReadPush;
use uuid::Uuid;

use crate::outgoing::{self, Push};
use crate::staff::{Role, StaffMember};

/// How long a family member's message may wait for an answer before the
/// duty view shows it.
pub const WORKING_DAYS: u32 = 2;

/// The conversations a member counts as theirs, as SQL over `v`
/// (conversations); binds $1 = staff id, $2 = lower-case email, $3 = 1 when
/// they are a practitioner.
const MINE: &str = "(v.assigned_to = $1 OR (v.assigned_to IS NULL AND $3 = 1 AND (
        EXISTS (SELECT 1 FROM case_professionals p WHERE p.case_id = v.case_id AND lower(p.email) = $2)
        OR EXISTS (SELECT 1 FROM case_grants g WHERE g.case_id = v.case_id AND g.staff_id = $1))))";

fn practitioner(staff: &StaffMember) -> i64 {
    i64::from(staff.has(Role::Practitioner))
}

/// How many family messages wait unread in the member's conversations.
pub async fn unread_count(db: &Db, staff: &StaffMember) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM messages m JOIN conversations v ON v.person_portal_id = m.person_portal_id
         WHERE m.from_family = 1 AND m.read_at IS NULL AND {MINE}"
    ))
    .bind(&staff.id)
    .bind(staff.email.to_lowercase())
    .bind(practitioner(staff))
    .fetch_one(&db.pool)
    .await
}

/// A conversation as a list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub person_portal_id: String,
    pub case_people_id: i64,
    pub person_name: String,
    pub case_reference: String,
    pub unread: i64,
    pub unanswered_since: Option<i64>,
    pub last_at: i64,
    pub done_at: Option<i64>,
    /// The name of the worker it was handed over to.
    pub assigned_to: Option<String>,
}

type SummaryRow = (
    String,
    i64,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

const SUMMARY: &str = "SELECT v.person_portal_id, p.id, p.name, c.reference,
        (SELECT COUNT(*) FROM messages u WHERE u.person_portal_id = v.person_portal_id AND u.from_family = 1 AND u.read_at IS NULL),
        v.unanswered_since,
        (SELECT MAX(l.sent_at) FROM messages l WHERE l.person_portal_id = v.person_portal_id),
        v.done_at, s.name
     FROM conversations v
     JOIN case_people p ON p.portal_id = v.person_portal_id
     JOIN cases c ON c.id = v.case_id
     LEFT JOIN staff s ON s.id = v.assigned_to";

/// Unanswered first (oldest first), then the rest, newest first.
const ORDER: &str = "ORDER BY CASE WHEN v.unanswered_since IS NULL THEN 1 ELSE 0 END, v.unanswered_since, v.updated_at DESC";

fn summary(row: SummaryRow) -> Summary {
    let (
        person_portal_id,
        case_people_id,
        person_name,
        case_reference,
        unread,
        unanswered_since,
        last_at,
        done_at,
        assigned_to,
    ) = row;
    Summary {
        person_portal_id,
        case_people_id,
        person_name,
        case_reference,
        unread,
        unanswered_since,
        last_at: last_at.unwrap_or_default(),
        done_at,
        assigned_to,
    }
}

/// The member's inbox: their conversations, the oldest unanswered first.
pub async fn inbox(db: &Db, staff: &StaffMember) -> sqlx::Result<Vec<Summary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!("{SUMMARY} WHERE {MINE} {ORDER}"))
        .bind(&staff.id)
        .bind(staff.email.to_lowercase())
        .bind(practitioner(staff))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(summary).collect())
}

/// The conversations of one case (callers have scoped the case).
pub async fn of_case(db: &Db, case_id: i64) -> sqlx::Result<Vec<Summary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!("{SUMMARY} WHERE v.case_id = $1 {ORDER}"))
        .bind(case_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(summary).collect())
}

/// Conversations unanswered since before the two working days to `now`:
/// the duty view's list, oldest first.
pub async fn overdue(db: &Db, now: i64) -> sqlx::Result<Vec<Summary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "{SUMMARY} WHERE v.unanswered_since IS NOT NULL AND v.done_at IS NULL AND v.unanswered_since <= $1 {ORDER}"
    ))
    // Two working days are at least two whole days, so anything newer is
    // left in the database; the weekends are counted exactly below.
    .bind(now - 2 * 24 * 3600)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(summary)
        .filter(|s| {
            s.unanswered_since
                .is_some_and(|since| content::when::after_working_days(since, WORKING_DAYS) <= now)
        })
        .collect())
}

/// Whether the conversation is the member's own (allocated or handed to
/// them): only then does opening it mark it read.
pub async fn is_mine(db: &Db, staff: &StaffMember, person_portal_id: &str) -> sqlx::Result<bool> {
    let found: Option<String> = sqlx::query_scalar(&format!(
        "SELECT v.person_portal_id FROM conversations v WHERE v.person_portal_id = $4 AND {MINE}"
    ))
    .bind(&staff.id)
    .bind(staff.email.to_lowercase())
    .bind(practitioner(staff))
    .bind(person_portal_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}

/// Marks the family member's unread messages read by `staff_id`, and queues
/// "read by your worker" for the portal, in one transaction. Returns how
/// many were marked.
pub async fn mark_read(
    db: &Db,
    staff_id: &str,
    person_portal_id: &str,
    now: i64,
) -> sqlx::Result<usize> {
    let mut tx = db.pool.begin().await?;
    let ids: Vec<String> = sqlx::query_scalar(
        "UPDATE messages SET read_at = $1, read_by = $2
         WHERE person_portal_id = $3 AND from_family = 1 AND read_at IS NULL RETURNING id",
    )
    .bind(now)
    .bind(staff_id)
    .bind(person_portal_id)
    .fetch_all(&mut *tx)
    .await?;
    for id in &ids {
        let Ok(id) = id.parse::<Uuid>() else { continue };
        let push = Push::MessageRead(id, MessageReadPush { read_at: now });
        outgoing::enqueue(&mut tx, db.sealer(), &push, now).await?;
    }
    tx.commit().await?;
    Ok(ids.len())
}

/// "Mark as done": nothing more is needed until the family member writes
/// again.
pub async fn mark_done(
    db: &Db,
    staff_id: &str,
    person_portal_id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE conversations SET done_at = $1, done_by = $2, unanswered_since = NULL, updated_at = $1
         WHERE person_portal_id = $3",
    )
    .bind(now)
    .bind(staff_id)
    .bind(person_portal_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The workers a conversation can be handed to: staff with an account who
/// are allocated to the case or granted it, as (id, name).
pub async fn workers_of_case(db: &Db, case_id: i64) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT s.id, s.name FROM staff s
         WHERE s.disabled_at IS NULL AND (
             EXISTS (SELECT 1 FROM case_professionals p WHERE p.case_id = $1 AND lower(p.email) = lower(s.email))
             OR EXISTS (SELECT 1 FROM case_grants g WHERE g.case_id = $1 AND g.staff_id = s.id))
         ORDER BY s.name",
    )
    .bind(case_id)
    .fetch_all(&db.pool)
    .await
}

/// Hands the conversation to another worker of its case. `false` when
/// `to` is not one of them (nothing changes).
pub async fn hand_over(
    db: &Db,
    case_id: i64,
    person_portal_id: &str,
    to: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let workers = workers_of_case(db, case_id).await?;
    if !workers.iter().any(|(id, _)| id == to) {
        return Ok(false);
    }
    let done = sqlx::query(
        "UPDATE conversations SET assigned_to = $1, updated_at = $2 WHERE person_portal_id = $3 AND case_id = $4",
    )
    .bind(to)
    .bind(now)
    .bind(person_portal_id)
    .bind(case_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() > 0)
}
