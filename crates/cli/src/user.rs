//! `cohesion user create --admin EMAIL`: the first admin (and any later one).
//!
//! Prints a single-use link (valid 7 days) to choose the password, built on
//! `COHESION_PUBLIC_URL`; with `--password-stdin` reads the password from standard
//! input instead (one line) and prints nothing secret.

use crate::output::outln;
use std::io::BufRead;

use anyhow::{Context, bail};
use cohesion_app::access::{By, NewPerson, account, password};
use cohesion_core::access::person::{Email, check_password};
use cohesion_web::auth::AuthConfig;

use crate::db::DbArgs;

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account (an admin with --admin) and print its password link.
    Create(CreateArgs),
}

#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    /// Email address of the person.
    pub email: String,
    /// Grant the admin role (agency staff: everything).
    #[arg(long)]
    pub admin: bool,
    #[arg(long, default_value = "")]
    pub given_name: String,
    #[arg(long, default_value = "")]
    pub usual_name: String,
    /// Read the password from standard input instead of printing a link.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(cmd: UserCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cmd {
        UserCommand::Create(args) => runtime.block_on(create(args)),
    }
}

async fn create(args: CreateArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).map_err(|e| anyhow::anyhow!("{e}"))?;
    if !args.admin {
        bail!("only --admin accounts are created here; invite the others from the pages or the API");
    }
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
        let line = line.trim_end_matches(['\n', '\r']).to_owned();
        check_password(&line).map_err(|why| anyhow::anyhow!("password refused: {why}"))?;
        Some(password::hash(&line).map_err(|e| anyhow::anyhow!(e))?)
    } else {
        None
    };
    let config = AuthConfig::from_env().map_err(|e| anyhow::anyhow!(e))?;
    let db = args.db.open().await?;
    let by = By::new("cli", None);
    let new = NewPerson { email, given_name: args.given_name, usual_name: args.usual_name };
    let (person, link) = account::create_admin(&db, &config, &new, password.as_deref(), &by)
        .await
        .with_context(|| format!("creating {}", new.email))?;
    match link {
        None => outln!("Admin {} created, with the password given.", person.email),
        Some(link) => {
            outln!("Admin {} created. Single-use link to choose the password (valid 7 days):\n{link}", person.email);
        }
    }
    db.close().await;
    Ok(())
}
