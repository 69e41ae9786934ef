//! The form toolkit both services use, in the GOV.UK Design System's
//! patterns: one `FieldError` and error summary (linking to each field), the
//! error beside its field, the CSRF field and one-button forms, and a parser
//! for forms with repeated fields. The portal's inputs are drawn here too;
//! the bridge's (another stylesheet) in its `views`.

use axum::http::HeaderMap;
use maud::{html, Markup};

/// One problem with one field; `field` is the id of the input to focus.
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

/// A urlencoded form, kept as sent: serde_urlencoded cannot collect a field
/// that repeats (checkboxes), and a missing field reads as empty.
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Fields {
        Fields(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, or "" when the form has none.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value of a repeated field, in the order sent.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// What a person typed, shown back with its line breaks and never as markup.
pub fn typed_text(text: &str) -> Markup {
    html! {
        @for (i, line) in text.lines().enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}

impl FromIterator<(String, String)> for Fields {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Fields {
        Fields(pairs.into_iter().collect())
    }
}

/// A handler may take the posted form as `Fields` directly.
impl<S: Send + Sync> axum::extract::FromRequest<S> for Fields {
    type Rejection = axum::response::Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let body = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(axum::response::IntoResponse::into_response)?;
        Ok(Fields::parse(&body))
    }
}

/// The CSRF token a script sends with a JSON request (the passkey forms),
/// or "" when there is none.
pub fn csrf_header(headers: &HeaderMap) -> &str {
    headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A one-button form that posts to `action` with the CSRF token. `name` is
/// the form's accessible name, distinct from the page's other forms ("Revoke
/// Sarah Carter's passkeys"), so a screen reader's list of forms tells them
/// apart.
pub fn post_button(csrf_token: &str, action: &str, name: &str, label: &str, class: &str) -> Markup {
    html! {
        form method="post" action=(action) class="inline-form" aria-label=(name) {
            (csrf(csrf_token))
            button class=(class) type="submit" { (label) }
        }
    }
}

/// The summary a page with errors starts with.
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

/// A page title, marked as having errors when it does.
pub fn title(base: &str, errors: &[FieldError]) -> String {
    if errors.is_empty() {
        base.to_string()
    } else {
        format!("Error: {base}")
    }
}

/// The message for one field, if it has one.
pub fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// A labelled text input.
pub struct Input<'a> {
    pub id: &'static str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
    pub value: &'a str,
    /// `type`: text, email, numeric text…
    pub kind: &'a str,
    pub autocomplete: &'a str,
    /// For one-time codes and similar: `inputmode="numeric"`.
    pub numeric: bool,
}

impl Input<'_> {
    pub fn render(&self, errors: &[FieldError]) -> Markup {
        let error = error_for(errors, self.id);
        let hint_id = format!("{}-hint", self.id);
        let error_id = format!("{}-error", self.id);
        let described: Vec<&str> = [
            self.hint.map(|_| hint_id.as_str()),
            error.map(|_| error_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        html! {
            div class={ "field" @if error.is_some() { " error" } } {
                label for=(self.id) { (self.label) }
                @if let Some(hint) = self.hint { p class="hint" id=(hint_id) { (hint) } }
                @if let Some(error) = error {
                    p class="error-message" id=(error_id) { span class="visually-hidden" { "Error: " } (error) }
                }
                input id=(self.id) name=(self.id) type=(self.kind) value=(self.value)
                    autocomplete=(self.autocomplete)
                    inputmode=[self.numeric.then_some("numeric")]
                    aria-describedby=[(!described.is_empty()).then(|| described.join(" "))]
                    aria-invalid=[error.map(|_| "true")]
                    spellcheck="false";
            }
        }
    }
}

/// A date as three boxes (day, month, year), with `{id}-day` as the field to
/// focus from the summary.
pub fn date_input(
    id: &'static str,
    legend: &str,
    hint: &str,
    (day, month, year): (&str, &str, &str),
    autocomplete_prefix: Option<&str>,
    errors: &[FieldError],
) -> Markup {
    let error = errors
        .iter()
        .find(|e| e.field.starts_with(id))
        .map(|e| e.message.as_str());
    let ac = |part: &str| autocomplete_prefix.map(|p| format!("{p}-{part}"));
    html! {
        div class={ "field" @if error.is_some() { " error" } } {
            fieldset class="date" role="group"
                aria-describedby={ (id) "-hint" @if error.is_some() { " " (id) "-error" } } {
                legend { (legend) }
                p class="hint" id={ (id) "-hint" } { (hint) }
                @if let Some(error) = error {
                    p class="error-message" id={ (id) "-error" } { span class="visually-hidden" { "Error: " } (error) }
                }
                @let invalid = error.map(|_| "true");
                div class="date-parts" {
                    div { label for={ (id) "-day" } { "Day" }
                        input id={ (id) "-day" } name={ (id) "-day" } inputmode="numeric" value=(day) size="2" autocomplete=[ac("day")] aria-invalid=[invalid]; }
                    div { label for={ (id) "-month" } { "Month" }
                        input id={ (id) "-month" } name={ (id) "-month" } inputmode="numeric" value=(month) size="2" autocomplete=[ac("month")] aria-invalid=[invalid]; }
                    div { label for={ (id) "-year" } { "Year" }
                        input id={ (id) "-year" } name={ (id) "-year" } inputmode="numeric" value=(year) size="4" autocomplete=[ac("year")] aria-invalid=[invalid]; }
                }
            }
        }
    }
}

/// Turns the three boxes into `YYYY-MM-DD`, if they make a real date.
pub fn parse_date_parts(day: &str, month: &str, year: &str) -> Option<String> {
    let day: u8 = day.trim().parse().ok()?;
    let month: u8 = month.trim().parse().ok()?;
    let year: i32 = year.trim().parse().ok()?;
    let month = time::Month::try_from(month).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    (1900..=2100)
        .contains(&year)
        .then(|| format!("{:04}-{:02}-{:02}", date.year(), month as u8, date.day()))
}

/// The hidden field that carries the session's CSRF token.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_for_real() {
        assert_eq!(
            parse_date_parts("12", "4", "2016"),
            Some("2016-04-12".into())
        );
        assert_eq!(parse_date_parts("31", "2", "2016"), None);
        assert_eq!(parse_date_parts("", "4", "2016"), None);
        assert_eq!(parse_date_parts("1", "1", "16"), None);
    }

    #[test]
    fn a_field_with_an_error_says_so_to_screen_readers() {
        let errors = vec![FieldError::new("email", "Enter an email address")];
        let html = Input {
            id: "email",
            label: "Email",
            hint: None,
            value: "",
            kind: "email",
            autocomplete: "email",
            numeric: false,
        }
        .render(&errors)
        .into_string();
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("aria-describedby=\"email-error\""));
        assert!(error_summary(&errors)
            .into_string()
            .contains("href=\"#email\""));
    }
}
