//! `cohesion`: the platform's single binary.

mod backup;
mod data;
mod data_programmes;
mod db;
mod delegations;
mod digest;
mod evaluate;
mod evaluate_stored;
mod import;
mod import_memberships;
mod log;
mod measurements;
mod output;
mod projects;
mod serve;
mod token;
mod user;

use clap::{Parser, Subcommand};

/// jemalloc, configured in `.cargo/config.toml` to give freed pages back to the system
/// (issue 16: the start-up's reads left glibc's malloc holding 140 MB it no longer used).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser, Debug)]
#[command(name = "cohesion", version, about = "Cohésion: territorialised interventions and their measured impact")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the platform (HTTP server).
    Serve(serve::ServeArgs),
    /// Import reference data (validated whole; nothing written if anything is wrong).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Estimate an intervention's impact: from a panel CSV, or from stored measurements.
    Evaluate(evaluate::EvaluateArgs),
    /// Accounts: `user create --admin EMAIL` creates an admin.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Maintenance of the reference data shipped in the binary.
    #[command(subcommand)]
    Data(DataCommand),
    /// Pact digests: `digest send` mails the pending ones now.
    #[command(subcommand)]
    Digest(digest::DigestCommand),
    /// API tokens: `token create EMAIL --name NAME` prints a new token's secret.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Write a consistent copy of the whole database, while the platform serves.
    Backup(backup::BackupArgs),
    /// Replace the whole database by a backup (then restart the servers).
    Restore(backup::RestoreArgs),
}

#[derive(Subcommand, Debug)]
enum DataCommand {
    /// Regenerate data/territories.tsv from the upstream files.
    Compile(data::CompileArgs),
    /// Regenerate data/programmes/ (memberships, France services places) from the agency's lists.
    Programmes(data_programmes::ProgrammesArgs),
    /// Regenerate data/projects/dotations_2019.csv.gz from the upstream file.
    Projects(projects::CompileArgs),
    /// Regenerate data/engineering/delegations.tsv from the agency's list of delegations.
    Delegations(delegations::DelegationsArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Import(cmd) => import::run(cmd),
        Command::Evaluate(args) if args.panel.is_none() => {
            log::init_tracing(false);
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(evaluate_stored::run(&args))
        }
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Data(DataCommand::Compile(args)) => data::compile(&args),
        Command::User(cmd) => user::run(cmd),
        Command::Data(DataCommand::Programmes(args)) => data_programmes::compile(&args),
        Command::Data(DataCommand::Projects(args)) => projects::compile(&args),
        Command::Data(DataCommand::Delegations(args)) => delegations::compile(&args),
        Command::Digest(cmd) => digest::run(cmd),
        Command::Token(cmd) => token::run(cmd),
        Command::Backup(args) => backup::backup(args),
        Command::Restore(args) => backup::restore(args),
    }
}
