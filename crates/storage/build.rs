//! `sqlx::migrate!` embeds the files under `migrations/` at compile time, but cargo only
//! watches `.rs` files by default: without this, a new migration is ignored until some
//! source file changes (sqlx's documented practice, see `sqlx::migrate!`).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
