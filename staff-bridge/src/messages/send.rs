//! A worker's message to a family member is a disclosure, like a
//! publication: the content check runs on it with that family member as the
//! only reader, and each finding is redacted or kept with a reason (the same
//! decisions, keys and markers as publishing) before it can go. Sending
//! stores it, records it in the ledger (author, reader, hash of the text as
//! sent, the decisions) and queues the push to the portal in one
//! transaction. Where approval of messages is required, it waits instead
//! for a manager, and the ledger records it when it is approved and sent.

use std::collections::{HashMap, HashSet};

use content::db::Db;
use content::forms::Fields;
use content::sync::MessagePush;
use serde_json::json;
use sqlx::AnyConnection;
use uuid::Uuid;

use super::{text_hash, STAFF_LEDGER_KIND};
use crate::ledger::{self, NewEntry};
use crate::outgoing::{self, Push};
use crate::publishing::rules::{self, Decision, FamilyMember, Item};

/// The longest message a worker may write, in characters.
pub const MAX_CHARS: usize = 5000;

/// The family member a conversation is with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader {
    /// `case_people.id`.
    pub id: i64,
    pub portal_id: String,
    pub source_id: String,
    pub name: String,
    pub date_of_birth: Option<String>,
    pub case_id: i64,
    /// Their portal access has ended or is paused: nothing can be sent.
    pub no_access: bool,
}

type ReaderRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// A family member of the case whom the portal knows (invited at least
/// once, or heard from), or `None`: a message to anyone else could not be
/// delivered.
pub async fn reader(db: &Db, case_id: i64, case_people_id: i64) -> sqlx::Result<Option<Reader>> {
    let row: Option<ReaderRow> = sqlx::query_as(
        "SELECT p.id, p.portal_id, p.source_id, p.name, p.date_of_birth, p.removed_at, p.frozen_at
             FROM case_people p WHERE p.case_id = $1 AND p.id = $2
               AND (EXISTS (SELECT 1 FROM invitations i WHERE i.case_person_id = p.id)
                    OR EXISTS (SELECT 1 FROM family_events e WHERE e.person_id = p.portal_id))",
    )
    .bind(case_id)
    .bind(case_people_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(
        |(id, portal_id, source_id, name, date_of_birth, removed, frozen)| Reader {
            id,
            portal_id,
            source_id,
            name,
            date_of_birth,
            case_id,
            no_access: removed.is_some() || frozen.is_some(),
        },
    ))
}

/// The family member with this portal id, as [`reader`] finds them.
pub async fn reader_by_portal_id(db: &Db, portal_id: &str) -> sqlx::Result<Option<Reader>> {
    let ids: Option<(i64, i64)> =
        sqlx::query_as("SELECT case_id, id FROM case_people WHERE portal_id = $1")
            .bind(portal_id)
            .fetch_optional(&db.pool)
            .await?;
    match ids {
        Some((case_id, id)) => reader(db, case_id, id).await,
        None => Ok(None),
    }
}

/// A worker's message checked: every finding with the decision the form
/// gave it, and the text as the family member would get it now.
#[derive(Clone, Debug)]
pub struct Checked {
    pub text: String,
    pub items: Vec<Item>,
    pub family: Vec<FamilyMember>,
    pub sent_text: String,
}

impl Checked {
    pub fn open(&self) -> usize {
        rules::open(&self.items)
    }
}

/// The decisions a form carries: `decision-{key}` (`redact` or `keep`) and
/// `reason-{key}`. A keep without a usable reason is no decision.
pub fn decisions_from(form: &Fields, keys: &[String]) -> HashMap<String, Decision> {
    keys.iter()
        .filter_map(|key| {
            let decision = match form.get(&format!("decision-{key}")) {
                "redact" => Decision::Redact,
                "keep" => Decision::Keep(rules::keep_reason(form.get(&format!("reason-{key}")))?),
                _ => return None,
            };
            Some((key.clone(), decision))
        })
        .collect()
}

/// Runs the check on `text` for `reader`, with `decisions` applied.
pub async fn check(
    db: &Db,
    reader: &Reader,
    text: &str,
    form: Option<&Fields>,
) -> sqlx::Result<Checked> {
    let mut conn = db.pool.acquire().await?;
    let family = crate::publishing::family_of(&mut conn, reader.case_id).await?;
    let professionals = crate::publishing::professionals_of(&mut conn, reader.case_id).await?;
    let audience: HashSet<i64> = [reader.id].into_iter().collect();
    let today = time::OffsetDateTime::now_utc().date();
    let age = reader
        .date_of_birth
        .as_deref()
        .and_then(|d| content::when::age_on(d, today))
        .and_then(|a| u32::try_from(a).ok());
    let request = rules::check_request(text, age, &family, &audience, &professionals);
    let findings = content::check::find(text, &request.people);
    let keys = rules::finding_keys(text, &findings);
    let decisions = form.map(|f| decisions_from(f, &keys)).unwrap_or_default();
    let items = rules::review(text, findings, &family, &audience, &decisions);
    Ok(Checked {
        sent_text: redacted(text, &items),
        text: text.to_string(),
        items,
        family,
    })
}

/// The text with every redacted finding replaced by its marker. Messages are
/// shown as plain text, so the plain marker.
pub fn redacted(text: &str, items: &[Item]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for item in items {
        if item.decision != Some(Decision::Redact) || item.finding.start < at {
            continue;
        }
        out.push_str(&text[at..item.finding.start]);
        out.push_str(&rules::marker_plain(item.finding.kind));
        at = item.finding.end;
    }
    out.push_str(&text[at..]);
    out
}

/// What a finished message needs to go.
pub struct Outgoing<'a> {
    pub reader: &'a Reader,
    pub author_id: &'a str,
    pub author_name: &'a str,
    pub checked: &'a Checked,
    /// Approval of workers' messages is required: it waits for a manager.
    pub needs_approval: bool,
    /// Checked PDFs to send with it.
    pub files: &'a [content::attachments::Attachment],
}

/// Why a message cannot be sent.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("Write a message before you send it")]
    Empty,
    #[error("A message can be up to 5,000 characters; this one has {0}")]
    TooLong(usize),
    #[error("Decide on every finding of the check before sending: {0} still open")]
    OpenFindings(usize),
    #[error(
        "This family member cannot use FamilyStory at the moment, so nothing can be sent to them"
    )]
    NoAccess,
}

/// The rules a message must meet before it goes.
pub fn can_send(reader: &Reader, checked: &Checked) -> Result<(), SendError> {
    if reader.no_access {
        return Err(SendError::NoAccess);
    }
    if checked.text.trim().is_empty() {
        return Err(SendError::Empty);
    }
    let chars = checked.text.chars().count();
    if chars > MAX_CHARS {
        return Err(SendError::TooLong(chars));
    }
    match checked.open() {
        0 => Ok(()),
        n => Err(SendError::OpenFindings(n)),
    }
}

fn decisions_json(checked: &Checked, by: &str, at: i64) -> Vec<serde_json::Value> {
    checked
        .items
        .iter()
        .map(|i| {
            json!({
                "finding": i.key,
                "kind": i.finding.kind.as_str(),
                "decision": i.decision.as_ref().map(Decision::as_str),
                "reason": i.decision.as_ref().and_then(Decision::reason),
                "text_sha256": rules::content_hash(&i.finding.text),
                "decided_by": by,
                "decided_at": at,
            })
        })
        .collect()
}

/// Sends (or, where approval is required, holds) a worker's message.
/// Returns its id.
pub async fn send(db: &Db, out: &Outgoing<'_>, now: i64) -> Result<Uuid, SendOrDb> {
    can_send(out.reader, out.checked)?;
    let id = Uuid::new_v4();
    let decisions = decisions_json(out.checked, out.author_id, now);
    let state = if out.needs_approval {
        "awaiting_approval"
    } else {
        "sent"
    };
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO messages (id, person_portal_id, position, case_id, from_family, staff_id, body, text_sha256, decisions, state, sent_at, received_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(p.position), 0) + 1 FROM messages p WHERE p.person_portal_id = $2), $3, 0, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(id.to_string())
    .bind(&out.reader.portal_id)
    .bind(out.reader.case_id)
    .bind(out.author_id)
    .bind(db.seal(&out.checked.sent_text))
    .bind(text_hash(&out.checked.sent_text))
    .bind(db.seal(&serde_json::Value::Array(decisions).to_string()))
    .bind(state)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for file in out.files {
        let meta = file.meta(Uuid::new_v4());
        crate::attachments::store(&mut tx, db.sealer(), id, &meta, &file.bytes).await?;
    }
    if !out.needs_approval {
        deliver(&mut tx, db, id, out.author_name, None, now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Records a worker's message in the ledger, answers its conversation and
/// queues the push, in the caller's transaction.
async fn deliver(
    conn: &mut AnyConnection,
    db: &Db,
    id: Uuid,
    author_name: &str,
    approver: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    let row: Option<(String, i64, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT m.person_portal_id, m.case_id, m.staff_id, m.body, m.text_sha256, m.decisions
         FROM messages m WHERE m.id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((person, case_id, author, body, hash, decisions)) = row else {
        return Ok(());
    };
    let text = db.unseal(&body)?;
    let decisions: serde_json::Value = match decisions {
        Some(d) => serde_json::from_str(&db.unseal(&d)?).unwrap_or_default(),
        None => json!([]),
    };
    let (reference, source_id): (String, String) = sqlx::query_as(
        "SELECT c.reference, p.source_id FROM cases c JOIN case_people p ON p.case_id = c.id
         WHERE c.id = $1 AND p.portal_id = $2",
    )
    .bind(case_id)
    .bind(&person)
    .fetch_one(&mut *conn)
    .await?;
    let message_id = id.to_string();
    let files = crate::attachments::for_message(conn, id).await?;
    let file_hashes: Vec<serde_json::Value> = files
        .iter()
        .map(|f| json!({ "sha256": f.sha256, "size": f.size, "media_type": f.media_type }))
        .collect();
    ledger::append(
        conn,
        db.backend,
        &NewEntry {
            kind: STAFF_LEDGER_KIND,
            actor: Some(&author),
            subject: Some(&person),
            data: json!({
                "message_id": message_id,
                "case": reference,
                "audience": [{ "portal_id": person, "source_id": source_id }],
                "author": author,
                "approver": approver,
                "approval": if approver.is_some() { "approved" } else { "not_required" },
                "text_sha256": hash,
                "redactions": decisions,
                "attachments": file_hashes,
            }),
        },
        now,
    )
    .await?;
    sqlx::query(
        "UPDATE conversations SET unanswered_since = NULL, updated_at = $1 WHERE person_portal_id = $2",
    )
    .bind(now)
    .bind(&person)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO conversations (person_portal_id, case_id, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (person_portal_id) DO NOTHING",
    )
    .bind(&person)
    .bind(case_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let person_id: Uuid = person
        .parse()
        .map_err(|e: uuid::Error| sqlx::Error::Decode(Box::new(e)))?;
    // The files go first: the portal takes the message only once it holds them.
    for meta in &files {
        crate::attachments::queue(conn, db.sealer(), person_id, id, meta, now).await?;
    }
    let push = Push::Message(
        id,
        MessagePush {
            person_id,
            author: author_name.to_string(),
            text,
            sent_at: now,
            attachments: files,
        },
    );
    outgoing::enqueue(conn, db.sealer(), &push, now).await?;
    Ok(())
}

/// A manager approves a worker's message that waits for approval: it is
/// recorded and sent now. `false` when there is no such message waiting (or
/// the manager wrote it).
pub async fn approve(db: &Db, id: Uuid, approver: &str, now: i64) -> sqlx::Result<bool> {
    let mut tx = db.pool.begin().await?;
    let author: Option<(String, String)> = sqlx::query_as(
        "UPDATE messages SET state = 'sent', approved_by = $1, sent_at = $2
         WHERE id = $3 AND state = 'awaiting_approval' AND staff_id <> $1
         RETURNING staff_id, (SELECT name FROM staff s WHERE s.id = messages.staff_id)",
    )
    .bind(approver)
    .bind(now)
    .bind(id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((_, author_name)) = author else {
        return Ok(false);
    };
    deliver(&mut tx, db, id, &author_name, Some(approver), now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Either a rule refused the message or the database failed.
#[derive(Debug, thiserror::Error)]
pub enum SendOrDb {
    #[error(transparent)]
    Refused(#[from] SendError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use content::check::{Finding, FindingKind};

    fn item(text: &str, name: &str, decision: Option<Decision>) -> Item {
        let start = text.find(name).unwrap();
        Item {
            finding: Finding {
                kind: FindingKind::Person,
                start,
                end: start + name.len(),
                text: name.into(),
            },
            key: name.into(),
            sentence: (0, text.len()),
            person: None,
            decision,
        }
    }

    #[test]
    fn only_redacted_findings_are_replaced_and_with_the_plain_marker() {
        let text = "Daniel and Liam will be there.";
        let items = [
            item(text, "Daniel", Some(Decision::Redact)),
            item(text, "Liam", Some(Decision::Keep("agreed".into()))),
        ];
        assert_eq!(
            redacted(text, &items),
            "[removed: this is about someone else] and Liam will be there."
        );
        assert_eq!(redacted(text, &[]), text);
    }
}
