//! `flagstaff eval` end to end: the real binary, driven by the client
//! specification's fixtures, and its answers to bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/unleash-client-specification")
}

fn flagstaff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flagstaff"))
        .args(args)
        .env_remove("HOSTNAME")
        .output()
        .expect("flagstaff runs")
}

fn stdout_lines(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "flagstaff failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .expect("utf-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

/// Every case of every specification file, through the binary: one input line per
/// case, one output line per input line, in order, with the expected answer.
#[test]
fn answers_every_specification_case() {
    let dir = tempfile::tempdir().expect("temp dir");
    let index: Vec<String> = serde_json::from_str(
        &std::fs::read_to_string(spec_dir().join("index.json")).expect("spec index is vendored"),
    )
    .expect("index parses");
    assert_eq!(index.len(), 22);
    let mut total = 0;
    for file in &index {
        let spec: Value = serde_json::from_str(
            &std::fs::read_to_string(spec_dir().join(file)).expect("spec file is vendored"),
        )
        .expect("spec parses");
        let state = dir.path().join("state.json");
        std::fs::write(&state, spec["state"].to_string()).expect("write state");
        let mut input = String::new();
        let mut expected = Vec::new();
        for (kind, key) in [("tests", "enabled"), ("variantTests", "variant")] {
            for case in spec[kind].as_array().into_iter().flatten() {
                let line = json!({"toggle": case["toggleName"], "context": case["context"]});
                input.push_str(&line.to_string());
                input.push('\n');
                expected.push((
                    key,
                    case["toggleName"].clone(),
                    case["expectedResult"].clone(),
                ));
            }
        }
        let input_path = dir.path().join("input.jsonl");
        std::fs::write(&input_path, input).expect("write input");
        let output = flagstaff(&[
            "eval",
            "--state",
            state.to_str().expect("utf-8 path"),
            "--input",
            input_path.to_str().expect("utf-8 path"),
        ]);
        let lines = stdout_lines(&output);
        assert_eq!(
            lines.len(),
            expected.len(),
            "{file}: one output line per input line"
        );
        for (line, (key, toggle, want)) in lines.iter().zip(&expected) {
            assert_eq!(&line["toggle"], toggle, "{file}: output order");
            let mut got = line[*key].clone();
            if *key == "variant" && want.get("feature_enabled").is_none() {
                got.as_object_mut()
                    .expect("variant object")
                    .remove("feature_enabled");
            }
            assert_eq!(&got, want, "{file}: {toggle}");
            total += 1;
        }
    }
    assert!(total > 200, "only {total} cases ran");
}

#[test]
fn context_mode_evaluates_every_flag_and_explains() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.json");
    std::fs::write(
        &state,
        json!({"version": 2, "features": [
            {"name": "on", "enabled": true, "strategies": [{"name": "userWithId", "parameters": {"userIds": "7, 8"}}]},
            {"name": "off", "enabled": true, "strategies": [{"name": "default",
                "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]}]}
        ]})
        .to_string(),
    )
    .expect("write state");
    let output = flagstaff(&[
        "eval",
        "--state",
        state.to_str().expect("utf-8 path"),
        "--context",
        r#"{"userId":"7","properties":{"region":"us"}}"#,
        "--explain",
    ]);
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["toggle"], "on");
    assert_eq!(lines[0]["enabled"], true);
    assert_eq!(lines[1]["enabled"], false);
    assert_eq!(
        lines[1]["variant"],
        json!({"name": "disabled", "enabled": false, "feature_enabled": false})
    );
    let constraint = &lines[1]["explain"]["strategies"][0]["constraints"][0];
    assert_eq!(constraint["seen"], "us");
    assert_eq!(constraint["result"], false);
    assert_eq!(lines[1]["explain"]["reason"], "no strategy matched");
}

fn failure(args: &[&str]) -> String {
    let output = flagstaff(args);
    assert!(!output.status.success(), "expected failure for {args:?}");
    String::from_utf8(output.stderr).expect("utf-8 stderr")
}

#[test]
fn bad_input_names_the_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.json");
    std::fs::write(&state, r#"{"version":2,"features":[]}"#).expect("write");
    let state = state.to_str().expect("utf-8 path");

    let missing = dir.path().join("missing.json");
    let err = failure(&[
        "eval",
        "--state",
        missing.to_str().expect("path"),
        "--context",
        "{}",
    ]);
    assert!(
        err.contains("missing.json") && err.contains("cannot read"),
        "{err}"
    );

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"features\": [").expect("write");
    let err = failure(&[
        "eval",
        "--state",
        broken.to_str().expect("path"),
        "--context",
        "{}",
    ]);
    assert!(
        err.contains("broken.json") && err.contains("invalid JSON"),
        "{err}"
    );

    // A bad line stops the run with the file and line named.
    let input = dir.path().join("input.jsonl");
    let input_path = input.to_str().expect("path");
    for (content, place, message) in [
        (
            "{\"toggle\":\"a\"}\n[1,2]\n",
            "input.jsonl:2",
            "expected a JSON object",
        ),
        (
            "{\"toggle\":\"a\"}\n{\"toggle\":\n",
            "input.jsonl:2",
            "invalid JSON",
        ),
        ("{\"context\":{}}\n", "input.jsonl:1", "toggle"),
        (
            "{\"toggle\":\"a\",\"context\":7}\n",
            "input.jsonl:1",
            "must be a JSON object",
        ),
    ] {
        std::fs::write(&input, content).expect("write");
        let err = failure(&["eval", "--state", state, "--input", input_path]);
        assert!(
            err.contains(place) && err.contains(message),
            "{content:?}: {err}"
        );
    }

    let err = failure(&["eval", "--state", state, "--context", "[]"]);
    assert!(
        err.contains("--context") && err.contains("JSON object"),
        "{err}"
    );
}
