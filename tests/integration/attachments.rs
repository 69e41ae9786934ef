//! Message attachments across both services, on both backends: a family
//! member downloads only their own files, with download-only headers; the
//! portal's internal file API answers only signed requests and checks a
//! worker's PDF again; the bridge fetches a family file from the running
//! portal and believes it only when it matches its description; a worker's
//! PDF reaches the portal through the queue without the queue holding its
//! bytes; staff download a file only through its own case.
//!
//! The message pages and sync of message text are not here yet, so files
//! are stored through the attachment modules' own functions, and the
//! bridge's `messages` row a file hangs from is written as the messages
//! module will write it.

use crate::common;
use test_support::{backend_tests, Backend};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::family::{portal_id, signed_in, Browser};
use common::staff::{member, Member};
use common::{demo_family, import, sync, Services};
use content::attachments::{check, Attachment, Sender, Upload};
use content::db::now;
use content::sync::{AttachmentMeta, AttachmentPush, FamilyRole};
use staff_bridge::staff::Role;
use uuid::Uuid;

const CASE: &str = "DEMO-0001";

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    bytes.resize(size.saturating_sub(7), b' ');
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

fn checked(name: &str, bytes: Vec<u8>, sender: Sender) -> Attachment {
    check(
        &Upload {
            field: "files".into(),
            file_name: name.into(),
            bytes,
        },
        sender,
    )
    .unwrap()
}

fn photo() -> Vec<u8> {
    let picture = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(30, 20, |x, y| {
        image::Rgb([(x * 8) as u8, (y * 8) as u8, 90])
    }));
    let mut out = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// A family member's file, stored on the portal as the message page does.
async fn family_file(s: &Services, person: Uuid, file: &Attachment) -> AttachmentMeta {
    let mut conn = s.portal_db.pool.acquire().await.unwrap();
    portal::attachments::store(&mut conn, &s.portal_sealer(), Uuid::new_v4(), person, file)
        .await
        .unwrap()
}

async fn family_get(s: &Services, browser: &Browser, path: &str) -> reqwest::Response {
    let mut request = s.http.get(format!("{}{}", s.portal_url, path));
    if let Some(cookie) = browser.cookie_header() {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

fn assert_download_headers(response: &reqwest::Response, file_name: &str, media_type: &str) {
    assert_eq!(
        header(response, "content-disposition"),
        content::attachments::content_disposition(file_name)
    );
    assert!(header(response, "content-disposition").starts_with("attachment;"));
    assert_eq!(header(response, "content-type"), media_type);
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(response, "content-security-policy"),
        "sandbox; default-src 'none'"
    );
    assert_eq!(header(response, "cache-control"), "no-store");
}

backend_tests!(a_family_member_downloads_only_their_own_files);
async fn a_family_member_downloads_only_their_own_files(backend: Backend) {
    let s = Services::start(backend).await;
    import(&s, &demo_family()).await;
    let ellie = signed_in(
        &s,
        "P-101",
        "Ellie",
        FamilyRole::Child,
        ("12", "04", "2016"),
    )
    .await;
    let sarah = signed_in(
        &s,
        "P-103",
        "Sarah",
        FamilyRole::Parent,
        ("21", "11", "1989"),
    )
    .await;
    let ellie_id = portal_id(&s, "P-101").await;

    let file = checked("My drawing.JPG", photo(), Sender::Family);
    let meta = family_file(&s, ellie_id, &file).await;
    assert_eq!(meta.file_name, "My drawing.jpg");
    let path = format!("/messages/attachments/{}", meta.id);

    let response = family_get(&s, &ellie, &path).await;
    assert_eq!(response.status(), 200);
    assert_download_headers(&response, "My drawing.jpg", "image/jpeg");
    assert_eq!(response.bytes().await.unwrap().to_vec(), file.bytes);

    // Her mother, a guessed id, a malformed one: the ordinary not-found page.
    for (who, path) in [
        (&sarah, path.clone()),
        (&ellie, format!("/messages/attachments/{}", Uuid::new_v4())),
        (&ellie, "/messages/attachments/1%20OR%201=1".to_string()),
    ] {
        let response = family_get(&s, who, &path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(header(&response, "content-disposition").is_empty());
        let page = response.text().await.unwrap();
        assert!(page.contains("<html"), "the not-found page");
    }
    // Signed out: to sign in, nothing served.
    let response = family_get(&s, &Browser::default(), &path).await;
    assert_eq!(response.status(), 303);
    assert_eq!(header(&response, "location"), "/sign-in");

    // Sealed at rest: no PDF or JPEG bytes in the column.
    let data: String = sqlx::query_scalar("SELECT data FROM message_attachments")
        .fetch_one(&s.portal_db.pool)
        .await
        .unwrap();
    assert_ne!(data, STANDARD.encode(&file.bytes));
    assert!(!data.contains(&STANDARD.encode(&file.bytes[..30])));

    // Listing is for one person's messages only.
    let message: String = sqlx::query_scalar("SELECT message_id FROM message_attachments")
        .fetch_one(&s.portal_db.pool)
        .await
        .unwrap();
    let message: Uuid = message.parse().unwrap();
    let mut conn = s.portal_db.pool.acquire().await.unwrap();
    let listed = portal::attachments::for_messages(&mut conn, ellie_id, &[message, Uuid::new_v4()])
        .await
        .unwrap();
    assert_eq!(listed.get(&message), Some(&vec![meta.clone()]));
    let sarah_id = portal_id(&s, "P-103").await;
    assert!(
        portal::attachments::for_messages(&mut conn, sarah_id, &[message])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        portal::attachments::delete_for_person(&mut conn, ellie_id)
            .await
            .unwrap(),
        1
    );
    drop(conn);
    assert_eq!(family_get(&s, &ellie, &path).await.status(), 404);
    s.finish().await;
}

fn staff_push(message_id: Uuid, person_id: Uuid, bytes: &[u8]) -> AttachmentPush {
    AttachmentPush {
        message_id,
        person_id,
        file_name: "Ellie's plan.pdf".into(),
        media_type: "application/pdf".into(),
        size: bytes.len() as i64,
        sha256: content::attachments::sha256_hex(bytes),
        data: STANDARD.encode(bytes),
    }
}

backend_tests!(the_internal_file_api_answers_only_signed_requests);
async fn the_internal_file_api_answers_only_signed_requests(backend: Backend) {
    let s = Services::start(backend).await;
    import(&s, &demo_family()).await;
    let ellie = portal_id(&s, "P-101").await;
    let file = checked("drawing.jpg", photo(), Sender::Family);
    let meta = family_file(&s, ellie, &file).await;
    let get_path = format!("/internal/v1/attachments/{}", meta.id);

    // Unsigned: refused before anything is read or served.
    let response = s
        .http
        .get(format!("{}{}", s.internal_url, get_path))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let answer = s
        .bridge_client
        .send("GET", &get_path, Vec::new())
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, file.bytes);

    // A worker's PDF, pushed before its message: stored once, checked again.
    let message = Uuid::new_v4();
    let id = Uuid::new_v4();
    let put_path = format!("/internal/v1/attachments/{id}");
    let letter = pdf(10 * 1024 * 1024);
    let body = serde_json::to_vec(&staff_push(message, ellie, &letter)).unwrap();
    let unsigned = s
        .http
        .put(format!("{}{}", s.internal_url, put_path))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    let status = |body: Vec<u8>, path: String| {
        let client = s.bridge_client.clone();
        async move {
            client
                .send("PUT", &path, body)
                .await
                .unwrap()
                .status
                .as_u16()
        }
    };
    assert_eq!(status(body, put_path).await, 201, "a full 10 MB PDF fits");
    let stored_meta = AttachmentMeta {
        id,
        file_name: "Ellie's plan.pdf".into(),
        media_type: "application/pdf".into(),
        size: letter.len() as i64,
        sha256: content::attachments::sha256_hex(&letter),
    };
    let mut conn = s.portal_db.pool.acquire().await.unwrap();
    assert!(portal::attachments::all_held(
        &mut conn,
        ellie,
        message,
        std::slice::from_ref(&stored_meta)
    )
    .await
    .unwrap());
    assert!(
        !portal::attachments::all_held(&mut conn, ellie, Uuid::new_v4(), &[stored_meta])
            .await
            .unwrap()
    );
    drop(conn);

    // Sent again: stored once. Another file under the same id: a conflict.
    let small = format!("/internal/v1/attachments/{}", Uuid::new_v4());
    let other = pdf(2000);
    let body = serde_json::to_vec(&staff_push(message, ellie, &other)).unwrap();
    assert_eq!(status(body.clone(), small.clone()).await, 201);
    assert_eq!(
        status(body, small.clone()).await,
        204,
        "sent again: stored once"
    );
    let different = serde_json::to_vec(&staff_push(message, ellie, &pdf(3000))).unwrap();
    assert_eq!(
        status(different, small).await,
        409,
        "another file under the same id"
    );
    // The internal API's other routes keep their 4 MiB limit (refused
    // before the signature is checked, so the answer is not signed).
    let padded =
        serde_json::to_vec(&serde_json::json!({ "padding": "x".repeat(5 << 20) })).unwrap();
    let person_path = format!("/internal/v1/people/{ellie}");
    let mut request = s
        .http
        .put(format!("{}{}", s.internal_url, person_path))
        .body(padded.clone());
    for (name, value) in s.key().headers("PUT", &person_path, &padded, now()) {
        request = request.header(name, value);
    }
    assert_eq!(request.send().await.unwrap().status(), 413);

    // Refused, and nothing stored: a photo from staff, a wrong hash, a
    // truncated PDF.
    let mut wrong_hash = staff_push(message, ellie, &other);
    wrong_hash.sha256 = content::attachments::sha256_hex(b"something else");
    let mut photo_push = staff_push(message, ellie, &file.bytes);
    photo_push.media_type = "image/jpeg".into();
    let cut = staff_push(message, ellie, &other[..1500]);
    for (what, push) in [
        ("wrong hash", wrong_hash),
        ("photo", photo_push),
        ("truncated", cut),
    ] {
        let path = format!("/internal/v1/attachments/{}", Uuid::new_v4());
        let code = status(serde_json::to_vec(&push).unwrap(), path).await;
        assert_eq!(code, 400, "{what}");
    }
    assert_eq!(
        common::count(&s.portal_db, "SELECT COUNT(*) FROM message_attachments").await,
        3
    );
    s.finish().await;
}

backend_tests!(the_bridge_fetches_a_family_file_and_believes_only_a_match);
async fn the_bridge_fetches_a_family_file_and_believes_only_a_match(backend: Backend) {
    let s = Services::start(backend).await;
    import(&s, &demo_family()).await;
    let ellie = portal_id(&s, "P-101").await;
    let file = checked("drawing.jpg", photo(), Sender::Family);
    let meta = family_file(&s, ellie, &file).await;

    let bytes = staff_bridge::attachments::fetch(&s.bridge_client, &meta)
        .await
        .unwrap();
    assert_eq!(bytes, file.bytes);
    let message = Uuid::new_v4();
    let mut conn = s.bridge_db.pool.acquire().await.unwrap();
    for _ in 0..2 {
        staff_bridge::attachments::store(&mut conn, s.bridge_db.sealer(), message, &meta, &bytes)
            .await
            .unwrap();
    }
    assert_eq!(
        staff_bridge::attachments::for_message(&mut conn, message)
            .await
            .unwrap(),
        vec![meta.clone()],
        "stored once"
    );
    drop(conn);

    let mut wrong_hash = meta.clone();
    wrong_hash.sha256 = content::attachments::sha256_hex(b"another file");
    let mut wrong_type = meta.clone();
    wrong_type.media_type = "application/pdf".into();
    let mut wrong_size = meta.clone();
    wrong_size.size += 1;
    for (what, meta) in [
        ("sha256", wrong_hash),
        ("type", wrong_type),
        ("size", wrong_size),
    ] {
        let error = staff_bridge::attachments::fetch(&s.bridge_client, &meta)
            .await
            .unwrap_err();
        assert!(
            matches!(error, staff_bridge::sync::SyncError::BadAnswer(_)),
            "{what}: {error}"
        );
    }
    let mut unknown = meta.clone();
    unknown.id = Uuid::new_v4();
    assert!(matches!(
        staff_bridge::attachments::fetch(&s.bridge_client, &unknown).await,
        Err(staff_bridge::sync::SyncError::Status(status)) if status == 404
    ));
    s.finish().await;
}

/// The bridge's row for a worker's message, as the messages module writes it.
async fn bridge_message(s: &Services, id: Uuid, person: Uuid, case_id: i64) {
    sqlx::query(
        "INSERT INTO messages (id, person_portal_id, position, case_id, from_family, body, text_sha256, state, sent_at, received_at) \
         VALUES ($1, $2, 1, $3, 0, $4, $5, 'sent', $6, $6)",
    )
    .bind(id.to_string())
    .bind(person.to_string())
    .bind(case_id)
    .bind(s.bridge_db.seal("Here is your plan."))
    .bind(content::attachments::sha256_hex(b"Here is your plan."))
    .bind(now())
    .execute(&s.bridge_db.pool)
    .await
    .unwrap();
}

async fn staff_get(s: &Services, who: &Member, path: &str) -> reqwest::Response {
    who.desk
        .with_cookie(s.http.get(format!("{}{}", s.bridge_url, path)))
        .send()
        .await
        .unwrap()
}

backend_tests!(a_workers_pdf_reaches_the_portal_and_staff_download_it_through_its_case);
async fn a_workers_pdf_reaches_the_portal_and_staff_download_it_through_its_case(backend: Backend) {
    let s = Services::start(backend).await;
    import(&s, &demo_family()).await;
    let priya = member(
        &s,
        "priya.shah@council.example",
        "Priya Shah",
        &[Role::Practitioner],
    )
    .await;
    let sam = member(
        &s,
        "sam.lee@council.example",
        "Sam Lee",
        &[Role::Practitioner],
    )
    .await;
    let ellie = portal_id(&s, "P-101").await;
    let case_id: i64 = sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
        .bind(CASE)
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();

    let letter = pdf(3 * 1024 * 1024);
    let file = checked("Ellie's plan.pdf", letter.clone(), Sender::Staff);
    let message = Uuid::new_v4();
    let mut tx = s.bridge_db.pool.begin().await.unwrap();
    let meta = staff_bridge::attachments::push(
        &mut tx,
        s.bridge_db.sealer(),
        ellie,
        message,
        &file,
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    bridge_message(&s, message, ellie, case_id).await;

    // The queue holds the description, not the 3 MB.
    let queued: String = sqlx::query_scalar("SELECT body FROM outgoing WHERE path = $1")
        .bind(format!("/internal/v1/attachments/{}", meta.id))
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    assert!(queued.len() < 4096, "queued {} bytes", queued.len());

    sync(&s).await;
    let mut conn = s.portal_db.pool.acquire().await.unwrap();
    assert!(
        portal::attachments::all_held(&mut conn, ellie, message, std::slice::from_ref(&meta))
            .await
            .unwrap(),
        "the portal holds the file before any message names it"
    );
    drop(conn);
    let (outcome,): (Option<String>,) =
        sqlx::query_as("SELECT outcome FROM outgoing WHERE path = $1")
            .bind(format!("/internal/v1/attachments/{}", meta.id))
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();
    assert_eq!(outcome.as_deref(), Some("accepted"));

    let path = format!("/cases/{CASE}/attachments/{}", meta.id);
    let response = staff_get(&s, &priya, &path).await;
    assert_eq!(response.status(), 200);
    assert_download_headers(&response, "Ellie's plan.pdf", "application/pdf");
    assert_eq!(response.bytes().await.unwrap().to_vec(), letter);

    // Not allocated to the case: not found, as a guessed address is.
    assert_eq!(staff_get(&s, &sam, &path).await.status(), 404);
    assert_eq!(
        staff_get(
            &s,
            &priya,
            &format!("/cases/{CASE}/attachments/{}", Uuid::new_v4())
        )
        .await
        .status(),
        404
    );
    // A file of another case's message, asked for through this case.
    let elsewhere = Uuid::new_v4();
    bridge_message(&s, elsewhere, Uuid::new_v4(), case_id + 1000).await;
    let other = checked("other.pdf", pdf(1000), Sender::Staff).meta(Uuid::new_v4());
    let mut conn = s.bridge_db.pool.acquire().await.unwrap();
    staff_bridge::attachments::store(
        &mut conn,
        s.bridge_db.sealer(),
        elsewhere,
        &other,
        &pdf(1000),
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(
        staff_get(
            &s,
            &priya,
            &format!("/cases/{CASE}/attachments/{}", other.id)
        )
        .await
        .status(),
        404
    );
    s.finish().await;
}
