//! The web UI in a real browser: Debian's headless Chromium driven by
//! `playwright-core` (npm, in `tests/browser/node_modules`), both installed by
//! `scripts/test`. The script `tests/browser/ui_e2e.mjs` walks the guide in
//! the UI of a fresh `flagstaff serve`, from its first-run setup link; this
//! test then checks through the client and admin APIs that what was stored is
//! exactly what was entered. Screenshots of every main page at 1280 and 390 px
//! are kept in `target/ui-screenshots/`; the walk once more with JavaScript
//! disabled adds `nojs-<page>-390.png`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const ADMIN_TOKEN: &str = "*:*.browser-test-admin";
const CLIENT_TOKEN: &str = "default:development.browser-test-client";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The browser, or why there is none (with the command that installs it).
fn chromium() -> PathBuf {
    let path = PathBuf::from(
        std::env::var("FLAGSTAFF_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
    );
    assert!(
        path.exists(),
        "no Chromium at {}: install Debian's `chromium` (apt-get install chromium), \
         or run scripts/test, which does under CI=true",
        path.display()
    );
    path
}

#[test]
fn the_guide_in_the_web_ui_in_chromium() {
    let chromium = chromium();
    let root = repo_root();
    let script_dir = root.join("tests/browser");
    assert!(
        script_dir.join("node_modules/playwright-core").exists(),
        "tests/browser/node_modules has no playwright-core: run scripts/test (it runs npm ci there)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(
        &sqlite_url(dir.path()),
        &[
            ("INIT_ADMIN_API_TOKENS", ADMIN_TOKEN),
            ("INIT_CLIENT_API_TOKENS", CLIENT_TOKEN),
            // The webhook integration's receiver runs on this machine.
            ("INTEGRATIONS_ALLOW_PRIVATE_URLS", "true"),
        ],
    );
    let code = setup_code(&server.log()).expect("a fresh server prints a setup link");
    let screenshots = root.join("target/ui-screenshots");
    let output = Command::new("node")
        .arg(script_dir.join("ui_e2e.mjs"))
        .current_dir(&script_dir)
        .env("FLAGSTAFF_BASE", &server.base)
        .env("FLAGSTAFF_SETUP_CODE", &code)
        .env("FLAGSTAFF_CLIENT_TOKEN", CLIENT_TOKEN)
        .env("FLAGSTAFF_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("FLAGSTAFF_SCREENSHOTS", &screenshots)
        .env("FLAGSTAFF_TEST_CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser script failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.ends_with("step: done\n"), "{stdout}");

    for page in [
        "setup",
        "login",
        "segment",
        "new-flag",
        "strategy-form",
        "settings",
        "flag",
        "metrics",
        "flag-events",
        "events",
        "playground",
        "context",
        "projects",
        "environments",
        "applications",
        "api-tokens",
        "variants",
        "users",
        "flags",
        "profile",
        "profile-viewer",
        "integration",
        "integrations",
        "signals",
        "action-set",
        "actions",
        "confirm-dialog",
        "confirm-page",
        "about",
        "menu-open",
    ] {
        for width in [1280, 390] {
            let file = screenshots.join(format!("{page}-{width}.png"));
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            assert!(size > 1000, "no screenshot {}", file.display());
        }
    }
    // The walk without JavaScript, on a phone.
    for page in [
        "login",
        "segment",
        "new-flag",
        "strategy-form",
        "strategy-refused",
        "settings",
        "flag",
        "confirm",
        "metrics",
        "events",
        "playground",
        "archive",
        "archived-flag",
        "integration",
        "signals",
        "action-set",
    ] {
        let file = screenshots.join(format!("nojs-{page}-390.png"));
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        assert!(size > 1000, "no screenshot {}", file.display());
    }

    // Every change the UI made is in the event log under the user's name.
    let (status, events) =
        server.call(reqwest::Method::GET, "/api/admin/events", Some(ADMIN_TOKEN));
    assert_eq!(status, reqwest::StatusCode::OK, "{events}");
    let by_ada = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["createdBy"] == "ada")
        .count();
    assert!(by_ada > 0, "{events}");

    // Every UI write is logged like an admin API write: method, path, status,
    // latency and the user — never a form field.
    let log = server.stop();
    let switch = log
        .iter()
        .find(|l| {
            l.contains("method=POST")
                && l.contains("path=/projects/default/features/delete_survey_flag/environments/development/switch")
        })
        .unwrap_or_else(|| panic!("no log line for the switch: {log:#?}"));
    for part in ["INFO", "status=200", "latency_ms=", "user=ada"] {
        assert!(switch.contains(part), "{part:?} not in {switch}");
    }
    let created = log
        .iter()
        .find(|l| l.contains("method=POST") && l.contains("path=/api-tokens "))
        .unwrap_or_else(|| panic!("no log line for the token form: {log:#?}"));
    assert!(
        created.contains("user=ada") && created.contains("status="),
        "{created}"
    );
    for secret in ["correct horse battery staple", "_csrf", "doomed-token"] {
        assert!(
            !log.iter().any(|l| l.contains(secret)),
            "{secret} in the log"
        );
    }
}
