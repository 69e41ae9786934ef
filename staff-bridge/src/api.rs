//! The bridge's machine API: case import for the case system, authenticated by
//! a bearer token from the settings.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use content::db::now;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{BridgeError, Result};
use crate::import::{self, Outcome};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", post(import_case))
        .route(
            "/api/v1/cases/{reference}/contributions",
            get(export_contributions),
        )
}

pub(crate) fn authorised(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(expected) = &state.import_token else {
        return false;
    };
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Hash both so the comparison takes the same time whatever the lengths.
    Sha256::digest(given.as_bytes())
        .ct_eq(&Sha256::digest(expected.as_bytes()))
        .into()
}

async fn import_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> Result<(StatusCode, Json<Outcome>)> {
    if !authorised(&state, &headers) {
        return Err(BridgeError::Unauthorised);
    }
    let outcome = import::import(&state.db, &body, now()).await?;
    tracing::info!(created = outcome.created, "case imported through the API");
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(outcome)))
}

/// What the family sent, for the case system to store in the child's record
/// (docs/contributions-export.md).
async fn export_contributions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    if !authorised(&state, &headers) {
        return Err(BridgeError::Unauthorised);
    }
    // A machine asks: a case the bridge does not hold is answered in JSON.
    Ok(
        match crate::voice::export::case(&state.db, &reference).await? {
            Some(export) => Json(export).into_response(),
            None => (
                StatusCode::NOT_FOUND,
                Json(serde_json::json!({ "error": format!("no case {reference} on this bridge") })),
            )
                .into_response(),
        },
    )
}
