//! `familystory demo` as a newcomer runs it: the real binary, both services
//! on loopback, the fictional family, email as files, and a second run on
//! the same data folder that picks up where the first left off.

use crate::common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::free_port;

struct Demo {
    child: Child,
    portal: String,
    bridge: String,
}

fn start(dir: &Path) -> Demo {
    let (portal, bridge, internal) = (free_port(), free_port(), free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_familystory"))
        .arg("demo")
        .arg("--data-dir")
        .arg(dir)
        .args(["--portal-addr", &format!("127.0.0.1:{portal}")])
        .args(["--bridge-addr", &format!("127.0.0.1:{bridge}")])
        .args(["--internal-addr", &format!("127.0.0.1:{internal}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Demo {
        child,
        portal: format!("http://127.0.0.1:{portal}"),
        bridge: format!("http://127.0.0.1:{bridge}"),
    }
}

/// Ready when both services answer and `demo-users.json` is written (the
/// demo writes it last, once everyone can sign in).
async fn ready(demo: &mut Demo, dir: &Path) {
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        assert!(
            demo.child.try_wait().unwrap().is_none(),
            "the demo stopped by itself"
        );
        let up = |url: String| {
            let http = http.clone();
            async move {
                http.get(url)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
        };
        if dir.join("demo-users.json").exists()
            && up(format!("{}/healthz", demo.portal)).await
            && up(format!("{}/healthz", demo.bridge)).await
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the demo did not start"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn stop(mut demo: Demo) {
    // Ctrl-C, as a person stops it.
    let _ = Command::new("kill")
        .args(["-INT", &demo.child.id().to_string()])
        .status();
    let started = Instant::now();
    while demo.child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = demo.child.kill();
            panic!("the demo did not stop on Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

async fn publications(dir: &Path) -> i64 {
    let url = format!("sqlite://{}?mode=rw", dir.join("bridge.db").display());
    let db = staff_bridge::open_db(&url).await.unwrap();
    let n = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM ledger WHERE kind = 'publication'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;
    n
}

#[tokio::test]
async fn the_demo_runs_and_runs_again_on_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = start(dir.path());
    ready(&mut first, dir.path()).await;

    let users: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo-users.json")).unwrap())
            .unwrap();
    for service in ["portal", "bridge"] {
        assert!(
            users.iter().any(|u| u["service"] == service),
            "demo people for the {service}"
        );
    }
    // Staff have their enrolment links in the outbox already.
    let outbox: Vec<String> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect();
    for staff in users.iter().filter(|u| u["service"] == "bridge") {
        let email = staff["email"].as_str().unwrap();
        assert!(
            outbox
                .iter()
                .any(|mail| mail.contains(email) && mail.contains("/enrol/")),
            "an enrolment link for {email}"
        );
    }
    let home = reqwest::get(format!("{}/", first.portal)).await.unwrap();
    assert_eq!(home.status(), 200);
    stop(first);
    let published = publications(dir.path()).await;
    assert!(published >= 5, "the demo publishes its items ({published})");

    // Again, on the same folder: it starts, and nothing is published twice.
    std::fs::remove_file(dir.path().join("demo-users.json")).unwrap();
    let mut second = start(dir.path());
    ready(&mut second, dir.path()).await;
    let sign_in = reqwest::get(format!("{}/sign-in", second.bridge))
        .await
        .unwrap();
    assert_eq!(sign_in.status(), 200);
    stop(second);
    assert_eq!(publications(dir.path()).await, published);

    // What the demo family sent, once each, exported for the case system.
    let export = Command::new(env!("CARGO_BIN_EXE_familystory"))
        .args([
            "export",
            "contributions",
            "--case",
            "DEMO-0001",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(json["format"], "familystory.contributions.v1");
    let kinds: Vec<&str> = json["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    for kind in ["views", "plan_response", "correction", "feedback", "unsafe"] {
        assert_eq!(
            kinds.iter().filter(|k| **k == kind).count(),
            1,
            "one {kind}, not sent again by the second run: {kinds:?}"
        );
    }
    let missing = Command::new(env!("CARGO_BIN_EXE_familystory"))
        .args(["export", "contributions", "--case", "NO-SUCH", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("There is no case NO-SUCH"));
}
