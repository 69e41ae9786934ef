//! Starting with an invitation: the code from the worker, then the person's
//! first name and date of birth. A match signs them in and takes them to set
//! up how they will sign in next time.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use content::db::now;
use content::forms::{self, FieldError, Input};
use maud::html;
use serde::Deserialize;

use crate::error::Result;
use crate::family::{self, Client};
use crate::invitations::{self, Refusal};
use crate::pages::page;
use crate::{sign_in, AppState};

#[derive(Deserialize, Default)]
pub struct StartQuery {
    #[serde(default)]
    code: String,
}

#[derive(Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    code: String,
    #[serde(default, rename = "first-name")]
    first_name: String,
    #[serde(default, rename = "dob-day")]
    day: String,
    #[serde(default, rename = "dob-month")]
    month: String,
    #[serde(default, rename = "dob-year")]
    year: String,
}

pub async fn show(Query(query): Query<StartQuery>) -> Response {
    form(
        &StartForm {
            code: query.code,
            ..Default::default()
        },
        &[],
    )
}

fn form(values: &StartForm, errors: &[FieldError]) -> Response {
    page(
        &forms::title("Start using FamilyStory", errors),
        html! {
            (forms::error_summary(errors))
            h1 { "Start using FamilyStory" }
            p { "Your worker gave you a code. It is on your letter or in your email." }
            form method="post" action="/start" novalidate {
                (Input { id: "code", label: "Your code", hint: Some("It looks like ABCD-EFGH-JKM"), value: &values.code,
                    kind: "text", autocomplete: "off", numeric: false }.render(errors))
                (Input { id: "first-name", label: "Your first name", hint: None, value: &values.first_name,
                    kind: "text", autocomplete: "given-name", numeric: false }.render(errors))
                (forms::date_input("dob", "Your date of birth", "For example, 27 3 2015",
                    (&values.day, &values.month, &values.year), Some("bday"), errors))
                button type="submit" { "Continue" }
            }
            p { "No code? Ask your worker for one." }
            p { a href="/sign-in" { "I have already started: sign in" } }
        },
    )
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    Form(values): Form<StartForm>,
) -> Result<Response> {
    if content::session::check_origin(&headers, &state.origin).is_err() {
        return Ok(crate::pages::forbidden());
    }
    let mut errors = Vec::new();
    let code = match content::invitation::parse(&values.code) {
        Ok(code) => Some(code),
        Err(error) => {
            let message = if values.code.trim().is_empty() {
                "Enter your code".to_string()
            } else {
                error.to_string()
            };
            errors.push(FieldError::new("code", message));
            None
        }
    };
    if values.first_name.trim().is_empty() {
        errors.push(FieldError::new("first-name", "Enter your first name"));
    }
    let dob = forms::parse_date_parts(&values.day, &values.month, &values.year);
    if dob.is_none() {
        errors.push(FieldError::new(
            "dob-day",
            "Enter your date of birth as numbers, like 27 3 2015",
        ));
    }
    let (Some(code), Some(dob), true) = (code, dob, errors.is_empty()) else {
        return Ok(form(&values, &errors));
    };
    let outcome = invitations::redeem(
        &state.db,
        &state.sealer,
        &content::invitation::hash(&code),
        &values.first_name,
        &dob,
        now(),
    )
    .await?;
    match outcome {
        Ok((invitation, person)) => {
            family::record(
                &state.db,
                "invitation_used",
                Some(person),
                Some(&client),
                serde_json::json!({ "invitation_id": invitation }),
            )
            .await?;
            sign_in::start_session(&state, person, &client, "invitation", "/account/setup").await
        }
        Err(refusal) => {
            // Recorded for the ledger without the code or the details typed,
            // and with no person: a refused check proves nobody's identity.
            let reason = match refusal {
                Refusal::NoSuchCode => "no_such_code",
                Refusal::DetailsDoNotMatch => "details_do_not_match",
            };
            family::record(
                &state.db,
                "invitation_check_failed",
                None,
                Some(&client),
                serde_json::json!({ "reason": reason }),
            )
            .await?;
            // The same words whatever was wrong: nothing says whether the code exists.
            let errors = vec![FieldError::new(
                "code",
                "We could not match these details. Check your code, first name and date of birth. If it still does not work, your code may be used or too old: ask your worker for a new one.",
            )];
            Ok(form(&values, &errors))
        }
    }
}
