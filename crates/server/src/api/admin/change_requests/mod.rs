//! Change requests (Unleash Enterprise's routes, issue 26): each project
//! environment's configuration (`config.rs`), a request's life — changes
//! added to the caller's draft, reviewed, applied or scheduled —
//! (`requests.rs`), and the lists and counts Unleash's UI asks for
//! (`lists.rs`). Every rule is an operation in the domain
//! (`ops::change_requests`, `ops::change_request_state`); the protection of
//! an environment is in `ops::apply`, so no handler here decides anything.

mod config;
mod lists;
mod requests;

use crate::api::routes::Routes;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::wire::change_requests::ChangeRequestView;
use flagstaff_storage::{ChangeRequestRow, PoolReader};

pub fn router() -> Routes {
    Routes::new()
        .merge(config::router())
        .merge(requests::router())
        .merge(lists::router())
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    let mut openapi = config::doc();
    openapi.merge(requests::doc());
    openapi.merge(lists::doc());
    openapi
}

/// A request as Unleash shows it, read now.
async fn view(state: &AppState, row: ChangeRequestRow) -> ApiResult<ChangeRequestView> {
    let reader: &PoolReader = &state.store;
    Ok(ChangeRequestView::read(reader, row).await?)
}

/// Every request of `project` as shown, filtered by `keep`.
async fn views(
    state: &AppState,
    project: Option<&str>,
    keep: impl Fn(&ChangeRequestRow) -> bool,
) -> ApiResult<Vec<ChangeRequestView>> {
    let mut list = Vec::new();
    for row in state.store.change_requests(project).await? {
        if keep(&row) {
            list.push(view(state, row).await?);
        }
    }
    Ok(list)
}
