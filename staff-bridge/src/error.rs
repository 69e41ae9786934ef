//! The bridge's one error type and how each error is answered.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::import::Problem;
use crate::pages::CHROME;
use crate::publishing::rules::ApproveError;
use crate::publishing::FlowError;

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
    /// A signed-in member whose roles do not allow the page.
    #[error("forbidden")]
    Forbidden,
    /// A step the rules refuse (a draft changed meanwhile, approving one's
    /// own draft): a page saying why.
    #[error("refused: {message}")]
    Refused {
        status: StatusCode,
        title: &'static str,
        message: String,
    },
    /// A form without this session's CSRF token, or from another origin.
    #[error("refused form: {0}")]
    Csrf(content::session::CsrfError),
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
            BridgeError::Forbidden => CHROME.status_page(
                StatusCode::FORBIDDEN,
                "You cannot use this page",
                "Your roles do not include this. If you need it for your work, ask an administrator.",
            ),
            BridgeError::Refused {
                status,
                title,
                message,
            } => CHROME.status_page(status, title, &message),
            BridgeError::Csrf(_) => CHROME.status_page(
                StatusCode::FORBIDDEN,
                "The form could not be sent",
                "For your security, forms stop working when you sign out or after a while. Go back, refresh the page and try again.",
            ),
            BridgeError::Database(error) => {
                tracing::error!(%error, "database error");
                CHROME.server_error()
            }
        }
    }
}

pub type Result<T, E = BridgeError> = std::result::Result<T, E>;

/// How the publishing flow's refusals are answered, in one place: a
/// member without the role gets "forbidden", a rule's refusal a page with
/// its reason.
impl From<FlowError> for BridgeError {
    fn from(error: FlowError) -> BridgeError {
        match error {
            FlowError::Database(e) => BridgeError::Database(e),
            FlowError::Approve(ApproveError::NotManager) => BridgeError::Forbidden,
            FlowError::Approve(e @ ApproveError::OwnDraft) => BridgeError::Refused {
                status: StatusCode::FORBIDDEN,
                title: "You cannot approve this",
                message: e.to_string(),
            },
            other => BridgeError::Refused {
                status: StatusCode::CONFLICT,
                title: "That could not be done",
                message: other.to_string(),
            },
        }
    }
}
