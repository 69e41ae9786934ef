//! The editor: the draft, the reader's view of it and every finding of the check.

use super::*;

pub(super) async fn editor(
    State(state): State<AppState>,
    DraftScope {
        user,
        case,
        access,
        draft,
    }: DraftScope,
    Query(done): Query<Done>,
) -> Result<Response> {
    use crate::governance::staff_access::{record, Viewed};
    record(&state.db, &user.staff.id, case.id, Viewed::Draft(&draft.id)).await;
    editor_view(&state, &user, &case, access, &draft, None, &[], &done.done).await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn editor_view(
    state: &AppState,
    user: &StaffUser,
    case: &Case,
    access: Access,
    draft: &Draft,
    typed: Option<&Content>,
    errors: &[FieldError],
    done: &str,
) -> Result<Response> {
    let checked = crate::publishing::check(&state.db, draft).await?;
    let meetings = meetings(state, case.id).await?;
    let preview = reader_view(state, draft, &checked, &meetings).await?;
    let all = crate::publishing::of_case(&state.db, case.id).await?;
    let href = draft_href(case, &draft.id);
    let editable = access == Access::Act && draft.status.editable();
    let shown = typed.cloned().unwrap_or_else(|| Content {
        kind: Some(draft.kind),
        title: draft.title.clone(),
        body: draft.body.clone(),
        reader_age: draft.reader_age,
        audience: draft.audience.clone(),
        publish_at: draft.publish_at,
        meeting_id: draft.meeting_id,
    });
    let author = staff_name(state, &draft.author_id).await?;
    let notice = match done {
        "saved" => Some("Saved and checked."),
        "decided" => Some("Decision recorded."),
        "submitted" => {
            Some("Sent for approval. A manager will read it and approve it or return it to you.")
        }
        "published" => Some("Published. The family can read it now."),
        "held" => Some("Approved and held: it will be published at the time chosen."),
        "withdrawn" => Some("Withdrawn. The family can no longer see it."),
        "reopened" => Some("Taken back from approval: you can edit it again."),
        _ => None,
    };
    let open = checked.open();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let readers = names(&checked.family, &draft.audience);
    let can_withdraw = matches!(draft.status, Status::Published | Status::Approved)
        && rules::can_withdraw(&user.staff, &draft.author_id)
        && !crate::publishing::superseded(draft, &all);
    let people_to_redact: Vec<(i64, String, usize)> = {
        let mut by_person: HashMap<i64, usize> = HashMap::new();
        for item in checked.items.iter().filter(|i| i.decision.is_none()) {
            if let Some(p) = item.person {
                *by_person.entry(p).or_default() += 1;
            }
        }
        let mut list: Vec<(i64, String, usize)> = by_person
            .into_iter()
            .filter_map(|(id, n)| {
                checked
                    .family
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| (id, p.name.clone(), n))
            })
            .collect();
        list.sort();
        list
    };
    Ok(views::page_with_status(
        user,
        status,
        &views::title(&format!("Draft: {}", draft.title), errors),
        html! {
            (styles())
            (views::error_summary(errors))
            @if let Some(n) = notice { div class="notification" role="status" { p { (n) } } }
            p { a href={ (case_href(&case.reference)) "/publishing" } { "Back to drafts and publications" } }
            h1 { (draft.title) }
            dl class="summary-list" {
                div { dt { "Status" } dd { strong class="tag" { (draft.status.label()) } } }
                div { dt { "For" } dd { (readers) } }
                div { dt { "Kind" } dd { (draft.kind.label()) } }
                @if let Some(m) = draft.meeting_id.and_then(|id| meetings.iter().find(|m| m.id == id)) {
                    div { dt { "Meeting" } dd { (meeting_words(m)) } }
                }
                div { dt { "Written by" } dd { (author) } }
                @if let Some(v) = draft.version { div { dt { "Version" } dd { (v) } } }
                @if let Some(at) = draft.published_at { div { dt { "Published" } dd { (views::when(at)) } } }
                @if let Some(at) = draft.publish_at { div { dt { "Held until" } dd { (views::when(at)) } } }
                @if let Some(reason) = &draft.withdrawal_reason { div { dt { "Withdrawn because" } dd { (reason) } } }
            }
            @if let (Status::Returned, Some(reason)) = (draft.status, &draft.return_reason) {
                div class="status-returned" {
                    h2 { "Returned to you" }
                    p { "The reason given: " strong { (reason) } }
                    p { "Change what is needed, then send it for approval again." }
                }
            }
            @if editable {
                h2 { "Edit" }
                form method="post" action=(href) aria-label="Edit the draft" {
                    (views::csrf(user))
                    input type="hidden" name="revision" value=(draft.revision);
                    (kind_select(shown.kind, errors))
                    (text_input("title", "Title the reader will see", None, &shown.title, errors))
                    (audience_boxes(&checked.family, &shown.audience, errors))
                    (text_input("reader_age", "For a child: their age", Some("Leave empty for an adult."), &shown.reader_age.map(|a| a.to_string()).unwrap_or_default(), errors))
                    (meeting_select(&meetings, shown.meeting_id, errors))
                    @let body_error = errors.iter().find(|e| e.field == "body");
                    div class={ "form-group" @if body_error.is_some() { " form-group-error" } } {
                        label class="label" for="body" { "What the reader will see" }
                        div class="hint" id="body-hint" { "Markdown: ## for a heading, a blank line between paragraphs, - for a list. The title is the reader’s main heading, so start headings at ##." }
                        @if let Some(e) = body_error { p class="error-message" id="body-error" { span class="visually-hidden" { "Error: " } (e.message) } }
                        textarea class="textarea" id="body" name="body" rows="20" aria-describedby={ "body-hint" @if body_error.is_some() { " body-error" } } aria-invalid=[body_error.map(|_| "true")] spellcheck="true" { (shown.body) }
                    }
                    (views::Input {
                        id: "publish_at",
                        name: "publish_at",
                        label: "Hold until (optional)",
                        hint: Some("To talk it through with the family first: the earliest time it may be published, in UK time, like 2026-12-01T09:30. Leave empty to publish as soon as it is approved."),
                        value: &shown.publish_at.map(content::when::input).unwrap_or_default(),
                        kind: "text",
                        autocomplete: "off",
                    }.render(errors))
                    button class="button" type="submit" { "Save and check" }
                }
            }
            h2 id="findings" { "Check" }
            @if checked.items.is_empty() {
                p { "The check found nothing to decide on." }
            } @else {
                p { @if open == 0 { "Every finding has a decision." } @else { strong { (open) " of " (checked.items.len()) " findings still need a decision." } } }
                @if editable && !people_to_redact.is_empty() {
                    ul class="list" {
                        @for (pid, name, n) in &people_to_redact {
                            li {
                                form method="post" action={ (href) "/decide-person" } class="inline-form" aria-label={ "Redact every mention of " (name) } {
                                    (views::csrf(user))
                                    input type="hidden" name="person" value=(pid);
                                    input type="hidden" name="decision" value="redact";
                                    button class="button button-secondary" type="submit" { "Redact every mention of " (name) " (" (n) ")" }
                                }
                                @let field = format!("person-reason-{pid}");
                                @let e = errors.iter().find(|e| e.field == field);
                                form method="post" action={ (href) "/decide-person" } aria-label={ "Keep every mention of " (name) } {
                                    (views::csrf(user))
                                    input type="hidden" name="person" value=(pid);
                                    input type="hidden" name="decision" value="keep";
                                    div class={ "form-group" @if e.is_some() { " form-group-error" } } {
                                        label class="label" for=(field) { "Or keep every mention of " (name) ", because" }
                                        @if let Some(e) = e { p class="error-message" id={ (field) "-error" } { span class="visually-hidden" { "Error: " } (e.message) } }
                                        input class="input" type="text" id=(field) name="reason" autocomplete="off"
                                            aria-describedby=[e.map(|_| format!("{field}-error"))] aria-invalid=[e.map(|_| "true")];
                                    }
                                    button class="button button-secondary" type="submit" { "Keep every mention with this reason" }
                                }
                            }
                        }
                    }
                }
                @for (i, item) in checked.items.iter().enumerate() {
                    div class={ "finding" @if item.decision.is_some() { " decided" } } id={ "finding-" (i + 1) } {
                        p { strong { (i + 1) ". " (finding_label(item.finding.kind)) } ": " (in_sentence(&checked, item)) }
                        p {
                            @match &item.decision {
                                None => { strong { "Open" } }
                                Some(Decision::Redact) => { "Redacted. The reader sees: " em { "[" (rules::marker_words(item.finding.kind)) "]" } }
                                Some(Decision::Keep(reason)) => { "Kept, because: " (reason) }
                            }
                        }
                        @if editable {
                            div class="actions" {
                                form method="post" action={ (href) "/decide" } class="inline-form" aria-label={ "Redact finding " (i + 1) } {
                                    (views::csrf(user))
                                    input type="hidden" name="key" value=(item.key);
                                    input type="hidden" name="decision" value="redact";
                                    button class="button" type="submit" { "Redact" span class="visually-hidden" { " finding " (i + 1) } }
                                }
                                form method="post" action={ (href) "/decide" } aria-label={ "Keep finding " (i + 1) } {
                                    (views::csrf(user))
                                    input type="hidden" name="key" value=(item.key);
                                    input type="hidden" name="decision" value="keep";
                                    label class="label" for={ "reason-" (i + 1) } { "Or keep it, because" }
                                    input class="input" type="text" id={ "reason-" (i + 1) } name="reason" value=(item.decision.as_ref().and_then(|d| d.reason()).unwrap_or_default());
                                    button class="button button-secondary" type="submit" { "Keep with this reason" span class="visually-hidden" { " (finding " (i + 1) ")" } }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(age) = draft.reader_age {
                h2 { "Reading for a " (age) "-year-old" }
                p {
                    "Reading age about " (format!("{:.0}", checked.reading_age)) ". "
                    @if checked.reading_age > f64::from(age) { strong { "That is above " (age) ": use shorter sentences and everyday words." } }
                    @else { "That suits the reader." }
                }
                @if checked.jargon.is_empty() {
                    p { "No words from the glossary of jargon." }
                } @else {
                    table class="table" {
                        caption { "Words to explain or replace" }
                        thead { tr { th scope="col" { "Written" } th scope="col" { "Plain words" } } }
                        tbody { @for j in &checked.jargon { tr { td { (draft.body.get(j.start..j.end).unwrap_or(&j.term)) } td { (j.plain) } } } }
                    }
                }
            }
            h2 { "Preview" }
            p class="hint" { "Exactly what " (readers) " will see on a phone" @if open > 0 { ", once every finding has a decision (open findings are shown as written)" } "." }
            (preview)
            @if access == Access::Act {
                @if editable {
                    h2 { "Send" }
                    @if open > 0 {
                        p { "Decide on every finding before sending this for approval." }
                    } @else {
                        form method="post" action={ (href) "/submit" } aria-label="Send for approval" {
                            (views::csrf(user))
                            button class="button" type="submit" { "Send for approval" }
                        }
                    }
                }
                @if draft.status == Status::Submitted {
                    form method="post" action={ (href) "/reopen" } aria-label="Take it back to edit" {
                        (views::csrf(user))
                        button class="button button-secondary" type="submit" { "Take it back to edit" }
                    }
                }
                @if draft.status == Status::Published && !crate::publishing::superseded(draft, &all) {
                    form method="post" action={ (href) "/new-version" } aria-label="Write a new version" {
                        (views::csrf(user))
                        button class="button button-secondary" type="submit" { "Write a new version" }
                    }
                }
            }
            @if can_withdraw {
                p { a class="button button-warning" href={ (href) "/withdraw" } { "Withdraw" } }
            }
        },
    ))
}
