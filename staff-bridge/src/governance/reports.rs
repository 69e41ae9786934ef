//! Reports for managers (and IG officers): per team and date range, chosen
//! on the page. One set of figures (`figures`, a plain function over the
//! ledger and the bridge's tables) drawn three ways from the same numbers:
//! an SVG chart drawn on the server, an accessible table and a CSV download;
//! and the same as JSON at `/api/v1/reports/summary` for BI tools, with the
//! machine API's bearer token.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use content::db::{now, Db};
use maud::{html, Markup, PreEscaped};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::disclosures::day_start;
use super::{console_use, manager_or_ig};
use crate::auth::StaffUser;
use crate::error::{BridgeError, Result};
use crate::views::{self, FieldError};
use crate::AppState;

/// What a report is for: a team (empty for all) and a date range.
#[derive(Deserialize, Default, Clone)]
pub struct ReportForm {
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// The period and team, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub team: Option<String>,
    pub from: i64,
    pub until: i64,
}

/// The period a form asks for; the last 30 days when no dates are given.
pub fn period_of(form: &ReportForm, now: i64) -> std::result::Result<Period, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut date = |field: &str, text: &str, default: i64, extra: i64| {
        if text.trim().is_empty() {
            return default;
        }
        day_start(text).map(|at| at + extra).unwrap_or_else(|| {
            errors.push(FieldError::new(
                field,
                "Enter a date like 2026-12-01 (year, month, day)",
            ));
            default
        })
    };
    let from = date("from", &form.from, now - 30 * 86_400, 0);
    let until = date("to", &form.to, now + 1, 86_400);
    if errors.is_empty() && until <= from {
        errors.push(FieldError::new(
            "to",
            "The end date must be on or after the start date",
        ));
    }
    let team = (!form.team.trim().is_empty()).then(|| form.team.trim().to_string());
    if errors.is_empty() {
        Ok(Period { team, from, until })
    } else {
        Err(errors)
    }
}

/// One line of a report: the same in the table, the CSV and the JSON.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Figure {
    pub measure: String,
    pub value: i64,
    pub unit: &'static str,
}

/// The figures for a period, in a fixed order: publications by kind first
/// (what the chart draws), then the rest.
pub async fn figures(db: &Db, period: &Period) -> sqlx::Result<Vec<Figure>> {
    let cases: Vec<(i64, String, String)> = sqlx::query_as("SELECT id, reference, team FROM cases")
        .fetch_all(&db.pool)
        .await?;
    let in_team: HashMap<String, i64> = cases
        .into_iter()
        .filter(|(_, _, team)| period.team.as_deref().is_none_or(|t| t == team))
        .map(|(id, reference, _)| (reference, id))
        .collect();
    let case_ids: HashSet<i64> = in_team.values().copied().collect();
    // Publications in the period, from the ledger.
    let published: Vec<(String, String)> = sqlx::query_as(
        "SELECT subject, data FROM ledger WHERE kind = 'publication' AND at >= $1 AND at < $2",
    )
    .bind(period.from)
    .bind(period.until)
    .fetch_all(&db.pool)
    .await?;
    let mut by_kind: BTreeMap<String, i64> = BTreeMap::new();
    let mut sent_to = Vec::new();
    for (publication, data) in &published {
        let data: Value = serde_json::from_str(data).unwrap_or_default();
        let case = data.get("case").and_then(Value::as_str).unwrap_or_default();
        if !in_team.contains_key(case) {
            continue;
        }
        let kind = data.get("kind").and_then(Value::as_str).unwrap_or("other");
        *by_kind.entry(kind.to_string()).or_default() += 1;
        let version = data.get("version").and_then(Value::as_i64).unwrap_or(0);
        for reader in data
            .get("audience")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = reader.get("portal_id").and_then(Value::as_str) {
                sent_to.push((publication.clone(), version, id.to_string()));
            }
        }
    }
    let mut opened = 0;
    let mut views_of: HashMap<&str, HashSet<(i64, String)>> = HashMap::new();
    for (publication, _, _) in &sent_to {
        if views_of.contains_key(publication.as_str()) {
            continue;
        }
        let rows: Vec<(Option<String>, String)> = sqlx::query_as(
            "SELECT actor, data FROM ledger WHERE subject = $1 AND kind = 'family_view'",
        )
        .bind(publication)
        .fetch_all(&db.pool)
        .await?;
        let seen = rows
            .into_iter()
            .filter_map(|(actor, data)| {
                let data: Value = serde_json::from_str(&data).ok()?;
                Some((data.get("version")?.as_i64()?, actor?))
            })
            .collect();
        views_of.insert(publication, seen);
    }
    for (publication, version, reader) in &sent_to {
        if views_of
            .get(publication.as_str())
            .is_some_and(|seen| seen.contains(&(*version, reader.clone())))
        {
            opened += 1;
        }
    }
    // Drafts: time from starting a draft to its publication, and returns.
    let drafts: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT case_id, created_at, published_at FROM drafts WHERE published_at >= $1 AND published_at < $2",
    )
    .bind(period.from)
    .bind(period.until)
    .fetch_all(&db.pool)
    .await?;
    let mut hours: Vec<i64> = drafts
        .iter()
        .filter(|(case, _, _)| case_ids.contains(case))
        .filter_map(|(_, created, published)| published.map(|p| (p - created) / 3600))
        .collect();
    let returned: Vec<i64> = sqlx::query_scalar(
        "SELECT d.case_id FROM draft_history h JOIN drafts d ON d.id = h.draft_id
         WHERE h.action = 'returned' AND h.at >= $1 AND h.at < $2",
    )
    .bind(period.from)
    .bind(period.until)
    .fetch_all(&db.pool)
    .await?;
    let sign_ins: Vec<i64> = sqlx::query_scalar(
        "SELECT p.case_id FROM family_events e JOIN case_people p ON p.portal_id = e.person_id
         WHERE e.kind = 'family_sign_in' AND e.occurred_at >= $1 AND e.occurred_at < $2",
    )
    .bind(period.from)
    .bind(period.until)
    .fetch_all(&db.pool)
    .await?;
    let mut figures: Vec<Figure> = by_kind
        .into_iter()
        .map(|(kind, n)| Figure {
            measure: format!("Publications: {}", kind_words(&kind)),
            value: n,
            unit: "items",
        })
        .collect();
    let figure = |measure: &str, value: i64, unit: &'static str| Figure {
        measure: measure.into(),
        value,
        unit,
    };
    figures.push(figure(
        "Median time from draft to publication",
        median(&mut hours).unwrap_or(0),
        "hours",
    ));
    figures.push(figure(
        "Approvals returned to the author",
        returned.iter().filter(|c| case_ids.contains(c)).count() as i64,
        "drafts",
    ));
    figures.push(figure(
        "Family sign-ins",
        sign_ins.iter().filter(|c| case_ids.contains(c)).count() as i64,
        "sign-ins",
    ));
    figures.push(figure(
        "Items sent to readers",
        sent_to.len() as i64,
        "items",
    ));
    figures.push(figure(
        "Share of items sent that their reader opened",
        if sent_to.is_empty() {
            0
        } else {
            opened * 100 / sent_to.len() as i64
        },
        "per cent",
    ));
    // What families sent, and how fast someone acted on it.
    let sent: Vec<_> = crate::voice::report_rows(db, period.from, period.until)
        .await?
        .into_iter()
        .filter(|r| r.case_id.is_some_and(|c| case_ids.contains(&c)))
        .collect();
    figures.push(figure(
        "Contributions received from families",
        sent.len() as i64,
        "contributions",
    ));
    let mut answered: Vec<i64> = sent
        .iter()
        .filter_map(|r| r.answered_at.map(|at| (at - r.received_at) / 3600))
        .collect();
    figures.push(figure(
        "Contributions acted on",
        answered.len() as i64,
        "contributions",
    ));
    figures.push(figure(
        "Median time to first action on a contribution",
        median(&mut answered).unwrap_or(0),
        "hours",
    ));
    // Messages from families, and how fast a worker first wrote back.
    let messages: Vec<_> = super::message_figures::received(db, period.from, period.until)
        .await?
        .into_iter()
        .filter(|m| m.case_id.is_some_and(|c| case_ids.contains(&c)))
        .collect();
    let mut replied: Vec<i64> = messages
        .iter()
        .filter_map(|m| m.answered_at.map(|at| (at - m.received_at).max(0) / 3600))
        .collect();
    figures.push(figure(
        "Messages received from families",
        messages.len() as i64,
        "messages",
    ));
    figures.push(figure(
        "Messages a worker replied to",
        replied.len() as i64,
        "messages",
    ));
    figures.push(figure(
        "Median time to the first worker reply",
        median(&mut replied).unwrap_or(0),
        "hours",
    ));
    let corrections: Vec<_> = sent.iter().filter(|r| r.kind == "correction").collect();
    figures.push(figure(
        "Correction requests",
        corrections.len() as i64,
        "requests",
    ));
    for (status, words) in [
        ("corrected", "Correction requests: corrected"),
        ("not_changed", "Correction requests: not changed"),
    ] {
        figures.push(figure(
            words,
            corrections
                .iter()
                .filter(|r| r.decision.as_deref() == Some(status))
                .count() as i64,
            "requests",
        ));
    }
    Ok(figures)
}

fn kind_words(kind: &str) -> String {
    crate::publishing::rules::Kind::ALL
        .iter()
        .find(|k| k.as_str() == kind)
        .map(|k| k.label().to_string())
        .unwrap_or_else(|| kind.replace('_', " "))
}

/// The median of whole numbers (the lower middle one of an even count).
pub fn median(values: &mut [i64]) -> Option<i64> {
    values.sort_unstable();
    (!values.is_empty()).then(|| values[(values.len() - 1) / 2])
}

/// The figures as CSV: a header, then one line per figure, as the table.
pub fn to_csv(figures: &[Figure]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("measure,value,unit\r\n");
    for f in figures {
        out.push_str(&format!(
            "{},{},{}\r\n",
            quote(&f.measure),
            f.value,
            quote(f.unit)
        ));
    }
    out
}

/// A horizontal bar chart of the publication figures, drawn on the server.
/// The table beside it carries the same numbers for screen readers, so the
/// chart itself is an image with a text alternative.
pub fn chart(figures: &[Figure]) -> Markup {
    let bars: Vec<&Figure> = figures
        .iter()
        .filter(|f| f.measure.starts_with("Publications"))
        .collect();
    let max = bars.iter().map(|f| f.value).max().unwrap_or(0).max(1);
    let row = 32;
    let height = (bars.len().max(1) * row + 8) as i64;
    let summary = bars
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f.measure.trim_start_matches("Publications: "),
                f.value
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 320 {height}\" role=\"img\" aria-labelledby=\"chart-title\" class=\"chart\"><title id=\"chart-title\">Publications by kind: {}</title>",
        maud::html! { (if summary.is_empty() { "none" } else { &summary }) }.into_string()
    );
    for (i, f) in bars.iter().enumerate() {
        let y = i * row + 4;
        let width = 150 * f.value / max;
        let label = maud::html! { (f.measure.trim_start_matches("Publications: ")) }.into_string();
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"12\" fill=\"#0b0c0c\">{label}</text><rect x=\"130\" y=\"{y}\" width=\"{width}\" height=\"22\" fill=\"#1d4f91\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#0b0c0c\">{}</text>",
            y + 15,
            134 + width,
            y + 15,
            f.value
        ));
    }
    svg.push_str("</svg>");
    PreEscaped(svg)
}

/// A report run, recorded with the team and dates asked for.
async fn record(db: &Db, who: &str, page: &str, form: &ReportForm) -> sqlx::Result<()> {
    let asked = console_use::asked([
        ("team", form.team.as_str()),
        ("from", form.from.as_str()),
        ("to", form.to.as_str()),
    ]);
    console_use::record(db, who, page, &asked, now()).await
}

async fn teams(db: &Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT team FROM cases ORDER BY team")
        .fetch_all(&db.pool)
        .await
}

pub async fn page(
    State(state): State<AppState>,
    user: StaffUser,
    Query(form): Query<ReportForm>,
) -> Result<Response> {
    manager_or_ig(&user)?;
    record(&state.db, &user.staff.id, console_use::pages::REPORT, &form).await?;
    let teams = teams(&state.db).await?;
    let (figures, errors) = match period_of(&form, now()) {
        Ok(period) => (Some(figures(&state.db, &period).await?), Vec::new()),
        Err(errors) => (None, errors),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let csv_href = {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("team", form.team.as_str())
            .append_pair("from", form.from.as_str())
            .append_pair("to", form.to.as_str());
        format!("/reports/download.csv?{}", q.finish())
    };
    Ok(views::page_with_status(
        &user,
        status,
        &views::title("Reports", &errors),
        html! {
            (views::error_summary(&errors))
            h1 { "Reports" }
            form method="get" action="/reports" novalidate {
                div class="form-group" {
                    label class="label" for="team" { "Team" }
                    select id="team" name="team" {
                        option value="" { "All teams" }
                        @for t in &teams { option value=(t) selected[*t == form.team] { (t) } }
                    }
                }
                (views::Input { id: "from", name: "from", label: "From", hint: Some("Year-month-day, like 2026-11-01. Leave empty for the last 30 days."),
                    value: &form.from, kind: "text", autocomplete: "off" }.render(&errors))
                (views::Input { id: "to", name: "to", label: "To", hint: Some("Year-month-day. Includes the whole of this day"),
                    value: &form.to, kind: "text", autocomplete: "off" }.render(&errors))
                button class="button" type="submit" { "Show the report" }
            }
            @if let Some(figures) = &figures {
                h2 { "Publications by kind" }
                (chart(figures))
                h2 { "Figures" }
                table class="table ledger" id="figures" {
                    caption class="visually-hidden" { "The report’s figures" }
                    thead { tr { th scope="col" { "Measure" } th scope="col" { "Value" } th scope="col" { "Unit" } } }
                    tbody {
                        @for f in figures {
                            tr { th scope="row" { (f.measure) } td { (f.value) } td { (f.unit) } }
                        }
                    }
                }
                p { a href=(csv_href) download { "Download these figures (CSV)" } }
                p class="hint" { "The same figures are on the machine API for BI tools: " code { "GET /api/v1/reports/summary?team=…&from=…&to=…" } }
            }
        },
    ))
}

pub async fn csv(
    State(state): State<AppState>,
    user: StaffUser,
    Query(form): Query<ReportForm>,
) -> Result<Response> {
    manager_or_ig(&user)?;
    record(
        &state.db,
        &user.staff.id,
        console_use::pages::REPORT_CSV,
        &form,
    )
    .await?;
    let period = period_of(&form, now()).map_err(|_| BridgeError::NotFound)?;
    let figures = figures(&state.db, &period).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"familystory-report.csv\"",
            ),
        ],
        to_csv(&figures),
    )
        .into_response())
}

#[derive(Serialize)]
pub struct ApiReport {
    pub team: Option<String>,
    pub from: i64,
    pub until: i64,
    pub figures: Vec<Figure>,
}

/// `GET /api/v1/reports/summary?team=&from=&to=` with the bearer token.
pub async fn api(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(form): Query<ReportForm>,
) -> Result<Response> {
    if !crate::api::authorised(&state, &headers) {
        return Err(BridgeError::Unauthorised);
    }
    record(
        &state.db,
        console_use::API,
        console_use::pages::REPORT_API,
        &form,
    )
    .await?;
    let period = match period_of(&form, now()) {
        Ok(period) => period,
        Err(errors) => {
            let problems: Vec<_> = errors
                .iter()
                .map(|e| serde_json::json!({ "field": e.field, "message": e.message }))
                .collect();
            return Ok((
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": "bad period", "problems": problems })),
            )
                .into_response());
        }
    };
    let figures = figures(&state.db, &period).await?;
    Ok(Json(ApiReport {
        team: period.team,
        from: period.from,
        until: period.until,
        figures,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_csv() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        let csv = to_csv(&[Figure {
            measure: "Say \"hi\"".into(),
            value: 2,
            unit: "items",
        }]);
        assert_eq!(
            csv,
            "measure,value,unit\r\n\"Say \"\"hi\"\"\",2,\"items\"\r\n"
        );
    }

    #[test]
    fn a_period_needs_dates_in_order() {
        let form = |from: &str, to: &str| ReportForm {
            team: String::new(),
            from: from.into(),
            to: to.into(),
        };
        assert!(period_of(&form("2026-12-02", "2026-12-01"), 0).is_err());
        assert!(period_of(&form("yesterday", ""), 0).is_err());
        let p = period_of(&form("2026-12-01", "2026-12-01"), 0).unwrap();
        assert_eq!(p.until - p.from, 86_400);
    }
}
