//! The form parts a contribution is written with: boxes to write in, choices,
//! and the scale of five faces. Each face is a radio button with its words
//! beside it, so it works by keyboard and a screen reader reads the words;
//! the drawing itself is hidden from assistive technology.

use content::forms::{error_for, typed_text, FieldError};
use maud::{html, Markup};

use super::questions::{Field, Question, FACES, MAX_CHARS};
use super::Answers;

/// A face drawn for `value` 1 (very sad) to 5 (very happy): the mouth bends
/// from down to up.
fn face(value: &str) -> Markup {
    let bend: i32 = match value {
        "1" => -8,
        "2" => -4,
        "3" => 0,
        "4" => 4,
        _ => 8,
    };
    let mouth = format!("M12 {y} Q20 {c} 28 {y}", y = 26 - bend / 4, c = 26 + bend);
    html! {
        svg class="face" viewBox="0 0 40 40" width="40" height="40" aria-hidden="true" focusable="false" {
            circle cx="20" cy="20" r="18" fill="#ffdd00" stroke="#0b0c0c" stroke-width="2" {}
            circle cx="14" cy="15" r="2.5" fill="#0b0c0c" {}
            circle cx="26" cy="15" r="2.5" fill="#0b0c0c" {}
            path d=(mouth) fill="none" stroke="#0b0c0c" stroke-width="2.5" stroke-linecap="round" {}
        }
    }
}

/// The words of a face, for showing an answer back.
pub fn face_words(value: &str) -> &'static str {
    FACES
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, w)| *w)
        .unwrap_or("")
}

/// A small drawing of a chosen face beside its words, for the answers page.
pub fn face_answer(value: &str) -> Markup {
    html! { span class="face-answer" { (face(value)) " " (face_words(value)) } }
}

fn radios(
    q: &Question,
    value: &str,
    choices: &[(&str, &str)],
    faces: bool,
    error: Option<&str>,
) -> Markup {
    let error_id = format!("{}-error", q.key);
    let hint_id = format!("{}-hint", q.key);
    let mut described = Vec::new();
    if q.hint.is_some() {
        described.push(hint_id.clone());
    }
    if error.is_some() {
        described.push(error_id.clone());
    }
    let described = described.join(" ");
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            fieldset class="fieldset" aria-describedby=[(!described.is_empty()).then_some(described.as_str())] {
                legend class="fieldset-legend" { (q.label) }
                @if let Some(hint) = &q.hint { div class="hint" id=(hint_id) { (hint) } }
                @if let Some(error) = error {
                    p class="error-message" id=(error_id) { span class="visually-hidden" { "Error: " } (error) }
                }
                div class={ "radios" @if faces { " faces" } } {
                    @for (i, (v, label)) in choices.iter().enumerate() {
                        @let id = if i == 0 { q.key.clone() } else { format!("{}-{v}", q.key) };
                        div class="radio" {
                            input type="radio" id=(id) name=(q.key) value=(v) checked[value == *v]
                                aria-invalid=[error.map(|_| "true")];
                            label for=(id) {
                                @if faces { (face(v)) " " }
                                (label)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One question as a form field, holding what was typed before.
pub fn field(q: &Question, answers: &Answers, errors: &[FieldError]) -> Markup {
    let value = answers.get(&q.key).map(String::as_str).unwrap_or("");
    let error = error_for(errors, &q.key);
    match &q.field {
        Field::Faces => radios(q, value, &FACES, true, error),
        Field::Choice(choices) => radios(q, value, choices, false, error),
        Field::Text => {
            let hint_id = format!("{}-hint", q.key);
            let error_id = format!("{}-error", q.key);
            let mut described = Vec::new();
            if q.hint.is_some() {
                described.push(hint_id.clone());
            }
            if error.is_some() {
                described.push(error_id.clone());
            }
            let described = described.join(" ");
            html! {
                div class={ "form-group" @if error.is_some() { " form-group-error" } } {
                    label class="label" for=(q.key) { (q.label) }
                    @if let Some(hint) = &q.hint { div class="hint" id=(hint_id) { (hint) } }
                    @if let Some(error) = error {
                        p class="error-message" id=(error_id) { span class="visually-hidden" { "Error: " } (error) }
                    }
                    textarea class="textarea" id=(q.key) name=(q.key) rows="5"
                        aria-describedby=[(!described.is_empty()).then_some(described.as_str())]
                        aria-invalid=[error.map(|_| "true")] { (value) }
                    p class="hint" { "Up to " (MAX_CHARS) " characters." }
                }
            }
        }
    }
}

/// An answer shown back on the check-your-answers and own-contribution pages.
pub fn answer(q: &Question, value: &str) -> Markup {
    match &q.field {
        Field::Faces => face_answer(value),
        _ => typed_text(&super::questions::display(q, value)),
    }
}
