//! A TCP forwarder to put between the server and its database, to cut the
//! line the way an outage does and restore it.

use std::sync::Arc;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Forwards `127.0.0.1:<port>` to a target address while up. Cut, it closes
/// every live connection and closes each new one as soon as it is accepted
/// (a database that went away behind a proxy: the client fails at once,
/// where a refused port would make the pool retry until its timeout).
pub struct Forwarder {
    pub port: u16,
    up: Arc<watch::Sender<bool>>,
    accepting: JoinHandle<()>,
}

impl Forwarder {
    /// Starts forwarding to `target` (`host:port`).
    pub async fn start(target: String) -> Forwarder {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let up = Arc::new(watch::channel(true).0);
        let accepting = tokio::spawn({
            let up = Arc::clone(&up);
            async move {
                while let Ok((inbound, _)) = listener.accept().await {
                    if !*up.borrow() {
                        drop(inbound);
                        continue;
                    }
                    tokio::spawn(forward(inbound, target.clone(), up.subscribe()));
                }
            }
        });
        Forwarder {
            port,
            up,
            accepting,
        }
    }

    /// The outage begins: live connections closed, new ones closed at once.
    pub fn cut(&self) {
        self.up.send_replace(false);
    }

    /// The outage ends: new connections are forwarded again.
    pub fn restore(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.cut();
        self.accepting.abort();
    }
}

/// One connection, until either side closes it or the line is cut.
async fn forward(mut inbound: TcpStream, target: String, mut up: watch::Receiver<bool>) {
    let Ok(mut outbound) = TcpStream::connect(&target).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut inbound, &mut outbound) => {}
        _ = up.wait_for(|up| !*up) => {}
    }
    // Both sockets are dropped here: closed.
}
