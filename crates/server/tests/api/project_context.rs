//! Project-specific context fields (issue 23, Unleash's shapes): a project's
//! own fields, listed through it (`include=root` adds the global ones) and
//! through the global list only with `include=project`; changed only through
//! their project; usable in constraints of that project only; not deleted
//! while a strategy uses them. Legal values bind the constraints of
//! strategies and segments. Every refusal changes nothing.

use crate::helpers::*;

const PC: &str = "/api/admin/projects/shop/context";
const SHOP_FLAG: &str = "/api/admin/projects/shop/features";

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect()
}

/// A strategy body with one constraint.
fn constrained(context: &str, values: &[&str]) -> Value {
    json!({"name": "default", "constraints": [
        {"contextName": context, "operator": "IN", "values": values}]})
}

pub async fn project_context_fields(db: Db) {
    let app = spawn_app(db).await;
    for body in [
        json!({"id": "shop", "name": "Shop"}),
        json!({"id": "blog", "name": "Blog"}),
    ] {
        let (status, answer) = app
            .admin(Method::POST, "/api/admin/projects", Some(body))
            .await;
        assert!(status.is_success(), "{answer}");
    }
    let (status, made) = app
        .admin(
            Method::POST,
            PC,
            Some(json!({"name": "tenant", "description": "The customer",
                "legalValues": [{"value": "acme"}, {"value": "globex"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["project"], "shop", "{made}");
    let (status, made) = app
        .admin(
            Method::POST,
            "/api/admin/context",
            Some(json!({"name": "plan"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert!(made.get("project").is_none(), "a global field: {made}");

    // The lists, as Unleash shows them.
    let (_, global) = app.admin(Method::GET, "/api/admin/context", None).await;
    assert!(names(&global).contains(&"plan"), "{global}");
    assert!(!names(&global).contains(&"tenant"), "{global}");
    let (_, every) = app
        .admin(Method::GET, "/api/admin/context?include=project", None)
        .await;
    assert!(names(&every).contains(&"tenant") && names(&every).contains(&"plan"));
    let (status, own) = app.admin(Method::GET, PC, None).await;
    assert_eq!((status, names(&own)), (StatusCode::OK, vec!["tenant"]));
    let (_, with_root) = app
        .admin(Method::GET, &format!("{PC}?include=root"), None)
        .await;
    assert!(names(&with_root).contains(&"tenant") && names(&with_root).contains(&"plan"));
    let (_, blog) = app
        .admin(Method::GET, "/api/admin/projects/blog/context", None)
        .await;
    assert_eq!(blog, json!([]));
    let (status, _) = app
        .admin(Method::GET, "/api/admin/projects/missing/context", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, one) = app.admin(Method::GET, &format!("{PC}/tenant"), None).await;
    assert_eq!((status, &one["project"]), (StatusCode::OK, &json!("shop")));

    // Changes through the project.
    let (status, answer) = app
        .admin(
            Method::PUT,
            &format!("{PC}/tenant"),
            Some(json!({"description": "Who pays"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{PC}/tenant/legal-values"),
            Some(json!({"value": "initech"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("{PC}/tenant/legal-values/globex"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, one) = app.admin(Method::GET, &format!("{PC}/tenant"), None).await;
    assert_eq!(one["description"], "Who pays");
    assert_eq!(
        one["legalValues"],
        json!([{"value": "acme"}, {"value": "initech"}])
    );

    // The global legal-value delete.
    for value in ["a", "b"] {
        app.admin(
            Method::POST,
            "/api/admin/context/plan/legal-values",
            Some(json!({"value": value})),
        )
        .await;
    }
    let (status, _) = app
        .admin(
            Method::DELETE,
            "/api/admin/context/plan/legal-values/a",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, plan) = app
        .admin(Method::GET, "/api/admin/context/plan", None)
        .await;
    assert_eq!(plan["legalValues"], json!([{"value": "b"}]));

    // Name checks through the project.
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{PC}/validate"),
            Some(json!({"name": "tenant"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{PC}/validate"),
            Some(json!({"name": "free-name"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    create_flag_in(&app, "shop", "checkout").await;
    create_flag_in(&app, "blog", "comments").await;
    let shop_strategies = format!("{SHOP_FLAG}/checkout/environments/development/strategies");
    let blog_strategies =
        "/api/admin/projects/blog/features/comments/environments/development/strategies";

    // Refused, changing nothing.
    let (_, events_before) = app.admin(Method::GET, "/api/admin/events", None).await;
    let (_, fields_before) = app
        .admin(Method::GET, "/api/admin/context?include=project", None)
        .await;
    for (method, path, body, expected, field) in [
        // Another project's field, through this project.
        (
            Method::PUT,
            "/api/admin/projects/blog/context/tenant".to_owned(),
            Some(json!({"description": "x"})),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::DELETE,
            "/api/admin/projects/blog/context/tenant".to_owned(),
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::POST,
            "/api/admin/projects/blog/context/tenant/legal-values".to_owned(),
            Some(json!({"value": "x"})),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::DELETE,
            "/api/admin/projects/blog/context/tenant/legal-values/acme".to_owned(),
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        // A global field is not one of a project's.
        (
            Method::PUT,
            format!("{PC}/plan"),
            Some(json!({"description": "x"})),
            StatusCode::NOT_FOUND,
            None,
        ),
        // An unknown project; a taken name.
        (
            Method::POST,
            "/api/admin/projects/missing/context".to_owned(),
            Some(json!({"name": "fresh"})),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::POST,
            "/api/admin/projects/blog/context".to_owned(),
            Some(json!({"name": "tenant"})),
            StatusCode::CONFLICT,
            None,
        ),
        // A value that is not a legal one, in a strategy or a segment.
        (
            Method::POST,
            shop_strategies.clone(),
            Some(constrained("tenant", &["acme", "globex"])),
            StatusCode::BAD_REQUEST,
            Some("constraints[0].values"),
        ),
        (
            Method::POST,
            "/api/admin/segments".to_owned(),
            Some(json!({"name": "plans", "constraints": [
                {"contextName": "plan", "operator": "IN", "values": ["a"]}]})),
            StatusCode::BAD_REQUEST,
            Some("constraints[0].values"),
        ),
    ] {
        let (status, answer) = app.admin(method.clone(), &path, body.clone()).await;
        assert_eq!(status, expected, "{method} {path} {body:?}: {answer}");
        if let Some(field) = field {
            assert_eq!(answer["details"][0]["path"], field, "{answer}");
        }
    }
    let (_, events_after) = app.admin(Method::GET, "/api/admin/events", None).await;
    assert_eq!(events_before, events_after);
    let (_, fields_after) = app
        .admin(Method::GET, "/api/admin/context?include=project", None)
        .await;
    assert_eq!(fields_before, fields_after);

    // Allowed: in the project's own strategies and segments, legal values only.
    let (status, strategy) = app
        .admin(
            Method::POST,
            &shop_strategies,
            Some(constrained("tenant", &["acme"])),
        )
        .await;
    assert!(status.is_success(), "{strategy}");
    let (status, segment) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(
                json!({"name": "shop-tenants", "project": "shop", "constraints": [
                {"contextName": "tenant", "operator": "IN", "values": ["initech"]}]}),
            ),
        )
        .await;
    assert!(status.is_success(), "{segment}");
    // Unleash's API lets another project's constraint, or a global segment,
    // name a project's field too (only its UI hides it); so does Flagstaff,
    // so that what is migrated from Unleash is accepted.
    let (status, elsewhere) = app
        .admin(
            Method::POST,
            blog_strategies,
            Some(constrained("tenant", &["acme"])),
        )
        .await;
    assert!(status.is_success(), "{elsewhere}");
    let id = elsewhere["id"].as_str().expect("a strategy id");
    let (status, _) = app
        .admin(Method::DELETE, &format!("{blog_strategies}/{id}"), None)
        .await;
    assert!(status.is_success());

    // The strategies using it; a field in use is not deleted.
    let (status, uses) = app
        .admin(Method::GET, &format!("{PC}/tenant/strategies"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        uses,
        json!({"strategies": [{"id": strategy["id"], "projectId": "shop",
            "featureName": "checkout", "strategyName": "default", "environment": "development"}]})
    );
    for path in [
        format!("{PC}/tenant"),
        "/api/admin/context/tenant".to_owned(),
    ] {
        let (status, answer) = app.admin(Method::DELETE, &path, None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}: {answer}");
    }
    // Once its flag is archived, it may go.
    let (status, _) = app
        .admin(Method::DELETE, &format!("{SHOP_FLAG}/checkout"), None)
        .await;
    assert!(status.is_success());
    let (_, uses) = app
        .admin(Method::GET, &format!("{PC}/tenant/strategies"), None)
        .await;
    assert_eq!(uses, json!({"strategies": []}));
    let (status, answer) = app
        .admin(Method::DELETE, &format!("{PC}/tenant"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (_, own) = app.admin(Method::GET, PC, None).await;
    assert_eq!(own, json!([]));
    let events = all_events(&app).await;
    let deleted = events
        .iter()
        .find(|e| e["type"] == "context-field-deleted")
        .expect("a deleted event");
    assert_eq!(deleted["project"], "shop", "{deleted}");
}

async fn create_flag_in(app: &TestApp, project: &str, name: &str) {
    let (status, answer) = app
        .admin(
            Method::POST,
            &format!("/api/admin/projects/{project}/features"),
            Some(json!({"name": name})),
        )
        .await;
    assert!(status.is_success(), "{answer}");
}
