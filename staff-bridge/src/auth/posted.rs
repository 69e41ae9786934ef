//! `Posted`: a form a signed-in member sent from our own pages. The origin
//! and the session's CSRF token are checked before the handler runs, so no
//! handler can forget to; anything else is refused and changes nothing.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use content::forms::Fields;

use super::{check_csrf, StaffUser};
use crate::AppState;

/// The posted fields (urlencoded, repeated fields kept), CSRF checked.
pub struct Posted(pub Fields);

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        // The member the handler's other extractors loaded (cached on the
        // request), or loaded here.
        let user = StaffUser::from_request_parts(&mut parts, state).await?;
        let headers = parts.headers.clone();
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let form = Fields::parse(&bytes);
        check_csrf(state, &headers, &user, form.get("csrf"))
            .map_err(IntoResponse::into_response)?;
        Ok(Posted(form))
    }
}

/// A `multipart/form-data` form with files, sent from our own pages: read as
/// it streams in (each file refused as soon as it passes the limit), then
/// the origin and CSRF token checked as for [`Posted`]. The files, or why
/// they were refused, are the handler's to answer in words.
pub struct PostedFiles {
    pub fields: Fields,
    pub uploads: Result<Vec<content::attachments::Upload>, content::attachments::AttachmentError>,
}

impl FromRequest<AppState> for PostedFiles {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let user = StaffUser::from_request_parts(&mut parts, state).await?;
        let headers = parts.headers.clone();
        let (fields, uploads) =
            match content::attachments::read_form(Request::from_parts(parts, body)).await {
                Ok(form) => (form.fields, Ok(form.uploads)),
                Err(refused) => (refused.fields, Err(refused.error)),
            };
        check_csrf(state, &headers, &user, fields.get("csrf"))
            .map_err(IntoResponse::into_response)?;
        Ok(PostedFiles { fields, uploads })
    }
}
