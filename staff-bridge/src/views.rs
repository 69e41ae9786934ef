//! Parts of the staff pages: the layout with the signed-in navigation, and
//! form parts in the GOV.UK Design System's patterns (an error summary at the
//! top linking to each field, the error beside the field, hints, and
//! `autocomplete` purposes).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use content::web::NavLink;
use maud::{html, Markup};

use crate::auth::StaffUser;
use crate::pages::CHROME;
use crate::staff::Role;

/// One problem with one field; `field` is the id of the input it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The title of a page that may have errors: "Error: " first when it has.
pub fn title(base: &str, errors: &[FieldError]) -> String {
    if errors.is_empty() {
        base.to_string()
    } else {
        format!("Error: {base}")
    }
}

pub fn error_summary(errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title" {
                h2 id="error-summary-title" { "There is a problem" }
                ul {
                    @for e in errors { li { a href={ "#" (e.field) } { (e.message) } } }
                }
            }
        }
    }
}

pub fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// A labelled text input with an optional hint and its error.
pub struct Input<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
    pub value: &'a str,
    pub kind: &'a str,
    pub autocomplete: &'a str,
}

impl Input<'_> {
    pub fn render(&self, errors: &[FieldError]) -> Markup {
        let error = error_for(errors, self.id);
        let hint_id = format!("{}-hint", self.id);
        let error_id = format!("{}-error", self.id);
        let mut described = Vec::new();
        if self.hint.is_some() {
            described.push(hint_id.clone());
        }
        if error.is_some() {
            described.push(error_id.clone());
        }
        let described = described.join(" ");
        html! {
            div class={ "form-group" @if error.is_some() { " form-group-error" } } {
                label class="label" for=(self.id) { (self.label) }
                @if let Some(hint) = self.hint { div class="hint" id=(hint_id) { (hint) } }
                @if let Some(error) = error {
                    p class="error-message" id=(error_id) { span class="visually-hidden" { "Error: " } (error) }
                }
                input class="input" id=(self.id) name=(self.name) type=(self.kind)
                    value=(self.value) autocomplete=(self.autocomplete) spellcheck="false"
                    aria-describedby=[(!described.is_empty()).then_some(described.as_str())]
                    aria-invalid=[error.map(|_| "true")];
            }
        }
    }
}

/// Role checkboxes in a fieldset; `id` is the first checkbox's id, which an
/// error summary links to.
pub fn role_checkboxes(id: &str, legend: &str, chosen: &[Role], errors: &[FieldError]) -> Markup {
    let error = error_for(errors, id);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = if error.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        hint_id.clone()
    };
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            fieldset class="fieldset" aria-describedby=(described) {
                legend class="fieldset-legend" { (legend) }
                div class="hint" id=(hint_id) { "Choose every role the person needs." }
                @if let Some(error) = error {
                    p class="error-message" id=(error_id) { span class="visually-hidden" { "Error: " } (error) }
                }
                @for (i, role) in Role::ALL.iter().enumerate() {
                    @let input_id = if i == 0 { id.to_string() } else { format!("{id}-{}", role.as_str()) };
                    div class="checkbox" {
                        input id=(input_id) type="checkbox" name="role" value=(role.as_str())
                            checked[chosen.contains(role)] aria-invalid=[error.map(|_| "true")];
                        label for=(input_id) { (role.label()) }
                    }
                }
            }
        }
    }
}

/// A hidden CSRF field for a form of a signed-in page.
pub fn csrf(user: &StaffUser) -> Markup {
    html! { input type="hidden" name="csrf" value=(user.session.csrf); }
}

/// A one-button form that posts to `action` with the CSRF token.
pub fn post_button(user: &StaffUser, action: &str, label: &str, class: &str) -> Markup {
    html! {
        form method="post" action=(action) class="inline-form" {
            (csrf(user))
            button class=(class) type="submit" { (label) }
        }
    }
}

/// A staff page for a signed-in member, with the navigation their roles allow.
pub fn page(user: &StaffUser, title: &str, main: Markup) -> Response {
    page_with_status(user, StatusCode::OK, title, main)
}

pub fn page_with_status(
    user: &StaffUser,
    status: StatusCode,
    title: &str,
    main: Markup,
) -> Response {
    let mut nav = vec![
        NavLink {
            href: "/my-cases",
            label: "My cases",
        },
        NavLink {
            href: "/cases",
            label: "Cases",
        },
    ];
    if user.staff.has(Role::Manager) {
        nav.push(NavLink {
            href: "/approvals",
            label: "Approvals",
        });
    }
    if user.staff.has(Role::IgOfficer) {
        nav.push(NavLink {
            href: "/governance",
            label: "Disclosures",
        });
    }
    if user.staff.has(Role::Manager) || user.staff.has(Role::IgOfficer) {
        nav.push(NavLink {
            href: "/reports",
            label: "Reports",
        });
    }
    nav.push(NavLink {
        href: "/account",
        label: "Your account",
    });
    if user.staff.has(Role::Admin) {
        nav.push(NavLink {
            href: "/admin/staff",
            label: "Staff",
        });
    }
    nav.push(NavLink {
        href: "/sign-out",
        label: "Sign out",
    });
    (status, CHROME.page(title, &nav, main)).into_response()
}

/// A page for someone not signed in.
pub fn public_page(status: StatusCode, title: &str, main: Markup) -> Response {
    (status, CHROME.page(title, &[], main)).into_response()
}

/// The paragraph every passkey form carries for when the ceremony cannot run.
pub fn passkey_help(what: &str) -> Markup {
    html! {
        div class="passkey-help" {
            p { "This uses a passkey: your computer or phone's screen lock, fingerprint or face, or a security key." }
            noscript {
                p class="warning" { strong { "JavaScript is turned off in this browser. " } "Passkeys need it. Turn JavaScript on, or use another up-to-date browser." }
            }
            p { "If no " (what) " button appears, or nothing happens when you press it, this browser cannot use passkeys. Use a council laptop with an up-to-date browser (Edge, Chrome, Firefox or Safari), or ask an administrator for help." }
        }
    }
}

/// A date and time for people, in UK local time.
pub fn when(at: i64) -> String {
    content::when::day_and_time(at)
}

/// A date for people, in UK local time.
pub fn day(at: i64) -> String {
    content::when::day(at)
}
