//! Black-box tests: the real server on a random port, driven over HTTP the way
//! users and SDKs drive it. Every test runs on SQLite (a fresh file) and, when
//! `FLAGSTAFF_TEST_POSTGRES_URL` names a PostgreSQL server, on a fresh
//! PostgreSQL database too; without it the PostgreSQL half says it skipped.
//!
//! One module per area; `helpers` has the test server and its database.

mod admin_routes;
mod browser;
mod change_requests;
mod changes;
mod dependencies;
mod edge;
mod export;
mod favorites;
mod field_errors;
mod flag_bulk;
mod flags;
mod forwarder;
mod helpers;
mod hostile;
mod insights;
mod integrations;
mod lifecycle;
mod metrics;
mod openapi;
mod outage;
mod pats;
mod project_context;
mod project_tokens;
mod prometheus;
mod push;
mod release_plans;
mod revisions;
mod route_coverage;
mod sdk_apis;
mod signals;
mod storage;
mod strategies;
mod tags;
mod tokens;
mod ui;
mod ui_activity;
mod ui_admin;
mod ui_flag_page;
mod ui_forms;
mod ui_integrations;
mod ui_shell;
mod ui_users;
mod users;

use admin_routes::*;
use change_requests::*;
use changes::*;
use dependencies::*;
use edge::*;
use export::*;
use favorites::*;
use field_errors::*;
use flag_bulk::*;
use flags::*;
use helpers::Db;
use hostile::*;
use insights::*;
use integrations::*;
use lifecycle::*;
use metrics::*;
use openapi::*;
use outage::*;
use pats::*;
use project_context::*;
use project_tokens::*;
use prometheus::*;
use push::*;
use release_plans::*;
use revisions::*;
use sdk_apis::*;
use signals::*;
use storage::*;
use strategies::*;
use tags::*;
use tokens::*;
use ui::*;
use ui_activity::*;
use ui_admin::*;
use ui_flag_page::*;
use ui_forms::*;
use ui_integrations::*;
use ui_shell::*;
use ui_users::*;
use users::*;

macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $test() { super::$test(super::Db::sqlite()).await } )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    match super::Db::postgres().await {
                        Some(db) => super::$test(db).await,
                        None if std::env::var("CI").is_ok_and(|ci| ci == "true") => panic!(
                            "CI must run {} on PostgreSQL: FLAGSTAFF_TEST_POSTGRES_URL is not set",
                            stringify!($test)
                        ),
                        None => eprintln!(
                            "skipped {} on PostgreSQL: set FLAGSTAFF_TEST_POSTGRES_URL to run it",
                            stringify!($test)
                        ),
                    }
                }
            )*
        }
    };
}

on_both_backends!(
    health,
    change_requests_need_four_eyes,
    change_requests_apply_whole_or_not_at_all,
    scheduled_change_requests_apply_once,
    playground_answers_as_if_a_request_were_applied,
    release_plans_progress_on_a_moved_clock,
    release_plans_progress_once_across_replicas,
    safeguards_pause_a_plan_until_resumed,
    impact_charts_are_saved,
    openapi_matches_the_router,
    guide_flow,
    tokens_guard_every_route,
    tokens_by_id,
    token_expiry,
    token_expiry_is_stored_normalised,
    concurrent_writes_lose_nothing,
    etags_move_with_their_environment,
    replicas_follow_each_other,
    engine_warnings_are_listed,
    incremental_snapshots_match_a_fresh_start,
    every_write_is_one_revision,
    unknown_routes,
    bad_input_changes_nothing,
    refusals_name_their_nested_field,
    unreadable_bodies_name_their_field,
    client_etag_and_filters,
    restart_keeps_everything,
    metrics_add_up_exactly,
    segments_context_projects,
    frontend_api,
    metrics_views_and_retention,
    metrics_refused_store_nothing,
    playground_explains,
    strategies_by_segment_and_context_field,
    applications_and_outdated_sdks,
    project_insights_follow_the_flags,
    lifecycle_stages_and_completion,
    personal_dashboard_is_the_callers,
    ofrep,
    storage_story,
    lists_page_by_keyset,
    admin_input_is_bounded,
    connections_are_bounded,
    quotas_refuse_floods,
    valid_credentials_pass_an_anonymous_flood,
    sign_ins_back_off_per_account,
    trusted_proxies_name_the_client,
    one_address_cannot_take_every_connection,
    ui_origin_is_the_public_url,
    made_up_filters_share_one_response,
    scripts_routes,
    old_sdks_get_segments_inlined,
    tokens_and_constraints_routes,
    projects_change_and_go,
    searches,
    search_index_follows_writes,
    search_by_lifecycle,
    delta_polling_matches_full_documents,
    streams_push_changes,
    slow_streams_are_bounded,
    streams_follow_replicas,
    quiet_streams_are_kept_alive,
    prometheus_metrics,
    edge_upstream_routes,
    edge_relays_metrics,
    integrations_deliver_matching_events,
    integrations_refuse_bad_input,
    integrations_accept_legacy_event_names,
    integrations_send_a_test_through_the_api,
    integration_deliveries_keep_flag_order,
    integration_urls_embedding_internal_ipv4_are_refused,
    a_dead_integration_does_not_delay_the_others,
    a_failing_integration_is_paused_then_resumed,
    flag_links,
    signals_run_action_sets,
    signal_tokens_open_nothing_else,
    wrong_signal_tokens_use_the_auth_quota,
    failing_steps_are_logged,
    set_rollout_changes_the_strategy,
    bad_automation_input_changes_nothing,
    signals_and_runs_are_bounded,
    oversize_signals_are_refused,
    signal_storage_is_bounded,
    action_loops_stop,
    action_runs_are_rate_limited,
    tag_routes,
    bad_tag_input_changes_nothing,
    client_tag_filter,
    search_by_tag,
    project_tags_in_bulk,
    custom_strategies,
    bad_strategy_input_changes_nothing,
    switch_on_uses_the_project_default,
    dependencies_follow_unleash_rules,
    flags_are_archived_revived_and_deleted_in_bulk,
    variants_are_set_in_several_environments,
    event_creators_are_listed,
    maintenance_mode_refuses_changes,
    flag_type_lifetimes_are_set,
    export_then_import_reproduces_the_flags,
    bad_imports_change_nothing,
    ui_signs_in_and_switches_flags,
    ui_first_run_setup,
    ui_sign_in_uses_the_auth_quota,
    ui_segments_with_constraints,
    ui_context_fields,
    ui_api_tokens,
    ui_projects_and_environments,
    ui_applications,
    ui_admin_screens_refuse_viewers_and_forgeries,
    ui_strategy_form_stores_what_was_entered,
    new_strategies_go_last,
    one_constraint_editor_for_strategies_and_segments,
    ui_flag_variants_and_settings,
    ui_flag_pages_refuse_viewers_and_forged_forms,
    ui_forms_rollout_strategy_type_and_legal_values,
    ui_new_flag_name_is_checked_while_typed,
    ui_archived_flag_reads_and_revives,
    pats_act_with_their_users_role,
    favorites_belong_to_their_user,
    bad_favorites_change_nothing,
    bad_pat_input_changes_nothing,
    ui_manages_pats,
    ui_flags_list_create_archive,
    ui_flags_list_of_10000,
    ui_metrics_tab,
    ui_event_log,
    ui_playground,
    ui_integrations_screen,
    ui_integration_save_keeps_legacy_event_names,
    ui_signals_and_action_sets,
    public_url_defaults_to_the_listening_address,
    ui_confirms_before_destroying,
    ui_switches_by_form_and_in_place,
    ui_start_page_and_scripts,
    database_outage,
    unpaged_lists_stream_and_heavy_reads_are_bounded,
    counts_are_capped,
    imports_are_capped,
    users_through_the_admin_api,
    ui_manages_users,
    project_api_tokens,
    project_context_fields,
    environments_one_project_and_order,
    segment_and_context_names,
);

/// The scenarios that need no restart, on `sqlite::memory:` (one connection:
/// a read made while a write transaction holds it would hang, and fail here).
mod memory {
    macro_rules! in_memory {
        ($($test:ident),* $(,)?) => {
            $( #[tokio::test] async fn $test() { super::$test(super::Db::Memory).await } )*
        };
    }
    in_memory!(
        health,
        openapi_matches_the_router,
        every_body_has_a_schema,
        guide_flow,
        tokens_guard_every_route,
        tokens_by_id,
        token_expiry_is_stored_normalised,
        concurrent_writes_lose_nothing,
        etags_move_with_their_environment,
        bad_input_changes_nothing,
        unreadable_bodies_name_their_field,
        client_etag_and_filters,
        segments_context_projects,
        frontend_api,
        playground_explains,
        ofrep,
        lists_page_by_keyset,
        export_then_import_reproduces_the_flags,
        bad_imports_change_nothing,
        ui_sign_in_uses_the_auth_quota,
        ui_segments_with_constraints,
        ui_context_fields,
        ui_api_tokens,
        ui_projects_and_environments,
        ui_applications,
        ui_admin_screens_refuse_viewers_and_forgeries,
        ui_strategy_form_stores_what_was_entered,
        new_strategies_go_last,
        one_constraint_editor_for_strategies_and_segments,
        ui_flag_variants_and_settings,
        bad_pat_input_changes_nothing,
        ui_manages_pats,
        search_by_lifecycle,
        project_tags_in_bulk,
    );
}
