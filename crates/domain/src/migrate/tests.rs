//! A migration of an instance with what Unleash's open-source edition cannot
//! show (the real-Unleash test, `crates/flagstaff/tests/migrate_unleash.rs`,
//! covers the rest): several projects, an extra environment, switched off
//! and enabled for one project only, and a project without an environment.

use serde_json::json;

use super::*;
use crate::ops::testing::OpBench;
use crate::ops::{apply, EnvironmentName, ExportFlags, ProjectId};

fn state() -> UnleashState {
    let export = |project: &str, environment: &str, on: bool| {
        json!({
            "project": project, "environment": environment,
            "document": {
                "features": [{"name": format!("{project}-a"), "type": "experiment", "project": project,
                              "stale": true, "impressionData": true},
                             {"name": format!("{project}-b"), "project": project}],
                "featureStrategies": [
                    {"name": "default", "featureName": format!("{project}-a"), "sortOrder": 5, "id": "z",
                     "title": "second"},
                    {"name": "flexibleRollout", "featureName": format!("{project}-a"), "sortOrder": 1, "id": "y",
                     "parameters": {"rollout": "25", "stickiness": "default", "groupId": "g"},
                     "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}],
                     "segments": [7]}],
                "featureEnvironments": [{"featureName": format!("{project}-a"), "environment": environment,
                                         "enabled": on}],
                "segments": [{"id": 7, "name": "beta"}],
                "dependencies": [{"feature": format!("{project}-b"),
                                  "dependencies": [{"feature": format!("{project}-a"), "enabled": true}]}]
            }
        })
    };
    serde_json::from_value(json!({
        "environments": [{"name": "development", "type": "development", "enabled": true},
                         {"name": "staging", "type": "test", "enabled": false, "sortOrder": 150}],
        "projects": [{"id": "default", "environments": ["development"]},
                     {"id": "checkout", "name": "Checkout", "description": "Payments",
                      "environments": ["development", "staging"]}],
        "contextFields": [{"name": "region", "legalValues": [{"value": "eu"}, {"value": "us", "description": "US"}]}],
        "segments": [{"id": 7, "name": "beta", "description": "Beta testers",
                      "constraints": [{"contextName": "userId", "operator": "STR_ENDS_WITH", "values": ["@beta"]}]}],
        "exports": [export("default", "development", true), export("checkout", "development", false),
                    export("checkout", "staging", true)],
        "archived": [{"name": "old", "project": "checkout", "type": "release"}]
    }))
    .expect("a saved instance")
}

async fn exported(bench: &OpBench, project: &str, environment: &str) -> ExportDocument {
    let operation = ExportFlags {
        environment: EnvironmentName::parse(environment).expect("a name"),
        project: Some(ProjectId::parse(project).expect("an id")),
        features: None,
        tag: None,
    };
    apply(&bench.store, &bench.cx, operation)
        .await
        .expect("exported")
        .output
}

#[tokio::test]
async fn several_projects_and_environments_move_and_a_second_run_converges() {
    let bench = OpBench::new().await.expect("store");
    let state = state();
    let mut steps = Vec::new();
    let summary = migrate(
        &bench.store,
        &bench.cx,
        &state,
        Options::default(),
        &mut |p| steps.push(p.step),
    )
    .await
    .expect("migrated");
    assert_eq!(
        (summary.projects, summary.flags, summary.archived_flags),
        (2, 4, 1)
    );
    assert_eq!(
        summary.revisions.len(),
        3,
        "the instance, then one change per project"
    );
    assert_eq!(
        steps.first().map(String::as_str),
        Some("environments, projects, context fields, segments")
    );

    let staging = bench.store.environments().await.expect("read");
    let staging = staging
        .iter()
        .find(|e| e.name == "staging")
        .expect("staging");
    assert_eq!(
        (staging.kind.as_str(), staging.enabled, staging.sort_order),
        ("test", false, 150)
    );
    let names = |list: Vec<flagstaff_storage::EnvironmentRow>| -> Vec<String> {
        list.into_iter().map(|e| e.name).collect()
    };
    assert_eq!(
        names(
            bench
                .store
                .project_environments("default")
                .await
                .expect("read")
        ),
        ["development"]
    );
    let checkout = exported(&bench, "checkout", "staging").await;
    let strategies: Vec<&str> = checkout
        .feature_strategies
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        strategies,
        ["flexibleRollout", "default"],
        "Unleash's order: sort order, then id"
    );
    assert_eq!(
        checkout
            .segments
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["beta"]
    );
    assert!(checkout
        .feature_environments
        .iter()
        .any(|e| e.flag() == Some("checkout-a") && e.enabled));
    let a = checkout
        .features
        .iter()
        .find(|f| f.name == "checkout-a")
        .expect("read");
    assert!(a.stale && a.impression_data && a.flag_type.as_deref() == Some("experiment"));
    assert_eq!(checkout.dependencies.len(), 1);
    assert!(bench
        .store
        .flag("old")
        .await
        .expect("read")
        .expect("read")
        .archived_at
        .is_some());

    // Refused without merge; with it, the same exports again.
    let refused = migrate(
        &bench.store,
        &bench.cx,
        &state,
        Options::default(),
        &mut |_| {},
    )
    .await;
    assert!(matches!(refused, Err(OpError::Conflict(_))), "{refused:?}");
    let before = exported(&bench, "checkout", "development").await;
    let merge = Options {
        merge: true,
        ..Options::default()
    };
    migrate(&bench.store, &bench.cx, &state, merge, &mut |_| {})
        .await
        .expect("merged");
    let mut after = exported(&bench, "checkout", "development").await;
    // Links and strategies are made anew; their ids are not the point.
    let strip = |d: &mut ExportDocument| d.feature_strategies.iter_mut().for_each(|s| s.id = None);
    let mut before = before;
    strip(&mut before);
    strip(&mut after);
    assert_eq!(before, after);
}
