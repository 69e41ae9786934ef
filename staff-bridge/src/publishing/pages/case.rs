//! A case's drafts and publications, and what came back from the family.

use super::*;

#[derive(Deserialize, Default)]
pub(super) struct Done {
    #[serde(default)]
    pub done: String,
}

/// Family events worth a practitioner's attention (not sign-ins).
pub(super) const WORTH_READING: &str =
    "(kind = 'publication_viewed' OR kind LIKE 'message%' OR kind LIKE 'views%' OR kind LIKE 'plan_response%')";

pub(super) async fn case_portal_ids(
    state: &AppState,
    case_id: i64,
) -> Result<HashMap<String, String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT portal_id, name FROM case_people WHERE case_id = $1")
            .bind(case_id)
            .fetch_all(&state.db.pool)
            .await?;
    Ok(rows.into_iter().collect())
}

pub(super) struct Event {
    pub seq: i64,
    pub kind: String,
    pub person: String,
    pub data: serde_json::Value,
    pub at: i64,
}

pub(super) async fn events_of_case(state: &AppState, case_id: i64) -> Result<Vec<Event>> {
    let people = case_portal_ids(state, case_id).await?;
    let rows: Vec<(i64, String, Option<String>, String, i64)> = sqlx::query_as(&format!(
        "SELECT e.portal_seq, e.kind, e.person_id, e.data, e.occurred_at FROM family_events e
         JOIN case_people p ON p.portal_id = e.person_id
         WHERE p.case_id = $1 AND {WORTH_READING} ORDER BY e.portal_seq"
    ))
    .bind(case_id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, kind, person, data, at)| Event {
            seq,
            kind,
            person: person
                .and_then(|p| people.get(&p).cloned())
                .unwrap_or_default(),
            data: serde_json::from_str(&data).unwrap_or_default(),
            at,
        })
        .collect())
}

pub(super) async fn seen_seq(state: &AppState, staff_id: &str, case_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT seen_seq FROM case_event_reads WHERE staff_id = $1 AND case_id = $2",
    )
    .bind(staff_id)
    .bind(case_id)
    .fetch_optional(&state.db.pool)
    .await?
    .unwrap_or(0))
}

pub(super) async fn mark_seen(
    state: &AppState,
    staff_id: &str,
    case_id: i64,
    seq: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_event_reads (staff_id, case_id, seen_seq) VALUES ($1, $2, $3)
         ON CONFLICT (staff_id, case_id) DO UPDATE SET seen_seq = excluded.seen_seq",
    )
    .bind(staff_id)
    .bind(case_id)
    .bind(seq)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

pub(super) fn event_words(e: &Event, drafts: &[Draft]) -> String {
    match e.kind.as_str() {
        "publication_viewed" => {
            let id = e.data["publication_id"].as_str().unwrap_or_default();
            let version = e.data["version"].as_i64().unwrap_or(0);
            let title = drafts
                .iter()
                .find(|d| d.publication_id.to_string() == id && d.version == Some(version))
                .map(|d| d.title.as_str())
                .unwrap_or("a publication");
            format!("{} read “{}” (version {})", e.person, title, version)
        }
        kind => format!("{}: {}", e.person, kind.replace('_', " ")),
    }
}

/// Who read which version, by publication id and version.
pub(super) fn readers(events: &[Event]) -> HashMap<(String, i64), Vec<(String, i64)>> {
    let mut out: HashMap<(String, i64), Vec<(String, i64)>> = HashMap::new();
    for e in events.iter().filter(|e| e.kind == "publication_viewed") {
        let id = e.data["publication_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let version = e.data["version"].as_i64().unwrap_or(0);
        out.entry((id, version))
            .or_default()
            .push((e.person.clone(), e.at));
    }
    out
}

pub(super) fn publications_table(
    case: &Case,
    drafts: &[Draft],
    family: &[FamilyMember],
    events: &[Event],
) -> Markup {
    let readers = readers(events);
    let published: Vec<&Draft> = drafts
        .iter()
        .filter(|d| {
            matches!(d.status, Status::Published | Status::Withdrawn) && d.version.is_some()
        })
        .collect();
    html! {
        @if published.is_empty() {
            p { "Nothing has been published from this case yet." }
        } @else {
            table class="table" {
                caption class="visually-hidden" { "Publications of case " (case.reference) }
                thead { tr {
                    th scope="col" { "Document" } th scope="col" { "Published to" }
                    th scope="col" { "When" } th scope="col" { "Status" } th scope="col" { "Read by" }
                } }
                tbody {
                    @for d in &published {
                        tr {
                            td { a href=(draft_href(case, &d.id)) { (d.title) } br; span class="hint" { (d.kind.label()) ", version " (d.version.unwrap_or(0)) } }
                            td { (names(family, &d.audience)) }
                            td { (d.published_at.map(views::when).unwrap_or_default()) }
                            td {
                                @if d.status == Status::Withdrawn { "Withdrawn " (d.withdrawn_at.map(views::day).unwrap_or_default()) }
                                @else if crate::publishing::superseded(d, drafts) { "Replaced by a newer version" }
                                @else { "Showing" }
                            }
                            td {
                                @match readers.get(&(d.publication_id.to_string(), d.version.unwrap_or(0))) {
                                    Some(list) => { @for (i, (who, at)) in list.iter().enumerate() { @if i > 0 { "; " } (who) " on " (views::day(*at)) } }
                                    None => { "Not read yet" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn drafts_in_progress(case: &Case, drafts: &[Draft], family: &[FamilyMember]) -> Markup {
    let open: Vec<&Draft> = drafts
        .iter()
        .filter(|d| {
            matches!(
                d.status,
                Status::Draft | Status::Submitted | Status::Returned | Status::Approved
            )
        })
        .collect();
    html! {
        @if open.is_empty() {
            p { "No drafts in progress." }
        } @else {
            ul {
                @for d in &open {
                    li {
                        a href=(draft_href(case, &d.id)) { (d.title) }
                        " for " (names(family, &d.audience)) " – "
                        strong { (d.status.label()) }
                        @if let (Status::Approved, Some(at)) = (d.status, d.publish_at) { " (" (views::when(at)) ")" }
                    }
                }
            }
        }
    }
}

pub(super) async fn case_publishing(
    State(state): State<AppState>,
    CaseScope { user, case, access }: CaseScope,
) -> Result<Response> {
    use crate::governance::staff_access::{record, Viewed};
    record(&state.db, &user.staff.id, case.id, Viewed::Publishing).await;
    let drafts = crate::publishing::of_case(&state.db, case.id).await?;
    let family = family(&state, case.id).await?;
    let events = events_of_case(&state, case.id).await?;
    let seen = seen_seq(&state, &user.staff.id, case.id).await?;
    if let Some(last) = events.last() {
        if last.seq > seen {
            mark_seen(&state, &user.staff.id, case.id, last.seq).await?;
        }
    }
    let href = case_href(&case.reference);
    Ok(views::page(
        &user,
        &format!("Publications, case {}", case.reference),
        html! {
            (styles())
            p { a href=(href) { "Back to case " (case.reference) } }
            h1 { "Drafts and publications, case " (case.reference) }
            @if access == Access::Act {
                p { a class="button" href={ (href) "/drafts/new" } { "New draft" } }
            }
            h2 { "Drafts in progress" }
            (drafts_in_progress(&case, &drafts, &family))
            h2 { "Published" }
            (publications_table(&case, &drafts, &family, &events))
            h2 { "What came back from the family" }
            @if events.is_empty() {
                p { "Nothing yet." }
            } @else {
                ul {
                    @for e in events.iter().rev().take(50) {
                        li { @if e.seq > seen { strong { "New: " } } (event_words(e, &drafts)) ", " (views::when(e.at)) }
                    }
                }
            }
        },
    ))
}
