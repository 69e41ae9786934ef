//! Case grants: an admin lets a practitioner see a case they are not
//! allocated to. Owns `case_grants`.

use super::*;

/// Gives a member access to a case they are not allocated to.
pub async fn grant_case(
    db: &Db,
    member: StaffId<'_>,
    case_reference: &str,
    by: StaffId<'_>,
    now: i64,
) -> sqlx::Result<bool> {
    let (staff_id, actor) = (member.0, by.0);
    let mut tx = db.pool.begin().await?;
    let case_id: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
        .bind(case_reference)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(case_id) = case_id else {
        return Ok(false);
    };
    let done = sqlx::query(
        "INSERT INTO case_grants (staff_id, case_id, granted_by, granted_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (staff_id, case_id) DO NOTHING",
    )
    .bind(staff_id)
    .bind(case_id)
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 1 {
        ledger::append(
            &mut tx,
            db.backend,
            &NewEntry {
                kind: kinds::CASE_GRANT,
                actor: Some(actor),
                subject: Some(staff_id),
                data: json!({ "case": case_reference, "change": "granted" }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}
