//! `cohesion import memberships --programme CODE FILE`: updates a programme's list
//! from a CSV or XLSX file keyed by INSEE code or SIREN.
//!
//! The whole file is checked first (every faulty line printed with its number; exit
//! status 1 and nothing written if any). Then the difference with the stored list is
//! printed (added, removed, changed). `--dry-run` stops there; `--apply` applies it
//! without asking; otherwise the command asks for confirmation when run in a terminal
//! and applies nothing when it cannot ask.

use crate::output::{out, outln};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use cohesion_app::AppError;
use cohesion_app::programme::{self, ListFile};
use cohesion_core::programme::Membership;
use cohesion_core::programme::membership_import::MembershipDiff;

use crate::db::DbArgs;

#[derive(clap::Args, Debug)]
pub struct MembershipsArgs {
    /// Programme code (lowercase acronym, e.g. `pvd`).
    #[arg(long)]
    pub programme: String,
    /// Check the file and show the changes; write nothing.
    #[arg(long, conflicts_with = "apply")]
    pub dry_run: bool,
    /// Apply the changes without asking.
    #[arg(long)]
    pub apply: bool,
    /// Needed to apply a list that marks more than a tenth of the current members exited.
    #[arg(long)]
    pub allow_mass_removal: bool,
    #[command(flatten)]
    pub db: DbArgs,
    /// The list: CSV (UTF-8, `,` or `;`) or XLSX (first sheet).
    pub file: PathBuf,
}

fn line(m: &Membership) -> String {
    let mut s = format!("{} [{}]", m.territory, m.status);
    if let Some(g) = &m.group_id {
        s.push_str(&format!(" group {g}"));
    }
    for (label, v) in [("signed", &m.signed_on), ("labelled", &m.labelled_on), ("exited", &m.exited_on)] {
        if let Some(v) = v {
            s.push_str(&format!(" {label} {v}"));
        }
    }
    if let Some(c) = &m.convention {
        s.push_str(&format!(" convention {c}"));
    }
    s
}

fn print(d: &MembershipDiff) {
    outln!(
        "{} added, {} removed (they become exited), {} changed, {} unchanged",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.unchanged
    );
    for e in &d.erased {
        outln!(
            "  warning: the file empties `{}` on {} member(s) (an empty cell in a present column; an absent column keeps the values)",
            e.field,
            e.count
        );
    }
    for m in &d.added {
        outln!("  + {}", line(m));
    }
    for m in &d.removed {
        outln!("  - {}", line(m));
    }
    for (before, after) in &d.changed {
        outln!("  ~ {}\n    → {}", line(before), line(after));
    }
}

pub async fn run(args: MembershipsArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let source = args.file.display().to_string();
    let db = args.db.open().await?;
    db.seed_if_empty().await?;
    db.seed_programmes_if_empty().await?;
    let app = db.load().await?;
    // The same use case as the API's preview and apply, acting as an admin.
    let who = cohesion_app::access::command_line();
    let file = ListFile { source: &source, bytes: &bytes };
    let (d, revision) = match programme::preview_file(&app, &who, &args.programme, &file) {
        Ok(found) => found,
        Err(AppError::InvalidFile(faults)) => {
            for f in &faults.0 {
                eprintln!("{f}");
            }
            bail!("{} fault(s) found; nothing was written", faults.0.len());
        }
        Err(e) => bail!("{e}"),
    };
    print(&d);
    if d.is_noop() {
        outln!("nothing to change");
        return Ok(());
    }
    if args.dry_run {
        outln!("dry run: nothing written");
        return Ok(());
    }
    if d.is_mass_removal() && !args.allow_mass_removal {
        bail!(
            "the list marks {} of the {} current members exited (more than {} %); nothing written: check the file, \
             or run again with --allow-mass-removal",
            d.removed.len(),
            d.current_before(),
            cohesion_core::programme::membership_import::MAX_UNCONFIRMED_REMOVAL_PERCENT
        );
    }
    if !args.apply {
        if !std::io::stdin().is_terminal() {
            outln!("not applied: run again with --apply (or in a terminal to be asked)");
            return Ok(());
        }
        out!("Apply these changes? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "o" | "oui") {
            outln!("not applied");
            return Ok(());
        }
    }
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    match programme::apply_file(&app, &who, &actor, &args.programme, &file, revision, true).await {
        Ok(applied) => outln!("applied (programmes revision {})", applied.revision),
        Err(AppError::Conflict(why)) => bail!("{why}; nothing written, run again"),
        Err(e) => return Err(e.into()),
    }
    db.close().await;
    Ok(())
}
