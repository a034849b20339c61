//! `cohesion import territories|typologies FILE…`: the yearly COG update.
//!
//! Every file is read and checked, and the new referential is checked as a whole,
//! before anything is written; then the store applies the difference in one
//! transaction. Importing the same files twice changes nothing the second time.

use crate::output::outln;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use cohesion_core::territory::compact;
use cohesion_core::territory::upstream::{FileKind, Upstream};
use indicatif::{ProgressBar, ProgressStyle};

use crate::db::DbArgs;
use crate::log::init_tracing;

#[derive(clap::Subcommand, Debug)]
pub enum ImportCommand {
    /// Territories from @etalab/decoupage-administratif: communes.json, epci.json,
    /// departements.json, regions.json (all four), optionally with typology grids
    /// (CSV) and centroids (GeoJSON).
    Territories {
        /// COG vintage of these files, e.g. "COG 2027".
        #[arg(long)]
        vintage: String,
        /// Apply even if more than 1 % of the territories in force would be retired
        /// (refused otherwise: a truncated file would retire the rest).
        #[arg(long)]
        allow_mass_retirement: bool,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Typology grids (density, rurality, centrality, mountain) and centroids.
    Typologies {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// A programme's list of members (CSV or XLSX keyed by INSEE code or SIREN):
    /// checked whole, the changes shown, then applied (--apply, or when confirmed).
    Memberships(crate::import_memberships::MembershipsArgs),
    /// Values of one indicator per territory and date (CSV or XLSX), with their source.
    Measurements {
        #[command(flatten)]
        file: crate::measurements::FileArgs,
        #[command(flatten)]
        source: crate::measurements::SourceArgs,
    },
    /// Objectives (targets) of one indicator per territory and date (CSV or XLSX).
    Objectives {
        #[command(flatten)]
        file: crate::measurements::FileArgs,
    },
    /// Projects from the file of the State's investment grants (DETR/DSIL/DSID 2019
    /// format); idempotent by `id_projet`.
    Projects(crate::projects::ImportArgs),
}

#[derive(clap::Args, Debug)]
pub struct CommonArgs {
    /// Check and report what would change, write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    db: DbArgs,
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(cmd: ImportCommand) -> anyhow::Result<()> {
    let cmd = match cmd {
        ImportCommand::Projects(args) => return crate::projects::import(args),
        other => other,
    };
    init_tracing(false);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cmd {
        ImportCommand::Memberships(args) => runtime.block_on(crate::import_memberships::run(args)),
        cmd => runtime.block_on(import(cmd)),
    }
}

async fn import(cmd: ImportCommand) -> anyhow::Result<()> {
    let (vintage, common, territories) = match &cmd {
        ImportCommand::Territories { vintage, common, .. } => (Some(vintage.as_str()), common, true),
        ImportCommand::Typologies { common } => (None, common, false),
        ImportCommand::Memberships(_) => return Ok(()),
        ImportCommand::Measurements { file, source } => {
            return crate::measurements::import_measurements(file, source).await;
        }
        ImportCommand::Objectives { file } => return crate::measurements::import_objectives(file).await,
        ImportCommand::Projects(_) => bail!("projects are imported by crate::projects"),
    };
    let bar = ProgressBar::new(common.files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:40} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    let mut upstream = Upstream::new();
    let mut kinds = Vec::new();
    for path in &common.files {
        bar.set_message(format!("reading {}", path.display()));
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        kinds.push((path, upstream.add_file(&path.display().to_string(), &text)));
        bar.inc(1);
    }
    if !territories {
        let wrong: Vec<String> = kinds
            .iter()
            .filter(|(_, k)| !matches!(k, Some(FileKind::Typology | FileKind::Centroids) | None))
            .map(|(p, _)| p.display().to_string())
            .collect();
        if !wrong.is_empty() {
            bar.finish_and_clear();
            bail!("territory files go to `cohesion import territories`, not typologies: {}", wrong.join(", "));
        }
    }
    bar.set_message("opening the database");
    let db = common.db.open().await?;
    let base = match db.referential().await? {
        Some(r) => r,
        None => compact::read("data/territories.tsv", compact::SHIPPED)
            .map_err(|f| anyhow::anyhow!("the shipped referential is invalid:\n{f}"))?,
    };
    bar.set_message("checking the whole input");
    let new = match upstream.build(Some(&base), vintage) {
        Ok(r) => r,
        Err(faults) => {
            bar.finish_and_clear();
            for f in &faults.0 {
                eprintln!("{f}");
            }
            bail!("{} fault(s) found; nothing was written", faults.0.len());
        }
    };
    if common.dry_run {
        bar.finish_and_clear();
        outln!("valid: {} territories ({}); dry run, nothing written", new.len(), new.vintage());
        return Ok(());
    }
    bar.set_message("writing the changes");
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    let allow = matches!(cmd, ImportCommand::Territories { allow_mass_retirement: true, .. });
    let change = cohesion_app::territory::import_referential(&db, &new, &actor, allow).await;
    bar.finish_and_clear();
    let change = match change {
        Ok(change) => change,
        Err(cohesion_app::AppError::BadRequest { detail, .. }) => {
            db.close().await;
            bail!("{detail}; run again with --allow-mass-retirement if it is meant");
        }
        Err(e) => return Err(e.into()),
    };
    db.close().await;
    if change.is_noop() {
        outln!("nothing to change: the database already holds this referential ({})", new.vintage());
    } else {
        outln!(
            "{}: {} added, {} changed, {} retired, {} unchanged (revision {})",
            new.vintage(),
            change.added,
            change.changed,
            change.retired,
            change.unchanged,
            change.revision
        );
    }
    Ok(())
}
