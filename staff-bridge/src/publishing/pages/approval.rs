//! Approval: the manager's list, the page they read and their answer.

use super::*;

pub(super) fn require_manager(user: &StaffUser) -> Result<()> {
    if user.staff.has(Role::Manager) {
        Ok(())
    } else {
        Err(BridgeError::Forbidden)
    }
}

pub(super) async fn approvals(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    require_manager(&user)?;
    let waiting = crate::publishing::with_status(&state.db, Status::Submitted).await?;
    let mut rows = Vec::new();
    for d in &waiting {
        let case = case_by_id(&state, d.case_id).await?;
        let family = family(&state, d.case_id).await?;
        rows.push((
            d,
            case,
            names(&family, &d.audience),
            staff_name(&state, &d.author_id).await?,
        ));
    }
    Ok(views::page(
        &user,
        "Waiting for approval",
        html! {
            h1 { "Waiting for approval" }
            @if rows.is_empty() {
                p { "Nothing is waiting for approval." }
            } @else {
                table class="table" {
                    caption class="visually-hidden" { "Drafts waiting for approval, oldest first" }
                    thead { tr { th scope="col" { "Document" } th scope="col" { "Case" } th scope="col" { "For" } th scope="col" { "Written by" } th scope="col" { "Sent" } } }
                    tbody {
                        @for (d, case, readers, author) in &rows {
                            tr {
                                td { a href={ "/approvals/" (d.id) } { (d.title) } @if d.author_id == user.staff.id { " (yours: someone else must approve it)" } }
                                td { (case.reference) }
                                td { (readers) }
                                td { (author) }
                                td { (views::when(d.updated_at)) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

pub(super) async fn approvable(
    state: &AppState,
    user: &StaffUser,
    id: &str,
) -> Result<(Case, Draft)> {
    require_manager(user)?;
    let draft = crate::publishing::load(&state.db, id)
        .await?
        .ok_or(BridgeError::NotFound)?;
    let case = case_by_id(state, draft.case_id).await?;
    // Managers see every case; the scoping is still the one rule.
    access::case_for(&state.db, &user.staff, &case.reference)
        .await?
        .ok_or(BridgeError::NotFound)?;
    Ok((case, draft))
}

pub(super) async fn approval_page(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
) -> Result<Response> {
    let (case, draft) = approvable(&state, &user, &id).await?;
    approval_view(&state, &user, &case, &draft, &[]).await
}

pub(super) async fn approval_view(
    state: &AppState,
    user: &StaffUser,
    case: &Case,
    draft: &Draft,
    errors: &[FieldError],
) -> Result<Response> {
    let checked = crate::publishing::check(&state.db, draft).await?;
    // Only an invitation shows a meeting, so only then are they looked up.
    let meetings = match draft.meeting_id {
        Some(_) => meetings(state, draft.case_id).await?,
        None => Vec::new(),
    };
    let preview = reader_view(state, draft, &checked, &meetings).await?;
    let author = staff_name(state, &draft.author_id).await?;
    let readers = names(&checked.family, &draft.audience);
    let decided_by: HashMap<String, (String, i64)> = {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT finding_key, decided_by, decided_at FROM redactions WHERE draft_id = $1",
        )
        .bind(&draft.id)
        .fetch_all(&state.db.pool)
        .await?;
        let mut out = HashMap::new();
        let mut names_cache: HashMap<String, String> = HashMap::new();
        for (key, by, at) in rows {
            if !names_cache.contains_key(&by) {
                names_cache.insert(by.clone(), staff_name(state, &by).await?);
            }
            out.insert(key, (names_cache[&by].clone(), at));
        }
        out
    };
    let contributors = crate::publishing::contributors(&state.db, draft).await?;
    let blocked = rules::can_approve(&user.staff, &contributors, draft.status).err();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let field_error = |f: &str| {
        errors
            .iter()
            .find(|e| e.field == f)
            .map(|e| e.message.clone())
    };
    let audience_ids: HashSet<i64> = draft.audience.iter().copied().collect();
    Ok(views::page_with_status(
        user,
        status,
        &views::title(&format!("Approve: {}", draft.title), errors),
        html! {
            (styles())
            (views::error_summary(errors))
            h1 { "Approve: " (draft.title) }
            dl class="summary-list" {
                div { dt { "Case" } dd { (case.reference) } }
                div { dt { "For" } dd { (readers) } }
                div { dt { "Kind" } dd { (draft.kind.label()) } }
                @if let Some(age) = draft.reader_age { div { dt { "Reader’s age" } dd { (age) } } }
                div { dt { "Written by" } dd { (author) } }
                @if let Some(at) = draft.publish_at { div { dt { "The author asks to hold it until" } dd { (views::when(at)) } } }
            }
            h2 { "The document, as the reader will see it" }
            (preview)
            h2 { "Redaction decisions" }
            @if checked.items.is_empty() {
                p { "The check found nothing to decide on." }
            } @else {
                // Wider than a phone: it scrolls sideways, so the keyboard can reach it.
                table class="table" tabindex="0" {
                    caption class="visually-hidden" { "Every finding of the check and what was decided" }
                    thead { tr { th scope="col" { "Found" } th scope="col" { "In" } th scope="col" { "Decision" } th scope="col" { "By" } } }
                    tbody {
                        @for item in &checked.items {
                            tr {
                                td { (finding_label(item.finding.kind)) @if let Some(p) = item.person.and_then(|p| checked.family.iter().find(|f| f.id == p)) { " (" (p.name) @if !audience_ids.contains(&p.id) { ", not a reader" } ")" } }
                                td { (in_sentence(&checked, item)) }
                                td { @match &item.decision {
                                    None => { strong { "Open" } }
                                    Some(Decision::Redact) => { "Redacted" }
                                    Some(Decision::Keep(reason)) => { "Kept: " (reason) }
                                } }
                                td { @if let Some((who, at)) = decided_by.get(&item.key) { (who) ", " (views::when(*at)) } }
                            }
                        }
                    }
                }
            }
            @match blocked {
                Some(reason) => { p class="inset" { strong { (reason.to_string()) } } }
                None => {
                    h2 { "Your decision" }
                    form method="post" action={ "/approvals/" (draft.id) "/approve" } aria-label="Approve" {
                        (views::csrf(user))
                        input type="hidden" name="read" value=(rules::read_hash(&checked.title, &checked.body));
                        div class="form-group" {
                            fieldset class="fieldset" {
                                legend class="fieldset-legend" { "When should it be published?" }
                                div class="radio" {
                                    input type="radio" id="when" name="when" value="now" checked[draft.publish_at.is_none()];
                                    label for="when" { "As soon as I approve it" }
                                }
                                div class="radio" {
                                    input type="radio" id="when-later" name="when" value="later" checked[draft.publish_at.is_some()];
                                    label for="when-later" { "At a chosen time" }
                                }
                                @let e = field_error("publish_at");
                                div class={ "form-group" @if e.is_some() { " form-group-error" } } {
                                    label class="label" for="publish_at" { "Time, in UK time" }
                                    div class="hint" id="publish_at-hint" { "Like 2026-12-01T09:30" }
                                    @if let Some(e) = &e { p class="error-message" id="publish_at-error" { span class="visually-hidden" { "Error: " } (e) } }
                                    input class="input" type="text" id="publish_at" name="publish_at" autocomplete="off"
                                        aria-describedby={ "publish_at-hint" @if e.is_some() { " publish_at-error" } } aria-invalid=[e.as_ref().map(|_| "true")]
                                        value=(draft.publish_at.map(content::when::input).unwrap_or_default());
                                }
                            }
                        }
                        button class="button" type="submit" { "Approve" }
                    }
                    form method="post" action={ "/approvals/" (draft.id) "/return" } aria-label="Return it" {
                        (views::csrf(user))
                        @let e = field_error("reason");
                        div class={ "form-group" @if e.is_some() { " form-group-error" } } {
                            label class="label" for="reason" { "Or return it to " (author) ", because" }
                            div class="hint" id="reason-hint" { "The author sees this reason." }
                            @if let Some(e) = &e { p class="error-message" id="reason-error" { span class="visually-hidden" { "Error: " } (e) } }
                            textarea class="textarea" id="reason" name="reason" rows="3" aria-describedby={ "reason-hint" @if e.is_some() { " reason-error" } } aria-invalid=[e.as_ref().map(|_| "true")] {}
                        }
                        button class="button button-secondary" type="submit" { "Return it" }
                    }
                }
            }
        },
    ))
}

pub(super) async fn approve(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Posted(form): Posted,
) -> Result<Response> {
    let (case, draft) = approvable(&state, &user, &id).await?;
    let now = now();
    let publish_at = if form.get("when") == "later" {
        match content::when::parse_local(form.get("publish_at")) {
            Some(at) if at > now => Some(at),
            _ => {
                let errors = vec![FieldError::new(
                    "publish_at",
                    "Enter a time in the future, like 2026-12-01T09:30",
                )];
                return approval_view(&state, &user, &case, &draft, &errors).await;
            }
        }
    } else {
        None
    };
    match crate::publishing::approve(
        &state.db,
        &draft,
        &user.staff,
        form.get("read"),
        publish_at,
        now,
    )
    .await
    {
        Ok(sent) => {
            if matches!(sent, Sent::Published(_)) {
                state.sync_wake.notify_one();
            }
            let done = if matches!(sent, Sent::Held(_)) {
                "held"
            } else {
                "published"
            };
            Ok(see_other(&format!(
                "{}?done={done}",
                draft_href(&case, &draft.id)
            )))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn return_draft(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Posted(form): Posted,
) -> Result<Response> {
    let (case, draft) = approvable(&state, &user, &id).await?;
    match crate::publishing::return_draft(&state.db, &draft, &user.staff, form.get("reason"), now())
        .await
    {
        Ok(()) => Ok(see_other("/approvals")),
        Err(FlowError::NoReason) => {
            let errors = vec![FieldError::new(
                "reason",
                "Give the reason for returning it (500 characters at most)",
            )];
            approval_view(&state, &user, &case, &draft, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}
