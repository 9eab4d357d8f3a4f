//! Segments: the list (with how many flags use each), the create/edit form
//! with the constraints editor, and delete (refused while a strategy uses it).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

use super::{field, non_empty, not_found, page_of, refuse_change, refuse_viewer, PageQuery, Pager};
use crate::state::AppState;
use crate::ui::constraint_form::{ConstraintsForm, ADD_CONSTRAINT};
use crate::ui::feedback::{done, unconfirmed, Ask};
use crate::ui::{internal, op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::{
    Actor, CreateSegment, DeleteSegment, FieldPath, OpError, SegmentInput, UpdateSegment,
};
use flagstaff_storage::{SegmentRow, StorageError};

struct SegmentLine {
    id: i64,
    name: String,
    description: String,
    project: String,
    constraints: usize,
    used_by: usize,
}

#[derive(Template)]
#[template(path = "admin/segments.html")]
struct SegmentsPage {
    nav: Option<Nav>,
    can_edit: bool,
    segments: Vec<SegmentLine>,
    pager: Pager,
}

/// `GET /segments?page=N`.
pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<PageQuery>,
) -> Response {
    let (segments, users) =
        match tokio::try_join!(state.store.segments(), state.store.segment_users()) {
            Ok(found) => found,
            Err(e) => return internal(e),
        };
    let mut segments: Vec<SegmentLine> = segments
        .into_iter()
        .map(|s| SegmentLine {
            used_by: users.get(&s.id).map_or(0, |flags| flags.len()),
            id: s.id,
            constraints: s.constraints.len(),
            description: s.description.unwrap_or_default(),
            project: s.project.unwrap_or_default(),
            name: s.name,
        })
        .collect();
    segments.sort_by(|a, b| a.name.cmp(&b.name));
    let (segments, pager) = page_of(segments, &query, "/segments");
    render(
        StatusCode::OK,
        &SegmentsPage {
            nav: signed.nav(),
            can_edit: signed.role.can_edit(),
            segments,
            pager,
        },
    )
}

#[derive(Template)]
#[template(path = "admin/segment_form.html")]
struct SegmentForm {
    nav: Option<Nav>,
    csrf: String,
    can_edit: bool,
    /// The stored segment's id; `None` for a new one.
    id: Option<i64>,
    name: String,
    description: String,
    project: String,
    projects: Vec<String>,
    constraints: ConstraintsForm,
    /// Flags whose strategies use the segment.
    used_by: Vec<String>,
    name_error: Option<String>,
    project_error: Option<String>,
    /// A refusal that belongs to no one field.
    error: Option<String>,
}

impl SegmentForm {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/segments/{id}"),
            None => "/segments".to_owned(),
        }
    }
}

/// An empty form for the signed-in user, with the selects filled.
async fn blank(state: &AppState, signed: &SignedIn) -> Result<SegmentForm, Response> {
    let projects = state.store.projects().await.map_err(internal)?;
    Ok(SegmentForm {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        can_edit: signed.role.can_edit(),
        id: None,
        name: String::new(),
        description: String::new(),
        project: String::new(),
        projects: projects.into_iter().map(|(id, _, _)| id).collect(),
        constraints: ConstraintsForm::default(),
        used_by: Vec::new(),
        name_error: None,
        project_error: None,
        error: None,
    })
}

async fn offer_fields(state: &AppState, form: &mut SegmentForm) -> Result<(), Response> {
    let fields = state.store.context_fields().await.map_err(internal)?;
    form.constraints
        .offer_fields(fields.into_iter().map(|f| f.name));
    Ok(())
}

/// `GET /segments/new`.
pub async fn new_form(State(state): State<AppState>, signed: SignedIn) -> Response {
    if let Some(refused) = refuse_viewer(&signed) {
        return refused;
    }
    let mut form = match blank(&state, &signed).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    form.constraints.add_row();
    if let Err(response) = offer_fields(&state, &mut form).await {
        return response;
    }
    render(StatusCode::OK, &form)
}

/// The stored segment, or the page saying there is none.
async fn stored(state: &AppState, signed: &SignedIn, id: i64) -> Result<SegmentRow, Response> {
    match state.store.segment(id).await {
        Ok(segment) => Ok(segment),
        Err(StorageError::NotFound(_)) => {
            Err(not_found(signed, &format!("There is no segment {id}.")))
        }
        Err(e) => Err(internal(e)),
    }
}

/// `GET /segments/{id}`: the form (read-only for Viewers).
pub async fn edit_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let segment = match stored(&state, &signed, id).await {
        Ok(segment) => segment,
        Err(response) => return response,
    };
    let mut form = match blank(&state, &signed).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    form.used_by = match state.store.segment_users().await {
        Ok(mut users) => users.remove(&id).unwrap_or_default().into_iter().collect(),
        Err(e) => return internal(e),
    };
    form.id = Some(id);
    form.name = segment.name;
    form.description = segment.description.unwrap_or_default();
    form.project = segment.project.unwrap_or_default();
    form.constraints = ConstraintsForm::from_constraints(&segment.constraints);
    if let Err(response) = offer_fields(&state, &mut form).await {
        return response;
    }
    render(StatusCode::OK, &form)
}

/// `POST /segments`: creates a segment.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    save(&state, &signed, None, &pairs).await
}

/// `POST /segments/{id}`: changes a segment.
pub async fn update(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    save(&state, &signed, Some(id), &pairs).await
}

/// Both posts: "add constraint" re-renders with one more row; otherwise the
/// rows are checked, then `CreateSegment`/`UpdateSegment` decides; any
/// refusal re-renders the form as entered with the message where it belongs.
async fn save(
    state: &AppState,
    signed: &SignedIn,
    id: Option<i64>,
    pairs: &[(String, String)],
) -> Response {
    if let Some(refused) = refuse_change(signed, field(pairs, "_csrf")) {
        return refused;
    }
    let mut form = match blank(state, signed).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    form.id = id;
    form.name = field(pairs, "name").unwrap_or_default().to_owned();
    form.description = field(pairs, "description").unwrap_or_default().to_owned();
    form.project = field(pairs, "project").unwrap_or_default().to_owned();
    form.constraints =
        ConstraintsForm::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Err(response) = offer_fields(state, &mut form).await {
        return response;
    }
    if field(pairs, ADD_CONSTRAINT).is_some() {
        return render(StatusCode::OK, &form);
    }
    let Some(constraints) = form.constraints.constraints() else {
        form.error = Some("A constraint needs fixing; see below.".to_owned());
        return render(StatusCode::BAD_REQUEST, &form);
    };
    let segment = SegmentInput {
        name: form.name.clone(),
        description: non_empty(&form.description),
        project: non_empty(&form.project),
        constraints,
    };
    let actor = Actor::named(&signed.user.username);
    let applied = match id {
        Some(id) => state
            .apply(&actor, UpdateSegment { id, segment })
            .await
            .map(|_| id),
        None => state
            .apply(&actor, CreateSegment { segment })
            .await
            .map(|s| s.id),
    };
    match applied {
        Ok(id) => done(
            &format!("/segments/{id}"),
            &format!("Saved the segment “{}”.", form.name),
        ),
        Err(OpError::Invalid { field, message }) => {
            let in_constraints = field.strip_prefix(&FieldPath::root().field("constraints"));
            match field.first_field() {
                Some("name") => form.name_error = Some(message),
                Some("project") => form.project_error = Some(message),
                _ if in_constraints
                    .is_some_and(|rest| form.constraints.attach_error(&rest, &message)) =>
                {
                    form.error = Some("A constraint needs fixing; see below.".to_owned());
                }
                _ => form.error = Some(message),
            }
            render(StatusCode::BAD_REQUEST, &form)
        }
        Err(OpError::Conflict(why)) => {
            form.name_error = Some(why);
            render(StatusCode::CONFLICT, &form)
        }
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /segments/{id}/delete`: `DeleteSegment` (refused while in use).
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, field(&pairs, "_csrf")) {
        return refused;
    }
    let name = match state.store.segment(id).await {
        Ok(segment) => segment.name,
        Err(StorageError::NotFound(_)) => return not_found(&signed, "There is no such segment."),
        Err(e) => return internal(e),
    };
    let question = format!("Delete the segment “{name}”?");
    let ask = Ask {
        question: &question,
        detail: "A segment still used by a strategy is not deleted.",
        button: "Delete segment",
        cancel: &format!("/segments/{id}"),
    };
    if let Some(page) = unconfirmed(
        &pairs,
        &format!("/segments/{id}/delete"),
        &ask,
        signed.nav(),
    ) {
        return page;
    }
    match state
        .apply(&Actor::named(&signed.user.username), DeleteSegment { id })
        .await
    {
        Ok(()) => done("/segments", &format!("Deleted the segment “{name}”.")),
        Err(e) => op_error(e, signed.nav()),
    }
}
