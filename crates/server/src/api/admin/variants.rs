//! Feature variants of one environment (`GET|PUT|PATCH …/environments/:env/variants`)
//! and the weight normalisation Unleash applies to every variant write.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use flagstaff_engine::document::Variant;
use serde_json::{json, Value};

use super::check_project_environment;
use crate::api::ApiJson;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{NewEvent, WriteTx};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/admin/projects/{project}/features/{feature}/environments/{environment}/variants",
        get(read).put(replace).patch(patch),
    )
}

/// Unleash's rules for a variant list: `weightType` defaults to `variable` and
/// `stickiness` to `default`; at least one variant is variable; fixed weights
/// total at most 1000 and the rest is split evenly over the variable ones (the
/// first get the remainder, one each); names are unique; the list is sorted by
/// name. Strategy variants (`keep_overrides: false`) carry no overrides.
pub fn normalise_variants(
    mut variants: Vec<Variant>,
    keep_overrides: bool,
) -> ApiResult<Vec<Variant>> {
    if variants.is_empty() {
        return Ok(variants);
    }
    let mut names = std::collections::HashSet::new();
    let mut fixed_total = 0u32;
    for v in variants.iter_mut() {
        if v.name.trim().is_empty() {
            return Err(ApiError::BadData("a variant needs a name".to_owned()));
        }
        if !names.insert(v.name.clone()) {
            return Err(ApiError::BadData(format!(
                "variant names must be unique: {:?}",
                v.name
            )));
        }
        let weight_type = v.weight_type.get_or_insert_with(|| "variable".to_owned());
        match weight_type.as_str() {
            "variable" => {}
            "fix" => {
                if v.weight > 1000 {
                    return Err(ApiError::BadData(
                        "a variant weight is at most 1000".to_owned(),
                    ));
                }
                fixed_total += v.weight;
            }
            other => {
                return Err(ApiError::BadData(format!(
                    "weightType must be variable or fix, found {other:?}"
                )))
            }
        }
        if v.stickiness.as_deref().is_none_or(|s| s.trim().is_empty()) {
            v.stickiness = Some("default".to_owned());
        }
        if let Some(payload) = &v.payload {
            if !["string", "json", "csv", "number"].contains(&payload.payload_type.as_str()) {
                return Err(ApiError::BadData(format!(
                    "unknown payload type {:?}",
                    payload.payload_type
                )));
            }
            if payload.payload_type == "json"
                && serde_json::from_str::<Value>(&payload.value).is_err()
            {
                return Err(ApiError::BadData(format!(
                    "the payload of {:?} is not valid JSON",
                    v.name
                )));
            }
        }
        if !keep_overrides {
            v.overrides.clear();
        }
    }
    if fixed_total > 1000 {
        return Err(ApiError::BadData(
            "The sum of fixed variant weights exceeds 1000".to_owned(),
        ));
    }
    let variable = variants
        .iter()
        .filter(|v| v.weight_type.as_deref() == Some("variable"))
        .count() as u32;
    if variable == 0 {
        return Err(ApiError::BadData(
            "There must be at least one \"variable\" variant".to_owned(),
        ));
    }
    let share = (1000 - fixed_total) / variable;
    let mut remainder = (1000 - fixed_total) % variable;
    for v in variants
        .iter_mut()
        .filter(|v| v.weight_type.as_deref() == Some("variable"))
    {
        v.weight = share + u32::from(remainder > 0);
        remainder = remainder.saturating_sub(1);
    }
    variants.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(variants)
}

async fn current(
    state: &AppState,
    project: &str,
    feature: &str,
    environment: &str,
) -> ApiResult<Vec<Variant>> {
    check_project_environment(state, project, environment).await?;
    state.store.live_feature(project, feature).await?;
    Ok(state
        .store
        .feature_environment(feature, environment)
        .await?
        .variants)
}

/// The variants as the write transaction sees them: what a change is made to.
async fn current_in(
    w: &mut WriteTx<'_>,
    (project, feature, environment): &(String, String, String),
) -> ApiResult<Vec<Variant>> {
    w.live_feature(project, feature).await?;
    Ok(w.feature_environment(feature, environment).await?.variants)
}

async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, feature, environment)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let variants = current(&state, &project, &feature, &environment).await?;
    Ok(Json(json!({"version": 1, "variants": variants})))
}

async fn store_variants(
    state: &AppState,
    mut w: WriteTx<'_>,
    token_name: String,
    (project, feature, environment): (String, String, String),
    before: Vec<Variant>,
    after: Vec<Variant>,
) -> ApiResult<Json<Value>> {
    let after = normalise_variants(after, true)?;
    w.set_environment_variants(&feature, &environment, &after)
        .await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "feature-environment-variants-updated",
                created_by: token_name,
                project: Some(project),
                environment: Some(environment),
                feature_name: Some(feature),
                pre_data: Some(json!(before)),
                data: Some(json!(after)),
            },
        )
        .await?;
    Ok(Json(json!({"version": 1, "variants": after})))
}

async fn replace(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(path): Path<(String, String, String)>,
    ApiJson(variants): ApiJson<Vec<Variant>>,
) -> ApiResult<Json<Value>> {
    check_project_environment(&state, &path.0, &path.2).await?;
    let mut w = state.store.write().await?;
    let before = current_in(&mut w, &path).await?;
    store_variants(&state, w, token.name, path, before, variants).await
}

async fn patch(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(path): Path<(String, String, String)>,
    ApiJson(operations): ApiJson<json_patch::Patch>,
) -> ApiResult<Json<Value>> {
    // Read, patch and write in one transaction: concurrent patches never lose one another.
    check_project_environment(&state, &path.0, &path.2).await?;
    let mut w = state.store.write().await?;
    let before = current_in(&mut w, &path).await?;
    let mut document = json!(before);
    json_patch::patch(&mut document, &operations)
        .map_err(|e| ApiError::BadData(format!("Could not apply provided patch: {e}")))?;
    let after: Vec<Variant> = serde_json::from_value(document)
        .map_err(|e| ApiError::BadData(format!("the patched variants are not valid: {e}")))?;
    store_variants(&state, w, token.name, path, before, after).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(name: &str, weight: u32, weight_type: Option<&str>) -> Variant {
        Variant {
            name: name.to_owned(),
            weight,
            weight_type: weight_type.map(str::to_owned),
            ..Variant::default()
        }
    }

    #[test]
    fn variable_weights_share_what_fixed_ones_leave() {
        let out = normalise_variants(
            vec![
                variant("c", 0, None),
                variant("a", 100, Some("fix")),
                variant("b", 7, Some("variable")),
            ],
            true,
        )
        .expect("valid");
        let got: Vec<(&str, u32)> = out.iter().map(|v| (v.name.as_str(), v.weight)).collect();
        assert_eq!(got, [("a", 100), ("b", 450), ("c", 450)]);
        assert!(out
            .iter()
            .all(|v| v.stickiness.as_deref() == Some("default")));
        let thirds = normalise_variants(
            vec![
                variant("x", 0, None),
                variant("y", 0, None),
                variant("z", 0, None),
            ],
            true,
        )
        .expect("valid");
        assert_eq!(thirds.iter().map(|v| v.weight).sum::<u32>(), 1000);
        assert_eq!(thirds[0].weight, 334);
    }

    #[test]
    fn refuses_what_unleash_refuses() {
        assert!(normalise_variants(vec![variant("a", 500, Some("fix"))], true).is_err());
        assert!(normalise_variants(
            vec![
                variant("a", 600, Some("fix")),
                variant("b", 500, Some("fix")),
                variant("c", 0, None)
            ],
            true
        )
        .is_err());
        assert!(
            normalise_variants(vec![variant("a", 0, None), variant("a", 0, None)], true).is_err()
        );
        assert!(normalise_variants(vec![variant("a", 0, Some("heavy"))], true).is_err());
        assert!(normalise_variants(Vec::new(), true)
            .expect("empty is fine")
            .is_empty());
    }
}
