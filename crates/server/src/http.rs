//! The connection loop: hyper serving the router with bounds a client cannot
//! get around. Request headers must arrive within the header timeout, and a
//! connection with no bytes in either direction for that long is closed (an
//! idle keep-alive, or a client that stalls); a request body must arrive
//! within the body timeout; request heads are capped in size; and at most
//! `max_connections` are open, at most `max_per_address` of them from one
//! address (the TCP peer's: connections are counted before any header is
//! read): past either a new connection gets a bare 503 and is closed at once,
//! so the server keeps answering the clients it has, and one address cannot
//! take every place (health probes and other clients keep theirs).

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The bounds on connections (see the module comment).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
    /// Most connections open at once from one address (kept below
    /// `max_connections`, see [`ConnectionLimits::per_address_cap`]).
    pub max_per_address: usize,
    /// Largest request head (request line and headers) read; larger gets 431.
    pub max_header_bytes: usize,
}

impl ConnectionLimits {
    /// `asked`, kept below `max_connections` by an eighth (at least one
    /// place), so that one address never fills the server alone.
    pub fn per_address_cap(asked: usize, max_connections: usize) -> usize {
        let headroom = (max_connections / 8).max(1);
        asked.min(max_connections.saturating_sub(headroom)).max(1)
    }
}

/// The connections open per address; an entry goes when its last connection does.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

/// One open connection of an address; counted until dropped.
struct AddressPlace {
    open: Arc<PerAddress>,
    address: IpAddr,
}

impl PerAddress {
    fn take(self: &Arc<Self>, address: IpAddr, cap: usize) -> Option<AddressPlace> {
        let mut open = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(address).or_insert(0);
        if *count >= cap.max(1) {
            return None;
        }
        *count += 1;
        Some(AddressPlace {
            open: Arc::clone(self),
            address,
        })
    }
}

impl Drop for AddressPlace {
    fn drop(&mut self) {
        let mut open = self.open.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

/// An IPv4 peer seen through a dual-stack socket (`::ffff:a.b.c.d`) as itself.
fn peer_address(remote: SocketAddr) -> IpAddr {
    remote.ip().to_canonical()
}

/// How long connections still open at shutdown may finish their requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish (up to [`SHUTDOWN_GRACE`]).
pub async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes);
    let router = router.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        limits.body_timeout,
    ));
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress::default());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(place) = per_address.take(peer_address(remote), limits.max_per_address) else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service =
            router
                .clone()
                .map_request(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(remote));
                    request
                });
        let activity = Activity::new();
        let stream = Watched {
            inner: stream,
            activity: activity.clone(),
        };
        let connection = builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        let idle = limits.header_timeout;
        tokio::spawn(async move {
            tokio::select! {
                ended = connection => if let Err(e) = ended {
                    tracing::debug!(error = %e, %remote, "connection ended with an error");
                },
                () = activity.idle_for(idle) => {
                    tracing::debug!(%remote, "closed a connection idle for {} s", idle.as_secs());
                }
            }
            drop(permit);
            drop(place);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period were cut");
    }
}

/// When a connection last moved a byte, as milliseconds since it opened.
#[derive(Clone)]
struct Activity {
    opened: Instant,
    last: Arc<AtomicU64>,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            last: Arc::new(AtomicU64::new(0)),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(now, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
            let deadline = self.opened + last + idle;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

/// A TCP stream that notes every byte read or written in its [`Activity`].
struct Watched {
    inner: TcpStream,
    activity: Activity,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A connection over the cap: a bare 503 and close, without reading the request.
async fn refuse(mut stream: TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
        Content-Type: application/json\r\nContent-Length: 74\r\nConnection: close\r\n\r\n\
        {\"message\":\"Too many open connections; try again in a moment.\",\"code\":503}";
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(BUSY).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// Raises this process's open-files soft limit to its hard limit, and says so
/// when even that is low (each connection and database connection uses one).
pub fn raise_open_files_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => {
            if limit < 4096 {
                tracing::warn!(
                    limit,
                    "the open-files limit is low: connections past it wait; raise it (ulimit -n)"
                );
            }
            Some(limit)
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read or raise the open-files limit");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_never_reaches_the_global_cap() {
        assert_eq!(ConnectionLimits::per_address_cap(256, 4096), 256);
        assert_eq!(ConnectionLimits::per_address_cap(4096, 4096), 3584);
        assert_eq!(ConnectionLimits::per_address_cap(256, 100), 88);
        assert_eq!(ConnectionLimits::per_address_cap(0, 1), 1);
    }

    #[test]
    fn places_are_per_address_and_given_back() {
        let open = Arc::new(PerAddress::default());
        let a = IpAddr::from([127, 0, 0, 1]);
        let b = IpAddr::from([127, 0, 0, 2]);
        let first = open.take(a, 2);
        let second = open.take(a, 2);
        assert!(first.is_some() && second.is_some());
        assert!(open.take(a, 2).is_none());
        assert!(open.take(b, 2).is_some());
        drop(first);
        assert!(open.take(a, 2).is_some());
        drop(second);
        assert!(open
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty());
    }
}
