//! The ceiling the benchmarks race against: a bare axum endpoint answering `ok`, with
//! the same axum, tokio and hyper as the platform and no middleware.
//!
//! `cargo run --release -p cohesion-web --example bare_axum -- 127.0.0.1:3999`

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;

/// The same allocator as the server's (`crates/cli`), so that the race compares what
/// each request goes through, not two allocators.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3999".into()).parse()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        axum::serve(listener, Router::new().route("/", get(|| async { "ok" }))).await?;
        Ok(())
    })
}
