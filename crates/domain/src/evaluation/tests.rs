use super::*;
use flagstaff_engine::ClientFeatures;

/// The directly written body is byte for byte what the derived
/// serializer writes, for names and payloads that need escaping too.
#[test]
fn the_written_body_is_the_serialized_one() {
    let awkward = [
        "plain",
        "quote\"d",
        "back\\slash",
        "tab\there",
        "line\nfeed",
        "ünï€ode",
        "\u{1}ctl",
        "del\u{7f}",
        "",
    ];
    let features: Vec<Value> = awkward
        .iter()
        .enumerate()
        .flat_map(|(i, text)| {
            [
                json!({"name": format!("{text}-{i}"), "project": "p", "enabled": true, "impressionData": i % 2 == 0,
                    "strategies": [{"name": "default"}],
                    "variants": [{"name": format!("v{text}"), "weight": 1000, "stickiness": "default",
                        "payload": {"type": format!("t{text}"), "value": format!("{text}{{\"a\":1}}")}}]}),
                json!({"name": format!("off {text} {i}"), "project": "p", "enabled": false, "strategies": []}),
                json!({"name": format!("{text} other project"), "project": "q", "enabled": true, "strategies": []}),
                json!({"name": format!("{text} no variants {i}"), "project": "p", "enabled": true, "strategies": [{"name": "default"}]}),
            ]
        })
        .collect();
    let document: ClientFeatures =
        serde_json::from_value(json!({"version": 2, "features": features})).expect("a document");
    let engine = Engine::new(&document);
    let context = Context::for_user("7");
    for with_off in [false, true] {
        let toggles: Vec<Toggle<'_>> = engine
            .evaluate_all(&context)
            .filter(|(name, e)| (with_off || e.enabled) && engine.project(name) == Some("p"))
            .map(|(name, e)| Toggle {
                name,
                enabled: e.enabled,
                variant: FrontendVariant {
                    variant: e.variant,
                    feature_enabled: e.variant.feature_enabled,
                },
                impression_data: e.impression_data,
            })
            .collect();
        assert!(toggles.len() > awkward.len(), "{} toggles", toggles.len());
        let derived = serde_json::to_vec(&Toggles { toggles }).expect("serialised");
        let written = toggles_body(Some(&engine), &context, |p| p == "p", with_off);
        assert_eq!(
            String::from_utf8(written).expect("UTF-8"),
            String::from_utf8(derived).expect("UTF-8"),
            "with_off: {with_off}"
        );
    }
    assert_eq!(
        toggles_body(None, &context, |_| true, false),
        br#"{"toggles":[]}"#
    );
}

#[test]
fn etags_tell_bodies_apart_and_agree_on_equal_ones() {
    assert_eq!(body_etag(b"{}"), body_etag(b"{}"));
    assert_ne!(body_etag(b"{}"), body_etag(b"{ }"));
    assert_eq!(body_etag(b"{}").len(), 18);
}
