//! `cohesion evaluate --indicator CODE --treated FILE --from Y --to Y`: an evaluation on
//! the stored open-data measurements.
//!
//! It goes through the platform's own path: the request is validated, queued as an
//! evaluation job (so it is listed at `/api/v1/evaluations` and has its page), then
//! claimed and run at once by this process with the same worker code as `serve`.

use anyhow::{Context, bail};
use cohesion_core::evaluation::{EvaluationRequest, TreatedSet, TreatedTerritory};
use cohesion_core::impact::ImpactEstimate;
use cohesion_core::import::{Fault, Faults};
use cohesion_core::indicator::measure_file::csv_rows;
use cohesion_core::territory::TerritoryRef;

use crate::evaluate::{EvaluateArgs, control_of, method_of, print_result};
use crate::measurements::actor;

pub async fn run(args: &EvaluateArgs) -> anyhow::Result<()> {
    let (Some(indicator), Some(treated), Some(from), Some(to)) = (&args.indicator, &args.treated, args.from, args.to)
    else {
        bail!("--indicator needs --treated, --from and --to");
    };
    let label = treated.display().to_string();
    let text = std::fs::read_to_string(treated).with_context(|| format!("cannot read {label}"))?;
    let territories = parse_treated(&label, &text).map_err(|f| anyhow::anyhow!("{f}\nnothing evaluated"))?;
    let request = EvaluationRequest {
        treated: TreatedSet::Territories { territories },
        indicator: indicator.clone(),
        method: method_of(args.method),
        control: control_of(args.control),
        from,
        to,
        anticipation: args.anticipation,
        transform: cohesion_core::evaluation::Transform::Level,
        comparison: cohesion_core::evaluation::Comparison::All,
        placebo_draws: cohesion_core::evaluation::DEFAULT_PLACEBO_DRAWS,
    };
    let db = args.db.open().await?;
    db.seed_if_empty().await?;
    db.seed_indicators().await?;
    let referential = db.referential().await?.context("the database holds no referential")?;
    if let Err(faults) = request.validate(&referential) {
        for (field, message) in &faults {
            eprintln!("{field}: {message}");
        }
        bail!("{} fault(s) in the request; nothing evaluated", faults.len());
    }
    let worker = format!("cli:{}", std::process::id());
    let request = serde_json::to_value(&request)?;
    let done = cohesion_app::evaluation::run_now(&db, &referential, &request, &actor(), &worker).await?;
    db.close().await;
    eprintln!("evaluation {} ({}): /evaluations/{}", done.id, done.status, done.id);
    match (done.status.as_str(), done.result) {
        ("done", Some(result)) => {
            let result: ImpactEstimate = serde_json::from_value(result)?;
            print_result(&result, args.json)
        }
        _ => bail!("evaluation failed: {}", done.error.unwrap_or_default()),
    }
}

/// `territory,adoption_year` (French names accepted: `territoire,annee_adoption`).
fn parse_treated(label: &str, text: &str) -> Result<Vec<TreatedTerritory>, Faults> {
    let (rows, _) = csv_rows(label, text).map_err(|f| Faults(vec![f]))?;
    let Some(((_, header), body)) = rows.split_first() else {
        return Err(Faults(vec![Fault::file(label, "fichier vide")]));
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |aliases: &[&str]| names.iter().position(|n| aliases.contains(&n.as_str()));
    let (Some(t), Some(y)) =
        (col(&["territory", "territoire"]), col(&["adoption_year", "annee_adoption", "année_adoption"]))
    else {
        return Err(Faults(vec![Fault::new(label, 1, None, "colonnes attendues : territory,adoption_year")]));
    };
    let mut out = Vec::new();
    let mut faults = Vec::new();
    for (line, cells) in body {
        let get = |c: usize| cells.get(c).map_or("", |s| s.trim());
        let territory = if get(t).contains(':') { get(t).to_owned() } else { format!("commune:{}", get(t)) };
        if let Err(e) = territory.parse::<TerritoryRef>() {
            faults.push(Fault::new(label, *line, Some(&names[t]), e.to_string()));
            continue;
        }
        match get(y).parse::<i32>() {
            Ok(adoption_year) => out.push(TreatedTerritory { territory, adoption_year }),
            Err(_) => faults.push(Fault::new(label, *line, Some(&names[y]), format!("année `{}` invalide", get(y)))),
        }
    }
    if faults.is_empty() { Ok(out) } else { Err(Faults(faults)) }
}
