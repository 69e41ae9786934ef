//! Publishing: the ledger entry and the push in one transaction, held
//! publications released on time, withdrawal and new versions.

use super::*;

/// Publishes an approved draft inside the caller's transaction: the ledger
/// entry, the push to the portal and the draft's new status together.
pub(super) async fn publish_on(
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
    let in_reply_to = crate::voice::reply_of(conn, &draft.id).await?;
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
                "in_reply_to": in_reply_to,
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
                in_reply_to,
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
