//! The pages a family member writes on: a form per kind, "check your
//! answers" before sending, and their own list of what they have told us,
//! each beside its status and any "you said, we did" reply.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use content::db::now;
use content::forms::{self, FieldError, Fields};
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::questions::{self, Question};
use super::{fields, About, Answers, Audience, Contribution, Kind};
use crate::error::{PortalError, Result};
use crate::family::Family;
use crate::pages::{forbidden, page};
use crate::publications::{self, Visible};
use crate::AppState;

/// Everything a form needs to know about what is being written.
pub(super) struct Setup {
    pub kind: Kind,
    pub item: Option<Visible>,
    pub questions: Vec<Question>,
    /// Where the form lives.
    pub path: String,
}

impl Setup {
    pub fn about(&self) -> Option<About> {
        self.item.as_ref().map(|i| About {
            publication_id: i.id,
            version: i.version,
        })
    }

    fn title(&self) -> String {
        match (self.kind, &self.item) {
            (Kind::Views, _) => "Tell us what you think before the meeting".into(),
            (Kind::PlanResponse, _) => "What do you think of your plan?".into(),
            (Kind::Correction, _) => "Ask for something to be corrected".into(),
            (Kind::Feedback, _) => "Tell us about the service".into(),
            (Kind::Unsafe, _) => "I don't feel safe".into(),
        }
    }
}

fn path_for(kind: Kind, item: Option<Uuid>) -> String {
    let item = item.map(|i| i.to_string()).unwrap_or_default();
    match kind {
        Kind::Views => format!("/items/{item}/views"),
        Kind::PlanResponse => format!("/items/{item}/respond"),
        Kind::Correction => format!("/items/{item}/correction"),
        Kind::Feedback => "/feedback".into(),
        Kind::Unsafe => "/safe".into(),
    }
}

/// The item a person is writing about: one of their own, of the right kind.
async fn own_item(
    state: &AppState,
    family: &Family,
    id: &str,
    kind: Option<&str>,
) -> Result<Visible> {
    let id: Uuid = id.parse().map_err(|_| PortalError::NotFound)?;
    publications::visible_to(&state.db, &state.sealer, family.person.id)
        .await?
        .into_iter()
        .find(|i| i.id == id && kind.is_none_or(|k| i.kind == k))
        .ok_or(PortalError::NotFound)
}

pub(super) async fn setup(
    state: &AppState,
    family: &Family,
    kind: Kind,
    item: Option<&str>,
) -> Result<Setup> {
    let item = match (kind, item) {
        (Kind::Views, Some(id)) => {
            Some(own_item(state, family, id, Some("meeting_invitation")).await?)
        }
        (Kind::PlanResponse, Some(id)) => Some(own_item(state, family, id, Some("plan")).await?),
        (Kind::Correction, Some(id)) => Some(own_item(state, family, id, None).await?),
        (Kind::Feedback | Kind::Unsafe, None) => None,
        _ => return Err(PortalError::NotFound),
    };
    let questions = match kind {
        Kind::Views => {
            let today = time::OffsetDateTime::now_utc().date();
            let young = questions::is_young_child(
                family.person.role,
                family.person.date_of_birth.as_deref(),
                today,
            );
            questions::views(young)
        }
        Kind::PlanResponse => questions::plan_response(&questions::plan_sections(
            item.as_ref()
                .map(|i| i.body_markdown.as_str())
                .unwrap_or(""),
        )),
        Kind::Correction => questions::correction(),
        Kind::Feedback => questions::feedback(),
        Kind::Unsafe => questions::unsafe_message(),
    };
    Ok(Setup {
        kind,
        path: path_for(kind, item.as_ref().map(|i| i.id)),
        item,
        questions,
    })
}

/// The setup of a stored contribution, for the item as it is now. A plan
/// replaced since, or an item withdrawn, can no longer be answered.
async fn setup_of(state: &AppState, family: &Family, c: &Contribution) -> Result<Option<Setup>> {
    let item = c.about.map(|a| a.publication_id.to_string());
    match setup(state, family, c.kind, item.as_deref()).await {
        Ok(s)
            if s.about().map(|a| a.version) == c.about.map(|a| a.version)
                || c.kind == Kind::Views =>
        {
            Ok(Some(s))
        }
        Ok(_) | Err(PortalError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

fn audience_field(chosen: Audience, young: bool) -> Markup {
    html! {
        div class="form-group" {
            fieldset class="fieldset" aria-describedby="audience-hint" {
                legend class="fieldset-legend" { "Who can read this?" }
                div class="hint" id="audience-hint" {
                    @if young { "Your worker always reads it. You choose if other people at the meeting can read it too." }
                    @else { "Your worker always reads it." }
                }
                div class="radio" {
                    input type="radio" id="audience" name="audience" value="worker" checked[chosen == Audience::Worker];
                    label for="audience" { "Only my worker" }
                }
                div class="radio" {
                    input type="radio" id="audience-meeting" name="audience" value="meeting" checked[chosen == Audience::Meeting];
                    label for="audience-meeting" { "Everyone at the meeting, my family too" }
                }
            }
        }
    }
}

fn intro(setup: &Setup) -> Markup {
    html! {
        @match setup.kind {
            Kind::Views => {
                @if let Some(item) = &setup.item {
                    p class="lede" { "Before: " a href={ "/items/" (item.id) } { (item.title) } }
                }
                p { "There are no right or wrong answers. You can fill in as much or as little as you like. Nothing is sent until you press Send." }
            }
            Kind::PlanResponse => {
                @if let Some(item) = &setup.item {
                    p class="lede" { "About: " a href={ "/items/" (item.id) } { (item.title) } }
                }
                p { "For each part of your plan, say if you agree. You can add words too. You can change your answers until the plan is replaced." }
            }
            Kind::Correction => {
                @if let Some(item) = &setup.item {
                    p class="lede" { "About: " a href={ "/items/" (item.id) } { (item.title) } }
                }
                p { "If something we wrote about you is wrong, you have the right to ask us to correct it. We must answer within one month. We will tell you here what we decided, and why." }
            }
            Kind::Feedback => {
                p { "Tell us what went well, what worries you, or make a complaint. Your worker and their manager will read it." }
            }
            Kind::Unsafe => {}
        }
    }
}

fn form_page(
    setup: &Setup,
    family: &Family,
    answers: &Answers,
    audience: Audience,
    errors: &[FieldError],
    notice: Option<&str>,
) -> Response {
    let title = setup.title();
    let young = setup.questions.iter().any(|q| q.key == "dreams");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = html! {
        (forms::error_summary(errors))
        @if let Some(notice) = notice { div class="notification" role="status" { p { (notice) } } }
        h1 { (title) }
        (intro(setup))
        form method="post" action=(setup.path) class="voice-form" aria-label=(title) data-autosave="true" {
            (forms::csrf(&family.session.csrf))
            @for q in &setup.questions { (fields::field(q, answers, errors)) }
            @if setup.kind == Kind::Views { (audience_field(audience, young)) }
            div class="button-group" {
                button class="button" type="submit" name="intent" value="continue" { "Continue" }
                button class="button secondary" type="submit" name="intent" value="save" { "Save and come back later" }
            }
        }
        p { a href="/contributions" { "What you have told us" } }
        script src="/static/autosave.js" defer {}
    };
    (status, page(&forms::title(&title, errors), body)).into_response()
}

async fn show(
    state: &AppState,
    family: &Family,
    kind: Kind,
    item: Option<&str>,
) -> Result<Response> {
    let setup = setup(state, family, kind, item).await?;
    let saved = super::current(
        &state.db,
        &state.sealer,
        family.person.id,
        kind,
        setup.about(),
    )
    .await?;
    let (answers, audience) = saved
        .map(|c| (c.answers, c.audience))
        .unwrap_or((Answers::new(), Audience::Worker));
    Ok(form_page(&setup, family, &answers, audience, &[], None))
}

async fn submit(
    state: &AppState,
    headers: &HeaderMap,
    family: &Family,
    kind: Kind,
    item: Option<&str>,
    form: Fields,
) -> Result<Response> {
    if content::session::check_csrf(
        headers,
        &state.origin,
        &family.session.csrf,
        form.get("csrf"),
    )
    .is_err()
    {
        return Ok(forbidden());
    }
    let setup = setup(state, family, kind, item).await?;
    let (answers, mut errors) = questions::read(&setup.questions, &form);
    let audience = match kind {
        Kind::Views => match Audience::parse(form.get("audience")) {
            Some(a) => a,
            None => {
                errors.push(FieldError::new("audience", "Choose who can read this"));
                Audience::Worker
            }
        },
        _ => Audience::Worker,
    };
    // What was typed is kept on the server whatever is wrong with it.
    let id = super::save(
        &state.db,
        &state.sealer,
        family.person.id,
        &super::Writing {
            kind,
            about: setup.about(),
            audience,
            answers: &answers,
        },
        now(),
    )
    .await?;
    let intent = form.get("intent");
    if intent == "autosave" {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if !errors.is_empty() {
        return Ok(form_page(&setup, family, &answers, audience, &errors, None));
    }
    if intent == "save" {
        return Ok(form_page(&setup, family, &answers, audience, &[], Some("Saved. Nothing has been sent yet. You can come back to this from “What you have told us”.")));
    }
    Ok(Redirect::to(&format!("/contributions/{id}")).into_response())
}

pub async fn views_form(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
) -> Result<Response> {
    show(&state, &family, Kind::Views, Some(&id)).await
}
pub async fn views_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    family: Family,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response> {
    submit(&state, &headers, &family, Kind::Views, Some(&id), form).await
}
pub async fn respond_form(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
) -> Result<Response> {
    show(&state, &family, Kind::PlanResponse, Some(&id)).await
}
pub async fn respond_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    family: Family,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response> {
    submit(
        &state,
        &headers,
        &family,
        Kind::PlanResponse,
        Some(&id),
        form,
    )
    .await
}
pub async fn correction_form(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
) -> Result<Response> {
    show(&state, &family, Kind::Correction, Some(&id)).await
}
pub async fn correction_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    family: Family,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response> {
    submit(&state, &headers, &family, Kind::Correction, Some(&id), form).await
}
pub async fn feedback_form(State(state): State<AppState>, family: Family) -> Result<Response> {
    show(&state, &family, Kind::Feedback, None).await
}
pub async fn feedback_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    family: Family,
    form: Fields,
) -> Result<Response> {
    submit(&state, &headers, &family, Kind::Feedback, None, form).await
}

fn status_line(c: &Contribution) -> Markup {
    html! {
        @if !c.sent {
            strong class="tag" { "Not sent yet" }
        } @else {
            "Sent " (content::when::day(c.sent_at.unwrap_or(c.updated_at)))
            @if c.kind == Kind::Correction { " · " strong { (c.status.label()) } }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    sent: Option<String>,
}

/// "What you have told us": everything the person wrote, newest first.
pub async fn list(State(state): State<AppState>, family: Family) -> Result<Response> {
    let mine = super::list_own(&state.db, &state.sealer, family.person.id).await?;
    Ok(page(
        "What you have told us",
        html! {
            h1 { "What you have told us" }
            @if mine.is_empty() {
                p { "You have not sent anything yet. You can tell us what you think before a meeting, answer your plan, or ask us to correct something, from each thing we have shared with you." }
            } @else {
                ul class="items" {
                    @for c in &mine {
                        li class="card" {
                            a href={ "/contributions/" (c.id) } { (c.kind.label()) }
                            p class="meta" { (status_line(c)) }
                        }
                    }
                }
            }
            h2 { "Tell us about the service" }
            p { a href="/feedback" { "Give a compliment, tell us a worry or make a complaint" } }
            p { a href="/home" { "Back to my story" } }
        },
    ))
}

fn answers_list(setup: &Setup, c: &Contribution, changeable: bool) -> Markup {
    html! {
        dl class="summary-list" {
            @for q in &setup.questions {
                @if let Some(value) = c.answers.get(&q.key) {
                    div {
                        dt { (q.label) }
                        dd { (fields::answer(q, value)) }
                    }
                }
            }
            @if c.kind == Kind::Views {
                div { dt { "Who can read this" } dd { @if c.audience == Audience::Meeting { "Everyone at the meeting, your family too" } @else { "Only your worker" } } }
            }
        }
        @if changeable { p { a href=(setup.path) { "Change your answers" } } }
    }
}

/// One contribution: "check your answers" while it is a draft; once sent,
/// what was sent, what became of it, and any reply beside it.
pub async fn show_one(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Response> {
    let id: Uuid = id.parse().map_err(|_| PortalError::NotFound)?;
    let c = super::find_own(&state.db, &state.sealer, family.person.id, id)
        .await?
        .ok_or(PortalError::NotFound)?;
    one_page(&state, &family, &c, notice.sent.is_some(), &[]).await
}

async fn one_page(
    state: &AppState,
    family: &Family,
    c: &Contribution,
    just_sent: bool,
    errors: &[FieldError],
) -> Result<Response> {
    let setup = setup_of(state, family, c).await?;
    let replies: Vec<Visible> =
        publications::visible_to(&state.db, &state.sealer, family.person.id)
            .await?
            .into_iter()
            .filter(|p| p.in_reply_to == Some(c.id))
            .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let title = if c.sent {
        c.kind.label().to_string()
    } else {
        "Check your answers before sending".to_string()
    };
    let body = html! {
        (forms::error_summary(errors))
        @if just_sent {
            div class="notification" role="status" {
                h2 { "Sent" }
                p { "Your worker will read it." @if c.kind == Kind::Correction { " We will tell you here what we decide, within one month." } }
            }
        }
        h1 { (title) }
        @if let Some(item) = setup.as_ref().and_then(|s| s.item.as_ref()) {
            p class="lede" { "About: " a href={ "/items/" (item.id) } { (item.title) } }
        }
        @match &setup {
            Some(setup) => { (answers_list(setup, c, !c.sent || matches!(c.kind, Kind::Views | Kind::PlanResponse))) }
            None => {
                p class="inset" { "What this was about has been replaced or taken away, so it can no longer be changed." }
                dl class="summary-list" { @for (_, value) in &c.answers { div { dt { "You wrote" } dd { (content::forms::typed_text(questions::words_for(value))) } } } }
            }
        }
        @if !c.sent {
            @if let Some(setup) = &setup {
                form method="post" action={ "/contributions/" (c.id) "/send" } aria-label="Send" {
                    (forms::csrf(&family.session.csrf))
                    p { "When you press Send, your worker will be able to read this." }
                    button class="button" type="submit" id="send" { "Send" }
                }
                p { a href=(setup.path) { "Go back and change it" } }
            }
        } @else {
            dl class="summary-list" {
                div { dt { "Sent" } dd { (content::when::day_and_time(c.sent_at.unwrap_or(c.updated_at))) } }
                @if c.kind == Kind::Correction {
                    div { dt { "What is happening" } dd { (c.status.label()) } }
                    @if let Some(reason) = &c.status_reason {
                        div { dt { "Why" } dd { (content::forms::typed_text(reason)) } }
                    }
                }
                @if c.kind == Kind::Feedback && c.answers.get("about").map(String::as_str) == Some("complaint") {
                    div { dt { "What happens next" } dd { (COMPLAINTS) } }
                }
            }
        }
        @if !replies.is_empty() {
            section class="panel" aria-labelledby="reply-heading" {
                h2 id="reply-heading" { "You said, we did" }
                ul class="items" {
                    @for r in &replies { li { a href={ "/items/" (r.id) } { (r.title) } " – " (content::when::day(r.published_at)) } }
                }
            }
        }
        p { a href="/contributions" { "What you have told us" } }
    };
    Ok((status, page(&forms::title(&title, errors), body)).into_response())
}

/// What a complaint sets going, in the council's process.
pub const COMPLAINTS: &str = "Your complaint goes to the council's complaints team as well as your worker. They will write to you within 10 working days to say what they will do. If you are not happy with their answer, you can ask for it to be looked at again, and then go to the Local Government and Social Care Ombudsman.";

pub async fn send(
    State(state): State<AppState>,
    headers: HeaderMap,
    family: Family,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response> {
    if content::session::check_csrf(
        &headers,
        &state.origin,
        &family.session.csrf,
        form.get("csrf"),
    )
    .is_err()
    {
        return Ok(forbidden());
    }
    let id: Uuid = id.parse().map_err(|_| PortalError::NotFound)?;
    let c = super::find_own(&state.db, &state.sealer, family.person.id, id)
        .await?
        .ok_or(PortalError::NotFound)?;
    if c.sent {
        return Ok(Redirect::to(&format!("/contributions/{id}")).into_response());
    }
    let Some(setup) = setup_of(&state, &family, &c).await? else {
        return one_page(
            &state,
            &family,
            &c,
            false,
            &[FieldError::new(
                "send",
                "This can no longer be sent: what it was about has been replaced or taken away",
            )],
        )
        .await;
    };
    let (_, errors) = questions::read(&setup.questions, &c.answers.clone().into_iter().collect());
    if let Some(problem) = questions::ready_to_send(c.kind, &c.answers) {
        return one_page(
            &state,
            &family,
            &c,
            false,
            &[FieldError::new("send", problem)],
        )
        .await;
    }
    if !errors.is_empty() {
        return Ok(form_page(
            &setup, &family, &c.answers, c.audience, &errors, None,
        ));
    }
    let body = questions::body(&setup.questions, &c.answers);
    super::send(&state.db, &state.sealer, family.person.id, &c, &body, now()).await?;
    Ok(Redirect::to(&format!("/contributions/{id}?sent=1")).into_response())
}
