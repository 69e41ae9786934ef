//! Request extractors that scope a page to what the signed-in member may
//! see: a case by its reference, and a draft of that case by its id. A case
//! the member may not see, or a draft of another case, is "not found", as a
//! guessed address should be; the `Act*` forms also refuse a member who may
//! only read the case. Handlers take these instead of looking the case up
//! themselves, so the rule is written once.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::access::{self, Access, Case};
use crate::auth::StaffUser;
use crate::error::BridgeError;
use crate::publishing::Draft;
use crate::AppState;

/// A case the member may see, from the `{reference}` in the path.
pub struct CaseScope {
    pub user: StaffUser,
    pub case: Case,
    pub access: Access,
}

/// A case the member acts on (not only reads).
pub struct ActOnCase {
    pub user: StaffUser,
    pub case: Case,
}

/// A draft, from `{reference}` and `{id}`, of a case the member may see.
pub struct DraftScope {
    pub user: StaffUser,
    pub case: Case,
    pub access: Access,
    pub draft: Draft,
}

/// A draft of a case the member acts on.
pub struct ActOnDraft {
    pub user: StaffUser,
    pub case: Case,
    pub draft: Draft,
}

#[derive(Deserialize)]
struct CasePath {
    reference: String,
}

#[derive(Deserialize)]
struct DraftPath {
    id: String,
}

fn refuse(error: impl Into<BridgeError>) -> Response {
    error.into().into_response()
}

impl FromRequestParts<AppState> for CaseScope {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = StaffUser::from_request_parts(parts, state).await?;
        let Path(path) = Path::<CasePath>::from_request_parts(parts, state)
            .await
            .map_err(|_| refuse(BridgeError::NotFound))?;
        let (case, access) = access::case_for(&state.db, &user.staff, &path.reference)
            .await
            .map_err(refuse)?
            .ok_or_else(|| refuse(BridgeError::NotFound))?;
        Ok(CaseScope { user, case, access })
    }
}

impl FromRequestParts<AppState> for ActOnCase {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let CaseScope { user, case, access } = CaseScope::from_request_parts(parts, state).await?;
        if access != Access::Act {
            return Err(refuse(BridgeError::Forbidden));
        }
        Ok(ActOnCase { user, case })
    }
}

impl FromRequestParts<AppState> for DraftScope {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let CaseScope { user, case, access } = CaseScope::from_request_parts(parts, state).await?;
        let Path(path) = Path::<DraftPath>::from_request_parts(parts, state)
            .await
            .map_err(|_| refuse(BridgeError::NotFound))?;
        let draft = crate::publishing::load_in_case(&state.db, case.id, &path.id)
            .await
            .map_err(refuse)?
            .ok_or_else(|| refuse(BridgeError::NotFound))?;
        Ok(DraftScope {
            user,
            case,
            access,
            draft,
        })
    }
}

impl FromRequestParts<AppState> for ActOnDraft {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let DraftScope {
            user,
            case,
            access,
            draft,
        } = DraftScope::from_request_parts(parts, state).await?;
        if access != Access::Act {
            return Err(refuse(BridgeError::Forbidden));
        }
        Ok(ActOnDraft { user, case, draft })
    }
}
