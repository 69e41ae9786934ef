//! Which family members and which cases each ledger entry concerns. Owns
//! `ledger_people`, `ledger_cases` and `ledger_links_position`.
//!
//! The ledger's data is canonical JSON, hashed byte for byte, so it cannot
//! carry columns for search. This index sits beside it instead: read from
//! the ledger in order, from where it last stopped, before every search, so
//! it never lags what the search shows. It holds only ids, is never part of
//! the chain, and can be rebuilt from the ledger alone (empty the tables and
//! set the position to 0).

use std::collections::{BTreeSet, HashMap};

use content::db::Db;
use serde_json::Value;

/// Entries read per step: one short write transaction each.
const BATCH: i64 = 2_000;

/// Rows per INSERT statement (2 parameters each).
const ROWS_PER_INSERT: usize = 400;

/// What an entry concerns: family members (portal ids) and cases (ids).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Concerns {
    pub people: BTreeSet<String>,
    pub cases: BTreeSet<i64>,
}

/// How ids in entries map to cases, read once per catch-up.
#[derive(Default)]
pub struct Lookup {
    /// portal id -> case id
    pub people: HashMap<String, i64>,
    /// publication id -> case id
    pub publications: HashMap<String, i64>,
    /// case reference -> case id
    pub cases: HashMap<String, i64>,
}

impl Lookup {
    pub async fn load(db: &Db) -> sqlx::Result<Lookup> {
        let people: Vec<(String, i64)> =
            sqlx::query_as("SELECT portal_id, case_id FROM case_people")
                .fetch_all(&db.pool)
                .await?;
        let publications: Vec<(String, i64)> =
            sqlx::query_as("SELECT DISTINCT publication_id, case_id FROM drafts")
                .fetch_all(&db.pool)
                .await?;
        let cases: Vec<(String, i64)> = sqlx::query_as("SELECT reference, id FROM cases")
            .fetch_all(&db.pool)
            .await?;
        Ok(Lookup {
            people: people.into_iter().collect(),
            publications: publications.into_iter().collect(),
            cases: cases.into_iter().collect(),
        })
    }
}

/// What one entry concerns: its actor or subject when that is a family
/// member, the audience of a publication, and the cases of all of those,
/// of the publication it is about and of the case it names.
pub fn concerns(
    actor: Option<&str>,
    subject: Option<&str>,
    data: &str,
    lookup: &Lookup,
) -> Concerns {
    let mut found = Concerns::default();
    for id in [actor, subject].into_iter().flatten() {
        if lookup.people.contains_key(id) {
            found.people.insert(id.to_string());
        }
        if let Some(case) = lookup.publications.get(id) {
            found.cases.insert(*case);
        }
    }
    let data: Value = serde_json::from_str(data).unwrap_or_default();
    if let Some(audience) = data.get("audience").and_then(Value::as_array) {
        for reader in audience {
            let id = reader
                .get("portal_id")
                .and_then(Value::as_str)
                .or_else(|| reader.as_str());
            if let Some(id) = id {
                found.people.insert(id.to_string());
            }
        }
    }
    // A contribution's outcome or decision names the person it concerns.
    if let Some(person) = data.get("person").and_then(Value::as_str) {
        if lookup.people.contains_key(person) {
            found.people.insert(person.to_string());
        }
    }
    if let Some(case) = data
        .get("case")
        .and_then(Value::as_str)
        .and_then(|r| lookup.cases.get(r))
    {
        found.cases.insert(*case);
    }
    let of_people: Vec<i64> = found
        .people
        .iter()
        .filter_map(|p| lookup.people.get(p).copied())
        .collect();
    found.cases.extend(of_people);
    found
}

/// Reads every entry the index has not seen yet and records what each
/// concerns. Returns how many entries it read.
pub async fn catch_up(db: &Db) -> sqlx::Result<u64> {
    let mut lookup: Option<Lookup> = None;
    let mut read = 0u64;
    loop {
        let position: i64 =
            sqlx::query_scalar("SELECT seq FROM ledger_links_position WHERE id = 1")
                .fetch_one(&db.pool)
                .await?;
        type Row = (i64, Option<String>, Option<String>, String);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, actor, subject, data FROM ledger WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(position)
        .bind(BATCH)
        .fetch_all(&db.pool)
        .await?;
        let Some(last) = rows.last().map(|r| r.0) else {
            return Ok(read);
        };
        let lookup = match lookup.take() {
            Some(loaded) => lookup.insert(loaded),
            None => lookup.insert(Lookup::load(db).await?),
        };
        let mut people = Vec::new();
        let mut cases = Vec::new();
        for (seq, actor, subject, data) in &rows {
            let found = concerns(actor.as_deref(), subject.as_deref(), data, &*lookup);
            people.extend(found.people.into_iter().map(|p| (p, *seq)));
            cases.extend(found.cases.into_iter().map(|c| (c, *seq)));
        }
        read += rows.len() as u64;
        // Reads are done: the transaction only writes (SQLite has one
        // pooled connection). A second catch-up racing this one writes the
        // same rows, which are ignored, and cannot move the position back.
        let mut tx = db.pool.begin().await?;
        for chunk in people.chunks(ROWS_PER_INSERT) {
            let sql = insert_sql("ledger_people (person, seq)", chunk.len(), "person, seq");
            let mut query = sqlx::query(&sql);
            for (person, seq) in chunk {
                query = query.bind(person.as_str()).bind(*seq);
            }
            query.execute(&mut *tx).await?;
        }
        for chunk in cases.chunks(ROWS_PER_INSERT) {
            let sql = insert_sql("ledger_cases (case_id, seq)", chunk.len(), "case_id, seq");
            let mut query = sqlx::query(&sql);
            for (case, seq) in chunk {
                query = query.bind(*case).bind(*seq);
            }
            query.execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE ledger_links_position SET seq = $1 WHERE id = 1 AND seq < $1")
            .bind(last)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
}

fn insert_sql(table: &str, rows: usize, key: &str) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| format!("(${}, ${})", 2 * r + 1, 2 * r + 2))
        .collect();
    format!(
        "INSERT INTO {table} VALUES {} ON CONFLICT ({key}) DO NOTHING",
        values.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publication_concerns_its_audience_and_its_case() {
        let mut lookup = Lookup::default();
        lookup.people.insert("ellie".into(), 7);
        lookup.people.insert("sarah".into(), 7);
        lookup.cases.insert("DEMO-0001".into(), 7);
        lookup.publications.insert("pub-1".into(), 7);
        let data = r#"{"audience":[{"portal_id":"ellie","source_id":"P-1"}],"case":"DEMO-0001"}"#;
        let found = concerns(Some("staff-1"), Some("pub-1"), data, &lookup);
        assert_eq!(found.people, BTreeSet::from(["ellie".to_string()]));
        assert_eq!(found.cases, BTreeSet::from([7]));
        // A family member's own event concerns them and their case.
        let found = concerns(Some("sarah"), Some("pub-1"), "{}", &lookup);
        assert_eq!(found.people, BTreeSet::from(["sarah".to_string()]));
        assert_eq!(found.cases, BTreeSet::from([7]));
        // A staff sign-in concerns nobody in a family.
        assert_eq!(
            concerns(Some("staff-1"), None, "{}", &lookup),
            Concerns::default()
        );
    }
}
