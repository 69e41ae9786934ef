//! Contributions of a case as JSON for the case system (Mosaic, LCS,
//! Eclipse), so a child's views can be stored in their record. The format
//! is documented in docs/contributions-export.md; `format` names its version.

use content::db::Db;
use serde::Serialize;

use super::Received;

pub const FORMAT: &str = "familystory.contributions.v1";

#[derive(Serialize, Debug, PartialEq)]
pub struct Export {
    pub format: &'static str,
    pub case: String,
    pub contributions: Vec<Item>,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct Item {
    pub id: String,
    pub revision: i64,
    pub kind: String,
    /// The family member's id in the case system (`people[].id` of the import).
    pub person_source_id: Option<String>,
    pub person_name: String,
    /// The published item it answers, if any.
    pub publication_id: Option<String>,
    pub publication_version: Option<i64>,
    /// `worker` or `meeting`.
    pub audience: String,
    pub urgent: bool,
    /// Seconds since the Unix epoch.
    pub sent_at: i64,
    pub received_at: i64,
    pub answers: Vec<content::sync::Answer>,
    /// SHA-256 of the answers, as the ledger recorded it.
    pub text_sha256: String,
    /// A correction request's decision: `being_looked_at`, `corrected` or
    /// `not_changed`.
    pub decision: Option<String>,
}

/// The export of one case, newest contribution first; `None` for a case
/// reference the bridge does not hold.
pub async fn case(db: &Db, reference: &str) -> sqlx::Result<Option<Export>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
        .bind(reference)
        .fetch_optional(&db.pool)
        .await?;
    let Some(id) = id else {
        return Ok(None);
    };
    let contributions = super::of_case(db, id)
        .await?
        .into_iter()
        .map(item)
        .collect();
    Ok(Some(Export {
        format: FORMAT,
        case: reference.to_string(),
        contributions,
    }))
}

fn item(r: Received) -> Item {
    Item {
        id: r.id.to_string(),
        revision: r.revision,
        person_source_id: r.person_source_id,
        kind: r.kind,
        person_name: r.person_name,
        publication_id: r.publication_id,
        publication_version: r.version,
        audience: r.audience,
        urgent: r.urgent,
        sent_at: r.sent_at,
        received_at: r.received_at,
        answers: r.body.answers,
        text_sha256: r.text_sha256,
        decision: r.decision.map(|(s, _)| s),
    }
}
