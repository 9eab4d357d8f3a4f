use super::*;

fn params(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect()
}

#[test]
fn templates_render_over_the_event_and_bodies_are_signed() {
    let event = json!({"type": "feature-created", "featureName": "new-checkout",
            "createdBy": "ci", "project": "default", "environment": null});
    let out = outgoing(
            "webhook",
            &params(&[
                ("url", "https://example.com/hook"),
                ("bodyTemplate", "{\"e\": \"{{event.type}}\", \"f\": \"{{event.featureName}}\", \"by\": \"{{event.createdBy}}\"}"),
                ("customHeaders", "{\"X-Team\": \"checkout\"}"),
            ]),
            "secret",
            &event,
            0,
            "http://localhost:4242",
        )
        .expect("renders");
    assert_eq!(
        String::from_utf8(out.body.clone()).expect("text"),
        "{\"e\": \"feature-created\", \"f\": \"new-checkout\", \"by\": \"ci\"}"
    );
    assert!(out
        .headers
        .contains(&("X-Team".to_owned(), "checkout".to_owned())));
    let signed = out
        .headers
        .iter()
        .find(|(k, _)| k == SIGNATURE_HEADER)
        .map(|(_, v)| v.clone());
    assert_eq!(signed, Some(signature("secret", &out.body)));
    assert_ne!(signature("secret", b"a"), signature("other", b"a"));
    assert_eq!(signature("k", b"a").len(), "sha256=".len() + 64);
}

#[test]
fn changes_made_by_action_runs_carry_their_depth() {
    let event = json!({"type": "feature-environment-enabled", "featureName": "f"});
    let depth_of = |provider: &str, depth: i64| {
        outgoing(
            provider,
            &params(&[("url", "https://example.com/hook")]),
            "secret",
            &event,
            depth,
            "http://localhost:4242",
        )
        .expect("renders")
        .headers
        .into_iter()
        .find(|(name, _)| name == ACTION_DEPTH_HEADER)
        .map(|(_, value)| value)
    };
    assert_eq!(depth_of("webhook", 0), None, "not made by an action set");
    assert_eq!(depth_of("webhook", 2).as_deref(), Some("2"));
    assert_eq!(depth_of("slack", 1).as_deref(), Some("1"), "any provider");
}

#[test]
fn parameters_are_checked_against_the_provider() {
    let webhook = provider("webhook").expect("webhook");
    let events = vec!["feature-created".to_owned()];
    assert!(problem(webhook, &params(&[("url", "https://x.example")]), &events).is_none());
    assert!(problem(webhook, &params(&[]), &events)
        .is_some_and(|(at, why)| why.contains("url") && at.to_string() == "parameters.url"));
    assert!(problem(
        webhook,
        &params(&[("url", "https://x"), ("nope", "1")]),
        &events
    )
    .is_some());
    assert!(problem(
        webhook,
        &params(&[("url", "https://x"), ("customHeaders", "[1]")]),
        &events
    )
    .is_some());
    assert!(problem(
        webhook,
        &params(&[("url", "https://x"), ("bodyTemplate", "{{ a")]),
        &events
    )
    .is_some());
    assert!(problem(
        webhook,
        &params(&[("url", "https://x")]),
        &["no-such-event".to_owned()]
    )
    .is_some());
    let datadog = provider("datadog").expect("datadog");
    assert!(problem(datadog, &params(&[]), &events).is_some_and(|(_, why)| why.contains("apiKey")));
    assert_eq!(
        masked(
            "webhook",
            &params(&[("url", "https://x"), ("contentType", "text/plain")])
        ),
        params(&[("url", MASK), ("contentType", "text/plain")])
    );
}
