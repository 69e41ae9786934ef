//! The portal's one error type, and what each error looks like to the person
//! or service that made the request. Nothing internal leaks into a response.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::pages::CHROME;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// Anything a person may not see looks the same as nothing being there.
    #[error("not found")]
    NotFound,
    /// The internal API: the request's signature did not hold.
    #[error("unauthorised internal request: {0}")]
    Unauthorised(#[from] content::sync::SignatureError),
    /// The internal API: the request was signed but its body is wrong.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        match self {
            PortalError::NotFound => CHROME.not_found(),
            PortalError::Unauthorised(reason) => {
                tracing::warn!(%reason, "internal request refused");
                (
                    StatusCode::UNAUTHORIZED,
                    Json(serde_json::json!({ "error": reason.to_string() })),
                )
                    .into_response()
            }
            PortalError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": message })),
            )
                .into_response(),
            PortalError::Database(error) => {
                tracing::error!(%error, "database error");
                CHROME.server_error()
            }
        }
    }
}

pub type Result<T, E = PortalError> = std::result::Result<T, E>;
