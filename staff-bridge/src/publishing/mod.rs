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

mod drafts;
mod flow;
mod publish;

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

pub use drafts::*;
pub use flow::*;
pub use publish::*;

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
    /// How many times its content has been saved: the editor sends back the
    /// revision it showed, so a save over someone else's is refused.
    pub revision: i64,
}

const DRAFT_COLUMNS: &str = "id, case_id, source_document_id, kind, title, body, reader_age, author_id, status, \
     return_reason, publication_id, version, publish_at, approved_by, approved_at, published_at, withdrawn_at, \
     withdrawal_reason, created_at, updated_at, meeting_id, revision";

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
        revision: int(21)?,
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
    drafts_of(db, &rows).await
}

/// The drafts of fetched rows, opened, each with its audience.
async fn drafts_of(db: &Db, rows: &[AnyRow]) -> sqlx::Result<Vec<Draft>> {
    let mut conn = db.pool.acquire().await?;
    let mut out = Vec::new();
    for row in rows {
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
    drafts_of(db, &rows).await
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

pub async fn professionals_of(conn: &mut AnyConnection, case_id: i64) -> sqlx::Result<Vec<String>> {
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
