//! What family members sent through the portal: views before meetings,
//! responses to plans, correction requests, feedback and "I don't feel
//! safe". Owns `contributions`, `contribution_outcomes`,
//! `contribution_decisions` and `draft_replies`.
//!
//! A contribution arrives in a `contribution_sent` event from the portal's
//! outbox. Its answers are taken out of the event before the event is stored
//! or recorded: they are kept here, sealed, and the event and its ledger
//! entry carry only their SHA-256.

pub mod export;
pub mod pages;

use content::db::Db;
use content::seal::Sealer;
use content::sync::{ContributionBody, ContributionStatusPush, OutboxEvent};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use uuid::Uuid;

use crate::ledger::{self, NewEntry};
use crate::outgoing::{self, Push};

/// The portal's event kind, and what the ledger records it as.
pub const SENT_EVENT: &str = "contribution_sent";
pub const LEDGER_KIND: &str = "family_contribution";
pub const OUTCOME_RECORDED: &str = "contribution_outcome";
pub const CORRECTION_DECIDED: &str = "correction_decided";

/// The longest outcome or reason staff may write.
pub const MAX_WORDS: usize = 5000;

/// The SHA-256 of a contribution's answers, as the ledger records them.
pub fn text_hash(body: &ContributionBody) -> String {
    let mut hasher = Sha256::new();
    for a in &body.answers {
        for part in [&a.question, &a.answer] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
    }
    hex::encode(hasher.finalize())
}

/// Takes the answers out of a `contribution_sent` event, leaving their hash.
/// Any other event is left as it is.
pub fn take_body(event: &mut OutboxEvent) -> Option<ContributionBody> {
    if event.kind != SENT_EVENT {
        return None;
    }
    let map = event.data.as_object_mut()?;
    let body = map.remove("body");
    map.remove("sealed");
    let body: ContributionBody = body.and_then(|b| serde_json::from_value(b).ok())?;
    map.insert("text_sha256".into(), text_hash(&body).into());
    Some(body)
}

/// Stores an arrived contribution in the caller's transaction; a revision
/// seen before is ignored.
pub async fn store(
    conn: &mut AnyConnection,
    sealer: &Sealer,
    event: &OutboxEvent,
    body: &ContributionBody,
    now: i64,
) -> sqlx::Result<()> {
    let d = &event.data;
    let text = |k: &str| d.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let (Some(id), Some(person)) = (text("contribution_id"), event.person_id) else {
        tracing::warn!(event_id = %event.event_id, "a contribution without its id or person; not stored");
        return Ok(());
    };
    let case_id: Option<i64> =
        sqlx::query_scalar("SELECT case_id FROM case_people WHERE portal_id = $1")
            .bind(person.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO contributions (id, revision, person_portal_id, case_id, kind, publication_id, version, audience, urgent, body, text_sha256, sent_at, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (id, revision) DO NOTHING",
    )
    .bind(&id)
    .bind(d.get("revision").and_then(|v| v.as_i64()).unwrap_or(1))
    .bind(person.to_string())
    .bind(case_id)
    .bind(text("contribution_kind").unwrap_or_default())
    .bind(text("publication_id"))
    .bind(d.get("version").and_then(|v| v.as_i64()))
    .bind(text("audience").unwrap_or_else(|| "worker".into()))
    .bind(i64::from(d.get("urgent").and_then(|v| v.as_bool()).unwrap_or(false)))
    .bind(sealer.seal(&serde_json::to_string(body).unwrap_or_default()))
    .bind(text_hash(body))
    .bind(event.occurred_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A contribution as staff read it: its newest revision.
#[derive(Clone, Debug, PartialEq)]
pub struct Received {
    pub id: Uuid,
    pub revision: i64,
    pub person_portal_id: String,
    pub person_name: String,
    pub case_id: i64,
    /// The case's reference (empty if the person's case is no longer known).
    pub case_reference: String,
    /// The family member's id in the case system.
    pub person_source_id: Option<String>,
    pub kind: String,
    pub publication_id: Option<String>,
    pub version: Option<i64>,
    pub audience: String,
    pub urgent: bool,
    pub body: ContributionBody,
    pub text_sha256: String,
    pub sent_at: i64,
    pub received_at: i64,
    /// When someone first recorded what was done about it.
    pub handled_at: Option<i64>,
    /// A correction request's decision: status and reason.
    pub decision: Option<(String, Option<String>)>,
}

impl Received {
    pub fn kind_label(&self) -> &'static str {
        kind_label(&self.kind)
    }
}

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "views" => "Views before a meeting",
        "plan_response" => "Response to a plan",
        "correction" => "Correction request",
        "feedback" => "Feedback about the service",
        "unsafe" => "Does not feel safe",
        _ => "Contribution",
    }
}

const SELECT: &str = "SELECT c.id, c.revision, c.person_portal_id, p.name, c.case_id, c.kind, c.publication_id, c.version, c.audience,
        c.urgent, c.body, c.text_sha256, c.sent_at, c.received_at,
        (SELECT MIN(o.recorded_at) FROM contribution_outcomes o WHERE o.contribution_id = c.id),
        d.status, d.reason, k.reference, p.source_id
     FROM contributions c
     LEFT JOIN case_people p ON p.portal_id = c.person_portal_id
     LEFT JOIN cases k ON k.id = c.case_id
     LEFT JOIN contribution_decisions d ON d.contribution_id = c.id
     WHERE c.revision = (SELECT MAX(r.revision) FROM contributions r WHERE r.id = c.id)";

fn from_row(db: &Db, row: &AnyRow) -> Option<Received> {
    let text = |i: usize| row.try_get::<String, _>(i).ok();
    let opt_text = |i: usize| row.try_get::<Option<String>, _>(i).ok().flatten();
    let int = |i: usize| row.try_get::<i64, _>(i).ok();
    let opt_int = |i: usize| row.try_get::<Option<i64>, _>(i).ok().flatten();
    let body = db
        .unseal(&text(10)?)
        .ok()
        .and_then(|b| serde_json::from_str(&b).ok())?;
    Some(Received {
        id: text(0)?.parse().ok()?,
        revision: int(1)?,
        person_portal_id: text(2)?,
        person_name: opt_text(3).unwrap_or_else(|| "Someone no longer on the case".into()),
        case_id: opt_int(4).unwrap_or_default(),
        case_reference: opt_text(17).unwrap_or_default(),
        person_source_id: opt_text(18),
        kind: text(5)?,
        publication_id: opt_text(6),
        version: opt_int(7),
        audience: text(8)?,
        urgent: int(9)? != 0,
        body,
        text_sha256: text(11)?,
        sent_at: int(12)?,
        received_at: int(13)?,
        handled_at: opt_int(14),
        decision: opt_text(15).map(|s| (s, opt_text(16).and_then(|r| db.unseal(&r).ok()))),
    })
}

/// Every contribution of a case, newest first.
pub async fn of_case(db: &Db, case_id: i64) -> sqlx::Result<Vec<Received>> {
    let rows: Vec<AnyRow> = sqlx::query(&format!(
        "{SELECT} AND c.case_id = $1 ORDER BY c.received_at DESC, c.id"
    ))
    .bind(case_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().filter_map(|r| from_row(db, r)).collect())
}

/// One contribution of a case; another case's id is `None`.
pub async fn find_in_case(db: &Db, case_id: i64, id: &str) -> sqlx::Result<Option<Received>> {
    let row: Option<AnyRow> = sqlx::query(&format!("{SELECT} AND c.case_id = $1 AND c.id = $2"))
        .bind(case_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().and_then(|r| from_row(db, r)))
}

/// "I don't feel safe" messages nobody has yet recorded action on, oldest
/// first.
pub async fn urgent_open(db: &Db) -> sqlx::Result<Vec<Received>> {
    let rows: Vec<AnyRow> = sqlx::query(&format!(
        "{SELECT} AND c.urgent = 1
           AND NOT EXISTS (SELECT 1 FROM contribution_outcomes o WHERE o.contribution_id = c.id)
         ORDER BY c.received_at, c.id"
    ))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().filter_map(|r| from_row(db, r)).collect())
}

/// Everything not urgent that nobody has yet acted on (no outcome recorded
/// and no decision), oldest first.
pub async fn waiting(db: &Db) -> sqlx::Result<Vec<Received>> {
    let rows: Vec<AnyRow> = sqlx::query(&format!(
        "{SELECT} AND c.urgent = 0
           AND NOT EXISTS (SELECT 1 FROM contribution_outcomes o WHERE o.contribution_id = c.id)
           AND NOT EXISTS (SELECT 1 FROM contribution_decisions x WHERE x.contribution_id = c.id)
         ORDER BY c.received_at, c.id"
    ))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().filter_map(|r| from_row(db, r)).collect())
}

/// How many urgent messages wait, and when the oldest arrived: for the
/// banner on every page of a duty worker.
pub async fn urgent_summary(db: &Db) -> sqlx::Result<Option<(i64, i64)>> {
    let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(c.received_at) FROM contributions c
         WHERE c.urgent = 1 AND c.revision = 1
           AND NOT EXISTS (SELECT 1 FROM contribution_outcomes o WHERE o.contribution_id = c.id)",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(oldest.filter(|_| count > 0).map(|at| (count, at)))
}

/// What was recorded as done, oldest first: who, what, when.
pub async fn outcomes(db: &Db, id: &str) -> sqlx::Result<Vec<(String, String, i64)>> {
    let rows: Vec<(Option<String>, String, i64)> = sqlx::query_as(
        "SELECT s.name, o.outcome, o.recorded_at FROM contribution_outcomes o
         LEFT JOIN staff s ON s.id = o.staff_id
         WHERE o.contribution_id = $1 ORDER BY o.recorded_at, o.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|(name, outcome, at)| Ok((name.unwrap_or_default(), db.unseal(&outcome)?, at)))
        .collect()
}

/// Records what was done about a contribution, with its ledger entry.
pub async fn record_outcome(
    db: &Db,
    received: &Received,
    staff_id: &str,
    outcome: &str,
    now: i64,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO contribution_outcomes (contribution_id, staff_id, outcome, recorded_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(received.id.to_string())
    .bind(staff_id)
    .bind(db.seal(outcome))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let id = received.id.to_string();
    ledger::append(
        &mut tx,
        db.backend,
        &NewEntry {
            kind: OUTCOME_RECORDED,
            actor: Some(staff_id),
            subject: Some(&id),
            data: json!({
                "contribution_id": id,
                "contribution_kind": received.kind,
                "person": received.person_portal_id,
                "outcome_sha256": hex::encode(Sha256::digest(outcome.as_bytes())),
            }),
        },
        now,
    )
    .await?;
    tx.commit().await
}

/// A correction request's decision: stored, recorded in the ledger and sent
/// to the requester, in one transaction.
pub async fn decide(
    db: &Db,
    received: &Received,
    status: &str,
    reason: Option<&str>,
    staff_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    let id = received.id.to_string();
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO contribution_decisions (contribution_id, status, reason, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (contribution_id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
             decided_by = excluded.decided_by, decided_at = excluded.decided_at",
    )
    .bind(&id)
    .bind(status)
    .bind(reason.map(|r| db.seal(r)))
    .bind(staff_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    ledger::append(
        &mut tx,
        db.backend,
        &NewEntry {
            kind: CORRECTION_DECIDED,
            actor: Some(staff_id),
            subject: Some(&id),
            data: json!({
                "contribution_id": id,
                "person": received.person_portal_id,
                "publication_id": received.publication_id,
                "version": received.version,
                "status": status,
                "reason_sha256": reason.map(|r| hex::encode(Sha256::digest(r.as_bytes()))),
            }),
        },
        now,
    )
    .await?;
    outgoing::enqueue(
        &mut tx,
        db.sealer(),
        &Push::ContributionStatus(
            received.id,
            ContributionStatusPush {
                status: status.to_string(),
                reason: reason.map(str::to_string),
                at: now,
            },
        ),
        now,
    )
    .await?;
    tx.commit().await
}

/// The contribution a draft answers, if it is a "you said, we did" reply.
pub async fn reply_of(conn: &mut AnyConnection, draft_id: &str) -> sqlx::Result<Option<Uuid>> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT contribution_id FROM draft_replies WHERE draft_id = $1")
            .bind(draft_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(id.and_then(|i| i.parse().ok()))
}

/// The "you said, we did" drafts of a contribution: id and status.
pub async fn replies(db: &Db, contribution_id: &str) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT d.id, d.status FROM draft_replies r JOIN drafts d ON d.id = r.draft_id
         WHERE r.contribution_id = $1 ORDER BY d.created_at",
    )
    .bind(contribution_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn link_reply(db: &Db, draft_id: &str, contribution_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO draft_replies (draft_id, contribution_id) VALUES ($1, $2)")
        .bind(draft_id)
        .bind(contribution_id.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// One contribution received in a period, for the managers' reports: its
/// case, kind, when it arrived, when someone first recorded action or a
/// decision, and a correction request's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub case_id: Option<i64>,
    pub kind: String,
    pub received_at: i64,
    pub answered_at: Option<i64>,
    pub decision: Option<String>,
}

pub async fn report_rows(db: &Db, from: i64, until: i64) -> sqlx::Result<Vec<ReportRow>> {
    type Row = (
        Option<i64>,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.case_id, c.kind, c.received_at,
                (SELECT MIN(o.recorded_at) FROM contribution_outcomes o WHERE o.contribution_id = c.id),
                d.decided_at, d.status
         FROM contributions c LEFT JOIN contribution_decisions d ON d.contribution_id = c.id
         WHERE c.revision = 1 AND c.received_at >= $1 AND c.received_at < $2",
    )
    .bind(from)
    .bind(until)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(case_id, kind, received_at, outcome_at, decided_at, decision)| ReportRow {
                case_id,
                kind,
                received_at,
                answered_at: [outcome_at, decided_at].into_iter().flatten().min(),
                decision,
            },
        )
        .collect())
}

/// How many contributions each case has had since `since`, for "My cases".
pub async fn counts_since(db: &Db, since: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(
        "SELECT case_id, COUNT(*) FROM contributions WHERE received_at >= $1 AND revision = 1 AND case_id IS NOT NULL GROUP BY case_id",
    )
    .bind(since)
    .fetch_all(&db.pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use content::sync::Answer;

    fn event(data: serde_json::Value) -> OutboxEvent {
        OutboxEvent {
            seq: 1,
            event_id: Uuid::new_v4(),
            kind: SENT_EVENT.into(),
            person_id: Some(Uuid::new_v4()),
            data,
            occurred_at: 1,
        }
    }

    #[test]
    fn the_answers_leave_the_event_and_only_their_hash_stays() {
        let body = ContributionBody {
            answers: vec![Answer {
                question: "What worries me?".into(),
                answer: "A secret only the worker may read".into(),
            }],
        };
        let mut e = event(json!({ "contribution_id": "x", "body": body }));
        let taken = take_body(&mut e).unwrap();
        assert_eq!(taken, body);
        let stored = e.data.to_string();
        assert!(!stored.contains("secret"), "{stored}");
        assert_eq!(e.data["text_sha256"], text_hash(&body));
    }

    #[test]
    fn other_events_are_untouched() {
        let mut e = event(json!({ "publication_id": "p" }));
        e.kind = "publication_viewed".into();
        let before = e.clone();
        assert!(take_body(&mut e).is_none());
        assert_eq!(e, before);
    }
}
