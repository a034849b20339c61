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
use cohesion_core::programme::membership_import::{MembershipDiff, diff, read_rows};
use cohesion_core::programme::{Membership, date_of_unix_seconds, table};

use crate::db::{DbArgs, seed_if_empty, seed_programmes_if_empty};

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
    let store = args.db.open().await?;
    seed_if_empty(&store).await?;
    seed_programmes_if_empty(&store).await?;
    let r = store.load_referential().await?.context("the database holds no referential")?;
    let revision = store.programme_revision().await?.unwrap_or(0);
    let data = store.load_programmes().await?;
    if !data.catalogue.iter().any(|p| p.code == args.programme) {
        bail!("no programme with code `{}`", args.programme);
    }
    let checked = table::read(&source, &bytes).and_then(|records| read_rows(&source, &args.programme, &records, &r));
    let new = match checked {
        Ok(new) => new,
        Err(faults) => {
            for f in &faults.0 {
                eprintln!("{f}");
            }
            bail!("{} fault(s) found; nothing was written", faults.0.len());
        }
    };
    let d = diff(data.memberships.iter().filter(|m| m.programme == args.programme), new);
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
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    match store.apply_memberships(&args.programme, &d, revision, &date_of_unix_seconds(secs), &actor).await? {
        Ok(rev) => outln!("applied (programmes revision {rev})"),
        Err(stale) => {
            bail!("the programmes changed meanwhile (revision {}); nothing written, run again", stale.current)
        }
    }
    store.close().await;
    Ok(())
}
