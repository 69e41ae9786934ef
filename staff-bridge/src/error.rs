//! The bridge's one error type and how each error is answered.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::import::Problem;
use crate::pages::CHROME;

#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("not found")]
    NotFound,
    /// An API caller without a valid token.
    #[error("unauthorised")]
    Unauthorised,
    /// An import that failed validation: every problem, by JSON path.
    #[error("the import was rejected")]
    Invalid(Vec<Problem>),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl IntoResponse for BridgeError {
    fn into_response(self) -> Response {
        match self {
            BridgeError::NotFound => CHROME.not_found(),
            BridgeError::Unauthorised => (
                StatusCode::UNAUTHORIZED,
                [("www-authenticate", "Bearer")],
                Json(serde_json::json!({ "error": "a valid bearer token is required" })),
            )
                .into_response(),
            BridgeError::Invalid(problems) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({ "error": "the case was not imported", "problems": problems })),
            )
                .into_response(),
            BridgeError::Database(error) => {
                tracing::error!(%error, "database error");
                CHROME.server_error()
            }
        }
    }
}

pub type Result<T, E = BridgeError> = std::result::Result<T, E>;
