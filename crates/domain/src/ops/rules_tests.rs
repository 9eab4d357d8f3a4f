//! The key rules of the operations, each run on a fresh in-memory store
//! ([`super::testing::OpBench`]): what they record, what they leave stored,
//! and that a refusal stores and records nothing.

use serde_json::json;

use super::testing::{operation, OpBench};
use super::*;

async fn bench() -> OpBench {
    OpBench::new().await.expect("an in-memory store")
}

fn create_flag(name: &str) -> CreateFlag {
    operation(json!({
        "project": "default", "name": name, "flagType": "release",
        "description": null, "impressionData": false
    }))
}

fn add_strategy(feature: &str, strategy: serde_json::Value) -> AddStrategy {
    operation(json!({
        "project": "default", "feature": feature, "environment": "development",
        "strategy": strategy
    }))
}

fn dependency(child: &str, parent: &str) -> AddDependency {
    operation(json!({
        "project": "default", "child": child, "parent": parent,
        "enabled": true, "variants": null
    }))
}

/// A refused operation leaves the revision where it was.
async fn refused<O: Operation>(bench: &OpBench, operation: O) -> OpError {
    let before = bench.store.current_revision().await.expect("revision");
    let Err(e) = bench.apply(operation).await else {
        panic!("applied")
    };
    let after = bench.store.current_revision().await.expect("revision");
    assert_eq!(before, after, "a refusal records nothing: {e:?}");
    e
}

#[tokio::test]
async fn a_flag_is_created_archived_revived_and_deleted_once_archived() {
    let bench = bench().await;
    assert_eq!(
        bench.events_of(create_flag("checkout")).await,
        ["feature-created"]
    );
    let row = bench.store.flag("checkout").await.expect("read");
    let row = row.expect("stored");
    assert_eq!(
        (row.project.as_str(), row.feature_type.as_str()),
        ("default", "release")
    );
    assert_eq!(row.created_by, "tester");
    let environments = bench
        .store
        .flag_environments("checkout")
        .await
        .expect("read");
    assert!(
        environments.iter().all(|e| !e.enabled),
        "created off everywhere"
    );

    let e = refused(&bench, create_flag("checkout")).await;
    assert!(matches!(e, OpError::Conflict { .. }), "{e:?}");
    let live_delete: DeleteFlag = operation(json!({"name": "checkout"}));
    refused(&bench, live_delete).await;

    let archive: ArchiveFlag = operation(json!({"project": "default", "name": "checkout"}));
    assert_eq!(bench.events_of(archive).await, ["feature-archived"]);
    let row = bench
        .store
        .flag("checkout")
        .await
        .expect("read")
        .expect("kept");
    assert!(row.archived_at.is_some());
    let e = refused(&bench, create_flag("checkout")).await;
    assert!(
        matches!(e, OpError::Conflict { .. }),
        "an archived name is taken: {e:?}"
    );

    let revive: ReviveFlag = operation(json!({"name": "checkout"}));
    assert_eq!(bench.events_of(revive).await, ["feature-revived"]);
    let row = bench
        .store
        .flag("checkout")
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(row.archived_at, None);

    let archive: ArchiveFlag = operation(json!({"project": "default", "name": "checkout"}));
    bench.events_of(archive).await;
    let delete: DeleteFlag = operation(json!({"name": "checkout"}));
    assert_eq!(bench.events_of(delete).await, ["feature-deleted"]);
    assert_eq!(bench.store.flag("checkout").await.expect("read"), None);
}

#[tokio::test]
async fn strategies_are_checked_whole_before_they_are_stored() {
    let bench = bench().await;
    bench.events_of(create_flag("checkout")).await;
    for (bad, why) in [
        (
            json!({"name": "default", "constraints": [
                {"contextName": "userId", "operator": "NOT_AN_OPERATOR", "values": ["1"]}]}),
            "an unknown operator",
        ),
        (
            json!({"name": "default", "constraints": [
                {"contextName": "age", "operator": "NUM_GT", "value": "old"}]}),
            "a number operator with a value that is no number",
        ),
        (
            json!({"name": "no-such-strategy"}),
            "a strategy type that does not exist",
        ),
        (
            json!({"name": "flexibleRollout", "segments": [999]}),
            "a segment that does not exist",
        ),
    ] {
        let e = refused(&bench, add_strategy("checkout", bad)).await;
        assert!(
            !matches!(e, OpError::Storage { .. }),
            "{why}: refused as a rule, not a failure: {e:?}"
        );
    }
    assert!(bench
        .store
        .strategies("checkout", None)
        .await
        .expect("read")
        .is_empty());

    let added = bench
        .apply(add_strategy(
            "checkout",
            json!({"name": "flexibleRollout", "parameters": {"rollout": "25"}, "constraints": [
                {"contextName": "region", "operator": "IN", "values": ["eu", "us"]}]}),
        ))
        .await
        .expect("added");
    assert_eq!(added.committed.event_types(), ["feature-strategy-add"]);
    let stored = bench
        .store
        .strategy(&added.output.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.values.constraints[0].values, ["eu", "us"]);
    assert_eq!(
        stored.values.parameters.get("groupId").map(String::as_str),
        Some("checkout"),
        "a rollout's groupId defaults to the flag's name"
    );

    let update = |edit: serde_json::Value| -> UpdateStrategy {
        operation(json!({
            "project": "default", "feature": "checkout", "environment": "development",
            "id": added.output.id, "edit": edit
        }))
    };
    let bad_patch = update(
        json!({"patch": [{"op": "replace", "path": "/constraints/0/operator",
        "value": "SEMVER_EQ"}]}),
    );
    refused(&bench, bad_patch).await;
    let patch = update(json!({"patch": [{"op": "replace", "path": "/disabled", "value": true}]}));
    assert_eq!(bench.events_of(patch).await, ["feature-strategy-update"]);
    let stored = bench
        .store
        .strategy(&added.output.id)
        .await
        .expect("read")
        .expect("stored");
    assert!(stored.values.disabled);
    assert_eq!(
        stored.values.constraints[0].operator, "IN",
        "the refused patch left it"
    );
}

#[tokio::test]
async fn a_segment_in_use_is_not_deleted() {
    let bench = bench().await;
    bench.events_of(create_flag("checkout")).await;
    let create: CreateSegment = operation(json!({"segment": {"name": "eu", "constraints": [
        {"contextName": "region", "operator": "IN", "values": ["eu"]}]}}));
    let segment = bench.apply(create).await.expect("created");
    assert_eq!(segment.committed.event_types(), ["segment-created"]);
    let id = segment.output.id;
    let strategy = bench
        .apply(add_strategy(
            "checkout",
            json!({"name": "default", "segments": [id]}),
        ))
        .await
        .expect("added")
        .output;

    let e = refused(&bench, operation::<DeleteSegment>(json!({"id": id}))).await;
    assert!(matches!(e, OpError::Conflict { .. }), "{e:?}");
    assert!(e.to_string().contains("checkout"), "names who uses it: {e}");
    assert!(bench.store.segment(id).await.is_ok(), "still there");

    let remove: RemoveStrategy = operation(json!({
        "project": "default", "feature": "checkout", "environment": "development",
        "id": strategy.id
    }));
    assert_eq!(bench.events_of(remove).await, ["feature-strategy-remove"]);
    let delete: DeleteSegment = operation(json!({"id": id}));
    assert_eq!(bench.events_of(delete).await, ["segment-deleted"]);
    assert!(bench.store.segment(id).await.is_err(), "gone");
}

#[tokio::test]
async fn dependencies_are_one_level_between_live_flags_of_a_project() {
    let bench = bench().await;
    for name in ["parent", "child", "grandchild"] {
        bench.events_of(create_flag(name)).await;
    }
    let e = refused(&bench, dependency("child", "child")).await;
    assert!(matches!(e, OpError::InvalidOperation { .. }), "{e:?}");
    assert_eq!(
        bench.events_of(dependency("child", "parent")).await,
        ["feature-dependency-added"]
    );
    // One level: a child has no children, a parent no parents.
    refused(&bench, dependency("grandchild", "child")).await;
    refused(&bench, dependency("parent", "grandchild")).await;
    refused(&bench, dependency("grandchild", "missing")).await;
    assert_eq!(
        bench.store.parents_of("child").await.expect("read").len(),
        1
    );

    // A parent others depend on is not archived; archiving the child first
    // removes its dependency, then archives it.
    let archive =
        |name: &str| -> ArchiveFlag { operation(json!({"project": "default", "name": name})) };
    let e = refused(&bench, archive("parent")).await;
    assert!(matches!(e, OpError::InvalidOperation { .. }), "{e:?}");
    assert_eq!(
        bench.events_of(archive("child")).await,
        ["feature-dependencies-removed", "feature-archived"]
    );
    assert!(bench
        .store
        .parents_of("child")
        .await
        .expect("read")
        .is_empty());
    assert_eq!(
        bench.events_of(archive("parent")).await,
        ["feature-archived"]
    );
}

#[tokio::test]
async fn tagging_makes_the_tag_once_and_untagging_nothing_records_nothing() {
    let bench = bench().await;
    bench.events_of(create_flag("checkout")).await;
    let tag = |value: &str| -> TagFlag {
        operation(json!({"feature": "checkout", "tag": {"type": "simple", "value": value}}))
    };
    assert_eq!(
        bench.events_of(tag("beta")).await,
        ["tag-created", "feature-tagged"],
        "a new tag is created with its own event"
    );
    let e = refused(&bench, tag("beta")).await;
    assert!(
        matches!(e, OpError::Conflict { .. }),
        "a flag has a tag once: {e:?}"
    );
    let unknown_type: TagFlag = operation(json!({"feature": "checkout",
        "tag": {"type": "no-such-type", "value": "x1"}}));
    let e = refused(&bench, unknown_type).await;
    assert!(matches!(e, OpError::Invalid { .. }), "{e:?}");
    assert_eq!(
        bench.events_of(tag("gamma")).await,
        ["tag-created", "feature-tagged"]
    );
    let tags = bench.store.flag_tags("checkout").await.expect("read");
    assert_eq!(tags.len(), 2, "{tags:?}");

    let untag = |value: &str| -> UntagFlag {
        operation(json!({"feature": "checkout", "tag": {"type": "simple", "value": value}}))
    };
    assert_eq!(bench.events_of(untag("beta")).await, ["feature-untagged"]);
    let nothing = bench.apply(untag("beta")).await.expect("succeeds");
    assert_eq!(nothing.committed.revision, None, "not there: no change");
    assert_eq!(
        bench.store.flag_tags("checkout").await.expect("read").len(),
        1
    );
}

#[tokio::test]
async fn projects_and_their_environments() {
    let bench = bench().await;
    let create: CreateProject = operation(json!({"id": "payments", "name": "Payments"}));
    assert_eq!(bench.events_of(create).await, ["project-created"]);
    let again: CreateProject = operation(json!({"id": "payments"}));
    let e = refused(&bench, again).await;
    assert!(matches!(e, OpError::Conflict { .. }), "{e:?}");

    let staging: CreateEnvironment =
        operation(json!({"name": "staging", "kind": "test", "sortOrder": null}));
    assert_eq!(bench.events_of(staging).await, ["environment-created"]);
    let enable: AddEnvironmentToProject =
        operation(json!({"project": "payments", "environment": "staging"}));
    assert_eq!(bench.events_of(enable).await, ["project-environment-added"]);
    let environments = bench
        .store
        .project_environments("payments")
        .await
        .expect("read");
    assert!(
        environments.iter().any(|e| e.name == "staging"),
        "{environments:?}"
    );
    let unknown: AddEnvironmentToProject =
        operation(json!({"project": "payments", "environment": "nowhere"}));
    refused(&bench, unknown).await;

    // A project with flags (archived ones too) is not deleted.
    let flag: CreateFlag = operation(json!({
        "project": "payments", "name": "pay-later", "flagType": "release",
        "description": null, "impressionData": false
    }));
    bench.events_of(flag).await;
    let delete = || -> DeleteProject { operation(json!({"id": "payments"})) };
    let e = refused(&bench, delete()).await;
    assert!(matches!(e, OpError::Conflict { .. }), "{e:?}");
    let archive: ArchiveFlag = operation(json!({"project": "payments", "name": "pay-later"}));
    bench.events_of(archive).await;
    refused(&bench, delete()).await;
    let gone: DeleteFlag = operation(json!({"name": "pay-later"}));
    bench.events_of(gone).await;
    assert_eq!(bench.events_of(delete()).await, ["project-deleted"]);
    assert!(!bench.store.project_exists("payments").await.expect("read"));
}

#[tokio::test]
async fn an_expiry_is_in_the_future_by_the_store_clock() {
    let bench = bench().await;
    let in_an_hour = (bench.clock.clock().now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let token = |expires_at: &str| {
        CreateToken(tokens::TokenRequest {
            name: "ci".to_owned(),
            kind: crate::api_tokens::TokenKind::Client,
            projects: Vec::new(),
            environment: Some("development".to_owned()),
            expires_at: Some(expires_at.to_owned()),
        })
    };
    let created = bench.apply(token(&in_an_hour)).await.expect("created");
    assert_eq!(created.committed.event_types(), ["api-token-created"]);
    bench
        .clock
        .advance(std::time::Duration::from_secs(2 * 3600));
    let e = refused(&bench, token(&in_an_hour)).await;
    assert!(
        matches!(e, OpError::Invalid { .. }),
        "now in the past: {e:?}"
    );
}
