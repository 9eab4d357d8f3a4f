//! The rules of change requests on an in-memory store: what a protected
//! environment refuses (whoever asks: admin API, web UI and action sets apply
//! the same operations), and a request's operations applied as one change.

use serde_json::json;

use super::testing::{operation, OpBench};
use super::*;

fn names() -> (ProjectId, EnvironmentName, EnvironmentName) {
    (
        ProjectId::parse("default").expect("id"),
        EnvironmentName::parse("production").expect("name"),
        EnvironmentName::parse("development").expect("name"),
    )
}

async fn bench_with_flag() -> OpBench {
    let bench = OpBench::new().await.expect("bench");
    let create: CreateFlag = operation(json!({
        "project": "default", "name": "guarded", "flagType": "release",
        "description": null, "impressionData": false
    }));
    bench.apply(create).await.expect("created");
    let (project, production, _) = names();
    bench
        .apply(SetChangeRequestConfig {
            project,
            environment: production,
            enabled: true,
            required_approvals: Some(1),
        })
        .await
        .expect("protected");
    bench
}

#[tokio::test]
async fn a_protected_environment_refuses_every_flag_change_there() {
    let bench = bench_with_flag().await;
    let (project, production, development) = names();
    let name = FlagName::parse("guarded").expect("name");
    let revision = bench.store.current_revision().await.expect("revision");
    let switch = |environment: &EnvironmentName| SwitchEnvironment {
        project: project.clone(),
        name: name.clone(),
        environment: environment.clone(),
        enabled: true,
    };
    let refused = [
        bench.apply(switch(&production)).await.err(),
        bench.apply(Step::Switch(switch(&production))).await.err(),
        bench
            .apply(AddStrategy {
                place: StrategyPlace {
                    project: project.clone(),
                    feature: name.clone(),
                    environment: production.clone(),
                },
                strategy: StrategyInput {
                    name: "default".to_owned(),
                    ..StrategyInput::default()
                },
            })
            .await
            .err(),
        // Archiving changes every environment: refused while any is protected.
        bench
            .apply(ArchiveFlag {
                project: project.clone(),
                name: name.clone(),
            })
            .await
            .err(),
    ];
    for refusal in refused {
        assert!(
            matches!(refusal, Some(OpError::ChangeRequestRequired(ref m)) if m.contains("SKIP_CHANGE_REQUEST")),
            "{refusal:?}"
        );
    }
    assert_eq!(
        bench.store.current_revision().await.expect("revision"),
        revision
    );
    // Development is not protected.
    assert_eq!(
        bench.events_of(switch(&development)).await,
        ["feature-strategy-add", "feature-environment-enabled"]
    );
}

#[tokio::test]
async fn a_request_applies_its_operations_as_one_change() {
    let bench = bench_with_flag().await;
    let (project, production, _) = names();
    let input = |payload: serde_json::Value, action: &str| -> ChangeInput {
        operation(json!({"action": action, "feature": "guarded", "payload": payload}))
    };
    let add = AddChange::new(
        project.clone(),
        production,
        vec![
            input(json!({"enabled": true}), "updateEnabled"),
            input(
                json!({"variants": [{"name": "blue", "weight": 1000}]}),
                "patchVariant",
            ),
        ],
    )
    .expect("parsed");
    let id = bench.apply(add).await.expect("drafted").output;
    let state = |state: &str, by: &str| {
        (
            SetChangeRequestState {
                project: project.clone(),
                id,
                input: operation(json!({"state": state})),
            },
            Context::new(Actor::named(by), Limits::default()),
        )
    };
    for (to, by) in [("In review", "tester"), ("Approved", "reviewer")] {
        let (op, cx) = state(to, by);
        apply(&bench.store, &cx, op).await.expect(to);
    }
    let (op, cx) = state("Applied", "reviewer");
    let applied = apply(&bench.store, &cx, op).await.expect("applied");
    let mut kinds = applied.committed.event_types();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "change-request-applied",
            "feature-environment-enabled",
            "feature-environment-variants-updated",
            "feature-strategy-add",
        ]
    );
    let row = bench.store.change_request(id).await.expect("read");
    assert_eq!(
        row.map(|r| r.state),
        Some(flagstaff_storage::ChangeRequestState::Applied)
    );
}

#[tokio::test]
async fn changing_an_approved_request_asks_for_review_again() {
    let bench = bench_with_flag().await;
    let (project, production, _) = names();
    let input = |payload: serde_json::Value, action: &str| -> ChangeInput {
        operation(json!({"action": action, "feature": "guarded", "payload": payload}))
    };
    let add = AddChange::new(
        project.clone(),
        production,
        vec![
            input(json!({"enabled": true}), "updateEnabled"),
            input(
                json!({"variants": [{"name": "blue", "weight": 1000}]}),
                "patchVariant",
            ),
        ],
    )
    .expect("parsed");
    let id = bench.apply(add).await.expect("drafted").output;
    for (to, by) in [("In review", "tester"), ("Approved", "reviewer")] {
        let op = SetChangeRequestState {
            project: project.clone(),
            id,
            input: operation(json!({"state": to})),
        };
        let cx = Context::new(Actor::named(by), Limits::default());
        apply(&bench.store, &cx, op).await.expect(to);
    }
    let changes = bench.store.change_request_changes(id).await.expect("read");
    bench
        .apply(DiscardChange {
            project,
            id,
            change_id: changes[1].id,
        })
        .await
        .expect("discarded");
    let row = bench
        .store
        .change_request(id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(row.state, flagstaff_storage::ChangeRequestState::InReview);
    assert!(bench
        .store
        .change_request_reviews(id)
        .await
        .expect("read")
        .is_empty());
}
