//! Reading a `multipart/form-data` message form chunk by chunk, with every
//! limit applied as the bytes arrive: a file is refused as soon as it passes
//! [`MAX_FILE_BYTES`] (what was read of it is dropped, the rest never read),
//! a sixth file as soon as it starts, a text field past [`MAX_TEXT_BYTES`].
//! The route sets the whole-body limit (`DefaultBodyLimit::max(BODY_LIMIT)`),
//! which bounds a form of many small parts.
//!
//! The parser (multer) pulls from the body for as long as the body has data
//! ready, so over a fast connection it would buffer up to the whole-body
//! limit before a check here could run: the body is therefore handed to it
//! one chunk at a time ([`OneChunkAtATime`]), and what is held stays near
//! what the checks have seen. (axum's `Multipart` extractor feeds it the body
//! directly, which is why it is not used.)

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::RequestExt;
use futures_util::Stream;
use multer::Field;

use super::{AttachmentError, Upload, MAX_FILES, MAX_FILE_BYTES};
use crate::forms::Fields;

/// The largest text field: far above any message's length limit.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// The most text fields a form may have.
pub const MAX_TEXT_FIELDS: usize = 50;
/// The whole-body limit for routes that take attachments: five full files,
/// the text fields and the multipart framing.
pub const BODY_LIMIT: usize = MAX_FILES * MAX_FILE_BYTES + 5 * 1024 * 1024;

/// A form read whole: its text fields and the files chosen (file inputs
/// left empty are not among them).
pub struct Form {
    pub fields: Fields,
    pub uploads: Vec<Upload>,
}

/// A form refused while it was read, with the text fields read until then,
/// so the page can show the person what they typed (fields before the file
/// input in the form arrive first).
pub struct Refused {
    pub error: AttachmentError,
    pub fields: Fields,
}

/// Reads a message form from its request, enforcing the limits above as it
/// goes. A request that is not `multipart/form-data` is refused as a form
/// that could not be read.
pub async fn read_form(request: Request) -> Result<Form, Refused> {
    let boundary = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let Some(boundary) = boundary else {
        return Err(refuse(AttachmentError::Form, Vec::new()));
    };
    let body = OneChunkAtATime {
        inner: request.into_limited_body().into_data_stream(),
        handed: false,
    };
    let limits = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream(BODY_LIMIT as u64));
    let mut multipart = multer::Multipart::with_constraints(body, boundary, limits);
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut uploads: Vec<Upload> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(refuse(AttachmentError::Form, texts)),
        };
        let name = field.name().unwrap_or("").to_string();
        let outcome = match field.file_name().map(str::to_string) {
            Some(file_name) => read_file(field, name, file_name, &mut uploads).await,
            None if texts.len() == MAX_TEXT_FIELDS => Err(AttachmentError::Form),
            None => read_text(field).await.map(|text| texts.push((name, text))),
        };
        if let Err(error) = outcome {
            return Err(refuse(error, texts));
        }
    }
    Ok(Form {
        fields: texts.into_iter().collect(),
        uploads,
    })
}

/// A body stream that, after each chunk, says "not yet" once (waking its
/// task at once), so a reader that pulls while data is ready takes one
/// chunk at a time and gives the checks a turn in between.
struct OneChunkAtATime<S> {
    inner: S,
    handed: bool,
}

impl<S: Stream + Unpin> Stream for OneChunkAtATime<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        if self.handed {
            self.handed = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let next = Pin::new(&mut self.inner).poll_next(cx);
        self.handed = matches!(next, Poll::Ready(Some(_)));
        next
    }
}

// Never the text: it is what a person wrote.
impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Form({:?})", self.uploads)
    }
}

impl std::fmt::Debug for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Refused({:?})", self.error)
    }
}

fn refuse(error: AttachmentError, texts: Vec<(String, String)>) -> Refused {
    Refused {
        error,
        fields: texts.into_iter().collect(),
    }
}

fn unreadable(_: multer::Error) -> AttachmentError {
    AttachmentError::Form
}

async fn read_file(
    mut field: Field<'static>,
    name: String,
    file_name: String,
    uploads: &mut Vec<Upload>,
) -> Result<(), AttachmentError> {
    let mut bytes: Vec<u8> = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        if chunk.is_empty() {
            continue;
        }
        if uploads.len() == MAX_FILES {
            return Err(AttachmentError::TooMany);
        }
        if bytes.len() + chunk.len() > MAX_FILE_BYTES {
            let file = super::name::clean(&file_name);
            return Err(AttachmentError::TooLarge {
                file: if file.is_empty() {
                    "the file".into()
                } else {
                    file
                },
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    // A file input left empty still sends a part: no name, no bytes.
    if bytes.is_empty() && file_name.is_empty() {
        return Ok(());
    }
    if uploads.len() == MAX_FILES {
        return Err(AttachmentError::TooMany);
    }
    uploads.push(Upload {
        field: name,
        file_name,
        bytes,
    });
    Ok(())
}

async fn read_text(mut field: Field<'static>) -> Result<String, AttachmentError> {
    let mut bytes: Vec<u8> = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        if bytes.len() + chunk.len() > MAX_TEXT_BYTES {
            return Err(AttachmentError::TextTooLong);
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| AttachmentError::Form)
}
