//! Publishing: drafts written for named family members, the redaction
//! review, approval by a second person, publication to exactly its audience
//! (at once or held until a chosen time), supersession by a new version, and
//! withdrawal. Owns `drafts`, `draft_audience`, `redactions`,
//! `draft_history` and `case_event_reads`.
//!
//! Every publication and withdrawal is written in one transaction with its
//! ledger entry and its push to the portal, so that the ledger records
//! exactly what was sent. The ledger entry holds ids, hashes and staff
//! reasons, never record text; nothing here logs record text.

pub mod demo;
pub mod pages;
pub mod rules;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use content::db::Db;
use content::seal::Sealer;
use content::sync::{PublicationPush, WithdrawalPush};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::import::StoredMeeting;
use crate::ledger::{self, kinds, NewEntry};
use crate::outgoing::{self, Push};
use rules::{Decision, FamilyMember, Item, Kind, Status};

pub use pages::routes;

/// The publishing settings the pages need.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Kinds that need a manager's approval (`approval_kinds`).
    pub approval_kinds: Vec<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            approval_kinds: Kind::ALL.iter().map(|k| k.as_str().to_string()).collect(),
        }
    }
}

/// One draft, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub id: String,
    pub case_id: i64,
    pub source_document_id: Option<i64>,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub reader_age: Option<u32>,
    pub author_id: String,
    pub status: Status,
    pub return_reason: Option<String>,
    pub publication_id: Uuid,
    pub version: Option<i64>,
    pub publish_at: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub published_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub withdrawal_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub audience: Vec<i64>,
    /// The meeting (`case_meetings.id`) a meeting invitation is for.
    pub meeting_id: Option<i64>,
}

const DRAFT_COLUMNS: &str = "id, case_id, source_document_id, kind, title, body, reader_age, author_id, status, \
     return_reason, publication_id, version, publish_at, approved_by, approved_at, published_at, withdrawn_at, \
     withdrawal_reason, created_at, updated_at, meeting_id";

/// A draft from its row, its title and body opened with the bridge's key.
fn draft_of(row: &AnyRow, sealer: &Sealer) -> sqlx::Result<Option<Draft>> {
    let Some(mut draft) = draft_fields(row) else {
        return Ok(None);
    };
    let open = |sealed: &str| {
        sealer
            .open(sealed)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))
    };
    draft.title = open(&draft.title)?;
    draft.body = open(&draft.body)?;
    Ok(Some(draft))
}

fn draft_fields(row: &AnyRow) -> Option<Draft> {
    let text = |i: usize| row.try_get::<String, _>(i).ok();
    let opt_text = |i: usize| row.try_get::<Option<String>, _>(i).ok().flatten();
    let int = |i: usize| row.try_get::<i64, _>(i).ok();
    let opt_int = |i: usize| row.try_get::<Option<i64>, _>(i).ok().flatten();
    Some(Draft {
        id: text(0)?,
        case_id: int(1)?,
        source_document_id: opt_int(2),
        kind: Kind::parse(&text(3)?)?,
        title: text(4)?,
        body: text(5)?,
        reader_age: opt_int(6).and_then(|a| u32::try_from(a).ok()),
        author_id: text(7)?,
        status: Status::parse(&text(8)?)?,
        return_reason: opt_text(9),
        publication_id: text(10)?.parse().ok()?,
        version: opt_int(11),
        publish_at: opt_int(12),
        approved_by: opt_text(13),
        approved_at: opt_int(14),
        published_at: opt_int(15),
        withdrawn_at: opt_int(16),
        withdrawal_reason: opt_text(17),
        created_at: int(18)?,
        updated_at: int(19)?,
        audience: Vec::new(),
        meeting_id: opt_int(20),
    })
}

async fn with_audience(conn: &mut AnyConnection, mut draft: Draft) -> sqlx::Result<Draft> {
    draft.audience = sqlx::query_scalar(
        "SELECT case_person_id FROM draft_audience WHERE draft_id = $1 ORDER BY case_person_id",
    )
    .bind(&draft.id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(draft)
}

async fn load_on(
    conn: &mut AnyConnection,
    sealer: &Sealer,
    id: &str,
) -> sqlx::Result<Option<Draft>> {
    let row: Option<AnyRow> =
        sqlx::query(&format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    match row
        .as_ref()
        .map(|r| draft_of(r, sealer))
        .transpose()?
        .flatten()
    {
        Some(d) => Ok(Some(with_audience(conn, d).await?)),
        None => Ok(None),
    }
}

/// A draft by id, whatever its case (the caller scopes it).
pub async fn load(db: &Db, id: &str) -> sqlx::Result<Option<Draft>> {
    let mut conn = db.pool.acquire().await?;
    load_on(&mut conn, db.sealer(), id).await
}

/// A draft of one case by id; None for any other id.
pub async fn load_in_case(db: &Db, case_id: i64, id: &str) -> sqlx::Result<Option<Draft>> {
    Ok(load(db, id).await?.filter(|d| d.case_id == case_id))
}

/// Every draft of a case, newest first.
pub async fn of_case(db: &Db, case_id: i64) -> sqlx::Result<Vec<Draft>> {
    let rows: Vec<AnyRow> = sqlx::query(&format!(
        "SELECT {DRAFT_COLUMNS} FROM drafts WHERE case_id = $1 ORDER BY updated_at DESC, id"
    ))
    .bind(case_id)
    .fetch_all(&db.pool)
    .await?;
    let mut conn = db.pool.acquire().await?;
    let mut out = Vec::new();
    for row in &rows {
        if let Some(d) = draft_of(row, db.sealer())? {
            out.push(with_audience(&mut conn, d).await?);
        }
    }
    Ok(out)
}

/// Drafts in one status across all cases, oldest first.
pub async fn with_status(db: &Db, status: Status) -> sqlx::Result<Vec<Draft>> {
    let rows: Vec<AnyRow> = sqlx::query(&format!(
        "SELECT {DRAFT_COLUMNS} FROM drafts WHERE status = $1 ORDER BY updated_at, id"
    ))
    .bind(status.as_str())
    .fetch_all(&db.pool)
    .await?;
    let mut conn = db.pool.acquire().await?;
    let mut out = Vec::new();
    for row in &rows {
        if let Some(d) = draft_of(row, db.sealer())? {
            out.push(with_audience(&mut conn, d).await?);
        }
    }
    Ok(out)
}

/// The family members of a case.
pub async fn family_of(conn: &mut AnyConnection, case_id: i64) -> sqlx::Result<Vec<FamilyMember>> {
    let rows: Vec<(i64, String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, name, aliases, role, removed_at FROM case_people WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, aliases, role, removed_at)| FamilyMember {
            id,
            name,
            aliases: serde_json::from_str(&aliases).unwrap_or_default(),
            role,
            removed: removed_at.is_some(),
        })
        .collect())
}

async fn professionals_of(conn: &mut AnyConnection, case_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT name FROM case_professionals WHERE case_id = $1 ORDER BY id")
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await
}

async fn decisions_of(
    conn: &mut AnyConnection,
    draft_id: &str,
) -> sqlx::Result<HashMap<String, Decision>> {
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT finding_key, decision, reason FROM redactions WHERE draft_id = $1")
            .bind(draft_id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(key, decision, reason)| {
            let d = if decision == "keep" {
                Decision::Keep(reason.unwrap_or_default())
            } else {
                Decision::Redact
            };
            (key, d)
        })
        .collect())
}

/// A draft's check: every finding with its decision, the reading age and
/// the jargon, and the text as it would be published now.
#[derive(Clone, Debug)]
pub struct Checked {
    pub text: String,
    pub items: Vec<Item>,
    pub reading_age: f64,
    pub jargon: Vec<content::jargon::JargonHit>,
    pub family: Vec<FamilyMember>,
    pub title: String,
    pub body: String,
}

impl Checked {
    pub fn open(&self) -> usize {
        rules::open(&self.items)
    }
}

async fn check_on(conn: &mut AnyConnection, draft: &Draft) -> sqlx::Result<Checked> {
    let family = family_of(conn, draft.case_id).await?;
    let professionals = professionals_of(conn, draft.case_id).await?;
    let audience: HashSet<i64> = draft.audience.iter().copied().collect();
    let text = rules::checked_text(&draft.title, &draft.body);
    let request = rules::check_request(&text, draft.reader_age, &family, &audience, &professionals);
    let response = content::check::check(&request);
    let decisions = decisions_of(conn, &draft.id).await?;
    let items = rules::review(&text, response.findings, &family, &audience, &decisions);
    let (title, body) = rules::published(&draft.title, &draft.body, &items);
    // Reading age and jargon are about the body the reader reads.
    let body_start = draft.title.len() + 2;
    let jargon = response
        .jargon
        .into_iter()
        .filter(|j| j.start >= body_start)
        .map(|mut j| {
            j.start -= body_start;
            j.end -= body_start;
            j
        })
        .collect();
    Ok(Checked {
        reading_age: content::reading::reading_age(&draft.body),
        text,
        items,
        jargon,
        family,
        title,
        body,
    })
}

/// Runs the check on a draft as it is now.
pub async fn check(db: &Db, draft: &Draft) -> sqlx::Result<Checked> {
    let mut conn = db.pool.acquire().await?;
    check_on(&mut conn, draft).await
}

async fn history(
    conn: &mut AnyConnection,
    draft_id: &str,
    action: &str,
    actor: Option<&str>,
    reason: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO draft_history (draft_id, action, actor, reason, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(draft_id)
        .bind(action)
        .bind(actor)
        .bind(reason)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What a draft says and who it is for.
#[derive(Clone, Debug, Default)]
pub struct Content {
    pub kind: Option<Kind>,
    pub title: String,
    pub body: String,
    pub reader_age: Option<u32>,
    pub audience: Vec<i64>,
    pub publish_at: Option<i64>,
    pub meeting_id: Option<i64>,
}

/// The longest title.
pub const MAX_TITLE: usize = 200;
/// The longest body, in bytes.
pub const MAX_BODY: usize = 200_000;

/// Why a draft's content was refused, by field.
pub fn validate(
    content: &Content,
    family: &[FamilyMember],
    meetings: &[StoredMeeting],
) -> Vec<(&'static str, &'static str)> {
    let mut errors = Vec::new();
    if content.kind.is_none() {
        errors.push(("kind", "Choose what kind of document this is"));
    }
    let title = content.title.trim();
    if title.is_empty() {
        errors.push(("title", "Enter a title the reader will see"));
    } else if title.chars().count() > MAX_TITLE || title.contains(['\n', '\r']) {
        errors.push((
            "title",
            "Enter a title of 200 characters or fewer, on one line",
        ));
    }
    if content.body.trim().is_empty() {
        errors.push(("body", "Write what the reader will see"));
    } else if content.body.len() > MAX_BODY {
        errors.push((
            "body",
            "The text is too long: split it into more than one document",
        ));
    }
    if content.audience.is_empty() {
        errors.push(("audience", "Choose at least one person to write this for"));
    } else if content
        .audience
        .iter()
        .any(|a| !family.iter().any(|p| p.id == *a))
    {
        errors.push(("audience", "Choose people of this case only"));
    } else if content
        .audience
        .iter()
        .any(|a| family.iter().any(|p| p.id == *a && p.removed))
    {
        errors.push((
            "audience",
            "Someone you chose is no longer part of this case: choose people who are",
        ));
    }
    match content.meeting_id {
        Some(id) if !meetings.iter().any(|m| m.id == id) => {
            errors.push(("meeting", "Choose a meeting of this case"));
        }
        None if content.kind == Some(Kind::MeetingInvitation) => {
            errors.push(("meeting", "Choose the meeting this invites them to"));
        }
        _ => {}
    }
    errors
}

fn normalised_body(body: &str) -> String {
    body.replace("\r\n", "\n")
}

async fn set_audience(
    conn: &mut AnyConnection,
    draft_id: &str,
    audience: &[i64],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM draft_audience WHERE draft_id = $1")
        .bind(draft_id)
        .execute(&mut *conn)
        .await?;
    let mut audience = audience.to_vec();
    audience.sort();
    audience.dedup();
    for person in audience {
        sqlx::query("INSERT INTO draft_audience (draft_id, case_person_id) VALUES ($1, $2)")
            .bind(draft_id)
            .bind(person)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Makes a draft; `publication` is an earlier publication this one will
/// supersede. The content must already be valid.
pub async fn create(
    db: &Db,
    case_id: i64,
    source_document_id: Option<i64>,
    author_id: &str,
    content: &Content,
    publication: Option<Uuid>,
    now: i64,
) -> sqlx::Result<String> {
    let id = Uuid::new_v4().to_string();
    let publication = publication.unwrap_or_else(Uuid::new_v4);
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO drafts (id, case_id, source_document_id, kind, title, body, reader_age, author_id, status,
             publication_id, publish_at, created_at, updated_at, meeting_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $11, $11, $12)",
    )
    .bind(&id)
    .bind(case_id)
    .bind(source_document_id)
    .bind(content.kind.unwrap_or(Kind::Letter).as_str())
    .bind(db.seal(content.title.trim()))
    .bind(db.seal(&normalised_body(&content.body)))
    .bind(content.reader_age.map(i64::from))
    .bind(author_id)
    .bind(publication.to_string())
    .bind(content.publish_at)
    .bind(now)
    .bind(content.meeting_id)
    .execute(&mut *tx)
    .await?;
    set_audience(&mut tx, &id, &content.audience).await?;
    history(&mut tx, &id, "created", Some(author_id), None, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves new content for an editable draft. False when it is no longer
/// editable (sent, approved, published).
pub async fn save(
    db: &Db,
    draft_id: &str,
    by: &str,
    content: &Content,
    now: i64,
) -> sqlx::Result<bool> {
    let mut tx = db.pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE drafts SET kind = $1, title = $2, body = $3, reader_age = $4, publish_at = $5, updated_at = $6,
             meeting_id = $8
         WHERE id = $7 AND status IN ('draft', 'returned')",
    )
    .bind(content.kind.unwrap_or(Kind::Letter).as_str())
    .bind(db.seal(content.title.trim()))
    .bind(db.seal(&normalised_body(&content.body)))
    .bind(content.reader_age.map(i64::from))
    .bind(content.publish_at)
    .bind(now)
    .bind(draft_id)
    .bind(content.meeting_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    set_audience(&mut tx, draft_id, &content.audience).await?;
    history(&mut tx, draft_id, "saved", Some(by), None, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Records decisions on findings of an editable draft (one, or every
/// mention of a person). False when the draft is no longer editable.
pub async fn decide(
    db: &Db,
    draft: &Draft,
    items: &[&Item],
    decision: &Decision,
    by: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let mut tx = db.pool.begin().await?;
    let editable: Option<String> = sqlx::query_scalar(
        "SELECT status FROM drafts WHERE id = $1 AND status IN ('draft', 'returned')",
    )
    .bind(&draft.id)
    .fetch_optional(&mut *tx)
    .await?;
    if editable.is_none() {
        return Ok(false);
    }
    for item in items {
        sqlx::query(
            "INSERT INTO redactions (draft_id, finding_key, kind, start_offset, end_offset, text_hash, decision, reason, decided_by, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (draft_id, finding_key) DO UPDATE SET decision = excluded.decision, reason = excluded.reason,
                 decided_by = excluded.decided_by, decided_at = excluded.decided_at,
                 start_offset = excluded.start_offset, end_offset = excluded.end_offset",
        )
        .bind(&draft.id)
        .bind(&item.key)
        .bind(item.finding.kind.as_str())
        .bind(item.finding.start as i64)
        .bind(item.finding.end as i64)
        .bind(rules::content_hash(&item.finding.text))
        .bind(decision.as_str())
        .bind(decision.reason())
        .bind(by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE drafts SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&draft.id)
        .execute(&mut *tx)
        .await?;
    history(&mut tx, &draft.id, "decided", Some(by), None, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Everyone who shaped a draft: its author, whoever created, saved, decided
/// a finding on, submitted or reopened it (its history), and whoever made a
/// decision it still carries. None of them may approve it.
pub async fn contributors(db: &Db, draft: &Draft) -> sqlx::Result<Vec<String>> {
    let mut people: Vec<String> = sqlx::query_scalar(
        "SELECT actor FROM draft_history
         WHERE draft_id = $1 AND actor IS NOT NULL
           AND action IN ('created', 'saved', 'decided', 'submitted', 'reopened')
         UNION SELECT decided_by FROM redactions WHERE draft_id = $1",
    )
    .bind(&draft.id)
    .fetch_all(&db.pool)
    .await?;
    people.push(draft.author_id.clone());
    people.sort();
    people.dedup();
    Ok(people)
}

/// Why a step of the flow did not happen.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Submit(#[from] rules::SubmitError),
    #[error(transparent)]
    Approve(#[from] rules::ApproveError),
    #[error("The draft changed meanwhile: look at it again")]
    Changed,
    #[error("This publication has been withdrawn, so it cannot have a new version")]
    Withdrawn,
    #[error("Give a reason")]
    NoReason,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// What happened when a draft was sent on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Waiting for a manager.
    ForApproval,
    /// No approval needed for this kind: published (version).
    Published(i64),
    /// No approval needed for this kind: held until its time.
    Held(i64),
}

/// Sends a draft for approval, or, for a kind that needs none, publishes it
/// (or holds it until its publication time).
pub async fn submit(
    db: &Db,
    draft: &Draft,
    by: &str,
    settings: &Settings,
    now: i64,
) -> Result<Sent, FlowError> {
    let checked = check(db, draft).await?;
    rules::can_submit(draft.status, &checked.items, draft.audience.len())?;
    let hash = rules::content_hash(&checked.body);
    let mut tx = db.pool.begin().await?;
    if rules::needs_approval(draft.kind, &settings.approval_kinds) {
        let changed = sqlx::query(
            "UPDATE drafts SET status = 'submitted', submitted_at = $1, return_reason = NULL, updated_at = $1
             WHERE id = $2 AND status IN ('draft', 'returned') AND updated_at = $3",
        )
        .bind(now)
        .bind(&draft.id)
        .bind(draft.updated_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(FlowError::Changed);
        }
        history(&mut tx, &draft.id, "submitted", Some(by), None, now).await?;
        tx.commit().await?;
        return Ok(Sent::ForApproval);
    }
    let changed = sqlx::query(
        "UPDATE drafts SET status = 'approved', submitted_at = $1, approved_at = $1, approved_hash = $2,
             return_reason = NULL, updated_at = $1
         WHERE id = $3 AND status IN ('draft', 'returned') AND updated_at = $4",
    )
    .bind(now)
    .bind(&hash)
    .bind(&draft.id)
    .bind(draft.updated_at)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(FlowError::Changed);
    }
    history(
        &mut tx,
        &draft.id,
        "approval_not_required",
        Some(by),
        None,
        now,
    )
    .await?;
    let sent = match draft.publish_at.filter(|at| *at > now) {
        Some(at) => Sent::Held(at),
        None => Sent::Published(
            publish_on(&mut tx, db, &draft.id, Some(by), now)
                .await?
                .version,
        ),
    };
    tx.commit().await?;
    Ok(sent)
}

/// Takes a submitted draft back to editing.
pub async fn reopen(db: &Db, draft: &Draft, by: &str, now: i64) -> Result<(), FlowError> {
    let mut tx = db.pool.begin().await?;
    let changed = sqlx::query("UPDATE drafts SET status = 'draft', updated_at = $1 WHERE id = $2 AND status = 'submitted'")
        .bind(now)
        .bind(&draft.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(FlowError::Changed);
    }
    history(&mut tx, &draft.id, "reopened", Some(by), None, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Returns a submitted draft to its author with a reason.
pub async fn return_draft(
    db: &Db,
    draft: &Draft,
    by: &crate::staff::StaffMember,
    reason: &str,
    now: i64,
) -> Result<(), FlowError> {
    rules::can_approve(by, &contributors(db, draft).await?, draft.status)?;
    let reason = rules::keep_reason(reason).ok_or(FlowError::NoReason)?;
    let mut tx = db.pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE drafts SET status = 'returned', return_reason = $1, updated_at = $2 WHERE id = $3 AND status = 'submitted'",
    )
    .bind(&reason)
    .bind(now)
    .bind(&draft.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(FlowError::Changed);
    }
    history(
        &mut tx,
        &draft.id,
        "returned",
        Some(&by.id),
        Some(&reason),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The version a reader will see this draft as: its own once published,
/// otherwise one after the newest published version of its publication.
pub async fn reader_version(db: &Db, draft: &Draft) -> sqlx::Result<i64> {
    match draft.version {
        Some(version) => Ok(version),
        None => next_version(&mut *db.pool.acquire().await?, draft.publication_id).await,
    }
}

/// One after the newest published version of a publication (1 for its first).
async fn next_version(conn: &mut AnyConnection, publication: Uuid) -> sqlx::Result<i64> {
    let previous: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(version) FROM drafts WHERE publication_id = $1 AND version IS NOT NULL",
    )
    .bind(publication.to_string())
    .fetch_one(conn)
    .await?;
    Ok(previous.unwrap_or(0) + 1)
}

/// Approves a submitted draft: publishes it at once, or holds it until
/// `publish_at` (a later time). `read` is `rules::read_hash` of the version
/// the manager read: if the draft has changed since, nothing is approved.
pub async fn approve(
    db: &Db,
    draft: &Draft,
    by: &crate::staff::StaffMember,
    read: &str,
    publish_at: Option<i64>,
    now: i64,
) -> Result<Sent, FlowError> {
    rules::can_approve(by, &contributors(db, draft).await?, draft.status)?;
    let checked = check(db, draft).await?;
    if checked.open() > 0 {
        return Err(rules::SubmitError::OpenFindings(checked.open()).into());
    }
    if rules::read_hash(&checked.title, &checked.body) != read {
        return Err(FlowError::Changed);
    }
    let hash = rules::content_hash(&checked.body);
    let publish_at = publish_at.filter(|at| *at > now);
    let mut tx = db.pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE drafts SET status = 'approved', approved_by = $1, approved_at = $2, approved_hash = $3,
             publish_at = $4, updated_at = $2
         WHERE id = $5 AND status = 'submitted' AND updated_at = $6",
    )
    .bind(&by.id)
    .bind(now)
    .bind(&hash)
    .bind(publish_at)
    .bind(&draft.id)
    .bind(draft.updated_at)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(FlowError::Changed);
    }
    history(&mut tx, &draft.id, "approved", Some(&by.id), None, now).await?;
    let sent = match publish_at {
        Some(at) => Sent::Held(at),
        None => Sent::Published(
            publish_on(&mut tx, db, &draft.id, Some(&by.id), now)
                .await?
                .version,
        ),
    };
    tx.commit().await?;
    Ok(sent)
}

/// What a publication step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub publication_id: Uuid,
    pub version: i64,
    pub content_hash: String,
    pub ledger_seq: i64,
}

/// Publishes an approved draft inside the caller's transaction: the ledger
/// entry, the push to the portal and the draft's new status together.
async fn publish_on(
    conn: &mut AnyConnection,
    db: &Db,
    draft_id: &str,
    actor: Option<&str>,
    now: i64,
) -> Result<Published, FlowError> {
    let draft = load_on(conn, db.sealer(), draft_id)
        .await?
        .ok_or(FlowError::Changed)?;
    if draft.status != Status::Approved {
        return Err(FlowError::Changed);
    }
    let checked = check_on(conn, &draft).await?;
    let hash = rules::content_hash(&checked.body);
    let approved_hash: Option<String> =
        sqlx::query_scalar("SELECT approved_hash FROM drafts WHERE id = $1")
            .bind(&draft.id)
            .fetch_one(&mut *conn)
            .await?;
    if checked.open() > 0 || approved_hash.as_deref() != Some(hash.as_str()) {
        return Err(FlowError::Changed);
    }
    let withdrawn: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM drafts WHERE publication_id = $1 AND status = 'withdrawn' AND version IS NOT NULL",
    )
    .bind(draft.publication_id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    if withdrawn > 0 {
        return Err(FlowError::Withdrawn);
    }
    let version = next_version(conn, draft.publication_id).await?;
    let people: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT p.id, p.portal_id, p.source_id FROM case_people p
         JOIN draft_audience a ON a.case_person_id = p.id
         WHERE a.draft_id = $1 AND p.case_id = $2 AND p.removed_at IS NULL ORDER BY p.portal_id",
    )
    .bind(&draft.id)
    .bind(draft.case_id)
    .fetch_all(&mut *conn)
    .await?;
    if people.is_empty() || people.len() != draft.audience.len() {
        return Err(FlowError::Changed);
    }
    let audience: Vec<Uuid> = people
        .iter()
        .filter_map(|(_, p, _)| p.parse().ok())
        .collect();
    let redactions: Vec<(String, String, String, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT finding_key, kind, decision, reason, decided_by, decided_at FROM redactions WHERE draft_id = $1 ORDER BY start_offset, finding_key",
    )
    .bind(&draft.id)
    .fetch_all(&mut *conn)
    .await?;
    let current: HashSet<&str> = checked.items.iter().map(|i| i.key.as_str()).collect();
    let decisions: Vec<serde_json::Value> = redactions
        .iter()
        .filter(|r| current.contains(r.0.as_str()))
        .map(|(key, kind, decision, reason, by, at)| {
            let text_hash = checked
                .items
                .iter()
                .find(|i| &i.key == key)
                .map(|i| rules::content_hash(&i.finding.text));
            json!({
                "finding": key,
                "kind": kind,
                "decision": decision,
                "reason": reason,
                "text_sha256": text_hash,
                "decided_by": by,
                "decided_at": at,
            })
        })
        .collect();
    let case_reference: String = sqlx::query_scalar("SELECT reference FROM cases WHERE id = $1")
        .bind(draft.case_id)
        .fetch_one(&mut *conn)
        .await?;
    let source_document: Option<String> = match draft.source_document_id {
        Some(id) => {
            sqlx::query_scalar("SELECT source_id FROM case_documents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        }
        None => None,
    };
    let meeting = match draft.meeting_id {
        Some(id) => crate::import::meetings_of(conn, draft.case_id)
            .await?
            .into_iter()
            .find(|m| m.id == id),
        None => None,
    };
    // A meeting the case system no longer lists cannot be invited to.
    if draft.meeting_id.is_some() && meeting.is_none() {
        return Err(FlowError::Changed);
    }
    let meeting_at = meeting.as_ref().and_then(StoredMeeting::starts);
    let publication = draft.publication_id.to_string();
    let seq = ledger::append(
        conn,
        db.backend,
        &NewEntry {
            kind: kinds::PUBLICATION,
            actor: actor.or(draft.approved_by.as_deref()),
            subject: Some(&publication),
            data: json!({
                "publication_id": publication,
                "version": version,
                "supersedes_version": (version > 1).then_some(version - 1),
                "kind": draft.kind.as_str(),
                "draft_id": draft.id,
                "case": case_reference,
                "source_document": source_document,
                "content_sha256": hash,
                "title_sha256": rules::content_hash(&checked.title),
                "audience": people.iter().map(|(_, portal, source)| json!({ "portal_id": portal, "source_id": source })).collect::<Vec<_>>(),
                "reader_age": draft.reader_age,
                "author": draft.author_id,
                "approver": draft.approved_by,
                "approval": if draft.approved_by.is_some() { "approved" } else { "not_required" },
                "held_until": draft.publish_at,
                "meeting": meeting.as_ref().map(|m| json!({ "source_id": m.source_id, "starts_at": meeting_at })),
                "redactions": decisions,
            }),
        },
        now,
    )
    .await?;
    outgoing::enqueue(
        conn,
        db.sealer(),
        &Push::Publication(
            draft.publication_id,
            PublicationPush {
                version,
                kind: draft.kind.as_str().to_string(),
                title: checked.title.clone(),
                body_markdown: checked.body.clone(),
                audience,
                published_at: now,
                meeting_at,
            },
        ),
        now,
    )
    .await?;
    let changed = sqlx::query(
        "UPDATE drafts SET status = 'published', version = $1, published_at = $2, published_hash = $3, updated_at = $2
         WHERE id = $4 AND status = 'approved'",
    )
    .bind(version)
    .bind(now)
    .bind(&hash)
    .bind(&draft.id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(FlowError::Changed);
    }
    history(conn, &draft.id, "published", actor, None, now).await?;
    Ok(Published {
        publication_id: draft.publication_id,
        version,
        content_hash: hash,
        ledger_seq: seq,
    })
}

/// Publishes every approved draft whose time has come. A draft that can no
/// longer be published as approved (its text or its case changed, or the
/// publication was withdrawn) goes back to its author with the reason.
pub async fn publish_due(db: &Db, now: i64) -> sqlx::Result<usize> {
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM drafts WHERE status = 'approved' AND (publish_at IS NULL OR publish_at <= $1) ORDER BY publish_at, id",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut published = 0;
    for id in due {
        let mut tx = db.pool.begin().await?;
        match publish_on(&mut tx, db, &id, None, now).await {
            Ok(_) => {
                tx.commit().await?;
                published += 1;
            }
            Err(FlowError::Database(e)) => return Err(e),
            Err(error) => {
                drop(tx);
                let reason = match error {
                    FlowError::Withdrawn => "The publication was withdrawn before this version's time came.",
                    _ => "The case changed after approval, so the check must be done again before this is published.",
                };
                let mut tx = db.pool.begin().await?;
                sqlx::query(
                    "UPDATE drafts SET status = 'returned', return_reason = $1, updated_at = $2 WHERE id = $3 AND status = 'approved'",
                )
                .bind(reason)
                .bind(now)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                history(&mut tx, &id, "returned", None, Some(reason), now).await?;
                tx.commit().await?;
            }
        }
    }
    Ok(published)
}

/// Checks for held publications that are due, every `interval`, waking the
/// sync worker when it publishes any. Runs until the database is closed.
pub async fn run_scheduler(db: Db, wake: Arc<Notify>, interval: Duration) {
    loop {
        if db.pool.is_closed() {
            return;
        }
        match publish_due(&db, content::db::now()).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(published = n, "held publications published");
                wake.notify_one();
            }
            Err(error) => tracing::warn!(%error, "held publications could not be checked"),
        }
        tokio::time::sleep(interval).await;
    }
}

/// Withdraws a publication (every version of it) with a reason, or cancels
/// an approved version still held. The ledger entry and the push go in the
/// same transaction.
pub async fn withdraw(
    db: &Db,
    draft: &Draft,
    by: &crate::staff::StaffMember,
    reason: &str,
    now: i64,
) -> Result<(), FlowError> {
    let reason = rules::keep_reason(reason).ok_or(FlowError::NoReason)?;
    if !rules::can_withdraw(by, &draft.author_id) {
        return Err(rules::ApproveError::NotManager.into());
    }
    let mut tx = db.pool.begin().await?;
    match draft.status {
        Status::Approved => {
            let changed = sqlx::query(
                "UPDATE drafts SET status = 'withdrawn', withdrawn_by = $1, withdrawn_at = $2, withdrawal_reason = $3, updated_at = $2
                 WHERE id = $4 AND status = 'approved'",
            )
            .bind(&by.id)
            .bind(now)
            .bind(&reason)
            .bind(&draft.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(FlowError::Changed);
            }
            history(
                &mut tx,
                &draft.id,
                "cancelled",
                Some(&by.id),
                Some(&reason),
                now,
            )
            .await?;
        }
        Status::Published => {
            let publication = draft.publication_id.to_string();
            let newest: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(version) FROM drafts WHERE publication_id = $1 AND status = 'published'",
            )
            .bind(&publication)
            .fetch_one(&mut *tx)
            .await?;
            let Some(newest) = newest else {
                return Err(FlowError::Changed);
            };
            sqlx::query(
                "UPDATE drafts SET status = 'withdrawn', withdrawn_by = $1, withdrawn_at = $2, withdrawal_reason = $3, updated_at = $2
                 WHERE publication_id = $4 AND status IN ('published', 'approved')",
            )
            .bind(&by.id)
            .bind(now)
            .bind(&reason)
            .bind(&publication)
            .execute(&mut *tx)
            .await?;
            ledger::append(
                &mut tx,
                db.backend,
                &NewEntry {
                    kind: kinds::WITHDRAWAL,
                    actor: Some(&by.id),
                    subject: Some(&publication),
                    data: json!({
                        "publication_id": publication,
                        "version": newest,
                        "reason": reason,
                        "by": by.id,
                        "draft_id": draft.id,
                    }),
                },
                now,
            )
            .await?;
            outgoing::enqueue(
                &mut tx,
                db.sealer(),
                &Push::Withdrawal(draft.publication_id, WithdrawalPush { withdrawn_at: now }),
                now,
            )
            .await?;
            history(
                &mut tx,
                &draft.id,
                "withdrawn",
                Some(&by.id),
                Some(&reason),
                now,
            )
            .await?;
        }
        _ => return Err(FlowError::Changed),
    }
    tx.commit().await?;
    Ok(())
}

/// Starts a new version of a published document: a draft with the same
/// publication id, text, kind and audience, and the decisions made so far.
pub async fn new_version(db: &Db, draft: &Draft, by: &str, now: i64) -> Result<String, FlowError> {
    if draft.status != Status::Published {
        return Err(FlowError::Changed);
    }
    let content = Content {
        kind: Some(draft.kind),
        title: draft.title.clone(),
        body: draft.body.clone(),
        reader_age: draft.reader_age,
        audience: draft.audience.clone(),
        publish_at: None,
        meeting_id: draft.meeting_id,
    };
    let id = create(
        db,
        draft.case_id,
        draft.source_document_id,
        by,
        &content,
        Some(draft.publication_id),
        now,
    )
    .await?;
    sqlx::query(
        "INSERT INTO redactions (draft_id, finding_key, kind, start_offset, end_offset, text_hash, decision, reason, decided_by, decided_at)
         SELECT $1, finding_key, kind, start_offset, end_offset, text_hash, decision, reason, decided_by, decided_at
         FROM redactions WHERE draft_id = $2",
    )
    .bind(&id)
    .bind(&draft.id)
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// Whether a newer version of this draft's publication has been published.
pub fn superseded(draft: &Draft, all: &[Draft]) -> bool {
    draft.version.is_some_and(|v| {
        all.iter()
            .any(|d| d.publication_id == draft.publication_id && d.version.is_some_and(|w| w > v))
    })
}
