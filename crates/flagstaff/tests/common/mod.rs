//! The real `flagstaff` binary for the tests of this crate: a server on a
//! random loopback port whose log lines are collected as they come.
// Each test crate uses a part of this module.
#![allow(dead_code)]

pub mod edge;
pub mod probe;
pub mod unleash;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::Value;

/// A running `flagstaff serve` whose log lines are collected as they come.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: Arc<Mutex<Vec<String>>>,
}

/// `flagstaff serve` on a random loopback port with `--database-url database`
/// and the given environment (and nothing inherited that would change it).
pub fn serve_command(database: &str, env: &[(&str, &str)]) -> Command {
    let mut command = flagstaff();
    command
        .args([
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--database-url",
        ])
        .arg(database)
        .envs(env.iter().copied());
    command
}

pub fn flagstaff() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flagstaff"));
    command
        .env_remove("RUST_LOG")
        .env_remove("LOG_FORMAT")
        .env_remove("DATABASE_URL")
        .env_remove("INIT_ADMIN_API_TOKENS")
        .env_remove("INIT_CLIENT_API_TOKENS")
        .env_remove("INIT_BACKEND_API_TOKENS")
        .env_remove("INIT_FRONTEND_API_TOKENS")
        .env_remove("INIT_ADMIN_USER")
        .env_remove("INIT_ADMIN_PASSWORD");
    command
}

pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("flagstaff.db").display())
}

impl Server {
    /// Starts the server with `--database-url database` and the given
    /// environment, and waits for its "listening" line.
    pub fn start(database: &str, env: &[(&str, &str)]) -> Server {
        Server::start_in(None, database, env)
    }

    /// As [`Server::start`], in the working directory `dir`.
    pub fn start_in(dir: Option<&Path>, database: &str, env: &[(&str, &str)]) -> Server {
        let mut command = serve_command(database, env);
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("flagstaff serve starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("stdout");
        let collected = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                collected.lock().expect("log").push(line.clone());
                let _ = tx.send(line);
            }
        });
        let address = wait_for_listening(&rx).unwrap_or_else(|| {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
            }
            panic!(
                "the server never said it was listening; log: {:?}; stderr: {stderr}",
                log.lock().expect("log")
            )
        });
        Server {
            child,
            base: format!("http://{address}"),
            log,
        }
    }

    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    /// Waits until a log line contains `text` (the log is written as requests finish).
    pub fn wait_for_log(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(line) = self.log().into_iter().find(|l| l.contains(text)) {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no log line contains {text:?}: {:?}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        self.call_with(method, path, token, None)
    }

    pub fn call_with(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = http().request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().expect("answered");
        let status = response.status();
        let text = response.text().expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// SIGTERM; the server must exit 0 after saying it stopped.
    pub fn stop(mut self) -> Vec<String> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = self.child.wait().expect("server exits");
        assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
        // The reader thread drains what is left once the pipe closes.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.log().iter().any(|l| l.contains("stopped")) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.log()
    }
}

pub fn wait_for_listening(rx: &Receiver<String>) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if let Some(at) = line.find("listening on ") {
            let rest = &line[at + "listening on ".len()..];
            let address = rest.split(['"', ' ']).next().unwrap_or(rest);
            return Some(address.trim().to_owned());
        }
    }
    None
}

pub fn http() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// The setup code in the start-up log's one setup link (checked to be the only one).
pub fn setup_code(log: &[String]) -> Option<String> {
    let links: Vec<&String> = log.iter().filter(|l| l.contains("/setup?code=")).collect();
    assert!(links.len() <= 1, "one setup link at most: {links:?}");
    let line = links.first()?;
    let at = line.find("/setup?code=")? + "/setup?code=".len();
    Some(
        line[at..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect(),
    )
}
