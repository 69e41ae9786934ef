//! Case import: the documented JSON format (`docs/import-format.md`), its
//! validation, and storing a case so that re-importing updates it. Owns the
//! `cases`, `case_people`, `case_professionals`, `case_documents` and
//! `case_meetings` tables.
//!
//! Validation walks the JSON itself rather than leaning on serde, so that one
//! pass reports every problem with its path, and nothing is written unless
//! there are none.

use std::collections::HashSet;

use content::db::Db;
use content::sync::FamilyRole;
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// One thing wrong with an import, where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseImport {
    pub case_reference: String,
    pub team: String,
    pub people: Vec<PersonImport>,
    pub professionals: Vec<ProfessionalImport>,
    pub documents: Vec<DocumentImport>,
    pub meetings: Vec<MeetingImport>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PersonImport {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub date_of_birth: Option<String>,
    pub role: FamilyRole,
    pub email: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProfessionalImport {
    pub id: String,
    pub name: String,
    pub role: String,
    pub email: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocumentImport {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub date: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MeetingImport {
    pub id: String,
    pub kind: String,
    pub starts_at: String,
    pub place: String,
}

/// Parses and validates an import. Either the whole case, or every problem.
pub fn parse(json: &str) -> Result<CaseImport, Vec<Problem>> {
    let value: Value = serde_json::from_str(json).map_err(|e| {
        vec![Problem {
            path: "$".into(),
            message: format!("not valid JSON (line {}, column {})", e.line(), e.column()),
        }]
    })?;
    let mut v = Validator {
        problems: Vec::new(),
    };
    let case = v.case(&value);
    match case {
        Some(case) if v.problems.is_empty() => Ok(case),
        _ => Err(v.problems),
    }
}

struct Validator {
    problems: Vec<Problem>,
}

/// A JSON object being read, with the path it sits at.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

const MAX_TEXT: usize = 500;
const MAX_BODY: usize = 1024 * 1024;

impl Validator {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn object<'a>(&mut self, value: &'a Value, path: String, allowed: &[&str]) -> Option<Obj<'a>> {
        let Some(map) = value.as_object() else {
            self.problem(path, "must be an object");
            return None;
        };
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                self.problem(
                    format!("{path}.{key}"),
                    format!(
                        "is not a field of this format (expected one of: {})",
                        allowed.join(", ")
                    ),
                );
            }
        }
        Some(Obj { map, path })
    }

    fn text(&mut self, obj: &Obj<'_>, field: &str, max: usize) -> Option<String> {
        let path = format!("{}.{field}", obj.path);
        match obj.map.get(field) {
            None | Some(Value::Null) => {
                self.problem(path, "is required");
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.problem(path, "must not be empty");
                None
            }
            Some(Value::String(s)) if s.len() > max => {
                self.problem(path, format!("is longer than {max} characters"));
                None
            }
            Some(Value::String(s)) => Some(s.trim().to_string()),
            Some(_) => {
                self.problem(path, "must be a string");
                None
            }
        }
    }

    /// Ok(None) when absent or null; Err(()) when present but wrong.
    fn optional_text(&mut self, obj: &Obj<'_>, field: &str) -> Result<Option<String>, ()> {
        match obj.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(_) => self.text(obj, field, MAX_TEXT).map(Some).ok_or(()),
        }
    }

    fn array<'a>(&mut self, obj: &Obj<'a>, field: &str, required: bool) -> Option<&'a Vec<Value>> {
        let path = format!("{}.{field}", obj.path);
        match obj.map.get(field) {
            None | Some(Value::Null) if !required => None,
            None | Some(Value::Null) => {
                self.problem(path, "is required");
                None
            }
            Some(Value::Array(items)) => Some(items),
            Some(_) => {
                self.problem(path, "must be a list");
                None
            }
        }
    }

    fn unique_id(&mut self, obj: &Obj<'_>, seen: &mut HashSet<String>) -> Option<String> {
        let id = self.text(obj, "id", 100)?;
        if !seen.insert(id.clone()) {
            self.problem(
                format!("{}.id", obj.path),
                format!("{id:?} is used twice in this list"),
            );
            return None;
        }
        Some(id)
    }

    fn date(&mut self, obj: &Obj<'_>, field: &str, required: bool) -> Result<Option<String>, ()> {
        let text = if required {
            self.text(obj, field, 10).ok_or(())?
        } else {
            match self.optional_text(obj, field)? {
                Some(t) => t,
                None => return Ok(None),
            }
        };
        match parse_date(&text) {
            Some(_) => Ok(Some(text)),
            None => {
                self.problem(
                    format!("{}.{field}", obj.path),
                    "must be a date written YYYY-MM-DD",
                );
                Err(())
            }
        }
    }

    fn email(&mut self, obj: &Obj<'_>) -> Result<Option<String>, ()> {
        let Some(email) = self.optional_text(obj, "email")? else {
            return Ok(None);
        };
        if looks_like_email(&email) {
            Ok(Some(email))
        } else {
            self.problem(format!("{}.email", obj.path), "is not an email address");
            Err(())
        }
    }

    fn case(&mut self, value: &Value) -> Option<CaseImport> {
        let root = self.object(
            value,
            "$".into(),
            &[
                "case_reference",
                "team",
                "people",
                "professionals",
                "documents",
                "meetings",
            ],
        )?;
        let case_reference = self.text(&root, "case_reference", 64);
        if let Some(reference) = &case_reference {
            if !reference
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_/".contains(c))
            {
                self.problem(
                    "$.case_reference",
                    "may contain only letters, digits, -, _ and /",
                );
            }
        }
        let team = self.text(&root, "team", 200);

        let mut people = Vec::new();
        let mut seen = HashSet::new();
        if let Some(items) = self.array(&root, "people", true) {
            if items.is_empty() {
                self.problem("$.people", "must name at least one person");
            }
            for (i, item) in items.iter().enumerate() {
                people.extend(self.person(item, format!("$.people[{i}]"), &mut seen));
            }
        }
        let mut professionals = Vec::new();
        let mut seen = HashSet::new();
        for (i, item) in self
            .array(&root, "professionals", false)
            .into_iter()
            .flatten()
            .enumerate()
        {
            professionals.extend(self.professional(
                item,
                format!("$.professionals[{i}]"),
                &mut seen,
            ));
        }
        let mut documents = Vec::new();
        let mut seen = HashSet::new();
        for (i, item) in self
            .array(&root, "documents", false)
            .into_iter()
            .flatten()
            .enumerate()
        {
            documents.extend(self.document(item, format!("$.documents[{i}]"), &mut seen));
        }
        let mut meetings = Vec::new();
        let mut seen = HashSet::new();
        for (i, item) in self
            .array(&root, "meetings", false)
            .into_iter()
            .flatten()
            .enumerate()
        {
            meetings.extend(self.meeting(item, format!("$.meetings[{i}]"), &mut seen));
        }
        Some(CaseImport {
            case_reference: case_reference?,
            team: team?,
            people,
            professionals,
            documents,
            meetings,
        })
    }

    fn person(
        &mut self,
        value: &Value,
        path: String,
        seen: &mut HashSet<String>,
    ) -> Option<PersonImport> {
        let obj = self.object(
            value,
            path,
            &["id", "name", "aliases", "date_of_birth", "role", "email"],
        )?;
        let id = self.unique_id(&obj, seen);
        let name = self.text(&obj, "name", 200);
        let mut aliases = Vec::new();
        let mut aliases_ok = true;
        for (i, alias) in self
            .array(&obj, "aliases", false)
            .into_iter()
            .flatten()
            .enumerate()
        {
            match alias.as_str().map(str::trim) {
                Some(a) if !a.is_empty() && a.len() <= 200 => aliases.push(a.to_string()),
                _ => {
                    aliases_ok = false;
                    self.problem(
                        format!("{}.aliases[{i}]", obj.path),
                        "must be a name (a non-empty string)",
                    );
                }
            }
        }
        let date_of_birth = self.date(&obj, "date_of_birth", false);
        if let Ok(Some(dob)) = &date_of_birth {
            if parse_date(dob).is_some_and(|d| d > time::OffsetDateTime::now_utc().date()) {
                self.problem(format!("{}.date_of_birth", obj.path), "is in the future");
            }
        }
        let role = match self.text(&obj, "role", 20) {
            Some(role) => {
                let parsed = FamilyRole::parse(&role);
                if parsed.is_none() {
                    let roles: Vec<&str> = FamilyRole::ALL.iter().map(|r| r.as_str()).collect();
                    self.problem(
                        format!("{}.role", obj.path),
                        format!("must be one of: {}", roles.join(", ")),
                    );
                }
                parsed
            }
            None => None,
        };
        let email = self.email(&obj);
        aliases_ok.then_some(())?;
        Some(PersonImport {
            id: id?,
            name: name?,
            aliases,
            date_of_birth: date_of_birth.ok()?,
            role: role?,
            email: email.ok()?,
        })
    }

    fn professional(
        &mut self,
        value: &Value,
        path: String,
        seen: &mut HashSet<String>,
    ) -> Option<ProfessionalImport> {
        let obj = self.object(value, path, &["id", "name", "role", "email"])?;
        let id = self.unique_id(&obj, seen);
        let name = self.text(&obj, "name", 200);
        let role = self.text(&obj, "role", 100);
        let email = self.email(&obj);
        Some(ProfessionalImport {
            id: id?,
            name: name?,
            role: role?,
            email: email.ok()?,
        })
    }

    fn document(
        &mut self,
        value: &Value,
        path: String,
        seen: &mut HashSet<String>,
    ) -> Option<DocumentImport> {
        let obj = self.object(value, path, &["id", "title", "kind", "date", "body"])?;
        let id = self.unique_id(&obj, seen);
        let title = self.text(&obj, "title", 200);
        let kind = self.text(&obj, "kind", 64);
        let date = self.date(&obj, "date", true);
        let body = self.text(&obj, "body", MAX_BODY);
        Some(DocumentImport {
            id: id?,
            title: title?,
            kind: kind?,
            date: date.ok()??,
            body: body?,
        })
    }

    fn meeting(
        &mut self,
        value: &Value,
        path: String,
        seen: &mut HashSet<String>,
    ) -> Option<MeetingImport> {
        let obj = self.object(value, path, &["id", "kind", "date", "place"])?;
        let id = self.unique_id(&obj, seen);
        let kind = self.text(&obj, "kind", 64);
        let starts_at = self.text(&obj, "date", 25);
        if let Some(s) = &starts_at {
            if parse_date_time(s).is_none() {
                self.problem(
                    format!("{}.date", obj.path),
                    "must be a date and time written YYYY-MM-DDTHH:MM",
                );
            }
        }
        let place = self.text(&obj, "place", 200);
        let starts_at = starts_at.filter(|s| parse_date_time(s).is_some());
        Some(MeetingImport {
            id: id?,
            kind: kind?,
            starts_at: starts_at?,
            place: place?,
        })
    }
}

pub fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

pub fn parse_date_time(text: &str) -> Option<time::PrimitiveDateTime> {
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, minutes)
        .or_else(|_| time::PrimitiveDateTime::parse(text, seconds))
        .ok()
}

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// What storing an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub case_reference: String,
    /// False when the case was already here and has been updated.
    pub created: bool,
    pub people: usize,
    pub professionals: usize,
    pub documents: usize,
    pub meetings: usize,
}

/// Stores a validated case in one transaction: a re-import updates rows by
/// their case-system id and removes what the case system no longer lists.
pub async fn store(db: &Db, case: &CaseImport, now: i64) -> sqlx::Result<Outcome> {
    let mut tx = db.pool.begin().await?;
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
        .bind(&case.case_reference)
        .fetch_optional(&mut *tx)
        .await?;
    let case_id = match existing {
        Some(id) => {
            sqlx::query("UPDATE cases SET team = $1, updated_at = $2 WHERE id = $3")
                .bind(&case.team)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO cases (reference, team, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
            )
            .bind(&case.case_reference)
            .bind(&case.team)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        }
    };

    for p in &case.people {
        sqlx::query(
            "INSERT INTO case_people (case_id, source_id, portal_id, name, aliases, date_of_birth, role, email)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (case_id, source_id) DO UPDATE SET name = excluded.name, aliases = excluded.aliases,
                 date_of_birth = excluded.date_of_birth, role = excluded.role, email = excluded.email",
        )
        .bind(case_id)
        .bind(&p.id)
        .bind(Uuid::new_v4().to_string())
        .bind(&p.name)
        .bind(serde_json::to_string(&p.aliases).expect("strings serialise"))
        .bind(&p.date_of_birth)
        .bind(p.role.as_str())
        .bind(&p.email)
        .execute(&mut *tx)
        .await?;
    }
    for p in &case.professionals {
        sqlx::query(
            "INSERT INTO case_professionals (case_id, source_id, name, role, email) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (case_id, source_id) DO UPDATE SET name = excluded.name, role = excluded.role,
                 email = excluded.email",
        )
        .bind(case_id)
        .bind(&p.id)
        .bind(&p.name)
        .bind(&p.role)
        .bind(&p.email)
        .execute(&mut *tx)
        .await?;
    }
    for d in &case.documents {
        sqlx::query(
            "INSERT INTO case_documents (case_id, source_id, title, kind, document_date, body)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (case_id, source_id) DO UPDATE SET title = excluded.title, kind = excluded.kind,
                 document_date = excluded.document_date, body = excluded.body",
        )
        .bind(case_id)
        .bind(&d.id)
        .bind(db.seal(&d.title))
        .bind(&d.kind)
        .bind(&d.date)
        .bind(db.seal(&d.body))
        .execute(&mut *tx)
        .await?;
    }
    for m in &case.meetings {
        sqlx::query(
            "INSERT INTO case_meetings (case_id, source_id, kind, starts_at, place) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (case_id, source_id) DO UPDATE SET kind = excluded.kind, starts_at = excluded.starts_at,
                 place = excluded.place",
        )
        .bind(case_id)
        .bind(&m.id)
        .bind(&m.kind)
        .bind(&m.starts_at)
        .bind(&m.place)
        .execute(&mut *tx)
        .await?;
    }

    // What the case system no longer lists goes.
    let keep = |ids: Vec<&String>| ids.into_iter().cloned().collect::<Vec<String>>();
    for (table, ids) in [
        (
            "case_people",
            keep(case.people.iter().map(|p| &p.id).collect()),
        ),
        (
            "case_professionals",
            keep(case.professionals.iter().map(|p| &p.id).collect()),
        ),
        (
            "case_documents",
            keep(case.documents.iter().map(|d| &d.id).collect()),
        ),
        (
            "case_meetings",
            keep(case.meetings.iter().map(|m| &m.id).collect()),
        ),
    ] {
        let current: Vec<String> =
            sqlx::query_scalar(&format!("SELECT source_id FROM {table} WHERE case_id = $1"))
                .bind(case_id)
                .fetch_all(&mut *tx)
                .await?;
        for gone in current.iter().filter(|id| !ids.contains(id)) {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE case_id = $1 AND source_id = $2"
            ))
            .bind(case_id)
            .bind(gone)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Outcome {
        case_reference: case.case_reference.clone(),
        created: existing.is_none(),
        people: case.people.len(),
        professionals: case.professionals.len(),
        documents: case.documents.len(),
        meetings: case.meetings.len(),
    })
}

/// Validates then stores: nothing is written unless the whole case is valid.
pub async fn import(db: &Db, json: &str, now: i64) -> Result<Outcome, ImportError> {
    let case = parse(json).map_err(ImportError::Invalid)?;
    Ok(store(db, &case, now).await?)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the case is not valid")]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ImportError> for crate::error::BridgeError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Invalid(problems) => crate::error::BridgeError::Invalid(problems),
            ImportError::Database(e) => e.into(),
        }
    }
}

/// A person of a case as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPerson {
    pub source_id: String,
    pub portal_id: Uuid,
    pub name: String,
    pub role: String,
}

/// The people of a case, for the caller's own checks and pages.
pub async fn people_of(db: &Db, case_reference: &str) -> sqlx::Result<Vec<StoredPerson>> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT p.source_id, p.portal_id, p.name, p.role FROM case_people p JOIN cases c ON c.id = p.case_id
         WHERE c.reference = $1 ORDER BY p.source_id",
    )
    .bind(case_reference)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(source_id, portal_id, name, role)| {
            Some(StoredPerson {
                source_id,
                portal_id: portal_id.parse().ok()?,
                name,
                role,
            })
        })
        .collect())
}

/// A meeting of a case as stored: its time is UK local, as the case system
/// sent it (`YYYY-MM-DDTHH:MM`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMeeting {
    pub id: i64,
    pub source_id: String,
    pub kind: String,
    pub starts_at: String,
}

impl StoredMeeting {
    /// When it starts, in seconds since the epoch.
    pub fn starts(&self) -> Option<i64> {
        content::when::parse_local(&self.starts_at)
    }
}

/// The meetings of a case, soonest first.
pub async fn meetings_of(
    conn: &mut sqlx::AnyConnection,
    case_id: i64,
) -> sqlx::Result<Vec<StoredMeeting>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, source_id, kind, starts_at FROM case_meetings WHERE case_id = $1 ORDER BY starts_at, id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, source_id, kind, starts_at)| StoredMeeting {
            id,
            source_id,
            kind,
            starts_at,
        })
        .collect())
}
