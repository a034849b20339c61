//! `cohesion token create EMAIL --name NAME [--days N]`: an API token for a person,
//! with every role they hold, printed once on standard output (a machine client's
//! first access; people make theirs on their profile page or through the API).

use anyhow::Context;
use cohesion_app::access::{By, token};
use cohesion_core::access::person::Email;

use crate::db::DbArgs;
use crate::output::outln;

#[derive(clap::Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token for an existing, active person and print its secret (only once).
    Create(CreateArgs),
}

#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    /// Email address of the person.
    pub email: String,
    /// What the token is for (shown on the person's profile).
    #[arg(long)]
    pub name: String,
    /// Days until it expires (1 to 3650); without it, it never expires.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: Option<u32>,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(cmd: TokenCommand) -> anyhow::Result<()> {
    crate::log::init_tracing(false);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cmd {
        TokenCommand::Create(args) => runtime.block_on(create(args)),
    }
}

async fn create(args: CreateArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = args.db.open().await?;
    db.seed_if_empty().await?;
    let app = db.load().await?;
    let by = By::new(format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into())), None);
    let (_, secret) = token::create_for(&app, &email, &by, &args.name, args.days)
        .await
        .with_context(|| format!("creating a token for {email}"))?;
    outln!("{secret}");
    db.close().await;
    Ok(())
}
