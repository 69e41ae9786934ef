//! How a stored file is served on both services: always as a download,
//! never rendered by the browser, never cached.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{content_disposition, Kind};

/// The policy on a download: were a browser to render it anyway, it would
/// run in a sandbox with nothing allowed. `content::web::harden` keeps it.
pub const DOWNLOAD_CSP: &str = "sandbox; default-src 'none'";

/// A stored file as a download under its safe name.
pub fn download(file_name: &str, kind: Kind, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind.media_type().to_string()),
            (header::CONTENT_DISPOSITION, content_disposition(file_name)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CONTENT_SECURITY_POLICY, DOWNLOAD_CSP.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}
