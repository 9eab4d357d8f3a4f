//! The real SDKs' probes (`tests/sdk/python_probe.py` and `node_probe.js`,
//! installed by `scripts/test`) held open: started on a list of contexts,
//! their decisions read, then told a change was made and asked how long
//! they took to see it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The Python with the SDK: `FLAGSTAFF_TEST_PYTHON`, else the project's
/// `.venv` made by `scripts/test`.
pub fn python() -> String {
    if let Ok(python) = std::env::var("FLAGSTAFF_TEST_PYTHON") {
        return python;
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if venv.exists() {
        return venv.display().to_string();
    }
    "python3".to_owned()
}

fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sdk")
}

/// Which SDK a probe drives.
#[derive(Clone, Copy, Debug)]
pub enum Sdk {
    Python,
    Node,
}

/// A probe that has printed its decisions and waits to be told of a change.
pub struct Probe {
    child: Child,
    stdout: BufReader<ChildStdout>,
    _cache: tempfile::TempDir,
    /// One per (context, flag), contexts outer, flags in the order given.
    pub decisions: Vec<Value>,
}

impl Probe {
    /// `sdk` fetching from `base` with `token` as the app `app`: evaluates
    /// `flags` for every context in `contexts`, watching `flags[0]`.
    pub fn start(
        sdk: Sdk,
        base: &str,
        token: &str,
        app: &str,
        flags: &[&str],
        contexts: &Value,
    ) -> Probe {
        let cache = tempfile::tempdir().expect("cache dir");
        let (program, script) = match sdk {
            Sdk::Python => (python(), "python_probe.py"),
            Sdk::Node => ("node".to_owned(), "node_probe.js"),
        };
        let mut child = Command::new(&program)
            .arg(script)
            .args([base, token, flags[0], "0"])
            .arg(cache.path())
            .current_dir(sdk_dir())
            .env("FLAGSTAFF_SDK_FLAGS", flags.join(","))
            .env("FLAGSTAFF_SDK_CONTEXTS", contexts.to_string())
            .env("FLAGSTAFF_SDK_APP", app)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} cannot run ({e}); run scripts/test"));
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut decisions = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            let read = stdout.read_line(&mut line).expect("probe output");
            assert!(read > 0, "the {sdk:?} probe ({app}) ended early");
            if line.trim() == "PHASE1-DONE" {
                break;
            }
            decisions.push(
                serde_json::from_str(line.trim()).unwrap_or_else(|_| panic!("not JSON: {line}")),
            );
        }
        let expected = flags.len() * contexts.as_array().map_or(0, Vec::len);
        assert_eq!(decisions.len(), expected, "the {sdk:?} probe ({app})");
        Probe {
            child,
            stdout,
            _cache: cache,
            decisions,
        }
    }

    /// Tells the probe the change is made (it must see `flags[0]` turn off
    /// for a context it saw on).
    pub fn changed(&mut self) {
        let mut stdin = self.child.stdin.take().expect("stdin");
        stdin.write_all(b"NEXT\n").expect("signal the probe");
    }

    /// How long after [`Probe::changed`] the SDK answered differently.
    pub fn updated_after(&mut self) -> Duration {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("probe answers");
        let ms = line
            .trim()
            .strip_prefix("UPDATED ")
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("the SDK did not see the change: {line:?}"));
        Duration::from_millis(ms)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
