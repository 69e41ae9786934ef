//! Subject access export: for one family member, a ZIP holding
//! `report.html` (printable, one page per item, the text exactly as the
//! reader was shown it with what was removed marked, and every redaction
//! decision with its reason) and `manifest.json` (every disclosure with its
//! ledger entry number and hash, so the requester or the ICO can check it
//! against the ledger). Exporting is itself a ledger entry, holding the
//! SHA-256 of the manifest.

use std::io::Write;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use content::db::now;
use maud::{html, PreEscaped, DOCTYPE};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::disclosures::first_reads;
use super::who_saw::of_person;
use super::{family_member, ig_only, kinds};
use crate::auth::StaffUser;
use crate::error::Result;
use crate::ledger::{self, Entry, NewEntry};
use crate::publishing::{self, rules};
use crate::AppState;

/// One disclosure in the manifest.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Disclosure {
    pub ledger_seq: i64,
    pub ledger_hash: String,
    pub publication_id: String,
    pub version: i64,
    pub published_at: i64,
    pub content_sha256: String,
    pub first_opened_at: Option<i64>,
    /// Whether the text in the report hashes to the ledger's content hash.
    pub text_matches_ledger: bool,
    #[serde(skip)]
    pub title: String,
    #[serde(skip)]
    pub body: String,
    #[serde(skip)]
    pub redactions: Vec<Value>,
}

/// What was disclosed to the person, oldest first, with the text as shown.
pub async fn disclosures(
    state: &AppState,
    portal_id: &str,
) -> Result<(Vec<Disclosure>, Vec<Entry>)> {
    let (mut entries, sent) = of_person(state, portal_id, ledger::MAX_PAGE).await?;
    entries.reverse();
    let mut out = Vec::new();
    for e in entries {
        let data: Value = e.data_json().unwrap_or_default();
        let text = |k: &str| {
            data.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let publication_id = text("publication_id");
        let version = data.get("version").and_then(Value::as_i64).unwrap_or(0);
        let content_sha256 = text("content_sha256");
        let draft = publishing::load(&state.db, &text("draft_id")).await?;
        let (title, body) = match &draft {
            Some(draft) => {
                let checked = publishing::check(&state.db, draft).await?;
                (checked.title, checked.body)
            }
            None => (String::new(), String::new()),
        };
        let title = if title.is_empty() {
            "(erased)".to_string()
        } else {
            title
        };
        let first_opened_at = first_reads(state, &publication_id, version)
            .await?
            .into_iter()
            .find(|(a, _)| a == portal_id)
            .map(|(_, at)| at);
        out.push(Disclosure {
            ledger_seq: e.seq,
            ledger_hash: e.hash.clone(),
            publication_id,
            version,
            published_at: e.at,
            text_matches_ledger: !body.is_empty() && rules::content_hash(&body) == content_sha256,
            content_sha256,
            first_opened_at,
            title,
            body,
            redactions: data
                .get("redactions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        });
    }
    Ok((out, sent))
}

/// The printable report: one page per item.
pub fn report_html(name: &str, made_at: i64, items: &[Disclosure], sent: &[Entry]) -> String {
    let when = crate::views::when;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Subject access export: " (name) }
                style { (PreEscaped("body{font-family:system-ui,Arial,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;line-height:1.5}section{page-break-after:always;border-top:2px solid #0b0c0c;margin-top:2rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;border-bottom:1px solid #b1b4b6;padding:.3rem}.shown{border:1px solid #b1b4b6;padding:1rem}code{overflow-wrap:anywhere}")) }
            }
            body {
                h1 { "What FamilyStory disclosed to " (name) }
                p { "Made " (when(made_at)) ". " (items.len()) " items. Each item’s ledger entry and hash are in manifest.json beside this report." }
                @for item in items {
                    section {
                        h2 { (item.title) }
                        p { "Version " (item.version) ", published " (when(item.published_at)) ". "
                            @match item.first_opened_at { Some(at) => { "First opened " (when(at)) "." } None => { "Not opened." } } }
                        p { "Ledger entry " (item.ledger_seq) ", hash " code { (item.ledger_hash) } }
                        h3 { "As shown" }
                        div class="shown" { (PreEscaped(content::render::markdown_to_safe_html(&item.body))) }
                        @if !item.text_matches_ledger {
                            p { strong { "This text does not match the content hash recorded when it was published: the record it came from has changed or been erased since." } }
                        }
                        @if !item.redactions.is_empty() {
                            h3 { "What the check found and what was decided" }
                            table {
                                thead { tr { th { "Finding" } th { "Decision" } th { "Reason" } } }
                                tbody {
                                    @for r in &item.redactions {
                                        tr {
                                            td { (r.get("kind").and_then(Value::as_str).unwrap_or_default()) }
                                            td { (if r.get("decision").and_then(Value::as_str) == Some("keep") { "Kept" } else { "Removed" }) }
                                            td { (r.get("reason").and_then(Value::as_str).unwrap_or("—")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                section {
                    h2 { "What " (name) " did on FamilyStory" }
                    table {
                        thead { tr { th { "When" } th { "What" } th { "Ledger entry" } } }
                        tbody {
                            @for e in sent {
                                tr { td { (when(e.at)) } td { (super::search::kind_label(&e.kind)) } td { (e.seq) } }
                            }
                        }
                    }
                }
            }
        }
    }
    .into_string()
}

/// The manifest: every disclosure with its ledger hash. (A `json!` value
/// of strings and numbers always serialises; an empty string is never seen.)
pub fn manifest(portal_id: &str, made_at: i64, items: &[Disclosure]) -> String {
    serde_json::to_string_pretty(&json!({
        "format": "familystory-subject-access-v1",
        "person": portal_id,
        "made_at": made_at,
        "disclosures": items,
    }))
    .unwrap_or_default()
}

/// The ZIP of the report and the manifest (stored, uncompressed: both are
/// small, and any unzip tool opens them).
pub fn zip(report: &str, manifest: &str) -> std::io::Result<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in [("report.html", report), ("manifest.json", manifest)] {
        writer
            .start_file(name, options)
            .map_err(std::io::Error::other)?;
        writer.write_all(text.as_bytes())?;
    }
    Ok(writer.finish().map_err(std::io::Error::other)?.into_inner())
}

pub async fn download(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
) -> Result<Response> {
    ig_only(&user)?;
    let (_, name, _) = family_member(&state.db, &id).await?;
    let (items, sent) = disclosures(&state, &id).await?;
    let made_at = now();
    let manifest = manifest(&id, made_at, &items);
    let report = report_html(&name, made_at, &items, &sent);
    let bytes = zip(&report, &manifest).map_err(|e| {
        tracing::error!(error = %e, "a subject access export could not be made");
        crate::error::BridgeError::NotFound
    })?;
    ledger::append_now(
        &state.db,
        &NewEntry {
            kind: kinds::SUBJECT_ACCESS_EXPORT,
            actor: Some(&user.staff.id),
            subject: Some(&id),
            data: json!({
                "disclosures": items.len(),
                "manifest_sha256": hex::encode(Sha256::digest(manifest.as_bytes())),
            }),
        },
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"subject-access-{id}.zip\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
