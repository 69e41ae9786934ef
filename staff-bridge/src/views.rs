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

pub use content::forms::{error_for, error_summary, title, FieldError};

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
    content::forms::csrf(&user.session.csrf)
}

/// A one-button form that posts to `action` with the CSRF token; `name`
/// tells it apart from the page's other forms (see `content::forms`).
pub fn post_button(user: &StaffUser, action: &str, name: &str, label: &str, class: &str) -> Markup {
    content::forms::post_button(&user.session.csrf, action, name, label, class)
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
    let messages = match user.unread_messages {
        0 => "Messages".to_string(),
        n => format!("Messages ({n} unread)"),
    };
    let mut nav = vec![
        NavLink {
            href: "/my-cases",
            label: "My cases",
        },
        NavLink {
            href: "/messages",
            label: &messages,
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
    if [Role::Duty, Role::Manager, Role::IgOfficer]
        .iter()
        .any(|r| user.staff.has(*r))
    {
        nav.push(NavLink {
            href: "/duty",
            label: "Duty",
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
    let main = html! {
        @if let Some((count, oldest)) = user.urgent {
            div class="urgent-banner" role="alert" {
                p {
                    strong { (count) " urgent: " @if count == 1 { "a family member does" } @else { "family members do" } " not feel safe." }
                    " The oldest arrived " (content::when::day_and_time(oldest)) " (" (waited(content::db::now() - oldest)) " ago). "
                    a href="/duty" { "See them now" }
                }
            }
        }
        (main)
    };
    (status, CHROME.page(title, &nav, main)).into_response()
}

/// How long something has waited, in words.
pub fn waited(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    match minutes {
        0 => "less than a minute".into(),
        1 => "1 minute".into(),
        2..=119 => format!("{minutes} minutes"),
        _ if minutes < 48 * 60 => format!("{} hours", minutes / 60),
        _ => format!("{} days", minutes / (24 * 60)),
    }
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
