//! `cohesion data programmes`: regenerates the programme files shipped in
//! `data/programmes/` (memberships per programme, France services places, the code
//! report) from the agency's published lists, against the referential of this build.
//! The catalogue (`data/programmes/catalogue.tsv`) is edited by hand and names, for
//! each programme, the upstream file(s) it is compiled from.

use crate::output::outln;
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use cohesion_core::programme::compact;
use cohesion_core::programme::upstream::{self, Report, Resolver};
use cohesion_core::territory::compact as territories;

#[derive(clap::Args, Debug)]
pub struct ProgrammesArgs {
    /// Directory of the upstream lists (`…/shared/data/programmes`).
    #[arg(long)]
    pub src: PathBuf,
    /// `communes.json` of @etalab/decoupage-administratif (for the former communes).
    #[arg(long)]
    pub communes: PathBuf,
    /// Output directory (holds `catalogue.tsv`).
    #[arg(long, default_value = "data/programmes")]
    pub out: PathBuf,
}

pub fn compile(args: &ProgrammesArgs) -> anyhow::Result<()> {
    let r = territories::read("territories.tsv", territories::SHIPPED)
        .map_err(|f| anyhow::anyhow!("the shipped referential is invalid:\n{f}"))?;
    let read = |p: PathBuf| std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()));
    let former = upstream::former_communes(&read(args.communes.clone())?).map_err(|e| anyhow::anyhow!(e))?;
    let resolver = Resolver::new(&r, former);
    let catalogue_text = read(args.out.join("catalogue.tsv"))?;
    let upstreams =
        compact::catalogue_upstreams("catalogue.tsv", &catalogue_text).map_err(|f| anyhow::anyhow!("{f}"))?;
    let mut report = Report::default();
    let places_file = "france_services_lieux_2024-08-01.csv";
    let places = upstream::read_places(places_file, &read(args.src.join(places_file))?, &resolver, &mut report)
        .map_err(|f| anyhow::anyhow!("{f}"))?;
    let mut faults = Vec::new();
    let mut counts = BTreeMap::new();
    for (code, files) in &upstreams {
        let Some(list) = files.split(' ').find(|f| !f.contains("lieux")) else { continue };
        match upstream::read_list(code, list, &read(args.src.join(list))?, &resolver, &places, &mut report) {
            Ok(members) => {
                counts.insert(code.clone(), members.len());
                std::fs::create_dir_all(args.out.join("members"))?;
                std::fs::write(args.out.join(format!("members/{code}.tsv")), compact::write_members(code, &members))?;
            }
            Err(f) => faults.extend(f.0),
        }
    }
    if !faults.is_empty() {
        bail!("{} fault(s):\n{}", faults.len(), cohesion_core::import::Faults(faults));
    }
    std::fs::write(args.out.join("fs_lieux.tsv"), compact::write_places(&places))?;
    std::fs::write(args.out.join("codes.tsv"), report.to_tsv())?;
    for (code, n) in &counts {
        outln!("{code}: {n} memberships");
    }
    outln!("fs places: {}", places.len());
    let mapped = report.notes.iter().filter(|n| n.mapped_to.is_some()).count();
    let mut unmapped: BTreeMap<&str, usize> = BTreeMap::new();
    for n in report.notes.iter().filter(|n| n.mapped_to.is_none()) {
        *unmapped.entry(n.file.as_str()).or_default() += 1;
    }
    outln!("codes mapped to the referential: {mapped}; left out (see codes.tsv): {unmapped:?}");
    outln!("duplicate lines merged: {:?}", report.duplicates);
    Ok(())
}
