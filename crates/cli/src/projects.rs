//! Projects from the file of the State's investment grants of 2019 (DETR, DSIL,
//! DSID): `cohesion import projects FILE`, the demonstration set loaded at first
//! start, and `cohesion data projects`, which compacts the upstream file into
//! `data/projects/` (see `data/README.md`).

use crate::output::outln;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use cohesion_app::database::Database;
use cohesion_app::project;
use cohesion_core::import::Fault;
use cohesion_core::project::dotations::{self, Resolution, Row};
use cohesion_core::territory::{Referential, TerritoryKind, TerritoryRef, compact};

use crate::db::DbArgs;
use crate::log::init_tracing;

/// The demonstration set shipped in the binary (gzip of the compacted file).
const SHIPPED: &[u8] = include_bytes!("../../../data/projects/dotations_2019.csv.gz");
const SHIPPED_NAME: &str = "data/projects/dotations_2019.csv.gz";

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Check and report, write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    db: DbArgs,
    /// The file (`id_projet,id_dep,id_terr,nom_terr,…`), plain or gzip.
    file: PathBuf,
}

/// Reads a file, gunzipping it when its name ends in `.gz`.
fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if path.extension().is_some_and(|e| e == "gz") {
        gunzip(&bytes)
    } else {
        cohesion_core::import::utf8(&path.display().to_string(), bytes).map_err(|fault| anyhow::anyhow!("{fault}"))
    }
}

fn gunzip(bytes: &[u8]) -> anyhow::Result<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).context("not a gzip of UTF-8 text")?;
    Ok(text)
}

/// Looks the file's territories up in the referential; `merged` maps communes merged
/// since 2019 to today's.
fn resolver<'a>(
    referential: &'a Referential,
    merged: &'a HashMap<String, String>,
) -> impl Fn(&TerritoryRef) -> Resolution + 'a {
    move |t| match referential.get_ref(t) {
        Some(found) => Resolution::Current(found.siren.clone()),
        None => match merged.get(&t.code).filter(|_| t.kind == TerritoryKind::Commune) {
            Some(now) => match referential.get(TerritoryKind::Commune, now) {
                Some(found) => Resolution::Merged(
                    TerritoryRef { kind: TerritoryKind::Commune, code: now.clone() },
                    found.siren.clone(),
                ),
                None => Resolution::Unknown,
            },
            None => Resolution::Unknown,
        },
    }
}

fn report_notes(notes: &[Fault]) {
    for n in notes {
        eprintln!("note: {n}");
    }
}

fn read_rows(source: &str, text: &str, referential: &Referential) -> anyhow::Result<(Vec<Row>, Vec<Fault>)> {
    match dotations::read(source, text, resolver(referential, &HashMap::new())) {
        Ok(v) => Ok(v),
        Err(faults) => {
            for f in &faults.0 {
                eprintln!("{f}");
            }
            bail!("{} fault(s) found; nothing was written", cohesion_core::import::count(&faults.0))
        }
    }
}

pub fn import(args: ImportArgs) -> anyhow::Result<()> {
    init_tracing(false);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let text = read_text(&args.file)?;
        let db = args.db.open().await?;
        db.seed_if_empty().await?;
        let referential = db.referential().await?.context("the database holds no referential")?;
        let (rows, notes) = read_rows(&args.file.display().to_string(), &text, &referential)?;
        report_notes(&notes);
        if args.dry_run {
            outln!("valid: {} projects ({} notes); dry run, nothing written", rows.len(), notes.len());
            return Ok(());
        }
        let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
        let started = Instant::now();
        let inputs: Vec<_> = rows.into_iter().map(|r| r.input).collect();
        let change = project::import(&db, dotations::TOOL, &inputs, &actor).await?;
        db.close().await;
        outln!(
            "{} projects: {} added, {} changed, {} unchanged ({} notes) in {} ms",
            inputs.len(),
            change.added,
            change.changed,
            change.unchanged,
            notes.len(),
            started.elapsed().as_millis()
        );
        Ok(())
    })
}

/// At first start (no project ever written), loads the shipped demonstration set
/// unless told not to.
pub async fn seed_demo(db: &Database, demo: bool) -> anyhow::Result<()> {
    if !demo || !project::never_written(db).await? {
        return Ok(());
    }
    let started = Instant::now();
    let referential = db.referential().await?.context("the database holds no referential")?;
    let text = gunzip(SHIPPED)?;
    let (rows, notes) = read_rows(SHIPPED_NAME, &text, &referential)?;
    let inputs: Vec<_> = rows.into_iter().map(|r| r.input).collect();
    let change = project::import(db, dotations::TOOL, &inputs, "system:first-start").await?;
    tracing::info!(
        projects = change.added,
        notes = notes.len(),
        ms = started.elapsed().as_millis() as u64,
        "demonstration projects (DETR/DSIL/DSID 2019) loaded; --no-demo-projects leaves them out"
    );
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct CompileArgs {
    /// `communes.json` of @etalab/decoupage-administratif (delegated and associated
    /// communes name the commune they merged into).
    #[arg(long)]
    communes: PathBuf,
    #[arg(long, default_value = "data/projects/dotations_2019.csv.gz")]
    out: PathBuf,
    /// `dotations_investissement_2019.csv`.
    file: PathBuf,
}

#[derive(serde::Deserialize)]
struct UpstreamCommune {
    code: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "chefLieu")]
    chef_lieu: Option<String>,
}

/// Checks the upstream file whole, maps merged communes to today's, reports every
/// other decision, and writes the compacted file (columns the platform reads; the
/// 2019 code kept in `id_terr_2019`).
pub fn compile(args: &CompileArgs) -> anyhow::Result<()> {
    let referential = compact::read("data/territories.tsv", compact::SHIPPED)
        .map_err(|f| anyhow::anyhow!("the shipped referential is invalid:\n{f}"))?;
    let communes: Vec<UpstreamCommune> = serde_json::from_str(&read_text(&args.communes)?)
        .with_context(|| format!("reading {}", args.communes.display()))?;
    let merged: HashMap<String, String> = communes
        .into_iter()
        .filter(|c| c.kind == "commune-deleguee" || c.kind == "commune-associee")
        .filter_map(|c| c.chef_lieu.map(|h| (c.code, h)))
        .collect();
    let source = args.file.display().to_string();
    let text = read_text(&args.file)?;
    let (rows, notes) = match dotations::read(&source, &text, resolver(&referential, &merged)) {
        Ok(v) => v,
        Err(faults) => bail!("{} fault(s), nothing written:\n{faults}", faults.0.len()),
    };
    report_notes(&notes);
    let mut out = cohesion_core::export::CsvWriter::with_header(&[
        "id_projet",
        "id_dep",
        "id_terr",
        "id_terr_2019",
        "nom_terr",
        "dotation",
        "echelon",
        "categorie",
        "description",
        "cout_total",
        "montant_sub",
    ]);
    let records =
        cohesion_core::project::dotations::raw_records(&text).map_err(|(l, m)| anyhow::anyhow!("line {l}: {m}"))?;
    let by_line: HashMap<usize, &Row> = rows.iter().map(|r| (r.line, r)).collect();
    let header = &records[0].cells;
    let col = |name: &str| header.iter().position(|h| h.trim() == name).unwrap_or(0);
    for rec in &records[1..] {
        let Some(row) = by_line.get(&rec.line) else { bail!("line {} was not read", rec.line) };
        let mut cells = rec.cells.clone();
        if cells.len() + 1 == header.len() {
            cells.insert(col("description"), String::new());
        }
        let now = &row.input.territories[0];
        let echelon = &cells[col("echelon")];
        // A territory filed under its département keeps its 2019 code in both columns.
        let id_terr = if now.kind == TerritoryKind::Departement && echelon != "conseil_departemental" {
            cells[col("id_terr")].clone()
        } else {
            now.code.clone()
        };
        let line = [
            cells[col("id_projet")].clone(),
            cells[col("id_dep")].clone(),
            id_terr,
            cells[col("id_terr")].clone(),
            cells[col("nom_terr")].clone(),
            cells[col("dotation")].clone(),
            echelon.clone(),
            cells[col("categorie")].trim().to_owned(),
            cells[col("description")].clone(),
            cells[col("cout_total")].clone(),
            cells[col("montant_sub")].clone(),
        ];
        out.row(&line);
    }
    let out = out.finish()?;
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(out.as_bytes())?;
    let bytes = gz.finish()?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    let mapped = notes.iter().filter(|n| n.message().contains("merged since 2019")).count();
    let unknown = notes.iter().filter(|n| n.message().contains("is not in the referential")).count();
    outln!(
        "{}: {} projects, {} bytes; {} merged communes mapped to today's, {} territories unknown (filed under their département), {} notes in all",
        args.out.display(),
        rows.len(),
        bytes.len(),
        mapped,
        unknown,
        notes.len()
    );
    Ok(())
}
