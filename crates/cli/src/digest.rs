//! `cohesion digest send`: sends the pending pact digests now (the server sends them
//! once a day at `COHESION_DIGEST_HOUR`); each event is told once either way.

use crate::output::outln;
use cohesion_web::AppState;

use crate::db::DbArgs;

#[derive(clap::Subcommand, Debug)]
pub enum DigestCommand {
    /// Send every pending digest now and print what was sent (JSON).
    Send(SendArgs),
}

#[derive(clap::Args, Debug)]
pub struct SendArgs {
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(cmd: DigestCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cmd {
        DigestCommand::Send(args) => runtime.block_on(send(args)),
    }
}

async fn send(args: SendArgs) -> anyhow::Result<()> {
    let db = args.db.open().await?;
    db.seed_if_empty().await?;
    let state = AppState::new(db.load().await?)?;
    let report = cohesion_app::digest::send_all(&state, &state.outbox()).await?;
    outln!("{}", serde_json::to_string(&report)?);
    db.close().await;
    Ok(())
}
