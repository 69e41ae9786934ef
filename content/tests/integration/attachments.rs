//! Message attachments: the type from the bytes, photos stripped of every
//! piece of metadata, damaged, disguised and oversized files refused with
//! messages a parent can act on, and the form reader's limits holding while
//! the body streams in.

use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::routing::post;
use axum::Router;
use content::attachments::{
    check, check_all, read_form, AttachmentError, Kind, Sender, Upload, BODY_LIMIT, MAX_FILE_BYTES,
};
use image::{DynamicImage, ImageFormat, RgbImage};
use tower::ServiceExt;

fn upload(name: &str, bytes: Vec<u8>) -> Upload {
    Upload {
        field: "files".into(),
        file_name: name.into(),
        bytes,
    }
}

/// A picture with something in it, so encoders have work to do.
fn picture(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 4) as u8, ((x + y) * 2) as u8])
    }))
}

fn encoded(picture: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A big-endian TIFF IFD entry.
fn entry(tag: u16, kind: u16, count: u32, value: [u8; 4]) -> Vec<u8> {
    let mut e = tag.to_be_bytes().to_vec();
    e.extend_from_slice(&kind.to_be_bytes());
    e.extend_from_slice(&count.to_be_bytes());
    e.extend_from_slice(&value);
    e
}

fn rationals(values: [(u32, u32); 3]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|(n, d)| n.to_be_bytes().into_iter().chain(d.to_be_bytes()))
        .collect()
}

/// An EXIF block as a phone camera writes one: the make, the orientation
/// (6: turn 90° clockwise to show) and a GPS position (a made-up spot).
fn exif_with_gps() -> Vec<u8> {
    let make = b"FamilyStory test camera\0";
    let ifd0_at = 8u32;
    let make_at = ifd0_at + 2 + 3 * 12 + 4;
    let gps_at = make_at + make.len() as u32;
    let lat_at = gps_at + 2 + 5 * 12 + 4;
    let lon_at = lat_at + 24;
    let mut tiff = b"MM\0\x2a".to_vec();
    tiff.extend_from_slice(&ifd0_at.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend(entry(0x010F, 2, make.len() as u32, make_at.to_be_bytes()));
    tiff.extend(entry(0x0112, 3, 1, [0, 6, 0, 0]));
    tiff.extend(entry(0x8825, 4, 1, gps_at.to_be_bytes()));
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(make);
    tiff.extend_from_slice(&5u16.to_be_bytes());
    tiff.extend(entry(0x0000, 1, 4, [2, 2, 0, 0]));
    tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
    tiff.extend(entry(0x0002, 5, 3, lat_at.to_be_bytes()));
    tiff.extend(entry(0x0003, 2, 2, *b"W\0\0\0"));
    tiff.extend(entry(0x0004, 5, 3, lon_at.to_be_bytes()));
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend(rationals([(53, 1), (28, 1), (1234, 100)]));
    tiff.extend(rationals([(2, 1), (14, 1), (5678, 100)]));
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend(tiff);
    app1
}

/// A JPEG taken "sideways" with its GPS position in EXIF.
fn jpeg_with_gps() -> Vec<u8> {
    let plain = encoded(&picture(64, 32), ImageFormat::Jpeg);
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend(exif_with_gps());
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

fn exif_of(bytes: &[u8]) -> Result<exif::Exif, exif::Error> {
    exif::Reader::new().read_from_container(&mut Cursor::new(bytes))
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    chunk.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    chunk
}

/// A PNG with a text comment and an EXIF chunk placed before its image data.
fn png_with_text_and_exif() -> Vec<u8> {
    let plain = encoded(&picture(40, 30), ImageFormat::Png);
    // The signature and IHDR (8 + 25 bytes) first, then the extra chunks.
    let mut png = plain[..33].to_vec();
    png.extend(png_chunk(b"tEXt", b"Comment\0taken at 12 Acacia Avenue"));
    let tiff = &exif_with_gps()[10..];
    png.extend(png_chunk(b"eXIf", tiff));
    png.extend_from_slice(&plain[33..]);
    png
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

#[test]
fn a_photo_with_gps_comes_out_upright_without_any_exif() {
    let sent = jpeg_with_gps();
    let before = exif_of(&sent).expect("the photo as taken has EXIF");
    assert!(
        before
            .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_some()
            && before
                .get_field(exif::Tag::GPSLongitude, exif::In::PRIMARY)
                .is_some(),
        "the photo as taken says where it was taken"
    );

    let stored = check(&upload("IMG_0042.JPG", sent), Sender::Family).unwrap();
    assert_eq!(stored.kind, Kind::Jpeg);
    assert_eq!(stored.file_name, "IMG_0042.jpg");
    assert!(
        matches!(exif_of(&stored.bytes), Err(exif::Error::NotFound(_))),
        "no EXIF at all survives"
    );
    let text = String::from_utf8_lossy(&stored.bytes);
    assert!(!text.contains("Exif") && !text.contains("FamilyStory test camera"));
    let shown = image::load_from_memory(&stored.bytes).unwrap();
    assert_eq!(
        (shown.width(), shown.height()),
        (32, 64),
        "turned upright as its orientation said"
    );
    assert_eq!(
        stored.sha256,
        content::attachments::sha256_hex(&stored.bytes)
    );
}

#[test]
fn a_png_loses_its_text_and_exif_chunks() {
    let sent = png_with_text_and_exif();
    assert!(
        image::load_from_memory(&sent).is_ok(),
        "the sample is a valid PNG"
    );
    assert!(exif_of(&sent).is_ok(), "the sample carries EXIF");
    let stored = check(&upload("drawing.png", sent), Sender::Family).unwrap();
    assert_eq!(stored.kind, Kind::Png);
    for chunk in [&b"tEXt"[..], b"eXIf", b"zTXt", b"iTXt", b"Acacia"] {
        assert!(
            !stored.bytes.windows(chunk.len()).any(|w| w == chunk),
            "{} is gone",
            String::from_utf8_lossy(chunk)
        );
    }
    assert!(exif_of(&stored.bytes).is_err());
    let shown = image::load_from_memory(&stored.bytes).unwrap();
    assert_eq!(
        (shown.width(), shown.height()),
        (30, 40),
        "turned upright as its eXIf orientation said"
    );
}

/// A few hundred bytes that declare a 60000 x 60000 picture (10 GB of
/// pixels): refused from the header, before any pixel memory.
#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    let mut ihdr = 60_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    bomb.extend(png_chunk(b"IHDR", &ihdr));
    bomb.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    bomb.extend(png_chunk(b"IEND", b""));
    let error = check(&upload("big.png", bomb), Sender::Family).unwrap_err();
    assert!(
        matches!(error, AttachmentError::TooManyPixels { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "“big.png” is too big a picture to send. Take a smaller photo or a screenshot of it, then try again."
    );

    // A JPEG's header says its size too.
    let mut jpeg = encoded(&picture(16, 16), ImageFormat::Jpeg);
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    let error = check(&upload("big.jpg", jpeg), Sender::Family).unwrap_err();
    assert!(
        matches!(error, AttachmentError::TooManyPixels { .. }),
        "{error:?}"
    );
}

#[test]
fn truncated_photos_and_pdfs_are_refused_as_damaged() {
    let jpeg = jpeg_with_gps();
    let png = png_with_text_and_exif();
    let pdf = pdf();
    for (name, bytes) in [
        ("photo.jpg", &jpeg[..jpeg.len() * 2 / 3]),
        ("photo.jpg", &jpeg[..jpeg.len() - 2]),
        ("drawing.png", &png[..png.len() / 2]),
        ("letter.pdf", &pdf[..pdf.len() - 8]),
    ] {
        let error = check(&upload(name, bytes.to_vec()), Sender::Family).unwrap_err();
        assert_eq!(
            error,
            AttachmentError::Damaged { file: name.into() },
            "{name} cut at {}",
            bytes.len()
        );
        assert!(error
            .to_string()
            .contains(&format!("“{name}” could not be read")));
    }
}

#[test]
fn the_type_comes_from_the_bytes_not_the_name() {
    let error = check(
        &upload("holiday.jpg", b"Meet me at the park at 4".to_vec()),
        Sender::Family,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "“holiday.jpg” cannot be sent: only photos (JPEG or PNG) and PDF documents can. \
         Save it as a PDF or take a photo of it, then try again."
    );
    // A PNG named .pdf is a PNG, and is named so.
    let png = encoded(&picture(8, 8), ImageFormat::Png);
    let stored = check(&upload("scan.pdf", png), Sender::Family).unwrap();
    assert_eq!(
        (stored.kind, stored.file_name.as_str()),
        (Kind::Png, "scan.png")
    );
    // An HTML page dressed as a PDF.
    let error = check(
        &upload("letter.pdf", b"<html><script>alert(1)</script>".to_vec()),
        Sender::Family,
    )
    .unwrap_err();
    assert!(matches!(error, AttachmentError::WrongType { .. }));
}

#[test]
fn heic_is_refused_with_what_to_do() {
    let mut heic = 24u32.to_be_bytes().to_vec();
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    heic.extend_from_slice(&[0; 200]);
    let error = check(&upload("IMG_1234.HEIC", heic), Sender::Family).unwrap_err();
    assert!(matches!(error, AttachmentError::Heic { .. }));
    let message = error.to_string();
    assert!(
        message.starts_with("Photos in HEIC format cannot be sent")
            && message.contains("On an iPhone")
            && message.contains("Most Compatible"),
        "{message}"
    );
}

#[test]
fn staff_may_send_pdfs_only() {
    let stored = check(&upload("Plan.pdf", pdf()), Sender::Staff).unwrap();
    assert_eq!(stored.bytes, pdf(), "a PDF is stored as sent");
    assert_eq!(stored.file_name, "Plan.pdf");
    let error = check(&upload("photo.jpg", jpeg_with_gps()), Sender::Staff).unwrap_err();
    assert_eq!(
        error,
        AttachmentError::StaffPdfOnly {
            file: "photo.jpg".into()
        }
    );
}

#[test]
fn an_oversized_file_and_a_sixth_file_are_refused() {
    let mut big = pdf();
    big.resize(11 * 1024 * 1024, b' ');
    let error = check(&upload("scan.pdf", big), Sender::Family).unwrap_err();
    assert_eq!(
        error.to_string(),
        "“scan.pdf” is larger than 10 MB. Choose a smaller file, or take a photo of the page instead."
    );
    let six: Vec<Upload> = (0..6).map(|i| upload(&format!("{i}.pdf"), pdf())).collect();
    assert_eq!(
        check_all(&six, Sender::Family).unwrap_err().to_string(),
        "You can send up to 5 files with one message. Send the others in another message."
    );
    assert_eq!(check_all(&six[..5], Sender::Family).unwrap().len(), 5);
}

#[tokio::test]
async fn files_are_checked_off_the_request_thread_with_the_same_rules() {
    let files = vec![
        upload("IMG_0042.JPG", jpeg_with_gps()),
        upload("plan.pdf", pdf()),
    ];
    let stored = content::attachments::check_all_off_thread(files, Sender::Family)
        .await
        .unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|a| a.file_name.as_str())
            .collect::<Vec<_>>(),
        ["IMG_0042.jpg", "plan.pdf"]
    );
    assert!(exif_of(&stored[0].bytes).is_err());
    let refused = content::attachments::check_all_off_thread(
        vec![upload("notes.jpg", b"just text".to_vec())],
        Sender::Family,
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, AttachmentError::WrongType { .. }));
}

// --- the form reader, behind the body limit the routes set ---

const BOUNDARY: &str = "----familystory-test-boundary";

fn text_part(name: &str, value: &str) -> Vec<u8> {
    format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        .into_bytes()
}

fn file_head(name: &str, file_name: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes()
}

fn file_part(name: &str, file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut part = file_head(name, file_name);
    part.extend_from_slice(bytes);
    part.extend_from_slice(b"\r\n");
    part
}

fn end() -> Vec<u8> {
    format!("--{BOUNDARY}--\r\n").into_bytes()
}

/// The route as a message page would have it: the body limit set, the
/// form read by `read_form`. Answers what the page would know.
fn app() -> Router {
    async fn send(request: axum::extract::Request) -> String {
        match read_form(request).await {
            Ok(form) => format!(
                "ok: {} files [{}]; text={}",
                form.uploads.len(),
                form.uploads
                    .iter()
                    .map(|u| format!("{}:{}", u.file_name, u.bytes.len()))
                    .collect::<Vec<_>>()
                    .join(", "),
                form.fields.get("text")
            ),
            Err(refused) => format!(
                "refused: {}; text={}",
                refused.error,
                refused.fields.get("text")
            ),
        }
    }
    Router::new()
        .route("/messages", post(send))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn post_form(body: Body) -> String {
    let request = Request::post("/messages")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .unwrap();
    let response = app().oneshot(request).await.unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn a_form_gives_its_text_and_chosen_files_and_ignores_an_empty_input() {
    let mut body = text_part("text", "Here is my drawing");
    body.extend(file_part("files", "drawing.png", b"\x89PNG..."));
    body.extend(file_part("files", "", b""));
    body.extend(end());
    assert_eq!(
        post_form(Body::from(body)).await,
        "ok: 1 files [drawing.png:7]; text=Here is my drawing"
    );
}

#[tokio::test]
async fn an_11_mb_file_is_refused_and_the_text_kept() {
    let mut body = text_part("text", "My letter");
    body.extend(file_part(
        "files",
        "letter.pdf",
        &vec![b'x'; 11 * 1024 * 1024],
    ));
    body.extend(end());
    assert_eq!(
        post_form(Body::from(body)).await,
        "refused: “letter.pdf” is larger than 10 MB. Choose a smaller file, or take a photo of \
         the page instead.; text=My letter"
    );
}

#[tokio::test]
async fn a_sixth_file_is_refused() {
    let mut body = text_part("text", "Photos");
    for i in 0..6 {
        body.extend(file_part("files", &format!("{i}.jpg"), b"\xFF\xD8\xFF"));
    }
    body.extend(end());
    assert_eq!(
        post_form(Body::from(body)).await,
        "refused: You can send up to 5 files with one message. Send the others in another \
         message.; text=Photos"
    );
}

#[tokio::test]
async fn an_overlong_text_field_is_refused() {
    let mut body = text_part("text", &"a".repeat(70 * 1024));
    body.extend(end());
    assert!(post_form(Body::from(body))
        .await
        .starts_with("refused: The message is too long to send."));
}

/// A 10 GB upload streamed in: refused once the file passes 10 MB, having
/// pulled about that much of the body and no more.
#[tokio::test]
async fn a_10_gb_upload_is_refused_after_reading_about_the_limit() {
    const TOTAL: u64 = 10 * 1024 * 1024 * 1024;
    const CHUNK: usize = 64 * 1024;
    let pulled = Arc::new(AtomicU64::new(0));
    let counter = pulled.clone();
    let mut head = text_part("text", "Here it is");
    head.extend(file_head("files", "huge.pdf"));
    let stream = futures_util::stream::unfold(0u64, move |sent| {
        let counter = counter.clone();
        let head = head.clone();
        async move {
            if sent >= TOTAL {
                return None;
            }
            let chunk = if sent == 0 {
                Bytes::from(head)
            } else {
                Bytes::from(vec![b'A'; CHUNK])
            };
            counter.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            Some((
                Ok::<_, std::io::Error>(chunk.clone()),
                sent + chunk.len() as u64,
            ))
        }
    });
    let answer = post_form(Body::from_stream(stream)).await;
    assert!(
        answer.starts_with("refused: “huge.pdf” is larger than 10 MB."),
        "{answer}"
    );
    let read = pulled.load(Ordering::SeqCst);
    assert!(
        read <= (MAX_FILE_BYTES + 1024 * 1024) as u64,
        "read {read} bytes of a 10 GB upload"
    );
}
