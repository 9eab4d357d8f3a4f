//! Heavy admin reads: the lists Unleash answers unpaged (every flag, every
//! archived flag) and exports grow with the data. A list is read a page
//! ([`PAGE`] items) at a time; one that fits in a page is answered as before
//! (one body with its length), a longer one is streamed — each page read,
//! serialised and sent before the next is read — so memory holds one page
//! however many flags there are. Streaming lists and exports take a place
//! among `--max-heavy-reads` ([`heavy_read`]) for as long as they are being
//! answered; with none free the caller gets 503 with `Retry-After` at once,
//! so these reads can never hold every database connection.

use std::future::Future;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::sync::OwnedSemaphorePermit;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Items read (and held) at once by a list answered a page at a time.
pub const PAGE: i64 = 500;

/// A place among the heavy reads, held until it is dropped; none free: 503.
pub fn heavy_read(state: &AppState) -> ApiResult<OwnedSemaphorePermit> {
    state
        .heavy_reads
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::Unavailable {
            message: "Too many large admin reads are being answered (MAX_HEAVY_READS); \
                      retry shortly, or read a page at a time with \
                      /api/admin/search/features?limit=&offset="
                .to_owned(),
            retry_after: 1,
        })
}

/// One page of a list: its items, each serialised, and where the next page
/// starts (`None`: this was the last).
pub type Page<C> = (Vec<Vec<u8>>, Option<C>);

/// The JSON `{head}item,item,…{tail}`, with the items `page` gives from
/// `first` on. Pages are read until they hold [`PAGE`] items or the list
/// ends: a list that ended is one ordinary body, byte for byte what a
/// `Vec` would serialise to; a longer one needs a [`heavy_read`] place and is
/// streamed with the place held. A storage error while streaming ends the
/// body early, so the client sees a cut-off answer, never a wrong one.
pub async fn paged_json<C, F, Fut>(
    state: &AppState,
    head: &'static str,
    tail: &'static str,
    first: C,
    mut page: F,
) -> ApiResult<Response>
where
    C: Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = ApiResult<Page<C>>> + Send + 'static,
{
    let mut body = head.as_bytes().to_vec();
    let mut count = 0;
    let mut next = Some(first);
    while let Some(cursor) = next.take() {
        let (items, after) = page(cursor).await?;
        count += items.len();
        append(&mut body, items, count);
        next = after;
        if count as i64 >= PAGE {
            break;
        }
    }
    let Some(cursor) = next else {
        body.extend_from_slice(tail.as_bytes());
        return Ok(json_response(Body::from(body)));
    };
    let permit = heavy_read(state)?;
    enum Step<C> {
        More(C),
        Tail,
        Done,
    }
    let first_chunk = stream::iter([Ok::<_, std::io::Error>(Bytes::from(body))]);
    let rest = stream::unfold(
        (Step::More(cursor), page, count, permit),
        move |(step, mut page, mut count, permit)| async move {
            match step {
                Step::More(cursor) => match page(cursor).await {
                    Ok((items, after)) => {
                        let mut chunk = Vec::new();
                        count += items.len();
                        append(&mut chunk, items, count);
                        let step = after.map_or(Step::Tail, Step::More);
                        Some((Ok(Bytes::from(chunk)), (step, page, count, permit)))
                    }
                    Err(e) => {
                        tracing::error!(error = ?e, "a streamed admin list ended early");
                        let e = std::io::Error::other(e.to_string());
                        Some((Err(e), (Step::Done, page, count, permit)))
                    }
                },
                Step::Tail => Some((
                    Ok(Bytes::from_static(tail.as_bytes())),
                    (Step::Done, page, count, permit),
                )),
                Step::Done => None,
            }
        },
    );
    use futures_util::StreamExt as _;
    Ok(json_response(Body::from_stream(first_chunk.chain(rest))))
}

/// Appends `items` to `body`, comma-separated, where `count` items (these
/// included) have been written in all.
fn append(body: &mut Vec<u8>, items: Vec<Vec<u8>>, count: usize) {
    let before = count - items.len();
    for (at, item) in items.into_iter().enumerate() {
        if before + at > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&item);
    }
}

fn json_response(body: Body) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// An item of a list, serialised as `axum::Json` would.
pub fn item(value: &impl serde::Serialize) -> ApiResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(ApiError::internal)
}
