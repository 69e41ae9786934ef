//! The sync's transport as an attacker on the network meets it: TLS to the
//! portal checked against the council's CA, answers believed only when the
//! portal signed them for that request, the internal API refusing what its
//! headers give away before reading a body, and HSTS on HTTPS deployments.
//! On both backends.

use crate::common;
use test_support::{backend_tests, Backend};

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use common::{count, Services, SECRET};
use content::db::now;
use content::sync::{
    FamilyRole, PersonPush, SyncKey, WithdrawalPush, HEADER_NONCE, HEADER_RESPONSE_SIGNATURE,
};
use staff_bridge::outgoing::{self, Push};
use staff_bridge::sync::{self, PortalClient, SyncError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

fn person(name: &str) -> PersonPush {
    PersonPush {
        display_name: name.into(),
        first_name: name.split(' ').next().unwrap().into(),
        role: FamilyRole::Parent,
        date_of_birth: None,
    }
}

async fn enqueue(s: &Services, push: Push) {
    let mut tx = s.bridge_db.pool.begin().await.unwrap();
    outgoing::enqueue(&mut tx, s.bridge_db.sealer(), &push, now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// How a man in the middle answers in the portal's place.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Forgery {
    /// "204 No Content" and no signature.
    Unsigned,
    /// Signed, but not with the shared secret.
    WrongKey,
    /// A genuine signature the portal gave to another request.
    Replayed,
    /// Signed as the portal signs: shows the fake is otherwise believable.
    Genuine,
}

/// Answers every request with 204 as `mode` says, never passing it on.
async fn fake_portal(mode: Arc<Mutex<Forgery>>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answer = move |headers: HeaderMap| {
        let mode = *mode.lock().unwrap();
        async move {
            let nonce = headers
                .get(HEADER_NONCE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let real = SyncKey::new(SECRET).unwrap();
            let signature = match mode {
                Forgery::Unsigned => None,
                Forgery::WrongKey => Some(
                    SyncKey::new("a man in the middle does not know the secret")
                        .unwrap()
                        .sign_response(204, nonce, b""),
                ),
                Forgery::Replayed => {
                    Some(real.sign_response(204, "an earlier request's nonce", b""))
                }
                Forgery::Genuine => Some(real.sign_response(204, nonce, b"")),
            };
            let mut response = StatusCode::NO_CONTENT.into_response();
            if let Some(signature) = signature {
                response
                    .headers_mut()
                    .insert(HEADER_RESPONSE_SIGNATURE, signature.parse().unwrap());
            }
            response
        }
    };
    let app = axum::Router::new().fallback(answer);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

backend_tests!(a_forged_or_replayed_answer_does_not_count_as_accepted);
async fn a_forged_or_replayed_answer_does_not_count_as_accepted(backend: Backend) {
    let mode = Arc::new(Mutex::new(Forgery::Unsigned));
    let fake = fake_portal(mode.clone()).await;
    // The bridge's own worker talks to the fake too, so nothing else
    // can take the entry off the queue.
    let s = Services::start_with(backend, |_, bridge| {
        bridge.portal_internal_url = format!("http://{fake}");
    })
    .await;
    let item = Uuid::new_v4();
    enqueue(
        &s,
        Push::Withdrawal(
            item,
            WithdrawalPush {
                withdrawn_at: now(),
            },
        ),
    )
    .await;
    for forgery in [Forgery::Unsigned, Forgery::WrongKey, Forgery::Replayed] {
        *mode.lock().unwrap() = forgery;
        let error = sync::push_pending(&s.bridge_db, &s.bridge_client)
            .await
            .unwrap_err();
        assert!(
            matches!(error, SyncError::Unsigned(..)),
            "{backend:?} {forgery:?}: {error}"
        );
        assert_eq!(
            outgoing::pending_count(&s.bridge_db).await.unwrap(),
            1,
            "{backend:?} {forgery:?}: the withdrawal stays queued"
        );
    }
    assert_eq!(
        count(&s.portal_db, "SELECT COUNT(*) FROM withdrawals").await,
        0,
        "the real portal never heard of it"
    );

    *mode.lock().unwrap() = Forgery::Genuine;
    assert_eq!(
        sync::push_pending(&s.bridge_db, &s.bridge_client)
            .await
            .unwrap(),
        1,
        "{backend:?}: the same fake, signing as the portal does, is believed"
    );
    assert_eq!(outgoing::pending_count(&s.bridge_db).await.unwrap(), 0);
    s.finish().await;
}

backend_tests!(the_real_portal_signs_its_answers_refusals_included);
async fn the_real_portal_signs_its_answers_refusals_included(backend: Backend) {
    let s = Services::start(backend).await;
    let id = Uuid::new_v4();
    let path = format!("/internal/v1/people/{id}");
    let body = serde_json::to_vec(&person("Sarah Carter")).unwrap();
    let answer = s.bridge_client.send("PUT", &path, body).await.unwrap();
    assert_eq!(answer.status.as_u16(), 204, "{backend:?}");
    // A body the portal refuses: the refusal is signed too, so the
    // bridge can believe it and move on.
    let answer = s
        .bridge_client
        .send("PUT", &path, b"{\"display_name\": 3}".to_vec())
        .await
        .unwrap();
    assert_eq!(answer.status.as_u16(), 400, "{backend:?}");
    let answer = s
        .bridge_client
        .send("GET", "/internal/v1/outbox?after=0&limit=10", Vec::new())
        .await
        .unwrap();
    assert_eq!(answer.status.as_u16(), 200, "{backend:?}");
    // The same portal, asked through a client with another secret,
    // gives it nothing it can believe.
    let stranger = PortalClient::connect(
        &s.internal_url,
        SyncKey::new("a different secret that is also long enough").unwrap(),
        None,
    )
    .unwrap();
    let error = stranger
        .send("GET", "/internal/v1/outbox?after=0&limit=10", Vec::new())
        .await
        .unwrap_err();
    assert!(
        matches!(error, SyncError::Unsigned(status, _) if status.as_u16() == 401),
        "{backend:?}: {error}"
    );
    s.finish().await;
}

/// A throwaway CA, and a certificate it issued for `localhost`.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new(name: &str) -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, format!("{name} internal CA"));
        let ca = ca.self_signed(&ca_key).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &ca, &ca_key)
            .unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("portal.pem"), leaf.pem()).unwrap();
        write_private(
            &dir.path().join("portal.key.pem"),
            &leaf_key.serialize_pem(),
        );
        Pki { dir }
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn cert(&self) -> PathBuf {
        self.dir.path().join("portal.pem")
    }

    fn key(&self) -> PathBuf {
        self.dir.path().join("portal.key.pem")
    }
}

fn write_private(path: &Path, text: &str) {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

async fn start_with_tls(backend: content::db::Backend, pki: &Pki) -> Services {
    Services::start_with(backend, |portal, bridge| {
        portal.internal_tls_cert = Some(pki.cert());
        portal.internal_tls_key = Some(pki.key());
        bridge.portal_internal_url = format!("https://localhost:{}", portal.internal_addr.port());
        bridge.portal_ca_file = Some(pki.ca());
    })
    .await
}

backend_tests!(the_sync_runs_over_tls_checked_against_the_councils_ca);
async fn the_sync_runs_over_tls_checked_against_the_councils_ca(backend: Backend) {
    let council = Pki::new("Council");
    let stranger = Pki::new("Stranger");
    // The bridge's own worker points nowhere, so only this test's clients
    // sync: a worker run cannot deliver what the wrong CA must not.
    let s = Services::start_with(backend, |portal, bridge| {
        portal.internal_tls_cert = Some(council.cert());
        portal.internal_tls_key = Some(council.key());
        bridge.portal_internal_url = "https://localhost:9".into();
        bridge.portal_ca_file = Some(council.ca());
    })
    .await;
    let https = format!("https://localhost:{}", s.internal_addr.port());
    let good = PortalClient::connect(&https, s.key(), Some(&council.ca())).unwrap();
    let mother = Uuid::new_v4();
    enqueue(&s, Push::Person(mother, person("Sarah Carter"))).await;
    sync::run_once(&s.bridge_db, &good).await.unwrap();
    assert_eq!(outgoing::pending_count(&s.bridge_db).await.unwrap(), 0);
    assert!(
        portal::people::find_active(&s.portal_db, mother)
            .await
            .unwrap()
            .is_some(),
        "{backend:?}: the push crossed over TLS"
    );

    // Someone else's certificate on the portal's address: the bridge
    // does not talk to it, and the entry waits.
    let father = Uuid::new_v4();
    enqueue(&s, Push::Person(father, person("Daniel Brooks"))).await;
    let wrong_ca = PortalClient::connect(&https, s.key(), Some(&stranger.ca())).unwrap();
    let error = sync::push_pending(&s.bridge_db, &wrong_ca)
        .await
        .unwrap_err();
    assert!(
        matches!(error, SyncError::Unreachable(_)),
        "{backend:?}: {error}"
    );
    assert_eq!(outgoing::pending_count(&s.bridge_db).await.unwrap(), 1);
    assert!(portal::people::find_active(&s.portal_db, father)
        .await
        .unwrap()
        .is_none());

    // Plain HTTP to the TLS listener gets nowhere either.
    let plain =
        PortalClient::connect(&format!("http://{}", s.internal_addr), s.key(), None).unwrap();
    assert!(sync::push_pending(&s.bridge_db, &plain).await.is_err());
    assert_eq!(outgoing::pending_count(&s.bridge_db).await.unwrap(), 1);

    sync::run_once(&s.bridge_db, &good).await.unwrap();
    assert_eq!(outgoing::pending_count(&s.bridge_db).await.unwrap(), 0);
    s.finish().await;
}

#[tokio::test]
async fn a_portal_serving_another_cas_certificate_is_refused() {
    // The other way round from the test above: the portal is given a
    // certificate from a CA the bridge was not told to trust.
    let council = Pki::new("Council");
    let impostor = Pki::new("Impostor");
    let s = Services::start_with(content::db::Backend::Sqlite, |portal, bridge| {
        portal.internal_tls_cert = Some(impostor.cert());
        portal.internal_tls_key = Some(impostor.key());
        bridge.portal_internal_url = format!("https://localhost:{}", portal.internal_addr.port());
        bridge.portal_ca_file = Some(council.ca());
    })
    .await;
    enqueue(&s, Push::Person(Uuid::new_v4(), person("Sarah Carter"))).await;
    let error = sync::push_pending(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap_err();
    assert!(matches!(error, SyncError::Unreachable(_)), "{error}");
    assert_eq!(outgoing::pending_count(&s.bridge_db).await.unwrap(), 1);
    assert_eq!(count(&s.portal_db, "SELECT COUNT(*) FROM people").await, 0);
    s.finish().await;
}

/// Sends `head` and then `body`, and returns the status line the portal
/// answers with. The wait is a hang detector, not a speed check.
async fn raw_exchange(addr: SocketAddr, head: String, body: Vec<u8>) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        let (mut read, mut write) = stream.into_split();
        let _ = write.write_all(&body).await;
        let mut answer = vec![0u8; 1024];
        let n = read.read(&mut answer).await.unwrap_or(0);
        (String::from_utf8_lossy(&answer[..n]).to_string(), write)
    });
    let (answer, _write) = tokio::time::timeout(std::time::Duration::from_secs(20), writer)
        .await
        .expect("the portal waited for the rest of the body instead of answering")
        .unwrap();
    answer.lines().next().unwrap_or("").to_string()
}

backend_tests!(the_internal_api_judges_the_headers_before_reading_a_body);
async fn the_internal_api_judges_the_headers_before_reading_a_body(backend: Backend) {
    let s = Services::start(backend).await;
    let path = format!("/internal/v1/people/{}", Uuid::new_v4());

    // Unsigned, declaring 3 MB and sending one byte of it: refused at
    // once (the portal does not wait for, or hold, the rest).
    let head = format!(
        "PUT {path} HTTP/1.1\r\nhost: portal\r\ncontent-type: application/json\r\n\
         content-length: 3000000\r\n\r\n"
    );
    let status = raw_exchange(s.internal_addr, head, b"{".to_vec()).await;
    assert!(status.contains(" 401 "), "{backend:?}: {status}");

    // Signed headers, stale: the same.
    let stale = s.key().headers("PUT", &path, b"", now() - 3600);
    let mut head = format!("PUT {path} HTTP/1.1\r\nhost: portal\r\ncontent-length: 3000000\r\n");
    for (name, value) in &stale {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let status = raw_exchange(s.internal_addr, head, b"{".to_vec()).await;
    assert!(status.contains(" 401 "), "{backend:?} stale: {status}");

    // Fresh headers but a declared length over the limit: 413 at once.
    let fresh = s.key().headers("PUT", &path, b"", now());
    let mut head = format!(
        "PUT {path} HTTP/1.1\r\nhost: portal\r\ncontent-length: {}\r\n",
        portal::internal_api::MAX_BODY + 1
    );
    for (name, value) in &fresh {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let status = raw_exchange(s.internal_addr, head, b"{".to_vec()).await;
    assert!(status.contains(" 413 "), "{backend:?} declared: {status}");

    // No declared length, streamed past the limit: 413 once it passes.
    let fresh = s.key().headers("PUT", &path, b"", now());
    let mut head = format!("PUT {path} HTTP/1.1\r\nhost: portal\r\ntransfer-encoding: chunked\r\n");
    for (name, value) in &fresh {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let chunk = 64 * 1024;
    let mut body = Vec::new();
    for _ in 0..=(portal::internal_api::MAX_BODY / chunk) {
        body.extend_from_slice(format!("{chunk:x}\r\n").as_bytes());
        body.extend(std::iter::repeat_n(b' ', chunk));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let status = raw_exchange(s.internal_addr, head, body).await;
    assert!(status.contains(" 413 "), "{backend:?} streamed: {status}");

    assert_eq!(count(&s.portal_db, "SELECT COUNT(*) FROM people").await, 0);
    s.finish().await;
}

#[tokio::test]
async fn both_services_send_hsts_when_their_public_address_is_https() {
    for (https, expected) in [(false, None), (true, Some("max-age=63072000"))] {
        let s = Services::start_with(content::db::Backend::Sqlite, |portal, bridge| {
            if https {
                portal.public_url = "https://familystory.council.example".into();
                bridge.public_url = "https://familystory-staff.council.example".into();
            }
        })
        .await;
        let hosts = [
            (&s.portal_url, &s.portal_config.public_url),
            (&s.bridge_url, &s.bridge_config.public_url),
        ];
        for (url, public) in hosts {
            // As a TLS-terminating proxy forwards it: asked for at the public name.
            let response = s
                .http
                .get(format!("{url}/accessibility"))
                .header(
                    "x-forwarded-host",
                    content::public_host::host_of(public).unwrap(),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200, "{url}");
            assert_eq!(
                response
                    .headers()
                    .get("strict-transport-security")
                    .map(|v| v.to_str().unwrap()),
                expected,
                "{url}, public address https: {https}"
            );
        }
        s.finish().await;
    }
}

#[tokio::test]
async fn neither_service_starts_with_a_key_file_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let pki = Pki::new("Council");
    let s = start_with_tls(content::db::Backend::Sqlite, &pki).await;
    let open_up = |path: &Path| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap()
    };
    let close = |path: &Path| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap()
    };

    open_up(&s.portal_config.key_file);
    let error = portal::Portal::new(&s.portal_config).await.err().unwrap();
    assert!(error.to_string().contains("chmod 600"), "{error}");
    close(&s.portal_config.key_file);

    open_up(&pki.key());
    let error = portal::Portal::new(&s.portal_config).await.err().unwrap();
    assert!(
        error.to_string().contains("portal.key.pem") && error.to_string().contains("chmod 600"),
        "{error}"
    );
    close(&pki.key());
    assert!(portal::Portal::new(&s.portal_config).await.is_ok());

    open_up(&s.bridge_config.key_file);
    let error = staff_bridge::Bridge::new(&s.bridge_config)
        .await
        .err()
        .unwrap();
    assert!(error.to_string().contains("chmod 600"), "{error}");
    close(&s.bridge_config.key_file);
    s.finish().await;
}
