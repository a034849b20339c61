//! `cohesion evaluate --indicator CODE --treated FILE --from Y --to Y`: an evaluation on
//! the stored open-data measurements.
//!
//! It goes through the platform's own path: the request is validated, queued as an
//! evaluation job (so it is listed at `/api/v1/evaluations` and has its page), then
//! claimed and run at once by this process with the same worker code as `serve`.

use anyhow::{Context, bail};
use cohesion_core::evaluation::{
    ClusterLevel, Comparison, EvaluationRequest, MatchSpec, Transform, TreatedSet, TreatedTerritory,
};
use cohesion_core::impact::ImpactEstimate;
use cohesion_core::import::{Fault, Faults};
use cohesion_core::indicator::measure_file::csv_rows;
use cohesion_core::territory::TerritoryRef;

use crate::evaluate::{ClusterArg, EvaluateArgs, TransformArg, control_of, method_of, print_result};
use crate::measurements::actor;

pub async fn run(args: &EvaluateArgs) -> anyhow::Result<()> {
    let (Some(indicator), Some(from), Some(to)) = (&args.indicator, args.from, args.to) else {
        bail!("--indicator needs --from and --to, and --treated or --programme");
    };
    let treated = match (&args.treated, &args.programme) {
        (Some(file), _) => {
            let label = file.display().to_string();
            let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {label}"))?;
            let territories = parse_treated(&label, &text).map_err(|f| anyhow::anyhow!("{f}\nnothing evaluated"))?;
            TreatedSet::Territories { territories }
        }
        (None, Some(code)) => TreatedSet::Programme {
            code: code.clone(),
            territories: Vec::new(),
            without_date: 0,
            undated_year: args.undated_year,
        },
        (None, None) => bail!("--indicator needs --treated FILE or --programme CODE"),
    };
    let request = EvaluationRequest {
        treated,
        indicator: indicator.clone(),
        method: method_of(args.method),
        control: control_of(args.control),
        from,
        to,
        anticipation: args.anticipation,
        transform: match args.transform {
            TransformArg::Level => Transform::Level,
            TransformArg::Log => Transform::Log,
            TransformArg::Growth => Transform::Growth,
        },
        comparison: match args.matched {
            None => Comparison::All,
            Some(k) => Comparison::Matched(MatchSpec {
                k,
                replacement: false,
                caliper: None,
                exact_typology: false,
                pre_years: 3,
            }),
        },
        placebo_draws: args.placebo_draws,
        cluster: args.cluster.map(|c| match c {
            ClusterArg::Departement => ClusterLevel::Departement,
            ClusterArg::Region => ClusterLevel::Region,
        }),
        covariates: args.covariates.clone(),
    };
    let db = args.db.open().await?;
    db.seed_if_empty().await?;
    db.seed_indicators().await?;
    db.seed_programmes_if_empty().await?;
    let app = db.load().await.map_err(cohesion_app::AppError::from)?;
    let referential = app.current().referential.clone();
    let request = match cohesion_app::evaluation::prepare(&app, request) {
        Ok(r) => r,
        Err(faults) => {
            for (field, message) in &faults {
                eprintln!("{field}: {message}");
            }
            bail!("{} fault(s) in the request; nothing evaluated", faults.len());
        }
    };
    let worker = format!("cli:{}", std::process::id());
    let request = serde_json::to_value(&request)?;
    let done = cohesion_app::evaluation::run_now(&db, &referential, &request, &actor(), &worker).await?;
    db.close().await;
    eprintln!("evaluation {} ({}): /evaluations/{}", done.id, done.status, done.id);
    match (done.status.as_str(), done.result) {
        ("done", Some(result)) => {
            if args.json {
                crate::output::outln!("{}", serde_json::to_string_pretty(&result)?);
                return Ok(());
            }
            let result: ImpactEstimate = serde_json::from_value(result)?;
            print_result(&result, false)
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
