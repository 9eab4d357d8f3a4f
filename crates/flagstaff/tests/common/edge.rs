//! A running `flagstaff edge` (or `offline`) for the edge tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;

use super::wait_for_listening;

/// A running `flagstaff edge` (or `offline`).
pub struct Edge {
    pub child: Child,
    pub base: String,
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Edge {
    /// `flagstaff --port 0 --interface 127.0.0.1 <args>`: Edge's own order.
    pub fn start(args: &[&str]) -> Edge {
        let mut child = super::flagstaff()
            .args(["--port", "0", "--interface", "127.0.0.1"])
            .args(args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .spawn()
            .expect("flagstaff edge starts");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let collected = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                collected.lock().expect("log").push(line.clone());
                let _ = tx.send(line);
            }
        });
        let address = wait_for_listening(&rx).expect("the edge says where it listens");
        let address = address.replace("0.0.0.0", "127.0.0.1");
        Edge {
            child,
            base: format!("http://{address}"),
            log,
        }
    }

    pub fn upstream(url: &str, extra: &[&str]) -> Edge {
        let mut args = vec!["edge", "--upstream-url", url];
        args.extend_from_slice(extra);
        Edge::start(&args)
    }

    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
