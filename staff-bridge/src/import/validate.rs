//! Validation walks the JSON itself rather than leaning on serde, so that one
//! pass reports every problem with its path, and nothing is written unless
//! there are none.

use std::collections::HashSet;

use content::sync::FamilyRole;
use serde_json::{Map, Value};

use super::{CaseImport, DocumentImport, MeetingImport, PersonImport, Problem, ProfessionalImport};

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
                "closed_on",
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
        let closed_on = self.date(&root, "closed_on", false);
        if let Ok(Some(day)) = &closed_on {
            if parse_date(day).is_some_and(|d| d > time::OffsetDateTime::now_utc().date()) {
                self.problem("$.closed_on", "must not be in the future");
            }
        }

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
            closed_on: closed_on.ok()?,
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
            &[
                "id",
                "name",
                "aliases",
                "date_of_birth",
                "role",
                "email",
                "left_case",
            ],
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
        let left_case = self.optional_bool(&obj, "left_case");
        aliases_ok.then_some(())?;
        Some(PersonImport {
            id: id?,
            name: name?,
            aliases,
            date_of_birth: date_of_birth.ok()?,
            role: role?,
            email: email.ok()?,
            left_case: left_case.ok()?,
        })
    }

    /// False when absent or null.
    fn optional_bool(&mut self, obj: &Obj<'_>, field: &str) -> Result<bool, ()> {
        match obj.map.get(field) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => {
                self.problem(format!("{}.{field}", obj.path), "must be true or false");
                Err(())
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_closed_on(day: &str) -> String {
        serde_json::json!({
            "case_reference": "T-1",
            "team": "A team",
            "closed_on": day,
            "people": [{ "id": "P-1", "name": "Alex Test", "role": "child" }],
        })
        .to_string()
    }

    fn problem_paths(json: &str) -> Vec<String> {
        parse(json)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.path)
            .collect()
    }

    #[test]
    fn a_closure_date_is_a_past_day() {
        let case = parse(&with_closed_on("2019-01-31")).ok();
        assert_eq!(
            case.and_then(|c| c.closed_on).as_deref(),
            Some("2019-01-31")
        );
        assert_eq!(
            problem_paths(&with_closed_on("31/01/2019")),
            ["$.closed_on"]
        );
        assert_eq!(
            problem_paths(&with_closed_on("2999-01-01")),
            ["$.closed_on"]
        );
    }
}
