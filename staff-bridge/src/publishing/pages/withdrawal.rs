//! Withdrawing a publication: the family stops seeing it at once.

use super::*;

pub(super) async fn withdraw_page(
    DraftScope {
        user,
        case,
        access: _,
        draft,
    }: DraftScope,
) -> Result<Response> {
    if !rules::can_withdraw(&user.staff, &draft.author_id) {
        return Err(BridgeError::Forbidden);
    }
    Ok(withdraw_form(&user, &case, &draft, &[]))
}

pub(super) fn withdraw_form(
    user: &StaffUser,
    case: &Case,
    draft: &Draft,
    errors: &[FieldError],
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let error = errors.first();
    views::page_with_status(
        user,
        status,
        &views::title(&format!("Withdraw {}", draft.title), errors),
        html! {
            (views::error_summary(errors))
            h1 { "Withdraw “" (draft.title) "”" }
            p { @if draft.status == Status::Approved { "It has not been published yet: withdrawing it means it never will be." }
                @else { "The family will stop seeing it at once. The disclosure log keeps a record of what was shown, who withdrew it and why." } }
            form method="post" action={ (draft_href(case, &draft.id)) "/withdraw" } aria-label="Withdraw it" {
                (views::csrf(user))
                div class={ "form-group" @if error.is_some() { " form-group-error" } } {
                    label class="label" for="reason" { "Why are you withdrawing it?" }
                    div class="hint" id="reason-hint" { "This is recorded in the disclosure log. Do not write personal details." }
                    @if let Some(e) = error { p class="error-message" id="reason-error" { span class="visually-hidden" { "Error: " } (e.message) } }
                    textarea class="textarea" id="reason" name="reason" rows="3" aria-describedby={ "reason-hint" @if error.is_some() { " reason-error" } } aria-invalid=[error.map(|_| "true")] {}
                }
                button class="button button-warning" type="submit" { "Withdraw it" }
            }
            p { a href=(draft_href(case, &draft.id)) { "Cancel" } }
        },
    )
}

pub(super) async fn withdraw(
    State(state): State<AppState>,
    DraftScope {
        user,
        case,
        access: _,
        draft,
    }: DraftScope,
    Posted(form): Posted,
) -> Result<Response> {
    if !rules::can_withdraw(&user.staff, &draft.author_id) {
        return Err(BridgeError::Forbidden);
    }
    match crate::publishing::withdraw(&state.db, &draft, &user.staff, form.get("reason"), now())
        .await
    {
        Ok(()) => {
            state.sync_wake.notify_one();
            Ok(see_other(&format!(
                "{}?done=withdrawn",
                draft_href(&case, &draft.id)
            )))
        }
        Err(FlowError::NoReason) => Ok(withdraw_form(
            &user,
            &case,
            &draft,
            &[FieldError::new(
                "reason",
                "Give the reason for withdrawing it (500 characters at most)",
            )],
        )),
        Err(e) => Err(e.into()),
    }
}
