//! A draft's way to the family: sent for approval, reopened, returned,
//! approved (four eyes), or published straight away where no approval is needed.

use super::*;

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
pub(super) async fn next_version(conn: &mut AnyConnection, publication: Uuid) -> sqlx::Result<i64> {
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
