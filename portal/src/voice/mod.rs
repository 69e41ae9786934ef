//! What family members write to the service: views before a meeting,
//! responses to a plan, correction requests, feedback about the service and
//! "I don't feel safe". Owns `contributions`.
//!
//! The answers are record content: sealed to the portal's key, never logged.
//! A contribution is a draft until the person presses Send on the
//! check-your-answers page; sending writes the outbox event that carries it
//! to the bridge in the same transaction, with the answers sealed inside it
//! (the outbox opens them only to hand them over the signed sync).

pub mod fields;
pub mod pages;
pub mod questions;
pub mod safe;
pub mod shared;

use std::collections::BTreeMap;

use content::db::Db;
use content::seal::Sealer;
use content::sync::{ContributionBody, ContributionStatusPush};
use uuid::Uuid;

use crate::outbox;

/// The outbox kind that carries a sent contribution.
pub const SENT_EVENT: &str = "contribution_sent";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Views,
    PlanResponse,
    Correction,
    Feedback,
    Unsafe,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Views,
        Kind::PlanResponse,
        Kind::Correction,
        Kind::Feedback,
        Kind::Unsafe,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Views => "views",
            Kind::PlanResponse => "plan_response",
            Kind::Correction => "correction",
            Kind::Feedback => "feedback",
            Kind::Unsafe => "unsafe",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// How the person's own list names it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Views => "Your views before a meeting",
            Kind::PlanResponse => "What you think of your plan",
            Kind::Correction => "Something you asked us to correct",
            Kind::Feedback => "Your feedback about the service",
            Kind::Unsafe => "You told the duty team you did not feel safe",
        }
    }

    /// Only one of these per person and item: it is changed, not repeated.
    fn one_per_item(self) -> bool {
        matches!(self, Kind::Views | Kind::PlanResponse)
    }
}

/// Who may read a contribution besides the workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The person's worker (and the team behind them) only.
    Worker,
    /// Everyone invited to the meeting, family included.
    Meeting,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Worker => "worker",
            Audience::Meeting => "meeting",
        }
    }

    pub fn parse(text: &str) -> Option<Audience> {
        match text {
            "worker" => Some(Audience::Worker),
            "meeting" => Some(Audience::Meeting),
            _ => None,
        }
    }
}

/// What became of a sent contribution, as the person sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Received,
    BeingLookedAt,
    Corrected,
    NotChanged,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::BeingLookedAt => "being_looked_at",
            Status::Corrected => "corrected",
            Status::NotChanged => "not_changed",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Received,
            Status::BeingLookedAt,
            Status::Corrected,
            Status::NotChanged,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Received => "Received",
            Status::BeingLookedAt => "Being looked at",
            Status::Corrected => "Corrected",
            Status::NotChanged => "Not changed",
        }
    }
}

/// What the person typed or chose, by field name.
pub type Answers = BTreeMap<String, String>;

/// The item a contribution is about: a publication and the version read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct About {
    pub publication_id: Uuid,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    pub id: Uuid,
    pub kind: Kind,
    pub about: Option<About>,
    pub audience: Audience,
    pub answers: Answers,
    /// Sent, and not changed since.
    pub sent: bool,
    /// How many times it has been sent.
    pub revision: i64,
    pub status: Status,
    pub status_reason: Option<String>,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
}

/// The row that holds a person's draft of `kind` about `about`.
fn draft_slot(kind: Kind, about: Option<About>) -> String {
    let item = about
        .map(|a| format!("{}:{}", a.publication_id, a.version))
        .unwrap_or_default();
    match kind {
        // A meeting's views follow the meeting, whichever version was read.
        Kind::Views => format!(
            "views:{}",
            about
                .map(|a| a.publication_id.to_string())
                .unwrap_or_default()
        ),
        Kind::PlanResponse => format!("plan:{item}"),
        _ => format!("draft:{}:{item}", kind.as_str()),
    }
}

type Row = (
    String,
    String,
    Option<String>,
    Option<i64>,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    i64,
    Option<i64>,
);

const COLUMNS: &str = "id, kind, publication_id, version, audience, answers, state, revision, status, status_reason, updated_at, sent_at";

fn from_row(sealer: &Sealer, row: Row) -> Option<Contribution> {
    let (
        id,
        kind,
        publication_id,
        version,
        audience,
        answers,
        state,
        revision,
        status,
        status_reason,
        updated_at,
        sent_at,
    ) = row;
    let opened = sealer.open(&answers).ok();
    let Some(answers) = opened.and_then(|a| serde_json::from_str(&a).ok()) else {
        tracing::error!("a contribution could not be unsealed with this portal's key");
        return None;
    };
    let about = match (publication_id, version) {
        (Some(p), Some(version)) => Some(About {
            publication_id: p.parse().ok()?,
            version,
        }),
        _ => None,
    };
    Some(Contribution {
        id: id.parse().ok()?,
        kind: Kind::parse(&kind)?,
        about,
        audience: Audience::parse(&audience)?,
        answers,
        sent: state == "sent",
        revision,
        status: Status::parse(&status)?,
        status_reason: status_reason.and_then(|r| sealer.open(&r).ok()),
        updated_at,
        sent_at,
    })
}

/// The person's draft (or, for one-per-item kinds, their sent answer) of
/// `kind` about `about`.
pub async fn current(
    db: &Db,
    sealer: &Sealer,
    person: Uuid,
    kind: Kind,
    about: Option<About>,
) -> sqlx::Result<Option<Contribution>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM contributions WHERE person_id = $1 AND slot = $2"
    ))
    .bind(person.to_string())
    .bind(draft_slot(kind, about))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(|r| from_row(sealer, r)))
}

/// One of the person's own contributions; anyone else's id is `None`.
pub async fn find_own(
    db: &Db,
    sealer: &Sealer,
    person: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Contribution>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM contributions WHERE id = $1 AND person_id = $2"
    ))
    .bind(id.to_string())
    .bind(person.to_string())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(|r| from_row(sealer, r)))
}

/// Everything the person has written, newest first.
pub async fn list_own(db: &Db, sealer: &Sealer, person: Uuid) -> sqlx::Result<Vec<Contribution>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM contributions WHERE person_id = $1 ORDER BY updated_at DESC, id"
    ))
    .bind(person.to_string())
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| from_row(sealer, r))
        .collect())
}

/// What a person is writing: its kind, what about, for whom, and the words.
#[derive(Clone, Copy, Debug)]
pub struct Writing<'a> {
    pub kind: Kind,
    pub about: Option<About>,
    pub audience: Audience,
    pub answers: &'a Answers,
}

/// Keeps what the person has typed so far. Returns the contribution's id.
/// Changing a sent one-per-item contribution makes it a draft again until
/// it is sent once more.
pub async fn save(
    db: &Db,
    sealer: &Sealer,
    person: Uuid,
    writing: &Writing<'_>,
    now: i64,
) -> sqlx::Result<Uuid> {
    let Writing {
        kind,
        about,
        audience,
        answers,
    } = *writing;
    let sealed = sealer.seal(&serde_json::to_string(answers).unwrap_or_default());
    let slot = draft_slot(kind, about);
    // One statement: a new row, or the slot's existing one updated; either
    // way RETURNING gives the row's id.
    let id: String = sqlx::query_scalar(
        "INSERT INTO contributions (id, person_id, kind, slot, publication_id, version, audience, answers, state, revision, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', 0, 'received', $9, $9)
         ON CONFLICT (person_id, slot) DO UPDATE SET answers = excluded.answers, audience = excluded.audience, state = 'draft', updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(person.to_string())
    .bind(kind.as_str())
    .bind(&slot)
    .bind(about.map(|a| a.publication_id.to_string()))
    .bind(about.map(|a| a.version))
    .bind(audience.as_str())
    .bind(&sealed)
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    id.parse()
        .map_err(|e: uuid::Error| sqlx::Error::Decode(Box::new(e)))
}

/// Sends a draft: marks it sent and writes the outbox event that carries it,
/// in one transaction. `false` when there was no draft of the person's to send
/// (already sent, or not theirs).
pub async fn send(
    db: &Db,
    sealer: &Sealer,
    person: Uuid,
    contribution: &Contribution,
    body: &ContributionBody,
    now: i64,
) -> sqlx::Result<bool> {
    let mut tx = db.pool.begin().await?;
    // A one-off kind leaves its draft slot, so the next one starts empty.
    let revision: Option<i64> = sqlx::query_scalar(
        "UPDATE contributions SET state = 'sent', revision = revision + 1, sent_at = $1, updated_at = $1,
             slot = CASE WHEN $2 THEN slot ELSE id END
         WHERE id = $3 AND person_id = $4 AND state = 'draft' RETURNING revision",
    )
    .bind(now)
    .bind(contribution.kind.one_per_item())
    .bind(contribution.id.to_string())
    .bind(person.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(revision) = revision else {
        return Ok(false);
    };
    let data = serde_json::json!({
        "contribution_id": contribution.id,
        "contribution_kind": contribution.kind.as_str(),
        "publication_id": contribution.about.map(|a| a.publication_id),
        "version": contribution.about.map(|a| a.version),
        "audience": contribution.audience.as_str(),
        "revision": revision,
        "urgent": contribution.kind == Kind::Unsafe,
        "sealed": sealer.seal(&serde_json::to_string(body).unwrap_or_default()),
    });
    outbox::record(&mut tx, db.backend, SENT_EVENT, Some(person), &data, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// What the bridge decided about a contribution. `false` for an id the
/// portal does not hold.
pub async fn set_status(
    db: &Db,
    sealer: &Sealer,
    id: Uuid,
    push: &ContributionStatusPush,
) -> sqlx::Result<bool> {
    let Some(status) = Status::parse(&push.status) else {
        return Ok(false);
    };
    let done = sqlx::query(
        "UPDATE contributions SET status = $1, status_reason = $2, status_at = $3
         WHERE id = $4 AND state = 'sent' AND (status_at IS NULL OR status_at <= $3)",
    )
    .bind(status.as_str())
    .bind(push.reason.as_deref().map(|r| sealer.seal(r)))
    .bind(push.at)
    .bind(id.to_string())
    .execute(&db.pool)
    .await?;
    if done.rows_affected() > 0 {
        return Ok(true);
    }
    // An older decision arriving late changes nothing but is not an error.
    let known: Option<String> = sqlx::query_scalar("SELECT id FROM contributions WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await?;
    Ok(known.is_some())
}

/// A contribution's row and its writer's first name.
type SharedRow = (
    String,
    String,
    Option<String>,
    Option<i64>,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    i64,
    Option<i64>,
    String,
);

/// Views for a meeting that their writers chose to share with everyone at
/// it, other than `reader`'s own, with the writer's first name. Callers
/// have already checked the reader may see the meeting.
pub async fn shared_for_meeting(
    db: &Db,
    sealer: &Sealer,
    meeting: Uuid,
    reader: Uuid,
) -> sqlx::Result<Vec<(String, Contribution)>> {
    let rows: Vec<SharedRow> = sqlx::query_as(&format!(
        "SELECT c.{}, p.first_name FROM contributions c JOIN people p ON p.id = c.person_id
             WHERE c.publication_id = $1 AND c.kind = 'views' AND c.audience = 'meeting'
               AND c.state = 'sent' AND c.person_id <> $2 AND p.removed_at IS NULL
             ORDER BY c.sent_at",
        COLUMNS.replace(", ", ", c.")
    ))
    .bind(meeting.to_string())
    .bind(reader.to_string())
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(a, b, c, d, e, f, g, h, i, j, k, l, name)| {
            Some((
                name,
                from_row(sealer, (a, b, c, d, e, f, g, h, i, j, k, l))?,
            ))
        })
        .collect())
}

/// Opens a `contribution_sent` event's sealed answers for the bridge: the
/// only place they leave the portal's key.
pub fn open_for_sync(sealer: &Sealer, data: &mut serde_json::Value) {
    let Some(map) = data.as_object_mut() else {
        return;
    };
    let Some(sealed) = map.remove("sealed") else {
        return;
    };
    let body = sealed
        .as_str()
        .and_then(|s| sealer.open(s).ok())
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok());
    match body {
        Some(body) => {
            map.insert("body".into(), body);
        }
        None => {
            tracing::error!("a sent contribution could not be unsealed with this portal's key");
            map.insert("body_unavailable".into(), true.into());
        }
    }
}
