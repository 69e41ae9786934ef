//! Writing a draft: its content and who it is for, the rules it must meet,
//! creating and saving it, decisions on findings, and who shaped it.

use super::*;

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

pub(super) fn normalised_body(body: &str) -> String {
    body.replace("\r\n", "\n")
}

pub(super) async fn set_audience(
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

/// What became of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    Saved,
    /// Sent for approval, approved or published meanwhile.
    NotEditable,
    /// Someone saved it after the editor was opened (the revision it showed):
    /// who (a staff id) and when.
    Meanwhile {
        by: Option<String>,
        at: i64,
    },
}

/// Saves new content for an editable draft, if nobody has saved it since
/// `seen_revision`, the revision the editor showed.
pub async fn save(
    db: &Db,
    draft_id: &str,
    seen_revision: i64,
    by: &str,
    content: &Content,
    now: i64,
) -> sqlx::Result<Saved> {
    let mut tx = db.pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE drafts SET kind = $1, title = $2, body = $3, reader_age = $4, publish_at = $5, updated_at = $6,
             meeting_id = $8, revision = revision + 1
         WHERE id = $7 AND status IN ('draft', 'returned') AND revision = $9",
    )
    .bind(content.kind.unwrap_or(Kind::Letter).as_str())
    .bind(db.seal(content.title.trim()))
    .bind(db.seal(&normalised_body(&content.body)))
    .bind(content.reader_age.map(i64::from))
    .bind(content.publish_at)
    .bind(now)
    .bind(draft_id)
    .bind(content.meeting_id)
    .bind(seen_revision)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        let outcome = why_not_saved(&mut tx, draft_id).await?;
        tx.rollback().await?;
        return Ok(outcome);
    }
    set_audience(&mut tx, draft_id, &content.audience).await?;
    history(&mut tx, draft_id, "saved", Some(by), None, now).await?;
    tx.commit().await?;
    Ok(Saved::Saved)
}

/// A save changed nothing: the draft is no longer editable, or someone
/// saved it meanwhile (the newest "saved" in its history says who).
async fn why_not_saved(conn: &mut AnyConnection, draft_id: &str) -> sqlx::Result<Saved> {
    let editable: Option<String> = sqlx::query_scalar(
        "SELECT status FROM drafts WHERE id = $1 AND status IN ('draft', 'returned')",
    )
    .bind(draft_id)
    .fetch_optional(&mut *conn)
    .await?;
    if editable.is_none() {
        return Ok(Saved::NotEditable);
    }
    let last: Option<(Option<String>, i64)> = sqlx::query_as(
        "SELECT actor, at FROM draft_history WHERE draft_id = $1 AND action = 'saved'
         ORDER BY id DESC LIMIT 1",
    )
    .bind(draft_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (by, at) = last.unwrap_or((None, 0));
    Ok(Saved::Meanwhile { by, at })
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
