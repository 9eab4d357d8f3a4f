//! The baseline of the client-features benchmark: the smallest axum server,
//! on the same runtime settings as `flagstaff serve`. `scripts/bench-client-features.sh`
//! runs it next to Flagstaff. Usage: `hello_world PORT`.

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "4344".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let app = Router::new().route("/", get(|| async { "Hello, World!" }));
    axum::serve(listener, app).await
}
