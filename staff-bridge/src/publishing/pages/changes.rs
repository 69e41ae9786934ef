//! What the editor's forms do: save, decide on findings, send for approval, reopen, start a new version.

use super::*;

pub(super) async fn save(
    State(state): State<AppState>,
    ActOnDraft { user, case, draft }: ActOnDraft,
    Posted(form): Posted,
) -> Result<Response> {
    let mut errors = Vec::new();
    let content = content_of(&form, &mut errors);
    let family = family(&state, case.id).await?;
    let meetings = meetings(&state, case.id).await?;
    errors.extend(field_errors(crate::publishing::validate(
        &content, &family, &meetings,
    )));
    if has_main_heading(&content.body) {
        errors.push(FieldError::new(
            "body",
            "Start headings at ##: the title is the reader’s main heading",
        ));
    }
    if !errors.is_empty() {
        return editor_view(
            &state,
            &user,
            &case,
            Access::Act,
            &draft,
            Some(&content),
            &errors,
            "",
        )
        .await;
    }
    // Missing or not a number: not the editor's form.
    let seen: i64 = form
        .get("revision")
        .parse()
        .map_err(|_| BridgeError::NotFound)?;
    let saved =
        crate::publishing::save(&state.db, &draft.id, seen, &user.staff.id, &content, now())
            .await?;
    match saved {
        Saved::Saved => Ok(see_other(&format!(
            "{}?done=saved",
            draft_href(&case, &draft.id)
        ))),
        Saved::NotEditable => Ok(refused(StatusCode::CONFLICT, "This draft can no longer be changed", "It has been sent for approval or published. Take it back from approval, or write a new version.")),
        Saved::Meanwhile { by, at } => {
            saved_meanwhile(&state, &user, &case, &draft.id, &content, by, at).await
        }
    }
}

/// Someone saved the draft after this editor was opened: their text stays,
/// and this person's is shown again in the form, unsaved, with the draft as
/// it now is (the preview shows the other text), so nothing typed is lost.
async fn saved_meanwhile(
    state: &AppState,
    user: &StaffUser,
    case: &Case,
    draft_id: &str,
    typed: &Content,
    by: Option<String>,
    at: i64,
) -> Result<Response> {
    let who = match by {
        Some(id) if id == user.staff.id => "You".to_string(),
        Some(id) => staff_name(state, &id).await?,
        None => "Someone".to_string(),
    };
    let message = format!(
        "{who} saved this draft at {}, after you opened it, so your changes are not saved yet. \
         Your text is below and the preview shows the saved one: bring across what you need, then save again.",
        views::when(at)
    );
    let draft = crate::publishing::load_in_case(&state.db, case.id, draft_id)
        .await?
        .ok_or(BridgeError::NotFound)?;
    let errors = [FieldError::new("body", message)];
    let mut page = editor_view(
        state,
        user,
        case,
        Access::Act,
        &draft,
        Some(typed),
        &errors,
        "",
    )
    .await?;
    *page.status_mut() = StatusCode::CONFLICT;
    Ok(page)
}

pub(super) async fn decide(
    State(state): State<AppState>,
    ActOnDraft { user, case, draft }: ActOnDraft,
    Posted(form): Posted,
) -> Result<Response> {
    let checked = crate::publishing::check(&state.db, &draft).await?;
    let Some(index) = checked.items.iter().position(|i| i.key == form.get("key")) else {
        return Ok(refused(
            StatusCode::CONFLICT,
            "The text has changed",
            "That finding is no longer in the draft. Go back and refresh the page.",
        ));
    };
    let Some(decision) = decision_asked(&form)? else {
        let errors = vec![FieldError::new(
            "findings",
            format!(
                "Give the reason for keeping finding {} (500 characters at most)",
                index + 1
            ),
        )];
        return editor_view(&state, &user, &case, Access::Act, &draft, None, &errors, "").await;
    };
    if !crate::publishing::decide(
        &state.db,
        &draft,
        &[&checked.items[index]],
        &decision,
        &user.staff.id,
        now(),
    )
    .await?
    {
        return Ok(no_longer_changeable());
    }
    Ok(see_other(&format!(
        "{}?done=decided#finding-{}",
        draft_href(&case, &draft.id),
        index + 1
    )))
}

/// What a findings form asks: redact, or keep with a reason (`None` when
/// the reason is missing). Any other answer is not one of our forms.
pub(super) fn decision_asked(form: &Fields) -> Result<Option<Decision>> {
    match form.get("decision") {
        "redact" => Ok(Some(Decision::Redact)),
        "keep" => Ok(rules::keep_reason(form.get("reason")).map(Decision::Keep)),
        _ => Err(BridgeError::NotFound),
    }
}

/// A decision on a draft that has been sent for approval or published.
pub(super) fn no_longer_changeable() -> Response {
    refused(
        StatusCode::CONFLICT,
        "This draft can no longer be changed",
        "It has been sent for approval or published.",
    )
}

/// One decision for every open finding about one person of the family.
pub(super) async fn decide_person(
    State(state): State<AppState>,
    ActOnDraft { user, case, draft }: ActOnDraft,
    Posted(form): Posted,
) -> Result<Response> {
    let person: i64 = form
        .get("person")
        .parse()
        .map_err(|_| BridgeError::NotFound)?;
    let checked = crate::publishing::check(&state.db, &draft).await?;
    let items: Vec<&Item> = checked
        .items
        .iter()
        .filter(|i| i.person == Some(person) && i.decision.is_none())
        .collect();
    let Some(decision) = decision_asked(&form)? else {
        let errors = vec![FieldError::new(
            format!("person-reason-{person}"),
            "Give the reason for keeping every mention (500 characters at most)",
        )];
        return editor_view(&state, &user, &case, Access::Act, &draft, None, &errors, "").await;
    };
    if !items.is_empty()
        && !crate::publishing::decide(&state.db, &draft, &items, &decision, &user.staff.id, now())
            .await?
    {
        return Ok(no_longer_changeable());
    }
    Ok(see_other(&format!(
        "{}?done=decided",
        draft_href(&case, &draft.id)
    )))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    ActOnDraft { user, case, draft }: ActOnDraft,
    Posted(_): Posted,
) -> Result<Response> {
    match crate::publishing::submit(&state.db, &draft, &user.staff.id, &state.publishing, now())
        .await
    {
        Ok(sent) => {
            let done = match sent {
                Sent::ForApproval => "submitted",
                Sent::Published(_) => {
                    state.sync_wake.notify_one();
                    "published"
                }
                Sent::Held(_) => "held",
            };
            Ok(see_other(&format!(
                "{}?done={done}",
                draft_href(&case, &draft.id)
            )))
        }
        Err(FlowError::Submit(e @ rules::SubmitError::OpenFindings(_))) => {
            let errors = vec![FieldError::new("findings", e.to_string())];
            editor_view(&state, &user, &case, Access::Act, &draft, None, &errors, "").await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn reopen(
    State(state): State<AppState>,
    ActOnDraft { user, case, draft }: ActOnDraft,
    Posted(_): Posted,
) -> Result<Response> {
    crate::publishing::reopen(&state.db, &draft, &user.staff.id, now()).await?;
    Ok(see_other(&format!(
        "{}?done=reopened",
        draft_href(&case, &draft.id)
    )))
}

pub(super) async fn new_version(
    State(state): State<AppState>,
    ActOnDraft { user, case, draft }: ActOnDraft,
    Posted(_): Posted,
) -> Result<Response> {
    let new = crate::publishing::new_version(&state.db, &draft, &user.staff.id, now()).await?;
    Ok(see_other(&draft_href(&case, &new)))
}
