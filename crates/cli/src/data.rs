//! `cohesion data compile`: regenerates the compact referential shipped in `data/`
//! from the upstream files (see `data/README.md` and `data/build.sh`).

use crate::output::outln;
use std::path::PathBuf;

use anyhow::{Context, bail};
use cohesion_core::territory::compact;
use cohesion_core::territory::upstream::Upstream;

#[derive(clap::Args, Debug)]
pub struct CompileArgs {
    /// COG vintage of the upstream files, e.g. "COG 2026".
    #[arg(long)]
    pub vintage: String,
    /// Where to write the compact file.
    #[arg(long, default_value = "data/territories.tsv")]
    pub out: PathBuf,
    /// Upstream files: communes.json, epci.json, departements.json, regions.json,
    /// typology grids (CSV) and centroids (GeoJSON).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn compile(args: &CompileArgs) -> anyhow::Result<()> {
    let mut upstream = Upstream::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        upstream.add_file(&path.display().to_string(), &text);
    }
    let referential = match upstream.build(None, Some(&args.vintage)) {
        Ok(r) => r,
        Err(faults) => bail!("{} fault(s), nothing written:\n{faults}", faults.0.len()),
    };
    let text = compact::write(&referential);
    std::fs::write(&args.out, &text).with_context(|| format!("writing {}", args.out.display()))?;
    outln!("{}: {} territories, {} bytes", args.out.display(), referential.len(), text.len());
    Ok(())
}
