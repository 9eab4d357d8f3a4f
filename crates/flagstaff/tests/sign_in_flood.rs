//! A sign-in flood against the real `flagstaff` binary (issue 20, finding 1):
//! 60 clients sending wrong passwords as fast as they are answered for about
//! 5 s. Before, every attempt ran argon2 (19 MiB) at once on the blocking
//! pool and resident memory reached gigabytes; now hashing waits for one of a
//! few permits, the excess is refused at once with 429, and the right user
//! still signs in from their own address afterwards.

mod common;

use common::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

const ADMIN: &str = "ops";
const PASSWORD: &str = "init-admin-password-0123";
/// The flood's address, as the trusted proxy in front (loopback) forwards it.
const ATTACKER: &str = "203.0.113.66";
/// The right user's address.
const USER: &str = "198.51.100.20";

/// A `/proc/<pid>/status` value in kB (`VmHWM`: peak resident memory; `VmRSS`: now).
fn memory_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in {status}"))
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

fn sign_in(
    http: &reqwest::blocking::Client,
    base: &str,
    from: &str,
    login: &str,
    password: &str,
) -> reqwest::blocking::Response {
    http.post(format!("{base}/login"))
        .header("X-Forwarded-For", from)
        .form(&[("login", login), ("password", password)])
        .send()
        .expect("answered")
}

#[test]
fn a_sign_in_flood_keeps_memory_bounded_and_the_right_user_gets_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(
        &sqlite_url(dir.path()),
        &[
            ("INIT_ADMIN_USER", ADMIN),
            ("INIT_ADMIN_PASSWORD", PASSWORD),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ],
    );
    let pid = server.child.id();
    let base = server.base.clone();
    let before_kb = memory_kb(pid, "VmRSS");

    // 60 clients for about 5 s, 150 attempts each at most: the admin's login
    // and logins nobody has (each of those is hashed too, so a sign-in takes
    // as long whether or not the user exists).
    let until = Instant::now() + Duration::from_secs(5);
    let unauthorized = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let slow_refusals = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..60)
        .map(|client_number| {
            let base = base.clone();
            let (unauthorized, refused, slow_refusals) = (
                Arc::clone(&unauthorized),
                Arc::clone(&refused),
                Arc::clone(&slow_refusals),
            );
            std::thread::spawn(move || {
                let http = client();
                for attempt in 0..150 {
                    if Instant::now() >= until {
                        break;
                    }
                    let login = if attempt % 2 == 0 {
                        ADMIN.to_owned()
                    } else {
                        format!("nobody-{client_number}-{attempt}")
                    };
                    let sent = Instant::now();
                    let answer = sign_in(&http, &base, ATTACKER, &login, "wrong password");
                    match answer.status() {
                        StatusCode::UNAUTHORIZED => {
                            unauthorized.fetch_add(1, Ordering::Relaxed);
                        }
                        StatusCode::TOO_MANY_REQUESTS => {
                            assert!(answer.headers().contains_key("retry-after"));
                            refused.fetch_add(1, Ordering::Relaxed);
                            if sent.elapsed() > Duration::from_secs(2) {
                                slow_refusals.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        other => panic!("a wrong sign-in answered {other}"),
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a flooding client");
    }
    let (unauthorized, refused) = (
        unauthorized.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
    );
    let peak_kb = memory_kb(pid, "VmHWM");
    let after_kb = memory_kb(pid, "VmRSS");
    eprintln!(
        "sign-in flood: {unauthorized} checked (401), {refused} refused (429); \
         RSS {before_kb} kB before, peak {peak_kb} kB, {after_kb} kB after"
    );
    assert!(unauthorized > 0, "no password was checked at all");
    assert!(
        refused > unauthorized,
        "the excess was not refused: {unauthorized} checked, {refused} refused"
    );
    assert!(
        slow_refusals.load(Ordering::Relaxed) * 100 <= refused,
        "refusals were slow: {} of {refused} took more than 2 s",
        slow_refusals.load(Ordering::Relaxed)
    );
    assert!(
        peak_kb < 200 * 1024,
        "peak resident memory {peak_kb} kB during the flood"
    );
    // Argon2's working memory is unmapped after each hash: given back.
    assert!(
        after_kb < before_kb + 40 * 1024,
        "resident memory {after_kb} kB after the flood ({before_kb} kB before)"
    );

    let http = client();
    // The flooding address is throttled on the admin's login, right password or not …
    let throttled = sign_in(&http, &base, ATTACKER, ADMIN, PASSWORD);
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    // … while the right user, from their own address, gets in.
    let signed_in = sign_in(&http, &base, USER, ADMIN, PASSWORD);
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert!(signed_in
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("flagstaff_session=")));
    let (status, _) = server.call(reqwest::Method::GET, "/health", None);
    assert_eq!(status, StatusCode::OK);
    server.stop();
}
