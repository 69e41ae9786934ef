//! Starting a draft: from a case-system document or a blank page.

use super::*;

pub(super) async fn documents(
    state: &AppState,
    case_id: i64,
) -> Result<Vec<(i64, String, String, String, String)>> {
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, title, kind, document_date, body FROM case_documents WHERE case_id = $1 ORDER BY document_date DESC, id",
    )
    .bind(case_id)
    .fetch_all(&state.db.pool)
    .await?;
    let db = &state.db;
    Ok(rows
        .into_iter()
        .map(|(id, title, kind, date, body)| {
            Ok((id, db.unseal(&title)?, kind, date, db.unseal(&body)?))
        })
        .collect::<sqlx::Result<_>>()?)
}

pub(super) fn kind_select(chosen: Option<Kind>, errors: &[FieldError]) -> Markup {
    let error = errors.iter().find(|e| e.field == "kind");
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            label class="label" for="kind" { "Kind of document" }
            @if let Some(e) = error { p class="error-message" id="kind-error" { span class="visually-hidden" { "Error: " } (e.message) } }
            select class="select" id="kind" name="kind" aria-describedby=[error.map(|_| "kind-error")] aria-invalid=[error.map(|_| "true")] {
                @if chosen.is_none() { option value="" selected { "Choose a kind" } }
                @for k in Kind::ALL {
                    option value=(k.as_str()) selected[chosen == Some(k)] { (k.label()) }
                }
            }
        }
    }
}

pub(super) fn audience_boxes(
    family: &[FamilyMember],
    chosen: &[i64],
    errors: &[FieldError],
) -> Markup {
    let error = errors.iter().find(|e| e.field == "audience");
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            fieldset class="fieldset" aria-describedby={ "audience-hint" @if error.is_some() { " audience-error" } } {
                legend class="fieldset-legend" { "Who is this for?" }
                div class="hint" id="audience-hint" { "Each person you choose will see exactly this version. Write a separate draft for anyone who should see something different." }
                @if let Some(e) = error { p class="error-message" id="audience-error" { span class="visually-hidden" { "Error: " } (e.message) } }
                @for (i, p) in family.iter().filter(|p| !p.removed).enumerate() {
                    @let id = if i == 0 { "audience".to_string() } else { format!("audience-{}", p.id) };
                    div class="checkbox" {
                        input type="checkbox" id=(id) name="audience" value=(p.id) checked[chosen.contains(&p.id)]
                            aria-invalid=[error.map(|_| "true")];
                        label for=(id) { (p.name) " (" (role_label(&p.role)) ")" }
                    }
                }
            }
        }
    }
}

pub(super) fn text_input(
    id: &'static str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    errors: &[FieldError],
) -> Markup {
    views::Input {
        id,
        name: id,
        label,
        hint,
        value,
        kind: "text",
        autocomplete: "off",
    }
    .render(errors)
}

pub(super) async fn new_draft_page(
    State(state): State<AppState>,
    CaseScope { user, case, access }: CaseScope,
) -> Result<Response> {
    if access != Access::Act {
        return Err(BridgeError::Forbidden);
    }
    new_draft_form(&state, &user, &case, &Fields::parse(b""), &[]).await
}

pub(super) async fn new_draft_form(
    state: &AppState,
    user: &StaffUser,
    case: &Case,
    form: &Fields,
    errors: &[FieldError],
) -> Result<Response> {
    let docs = documents(state, case.id).await?;
    let family = family(state, case.id).await?;
    let meetings = meetings(state, case.id).await?;
    let chosen: Vec<i64> = form
        .all("audience")
        .iter()
        .filter_map(|a| a.parse().ok())
        .collect();
    let source = form.get("source");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(views::page_with_status(
        user,
        status,
        &views::title("New draft", errors),
        html! {
            (views::error_summary(errors))
            h1 { "New draft for case " (case.reference) }
            form method="post" action={ (case_href(&case.reference)) "/drafts" } aria-label="New draft" {
                (views::csrf(user))
                div class="form-group" {
                    fieldset class="fieldset" {
                        legend class="fieldset-legend" { "Start from" }
                        div class="radio" {
                            input type="radio" id="source" name="source" value="" checked[source.is_empty()];
                            label for="source" { "A blank page" }
                        }
                        @for (id, title, _, date, _) in &docs {
                            div class="radio" {
                                input type="radio" id={ "source-" (id) } name="source" value=(id) checked[source == id.to_string()];
                                label for={ "source-" (id) } { (title) " (" (date) ", from the case system)" }
                            }
                        }
                    }
                }
                (kind_select(Kind::parse(form.get("kind")), errors))
                (text_input("title", "Title the reader will see", Some("Leave empty to use the document’s title."), form.get("title"), errors))
                (audience_boxes(&family, &chosen, errors))
                (text_input("reader_age", "For a child: their age", Some("The check then shows reading age and words to explain. Leave empty for an adult."), form.get("reader_age"), errors))
                (meeting_select(&meetings, form.get("meeting").parse().ok(), errors))
                button class="button" type="submit" { "Start the draft" }
            }
        },
    ))
}

pub(super) fn field_errors(list: Vec<(&'static str, &'static str)>) -> Vec<FieldError> {
    list.into_iter()
        .map(|(f, m)| FieldError::new(f, m))
        .collect()
}

/// A level-one heading in the body would be a second main heading on the
/// reader's page, whose main heading is the title.
pub(super) fn has_main_heading(body: &str) -> bool {
    body.lines()
        .any(|l| l.trim_start().starts_with("# ") || l.trim() == "#")
}

pub(super) fn content_of(form: &Fields, errors: &mut Vec<FieldError>) -> Content {
    let reader_age = match rules::reader_age(form.get("reader_age")) {
        Ok(age) => age,
        Err(message) => {
            errors.push(FieldError::new("reader_age", message));
            None
        }
    };
    let publish_at = match form.get("publish_at").trim() {
        "" => None,
        text => match content::when::parse_local(text) {
            Some(at) => Some(at),
            None => {
                errors.push(FieldError::new(
                    "publish_at",
                    "Enter the time like 2026-12-01T09:30, or leave it empty",
                ));
                None
            }
        },
    };
    Content {
        kind: Kind::parse(form.get("kind")),
        title: form.get("title").trim().to_string(),
        body: form.get("body").to_string(),
        reader_age,
        audience: form
            .all("audience")
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect(),
        publish_at,
        meeting_id: form.get("meeting").parse().ok(),
    }
}

pub(super) async fn create_draft(
    State(state): State<AppState>,
    CaseScope { user, case, access }: CaseScope,
    Posted(form): Posted,
) -> Result<Response> {
    if access != Access::Act {
        return Err(BridgeError::Forbidden);
    }
    let mut errors = Vec::new();
    let mut content = content_of(&form, &mut errors);
    let source: Option<i64> = form.get("source").parse().ok();
    let docs = documents(&state, case.id).await?;
    let doc = match source {
        Some(id) => match docs.iter().find(|d| d.0 == id) {
            Some(d) => Some(d),
            None => return Err(BridgeError::NotFound),
        },
        None => None,
    };
    if let Some((_, title, kind, _, text)) = doc {
        if content.title.is_empty() {
            content.title = title.clone();
        }
        if content.kind.is_none() {
            content.kind = Some(Kind::of_document(kind));
        }
        content.body = text.clone();
    } else {
        content.body = "Write here what the reader will see.".into();
    }
    let family = family(&state, case.id).await?;
    let meetings = meetings(&state, case.id).await?;
    errors.extend(field_errors(crate::publishing::validate(
        &content, &family, &meetings,
    )));
    if !errors.is_empty() {
        return new_draft_form(&state, &user, &case, &form, &errors).await;
    }
    let id = crate::publishing::create(
        &state.db,
        case.id,
        source,
        &user.staff.id,
        &content,
        None,
        now(),
    )
    .await?;
    Ok(see_other(&draft_href(&case, &id)))
}
