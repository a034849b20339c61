//! `cohesion serve`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use cohesion_web::AppState;

use crate::db::DbArgs;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COHESION_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// How often to check whether the stored referential changed (seconds).
    #[arg(long, env = "COHESION_REFRESH_SECS", default_value_t = 30)]
    pub refresh_secs: u64,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "COHESION_LOG_JSON")]
    pub log_json: bool,
    /// Leave out the demonstration projects (DETR/DSIL/DSID 2019) at first start;
    /// `COHESION_DEMO_PROJECTS=0` does the same.
    #[arg(long)]
    pub no_demo_projects: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    crate::log::init_tracing(args.log_json);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let db = args.db.open().await?;
    db.seed_if_empty().await?;
    db.seed_programmes_if_empty().await?;
    db.seed_indicators().await?;
    let demo = !args.no_demo_projects && std::env::var("COHESION_DEMO_PROJECTS").map_or(true, |v| v != "0");
    crate::projects::seed_demo(&db, demo).await?;
    let state = AppState::new(db.load().await?)?;
    let _refresh = state.spawn_refresh(Duration::from_secs(args.refresh_secs.max(1)));
    let _follow = state.spawn_follow();
    // The roll-ups the territory pages show, derived once, after the start (it does not
    // delay serving: a page asked before uses the same derivation).
    let warm = state.app.clone();
    tokio::spawn(async move {
        if let Err(e) = cohesion_app::indicator::warm(&warm).await {
            tracing::warn!(error = %e, "indicator roll-ups not derived");
        }
    });
    let _worker = cohesion_app::evaluation::spawn(state.app.clone(), Duration::from_secs(2));
    let hour = cohesion_app::digest::hour_from_env().map_err(anyhow::Error::msg)?;
    let _digest = cohesion_app::digest::spawn_daily(
        state.app.clone(),
        std::sync::Arc::new(state.outbox()),
        hour,
        Duration::from_secs(300),
    );
    let reminder_days = cohesion_app::engineering::work::reminder_days_from_env().map_err(anyhow::Error::msg)?;
    let _reminders = cohesion_app::engineering::work::spawn_reminders(
        state.app.clone(),
        Duration::from_secs(3600),
        time::Duration::days(reminder_days),
    );
    let listener =
        tokio::net::TcpListener::bind(args.addr).await.with_context(|| format!("listening on {}", args.addr))?;
    tracing::info!(
        addr = %listener.local_addr()?,
        startup_ms = started.elapsed().as_millis() as u64,
        "Cohésion is serving on http://{}",
        listener.local_addr()?
    );
    // The client address feeds sign-in throttling per address.
    let app = cohesion_web::app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}
