//! What each kind of contribution asks, for whom, and the checks on the
//! answers. Plain functions: the pages and the tests both call them.

use content::forms::{FieldError, Fields};
use content::sync::{Answer, ContributionBody, FamilyRole};

use super::{Answers, Kind};

/// The most a person may write in one box.
pub const MAX_CHARS: usize = 5000;

/// The face scale, worst to best: the value sent and the words beside it.
pub const FACES: [(&str, &str); 5] = [
    ("1", "Very sad"),
    ("2", "Sad"),
    ("3", "OK"),
    ("4", "Happy"),
    ("5", "Very happy"),
];

pub const PLAN_CHOICES: [(&str, &str); 3] = [
    ("agree", "I agree"),
    ("not_sure", "I'm not sure"),
    ("disagree", "I don't agree"),
];

pub const FEEDBACK_CHOICES: [(&str, &str); 3] = [
    ("compliment", "A compliment: something that went well"),
    ("worry", "A worry"),
    ("complaint", "A complaint"),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// A box to write in.
    Text,
    /// The five faces.
    Faces,
    /// One of these (value, label).
    Choice(&'static [(&'static str, &'static str)]),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The form field's name and id.
    pub key: String,
    pub label: String,
    pub hint: Option<String>,
    pub field: Field,
    pub required: bool,
}

fn text(key: &str, label: &str, hint: Option<&str>, required: bool) -> Question {
    Question {
        key: key.into(),
        label: label.into(),
        hint: hint.map(str::to_string),
        field: Field::Text,
        required,
    }
}

fn faces(key: &str, label: &str) -> Question {
    Question {
        key: key.into(),
        label: label.into(),
        hint: Some("You do not have to choose one.".into()),
        field: Field::Faces,
        required: false,
    }
}

/// Who gets the Three Houses: a child of 12 or under (or of no known age).
pub fn is_young_child(role: FamilyRole, date_of_birth: Option<&str>, today: time::Date) -> bool {
    if role != FamilyRole::Child {
        return false;
    }
    date_of_birth
        .and_then(|d| content::when::age_on(d, today))
        .is_none_or(|age| age <= 12)
}

/// The views a person gives before a meeting.
pub fn views(young_child: bool) -> Vec<Question> {
    const WRITE: Option<&str> = Some("Write as much or as little as you like.");
    if young_child {
        vec![
            text(
                "worries",
                "My house of worries: what worries me?",
                WRITE,
                false,
            ),
            faces("worries-feeling", "How do my worries make me feel?"),
            text(
                "good",
                "My house of good things: what is going well?",
                WRITE,
                false,
            ),
            faces("good-feeling", "How do the good things make me feel?"),
            text(
                "dreams",
                "My house of dreams: what would I like to happen?",
                WRITE,
                false,
            ),
            faces("dreams-feeling", "How do I feel about my dreams?"),
        ]
    } else {
        vec![
            text("going-well", "What is going well?", None, false),
            text("worries", "What worries you?", None, false),
            text("needs", "What needs to happen?", None, false),
        ]
    }
}

/// The sections of a plan: each heading of its published text, or the whole
/// plan when it has none.
pub fn plan_sections(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut sections = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => current = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(heading) = current.take() {
                    let heading = heading.trim().to_string();
                    if !heading.is_empty() {
                        sections.push(heading);
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(heading) = current.as_mut() {
                    heading.push_str(&t);
                }
            }
            _ => {}
        }
    }
    if sections.is_empty() {
        sections.push("The whole plan".into());
    }
    sections
}

pub fn plan_response(sections: &[String]) -> Vec<Question> {
    sections
        .iter()
        .enumerate()
        .flat_map(|(i, heading)| {
            [
                Question {
                    key: format!("section-{i}"),
                    label: heading.clone(),
                    hint: None,
                    field: Field::Choice(&PLAN_CHOICES),
                    required: false,
                },
                text(
                    &format!("section-{i}-words"),
                    &format!("Anything you want to say about “{heading}”"),
                    Some("You do not have to write anything."),
                    false,
                ),
            ]
        })
        .collect()
}

pub fn correction() -> Vec<Question> {
    vec![
        text(
            "wrong",
            "What is wrong?",
            Some("Tell us which part, and what is not right about it."),
            true,
        ),
        text(
            "should-say",
            "What should it say?",
            Some("If you know. You can leave this empty."),
            false,
        ),
    ]
}

pub fn feedback() -> Vec<Question> {
    vec![
        Question {
            key: "about".into(),
            label: "What would you like to tell us?".into(),
            hint: None,
            field: Field::Choice(&FEEDBACK_CHOICES),
            required: true,
        },
        text("words", "Tell us more", None, true),
    ]
}

pub fn unsafe_message() -> Vec<Question> {
    vec![text(
        "message",
        "What is happening? (You do not have to write anything.)",
        None,
        false,
    )]
}

/// Takes the answers to `questions` from a form, keeping only known fields,
/// and says what is wrong with them. What was typed is kept either way, so
/// the page can show it again.
pub fn read(questions: &[Question], form: &Fields) -> (Answers, Vec<FieldError>) {
    let mut answers = Answers::new();
    let mut errors = Vec::new();
    for q in questions {
        let value = form.get(&q.key).replace("\r\n", "\n");
        let field = q.key.as_str();
        match &q.field {
            Field::Text => {
                let chars = value.chars().count();
                if chars > MAX_CHARS {
                    errors.push(FieldError::new(
                        field,
                        format!("This box can hold up to {MAX_CHARS} characters. You have written {chars}. Make it shorter, or send the rest another time."),
                    ));
                } else if q.required && value.trim().is_empty() {
                    errors.push(FieldError::new(
                        field,
                        format!("Write something in “{}”", q.label),
                    ));
                }
            }
            Field::Faces | Field::Choice(_) => {
                let options: Vec<&str> = match &q.field {
                    Field::Faces => FACES.iter().map(|(v, _)| *v).collect(),
                    Field::Choice(choices) => choices.iter().map(|(v, _)| *v).collect(),
                    Field::Text => Vec::new(),
                };
                if !value.is_empty() && !options.contains(&value.as_str()) {
                    errors.push(FieldError::new(field, "Choose one of the answers"));
                    continue;
                } else if q.required && value.is_empty() {
                    errors.push(FieldError::new(
                        field,
                        format!("Choose an answer to “{}”", q.label),
                    ));
                }
            }
        }
        if !value.is_empty() {
            answers.insert(q.key.clone(), value);
        }
    }
    (answers, errors)
}

/// Before sending: something must have been said.
pub fn ready_to_send(kind: Kind, answers: &Answers) -> Option<&'static str> {
    let said = answers.values().any(|v| !v.trim().is_empty());
    (!said && kind != Kind::Unsafe).then_some("You have not written or chosen anything yet")
}

/// The answer as the worker reads it: words for choices and faces.
pub fn display(q: &Question, value: &str) -> String {
    let pick = |choices: &[(&str, &str)]| {
        choices
            .iter()
            .find(|(v, _)| *v == value)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| value.to_string())
    };
    match &q.field {
        Field::Text => value.to_string(),
        Field::Faces => format!("{} ({value} of 5)", pick(&FACES)),
        Field::Choice(choices) => pick(choices),
    }
}

/// The words for a stored choice when its question is no longer known (the
/// item was replaced): a known choice's label, or the text itself.
pub fn words_for(value: &str) -> &str {
    PLAN_CHOICES
        .iter()
        .chain(FEEDBACK_CHOICES.iter())
        .find(|(v, _)| *v == value)
        .map(|(_, label)| *label)
        .unwrap_or(value)
}

/// What crosses to the bridge: each answered question with its answer.
pub fn body(questions: &[Question], answers: &Answers) -> ContributionBody {
    ContributionBody {
        answers: questions
            .iter()
            .filter_map(|q| {
                let value = answers.get(&q.key)?;
                (!value.trim().is_empty()).then(|| Answer {
                    question: q.label.clone(),
                    answer: display(q, value),
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_three_houses_are_for_children_of_twelve_and_under() {
        let today = date!(2026 - 12 - 02);
        assert!(is_young_child(FamilyRole::Child, Some("2016-05-01"), today));
        assert!(
            is_young_child(FamilyRole::Child, Some("2013-12-03"), today),
            "12 until tomorrow"
        );
        assert!(
            !is_young_child(FamilyRole::Child, Some("2013-12-02"), today),
            "13 today"
        );
        assert!(is_young_child(FamilyRole::Child, None, today));
        assert!(!is_young_child(
            FamilyRole::Parent,
            Some("2016-05-01"),
            today
        ));
    }

    #[test]
    fn a_plan_has_a_section_for_each_heading() {
        let sections = plan_sections(
            "# My plan\n\nIntro\n\n## What is going well\n\nx\n\n## What *needs* to change\n",
        );
        assert_eq!(
            sections,
            ["My plan", "What is going well", "What needs to change"]
        );
        assert_eq!(plan_sections("No headings at all."), ["The whole plan"]);
    }

    #[test]
    fn too_long_keeps_the_text_and_says_how_long() {
        let questions = correction();
        let long = "a".repeat(MAX_CHARS + 1);
        let (answers, errors) = read(
            &questions,
            &[("wrong".into(), long.clone())].into_iter().collect(),
        );
        assert_eq!(answers["wrong"], long, "what was typed is kept");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("5001"));
        let (_, errors) = read(
            &questions,
            &[("wrong".into(), "  ".into())].into_iter().collect(),
        );
        assert_eq!(errors[0].message, "Write something in “What is wrong?”");
    }

    #[test]
    fn unknown_choices_and_fields_are_refused_or_ignored() {
        let questions = views(true);
        let form = [
            ("worries-feeling".to_string(), "9".to_string()),
            ("smuggled".to_string(), "x".to_string()),
        ]
        .into_iter()
        .collect();
        let (answers, errors) = read(&questions, &form);
        assert!(!answers.contains_key("smuggled"));
        assert_eq!(errors[0].message, "Choose one of the answers");
    }

    #[test]
    fn the_worker_reads_words_not_codes() {
        let questions = views(true);
        let mut answers = Answers::new();
        answers.insert("good-feeling".into(), "4".into());
        answers.insert("dreams".into(), "A dog".into());
        let body = body(&questions, &answers);
        assert_eq!(body.answers[0].answer, "Happy (4 of 5)");
        assert_eq!(
            body.answers[1].question,
            "My house of dreams: what would I like to happen?"
        );
        assert_eq!(
            ready_to_send(Kind::Views, &Answers::new()),
            Some("You have not written or chosen anything yet")
        );
        assert_eq!(ready_to_send(Kind::Views, &answers), None);
    }
}
