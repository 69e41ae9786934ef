//! Files sent with messages: what may be sent, by whom, and how it is made
//! safe before it is stored. No tables here (each service's `attachments`
//! module owns its `message_attachments`); these are the rules both share.
//!
//! - At most [`MAX_FILE_BYTES`] a file and [`MAX_FILES`] a message, enforced
//!   while the form is read ([`form`]), never after buffering more.
//! - The type is decided from the bytes alone, never the name or the
//!   browser's type: JPEG, PNG or PDF. HEIC is recognised and refused with
//!   what to do instead (no decoder we trust with untrusted input yet).
//! - Photos are decoded (with limits, so a decompression bomb is refused
//!   from its header) and encoded again, which leaves every piece of
//!   metadata behind: EXIF, GPS, text chunks, thumbnails. The picture is
//!   turned upright first, as its EXIF orientation said.
//! - PDFs are kept as sent, once they are whole (`%PDF-` ... `%%EOF`), and
//!   always served as a download.
//! - Families may send photos and PDFs; staff PDFs only.

pub mod form;
mod name;
mod photo;
mod serve;
mod sniff;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::sync::AttachmentMeta;

pub use form::{read_form, Form, Refused, BODY_LIMIT};
pub use name::{content_disposition, safe_file_name};
pub use serve::{download, DOWNLOAD_CSP};

/// The largest file that may be sent: 10 MB.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most files one message may carry.
pub const MAX_FILES: usize = 5;

/// What a stored file is, decided from its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Pdf,
}

impl Kind {
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Pdf => "application/pdf",
        }
    }

    pub fn from_media_type(media_type: &str) -> Option<Kind> {
        [Kind::Jpeg, Kind::Png, Kind::Pdf]
            .into_iter()
            .find(|k| k.media_type() == media_type)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Pdf => "pdf",
        }
    }

    pub fn is_photo(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png)
    }
}

/// Who is sending: it decides which kinds are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// A family member: photos and PDFs.
    Family,
    /// A worker: PDFs only (a photo from the office is a document's job).
    Staff,
}

impl Sender {
    pub fn allows(self, kind: Kind) -> bool {
        match self {
            Sender::Family => true,
            Sender::Staff => kind == Kind::Pdf,
        }
    }
}

/// A file as it arrived in a form: the name the browser gave, and the bytes,
/// not yet checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Upload {
    // Never the bytes: they are record content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Upload({} bytes)", self.bytes.len())
    }
}

/// A file that passed [`check`]: its kind, a safe name with the right
/// extension, the bytes to store (a photo re-encoded, a PDF as sent) and
/// their SHA-256.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    pub kind: Kind,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of `bytes`.
    pub sha256: String,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Attachment({:?}, {} bytes)", self.kind, self.bytes.len())
    }
}

impl Attachment {
    /// Its description for the wire, under the id it is stored with.
    pub fn meta(&self, id: Uuid) -> AttachmentMeta {
        AttachmentMeta {
            id,
            file_name: self.file_name.clone(),
            media_type: self.kind.media_type().to_string(),
            size: i64::try_from(self.bytes.len()).unwrap_or(i64::MAX),
            sha256: self.sha256.clone(),
        }
    }
}

/// Hex SHA-256, as `AttachmentMeta::sha256` holds it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Why a file (or the form carrying it) was refused. Each message names the
/// file as the person chose it and says what to do; none holds its content.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("“{file}” is larger than 10 MB. Choose a smaller file, or take a photo of the page instead.")]
    TooLarge { file: String },
    #[error("You can send up to 5 files with one message. Send the others in another message.")]
    TooMany,
    #[error("Photos in HEIC format cannot be sent (“{file}”). On an iPhone, open Settings, then Camera, then Formats, and choose “Most Compatible”; or take a screenshot of the photo and send that.")]
    Heic { file: String },
    #[error("“{file}” cannot be sent: only photos (JPEG or PNG) and PDF documents can. Save it as a PDF or take a photo of it, then try again.")]
    WrongType { file: String },
    #[error("“{file}” cannot be sent: workers can attach PDF documents only. Save it as a PDF, then try again.")]
    StaffPdfOnly { file: String },
    #[error("“{file}” could not be read: it may be damaged or not have finished copying to your phone. Open it to check, then choose it again.")]
    Damaged { file: String },
    #[error("“{file}” is too big a picture to send. Take a smaller photo or a screenshot of it, then try again.")]
    TooManyPixels { file: String },
    #[error("“{file}” is empty. Choose the file again.")]
    Empty { file: String },
    #[error("The message is too long to send. Make it shorter, or send it in two parts.")]
    TextTooLong,
    #[error("The form could not be read. Go back, refresh the page and try again.")]
    Form,
    /// Between the services: a file that is not what its description says
    /// (size, SHA-256 or type). Never shown to a family.
    #[error("the file does not match its description: {0}")]
    NotAsDescribed(&'static str),
}

/// How a file is named in a message: the name as chosen, made safe, or
/// "the file" when it had none.
fn shown(upload: &Upload) -> String {
    let name = name::clean(&upload.file_name);
    if name.is_empty() {
        "the file".to_string()
    } else {
        name
    }
}

/// Decides what an upload is and makes it safe to store, or says why not.
pub fn check(upload: &Upload, sender: Sender) -> Result<Attachment, AttachmentError> {
    let file = || shown(upload);
    if upload.bytes.is_empty() {
        return Err(AttachmentError::Empty { file: file() });
    }
    if upload.bytes.len() > MAX_FILE_BYTES {
        return Err(AttachmentError::TooLarge { file: file() });
    }
    let kind = match sniff::sniff(&upload.bytes) {
        sniff::Sniffed::Kind(kind) => kind,
        sniff::Sniffed::Heic => return Err(AttachmentError::Heic { file: file() }),
        sniff::Sniffed::Other => {
            return Err(match sender {
                Sender::Family => AttachmentError::WrongType { file: file() },
                Sender::Staff => AttachmentError::StaffPdfOnly { file: file() },
            })
        }
    };
    if !sender.allows(kind) {
        return Err(AttachmentError::StaffPdfOnly { file: file() });
    }
    let bytes = match kind {
        Kind::Pdf if sniff::pdf_complete(&upload.bytes) => upload.bytes.clone(),
        Kind::Pdf => return Err(AttachmentError::Damaged { file: file() }),
        Kind::Jpeg if !sniff::jpeg_complete(&upload.bytes) => {
            return Err(AttachmentError::Damaged { file: file() })
        }
        Kind::Jpeg | Kind::Png => photo::reencode(&upload.bytes, kind).map_err(|e| match e {
            photo::PhotoError::TooBig => AttachmentError::TooManyPixels { file: file() },
            photo::PhotoError::Unreadable => AttachmentError::Damaged { file: file() },
        })?,
    };
    Ok(Attachment {
        kind,
        file_name: safe_file_name(&upload.file_name, kind),
        sha256: sha256_hex(&bytes),
        bytes,
    })
}

/// [`check`] for every file of a message, refusing more than [`MAX_FILES`]:
/// the first refusal, so nothing is stored unless all may be.
pub fn check_all(uploads: &[Upload], sender: Sender) -> Result<Vec<Attachment>, AttachmentError> {
    if uploads.len() > MAX_FILES {
        return Err(AttachmentError::TooMany);
    }
    uploads.iter().map(|u| check(u, sender)).collect()
}

/// Photos decoded at once, across the whole service: each may take up to
/// 256 MiB while it is decoded, so a burst of uploads waits its turn rather
/// than taking the memory of many.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// [`check_all`] for a request handler: on a blocking thread (decoding and
/// encoding a photo takes a while), two messages' files at a time. A panic
/// in a decoder refuses the form instead of failing the request.
pub async fn check_all_off_thread(
    uploads: Vec<Upload>,
    sender: Sender,
) -> Result<Vec<Attachment>, AttachmentError> {
    if uploads.is_empty() {
        return Ok(Vec::new());
    }
    let _turn = DECODING
        .acquire()
        .await
        .map_err(|_| AttachmentError::Form)?;
    tokio::task::spawn_blocking(move || check_all(&uploads, sender))
        .await
        .map_err(|_| AttachmentError::Form)?
}

/// For a file that crossed between the services: the bytes are what `meta`
/// says (size, SHA-256, a type decided again from the bytes, whole), and of
/// a kind `sender` may send. A compromised peer cannot slip anything else
/// through. Photos were re-encoded by the service that took them, so they
/// are not decoded again here.
pub fn verify_arrived(
    meta: &AttachmentMeta,
    bytes: &[u8],
    sender: Sender,
) -> Result<Kind, AttachmentError> {
    use AttachmentError::NotAsDescribed;
    if bytes.len() > MAX_FILE_BYTES || bytes.is_empty() {
        return Err(NotAsDescribed("size out of bounds"));
    }
    if i64::try_from(bytes.len()).ok() != Some(meta.size) {
        return Err(NotAsDescribed("size"));
    }
    if !sha256_hex(bytes).eq_ignore_ascii_case(&meta.sha256) {
        return Err(NotAsDescribed("sha256"));
    }
    let sniff::Sniffed::Kind(kind) = sniff::sniff(bytes) else {
        return Err(NotAsDescribed("type"));
    };
    if Kind::from_media_type(&meta.media_type) != Some(kind) || !sender.allows(kind) {
        return Err(NotAsDescribed("type"));
    }
    let whole = match kind {
        Kind::Pdf => sniff::pdf_complete(bytes),
        Kind::Jpeg => sniff::jpeg_complete(bytes),
        Kind::Png => sniff::png_complete(bytes),
    };
    if !whole {
        return Err(NotAsDescribed("truncated"));
    }
    Ok(kind)
}
