//! Unleash's client specification, driven as data: one test per file, every
//! `tests` and `variantTests` case in it. The files are vendored in
//! `conformance/unleash-client-specification/` (Apache-2.0, with its LICENSE) so a
//! fresh clone needs nothing beside it; a missing folder or file fails loudly.

use std::path::{Path, PathBuf};

use flagstaff_engine::{ClientFeatures, Context, Engine};
use serde_json::Value;

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/unleash-client-specification")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "client specification file {} is missing or unreadable ({e}); \
             the vendored specification must be complete",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: invalid JSON: {e}", path.display()))
}

fn check_spec(file: &str) {
    let path = spec_dir().join(file);
    let spec = read_json(&path);
    let state = ClientFeatures::from_json_value(spec["state"].clone())
        .unwrap_or_else(|e| panic!("{file}: state does not load: {e}"));
    let engine = Engine::new(&state);
    let now = chrono::Utc::now();
    let mut failures = Vec::new();
    let mut cases = 0;
    let context_of = |case: &Value| -> Context {
        serde_json::from_value::<Context>(case["context"].clone())
            .unwrap_or_else(|e| panic!("{file}: context does not load: {e}"))
            .with_current_time(now)
    };
    for case in spec["tests"].as_array().into_iter().flatten() {
        cases += 1;
        let toggle = case["toggleName"].as_str().expect("toggleName");
        let expected = case["expectedResult"].as_bool().expect("expectedResult");
        let got = engine.is_enabled(toggle, &context_of(case));
        if got != expected {
            failures.push(format!(
                "  {}: {toggle} expected {expected}, got {got}",
                case["description"]
            ));
        }
    }
    for case in spec["variantTests"].as_array().into_iter().flatten() {
        cases += 1;
        let toggle = case["toggleName"].as_str().expect("toggleName");
        let got = serde_json::to_value(engine.get_variant(toggle, &context_of(case)))
            .expect("variant serialises");
        let mut expected = case["expectedResult"].clone();
        // Older cases leave `feature_enabled` out; all that state it must agree.
        if expected.get("feature_enabled").is_none() {
            expected["feature_enabled"] = got["feature_enabled"].clone();
        }
        if got != expected {
            failures.push(format!(
                "  {}: {toggle}\n    expected {expected}\n    got      {got}",
                case["description"]
            ));
        }
    }
    assert!(cases > 0, "{file} has no test cases");
    assert!(
        failures.is_empty(),
        "{file}: {} of {cases} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

macro_rules! spec {
    ($($test:ident => $file:literal,)*) => {
        $( #[test] fn $test() { check_spec($file); } )*

        /// Every file the specification's index lists has a test line above.
        #[test]
        fn every_indexed_file_has_a_test() {
            let index = read_json(&spec_dir().join("index.json"));
            let listed: Vec<&str> = index.as_array().expect("index is a list")
                .iter().map(|v| v.as_str().expect("file name")).collect();
            let covered = [$($file),*];
            assert_eq!(listed.len(), 22, "the specification index should list 22 files");
            for file in &listed {
                assert!(covered.contains(file), "{file} is in index.json but has no test");
                assert!(spec_dir().join(file).is_file(), "{file} is missing");
            }
            assert!(spec_dir().join("LICENSE").is_file(), "the specification's LICENSE is missing");
        }
    };
}

spec! {
    s01_simple_examples => "01-simple-examples.json",
    s02_user_with_id_strategy => "02-user-with-id-strategy.json",
    s03_gradual_rollout_user_id_strategy => "03-gradual-rollout-user-id-strategy.json",
    s04_gradual_rollout_session_id_strategy => "04-gradual-rollout-session-id-strategy.json",
    s05_gradual_rollout_random_strategy => "05-gradual-rollout-random-strategy.json",
    s06_remote_address_strategy => "06-remote-address-strategy.json",
    s07_multiple_strategies => "07-multiple-strategies.json",
    s08_variants => "08-variants.json",
    s09_strategy_constraints => "09-strategy-constraints.json",
    s10_flexible_rollout_strategy => "10-flexible-rollout-strategy.json",
    s11_strategy_constraints_edge_cases => "11-strategy-constraints-edge-cases.json",
    s12_custom_stickiness => "12-custom-stickiness.json",
    s13_constraint_operators => "13-constraint-operators.json",
    s14_constraint_semver_operators => "14-constraint-semver-operators.json",
    s15_global_constraints => "15-global-constraints.json",
    s16_strategy_variants => "16-strategy-variants.json",
    s17_dependent_features => "17-dependent-features.json",
    s18_utf8_flag_names => "18-utf8-flag-names.json",
    s19_delta_api_hydration => "19-delta-api-hydration.json",
    s20_delta_api_events => "20-delta-api-events.json",
    s21_regex_constraint_operators => "21-regex-constraint-operators.json",
    s22_cidr_constraint_operators => "22-cidr-constraint-operators.json",
}

/// The vendored copy must not drift from the one the project is given.
#[test]
fn vendored_copy_matches_shared_when_present() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/unleash-client-specification");
    if !shared.is_dir() {
        eprintln!(
            "note: {} not present; checked the vendored copy only",
            shared.display()
        );
        return;
    }
    for entry in std::fs::read_dir(&shared).expect("shared spec dir reads") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        let ours = spec_dir().join(&name);
        assert_eq!(
            std::fs::read(entry.path()).expect("shared file reads"),
            std::fs::read(&ours).unwrap_or_default(),
            "vendored {} differs from ../shared; copy it again",
            name.to_string_lossy()
        );
    }
}
