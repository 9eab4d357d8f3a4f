//! One revision per write, driven by the route table: every write route the
//! router registers (POST, PUT, PATCH, DELETE: the admin API, and the
//! client, frontend, OFREP, Edge and signal endpoint routes) has a case here
//! — a request and the events it records, all under the next revision — or
//! is listed as not a change, with the reason, and is called to show that it
//! records nothing. A new write route without either fails the test with its
//! name. (A signal is not a change, but the action set it sets off makes
//! one: its case expects that change.)

use std::collections::{BTreeMap, BTreeSet};

mod cases;
mod change_request_cases;
mod flag_area_cases;
mod parity_cases;
mod plan_cases;
mod sdk_cases;
mod user_cases;

use crate::browser::{admin_browser, with_admin};
use crate::helpers::*;
use crate::pats::pat_on_profile;

/// Ids that earlier cases were answered with, by name: `{name}` in a later
/// case's path is replaced with the id.
pub(crate) type Ids = BTreeMap<&'static str, Value>;

/// What a case's request should do.
pub(crate) enum Expect {
    /// Succeed and record these events (in any order), all with the next revision.
    Change(Vec<&'static str>),
    /// Be refused and record nothing.
    Refused,
    /// Succeed and record nothing: the route is no change (why).
    NotAChange(&'static str),
}

/// One request of the scenario.
pub(crate) struct Case {
    /// The route it covers: the method and the path as the router has it.
    route: &'static str,
    label: &'static str,
    /// The request path; `{name}` is an id kept by an earlier case.
    path: String,
    body: Option<fn(&Ids) -> Value>,
    fixed_body: Option<Value>,
    expect: Expect,
    /// Keeps the answer's field (second) under a name (first).
    keep: Vec<(&'static str, &'static str)>,
    /// Who sends it.
    caller: Caller,
}

/// Whose credentials a case's request carries.
#[derive(Clone, Copy)]
pub(crate) enum Caller {
    /// The admin API token.
    Admin,
    /// The signed-in user's personal access token (the PAT routes belong to
    /// a user).
    User,
    /// A fixed token (the client or frontend API's).
    Token(&'static str),
    /// A secret an earlier case kept under this name (a signal endpoint's token).
    Kept(&'static str),
    /// No `Authorization` header (Edge's token validation takes none).
    Nobody,
}

/// A case for `route` whose path is the route's own (no parameters), or
/// given with [`Case::at`].
pub(crate) fn case(route: &'static str, label: &'static str, expect: Expect) -> Case {
    let path = route.split_once(' ').map_or("", |(_, p)| p).to_owned();
    Case {
        route,
        label,
        path,
        body: None,
        fixed_body: None,
        expect,
        keep: Vec::new(),
        caller: Caller::Admin,
    }
}

pub(crate) fn change(events: &[&'static str]) -> Expect {
    Expect::Change(events.to_vec())
}

impl Case {
    pub(crate) fn at(mut self, path: impl Into<String>) -> Case {
        self.path = path.into();
        self
    }

    pub(crate) fn body(mut self, body: Value) -> Case {
        self.fixed_body = Some(body);
        self
    }

    /// A body made from the ids kept so far.
    pub(crate) fn body_from(mut self, body: fn(&Ids) -> Value) -> Case {
        self.body = Some(body);
        self
    }

    /// Keeps the answer's `id` under `name`.
    pub(crate) fn keep(self, name: &'static str) -> Case {
        self.keep_field(name, "id")
    }

    /// Keeps the answer's `field` (or, starting with `/`, what that JSON
    /// pointer names) under `name`.
    pub(crate) fn keep_field(mut self, name: &'static str, field: &'static str) -> Case {
        self.keep.push((name, field));
        self
    }

    pub(crate) fn by_user(self) -> Case {
        self.by(Caller::User)
    }

    pub(crate) fn by(mut self, caller: Caller) -> Case {
        self.caller = caller;
        self
    }

    fn path(&self, ids: &Ids) -> String {
        let mut path = self.path.clone();
        for (name, id) in ids {
            let id = id.as_str().map_or_else(|| id.to_string(), str::to_owned);
            path = path.replace(&format!("{{{name}}}"), &id);
        }
        assert!(!path.contains('{'), "{}: no id for {path}", self.label);
        path
    }
}

/// Every write route, as the router registers them.
fn write_routes() -> BTreeSet<String> {
    let args = flagstaff_server::ServeArgs::for_database("sqlite::memory:");
    flagstaff_server::api::route_table(&args)
        .into_iter()
        .filter(|r| ["POST", "PUT", "PATCH", "DELETE"].contains(&r.method.as_str()))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// Every write route has a case that changes something or is listed as not
/// a change; every case names a route that exists.
fn check_every_route_has_a_case(cases: &[Case]) {
    let routes = write_routes();
    let covered: BTreeSet<String> = cases
        .iter()
        .filter(|c| !matches!(c.expect, Expect::Refused))
        .map(|c| c.route.to_owned())
        .collect();
    let missing: Vec<&String> = routes.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "write routes without a case in revisions/cases.rs (add one, or list the route as not a change with the reason): {missing:#?}"
    );
    let unknown: Vec<&str> = cases
        .iter()
        .map(|c| c.route)
        .filter(|r| !routes.contains(*r))
        .collect();
    assert!(
        unknown.is_empty(),
        "cases for routes that do not exist: {unknown:?}"
    );
}

/// Every write is one change: its events, all tagged with the next revision
/// (gapless); a refused write, and a route that is no change, records nothing.
pub async fn every_write_is_one_revision(db: Db) {
    let cases = cases::cases();
    check_every_route_has_a_case(&cases);

    // Integrations may target loopback: the addon cases' test notification
    // goes to a closed local port, never out.
    let app = spawn_app_with(db, |args| {
        with_admin(args);
        args.integrations_allow_private_urls = true;
    })
    .await;
    let mut browser = admin_browser(&app).await;
    let pat = pat_on_profile(&mut browser, "revisions").await;
    let mut ids = Ids::new();
    let mut before = all_events(&app).await;
    for case in cases {
        let path = case.path(&ids);
        let body = match (case.body, &case.fixed_body) {
            (Some(make), _) => Some(make(&ids)),
            (None, fixed) => fixed.clone(),
        };
        let token = match case.caller {
            Caller::Admin => Some(ADMIN),
            Caller::User => Some(pat.as_str()),
            Caller::Token(token) => Some(token),
            Caller::Kept(name) => Some(
                ids.get(name)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("{}: no secret kept as {name}", case.label)),
            ),
            Caller::Nobody => None,
        };
        let method: Method = case
            .route
            .split_once(' ')
            .and_then(|(m, _)| m.parse().ok())
            .expect("a method");
        let (status, answer) = app.call(method, &path, token, body).await;
        let label = case.label;
        let (succeeds, mut expected, why) = match case.expect {
            Expect::Change(events) => (true, events, ""),
            Expect::Refused => (false, Vec::new(), ""),
            Expect::NotAChange(why) => (true, Vec::new(), why),
        };
        assert_eq!(
            status.is_success(),
            succeeds,
            "{label} ({}): {status} {answer}",
            case.route
        );
        for (name, field) in case.keep {
            let kept = match field.strip_prefix('/') {
                Some(_) => answer.pointer(field).cloned().unwrap_or(Value::Null),
                None => answer[field].clone(),
            };
            assert!(!kept.is_null(), "{label}: no {field} in {answer}");
            ids.insert(name, kept);
        }
        let after = all_events(&app).await;
        let last = before
            .iter()
            .filter_map(|e| e["revision"].as_i64())
            .max()
            .unwrap_or(0);
        let known: BTreeSet<i64> = before.iter().filter_map(|e| e["id"].as_i64()).collect();
        let new: Vec<&Value> = after
            .iter()
            .filter(|e| !known.contains(&e["id"].as_i64().unwrap_or(-1)))
            .collect();
        let mut types: Vec<&str> = new.iter().filter_map(|e| e["type"].as_str()).collect();
        types.sort_unstable();
        expected.sort_unstable();
        assert_eq!(types, expected, "{label} ({}) {why}", case.route);
        for event in &new {
            assert_eq!(
                event["revision"].as_i64(),
                Some(last + 1),
                "{label}: {event}"
            );
        }
        before = after;
    }
    app.stop().await;
}
