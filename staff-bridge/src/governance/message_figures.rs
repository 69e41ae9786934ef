//! What the reports count of messages: each message received from a family
//! member in a period, and when a worker first wrote back.
//!
//! Reads `messages`, which messaging owns (`staff-bridge/src/messages/`):
//! kept here until that module offers it.

use content::db::Db;

/// One message from a family member, for the reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The case it belongs to (the message's own, else the person's).
    pub case_id: Option<i64>,
    pub received_at: i64,
    /// The first worker's message to the same person sent at or after it.
    pub answered_at: Option<i64>,
}

/// The message's case, the person's case, received, first reply.
type Row = (Option<i64>, Option<i64>, i64, Option<i64>);

/// Messages received from families in `[from, until)`, each with the time
/// of the first worker's reply (a `from_family = 0` message of the same
/// conversation, sent, not waiting for approval).
pub async fn received(db: &Db, from: i64, until: i64) -> sqlx::Result<Vec<Received>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT m.case_id, p.case_id, m.received_at,
                (SELECT MIN(r.sent_at) FROM messages r
                  WHERE r.person_portal_id = m.person_portal_id AND r.from_family = 0
                    AND r.state = 'sent' AND r.sent_at >= m.sent_at)
         FROM messages m LEFT JOIN case_people p ON p.portal_id = m.person_portal_id
         WHERE m.from_family = 1 AND m.received_at >= $1 AND m.received_at < $2",
    )
    .bind(from)
    .bind(until)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(own, person, received_at, answered_at)| Received {
            case_id: own.or(person),
            received_at,
            answered_at,
        })
        .collect())
}
