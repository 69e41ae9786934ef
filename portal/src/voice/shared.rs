//! Views shared "with everyone at the meeting", shown on the meeting's page
//! to the others invited to it. Views for the worker only never appear here.

use maud::{html, Markup};

use super::{fields, Contribution};

pub fn views_for_meeting(shared: &[(String, Contribution)]) -> Markup {
    html! {
        @if !shared.is_empty() {
            section class="panel" aria-labelledby="shared-heading" {
                h2 id="shared-heading" { "What others have said before the meeting" }
                @for (name, c) in shared {
                    h3 { (name) }
                    dl class="summary-list" {
                        @for (key, value) in &c.answers {
                            div {
                                dt { (label_of(key)) }
                                dd {
                                    @if key.ends_with("-feeling") { (fields::face_answer(value)) }
                                    @else { (content::forms::typed_text(value)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The question a stored answer answered, in the words the views form used.
fn label_of(key: &str) -> String {
    super::questions::views(true)
        .into_iter()
        .chain(super::questions::views(false))
        .find(|q| q.key == key)
        .map(|q| q.label)
        .unwrap_or_else(|| key.to_string())
}
