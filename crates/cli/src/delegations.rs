//! `cohesion data delegations`: regenerates data/engineering/delegations.tsv from the
//! agency's list of territorial delegations (see data/README.md).

use std::path::PathBuf;

use anyhow::{Context, bail};
use cohesion_core::engineering::delegation;

#[derive(clap::Args, Debug)]
pub struct DelegationsArgs {
    #[arg(long, default_value = "data/engineering/delegations.tsv")]
    out: PathBuf,
    /// `delegues_anct_sans_nominatif.csv`.
    file: PathBuf,
}

pub fn compile(args: &DelegationsArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let name = args.file.file_name().map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into());
    let out = match delegation::compile(&name, &text) {
        Ok(out) => out,
        Err(faults) => bail!("{} fault(s), nothing written:\n{faults}", faults.0.len()),
    };
    let rows =
        delegation::read(&name, &out).map_err(|f| anyhow::anyhow!("the compiled file does not read back:\n{f}"))?;
    std::fs::write(&args.out, out).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("{} contact points written to {}", rows.len(), args.out.display());
    Ok(())
}
