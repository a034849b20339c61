//! `cohesion evaluate`: impact estimate from a long panel CSV, for analysts.
//!
//! The CSV has a header with at least `unit,year,outcome,first_treated` (any order,
//! other columns ignored; `first_treated` is the adoption year, `0` or empty when
//! never treated). Comma or semicolon separated (a semicolon file may use decimal
//! commas), optional double quotes, optional UTF-8 BOM. Every faulty line is
//! reported with its number and reason, and nothing is estimated if any is faulty.

use crate::output::{out, outln};
use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;
use cohesion_core::impact::{self, ControlGroup, ImpactEstimate, Method, Observation, Panel};

#[derive(clap::Args, Debug)]
pub struct EvaluateArgs {
    /// Long panel CSV: unit,year,outcome,first_treated (other columns ignored).
    #[arg(long, required_unless_present = "indicator", conflicts_with_all = ["indicator", "treated"])]
    pub panel: Option<PathBuf>,
    /// Stored data instead of a panel file: the indicator to evaluate (open-data values).
    #[arg(long, requires_all = ["from", "to"])]
    pub indicator: Option<String>,
    /// With --indicator: CSV of treated territories, columns `territory,adoption_year`
    /// (`commune:42218,2019`; a bare code is read as a commune).
    #[arg(long, required_unless_present_any = ["panel", "programme"], conflicts_with = "programme")]
    pub treated: Option<PathBuf>,
    /// With --indicator: a programme's members are the treated territories, each at the
    /// year of its signature (else of its labelling), as the pages and the API do.
    #[arg(long)]
    pub programme: Option<String>,
    /// With --programme: the adoption year to take for members whose list gives no date
    /// (an assumption of yours, said with the result); without it they are left out.
    #[arg(long, value_name = "YEAR", requires = "programme")]
    pub undated_year: Option<i32>,
    /// With --indicator and --method cs: baseline covariates the comparisons are
    /// conditioned on (doubly robust), among outcome_first_year, log_population,
    /// density_level, mountain; repeat the option or separate with commas.
    #[arg(long = "covariate", value_name = "COVARIATE", value_delimiter = ',', value_parser = parse_covariate)]
    pub covariates: Vec<cohesion_core::evaluation::Covariate>,
    /// With --indicator: the outcome's form.
    #[arg(long, value_enum, default_value = "level")]
    pub transform: TransformArg,
    /// With --indicator: compare with the K nearest never-treated neighbours of each
    /// treated territory (outcome before adoption, population, typologies).
    #[arg(long, value_name = "K")]
    pub matched: Option<usize>,
    /// With --indicator: placebo assignments of the randomisation inference (0 to 999).
    #[arg(long, default_value_t = cohesion_core::evaluation::DEFAULT_PLACEBO_DRAWS)]
    pub placebo_draws: u32,
    /// With --indicator and --method twfe: cluster the standard errors by département or
    /// région; the interval and p-value then come from the wild cluster bootstrap.
    #[arg(long, value_enum, requires = "indicator")]
    pub cluster: Option<ClusterArg>,
    /// With --indicator: first year of the panel.
    #[arg(long)]
    pub from: Option<i32>,
    /// With --indicator: last year of the panel.
    #[arg(long)]
    pub to: Option<i32>,
    /// Years before adoption in which units may already react (cs, imputation).
    #[arg(long, default_value_t = 0)]
    pub anticipation: u32,
    #[command(flatten)]
    pub db: crate::db::DbArgs,
    /// Estimator: twfe (baseline), cs (Callaway & Sant'Anna), imputation (Borusyak et al.)
    /// or sun-abraham (interaction-weighted event study).
    #[arg(long, value_enum)]
    pub method: MethodArg,
    /// Control units for cs: never treated, or also not yet treated.
    #[arg(long, value_enum, default_value = "never")]
    pub control: ControlArg,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodArg {
    Twfe,
    Cs,
    Imputation,
    SunAbraham,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterArg {
    Departement,
    Region,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransformArg {
    Level,
    Log,
    Growth,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlArg {
    Never,
    Notyet,
}

pub fn run(args: &EvaluateArgs) -> anyhow::Result<()> {
    let Some(path) = &args.panel else {
        anyhow::bail!("give --panel FILE, or --indicator to evaluate stored measurements");
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let rows = parse_panel(&text).map_err(|errors| {
        let shown: Vec<String> = errors.iter().take(50).map(|e| format!("  line {}: {}", e.line, e.reason)).collect();
        let more = errors.len().saturating_sub(50);
        let tail = if more > 0 { format!("\n  … and {more} more") } else { String::new() };
        anyhow::anyhow!(
            "{}: {} faulty line(s), nothing estimated / lignes en erreur, aucune estimation:\n{}{}",
            path.display(),
            errors.len(),
            shown.join("\n"),
            tail
        )
    })?;
    let panel = Panel::from_observations(&rows)?;
    let result = impact::estimate_with(&panel, method_of(args.method), control_of(args.control), args.anticipation)?;
    print_result(&result, args.json)
}

pub fn method_of(m: MethodArg) -> Method {
    match m {
        MethodArg::Twfe => Method::Twfe,
        MethodArg::Cs => Method::Cs,
        MethodArg::Imputation => Method::Imputation,
        MethodArg::SunAbraham => Method::SunAbraham,
    }
}

pub fn control_of(c: ControlArg) -> ControlGroup {
    match c {
        ControlArg::Never => ControlGroup::Never,
        ControlArg::Notyet => ControlGroup::NotYet,
    }
}

pub fn print_result(result: &ImpactEstimate, json: bool) -> anyhow::Result<()> {
    if json {
        outln!("{}", serde_json::to_string_pretty(result)?);
    } else {
        out!("{}", summary(result));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    pub line: usize,
    pub reason: String,
}

const REQUIRED: [&str; 4] = ["unit", "year", "outcome", "first_treated"];

/// Parses the whole file; on failure, every faulty line with its reason.
pub fn parse_panel(text: &str) -> Result<Vec<Observation>, Vec<LineError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let Some((_, header)) = lines.find(|(_, l)| !l.trim().is_empty()) else {
        return Err(vec![LineError { line: 1, reason: "empty file / fichier vide".into() }]);
    };
    let sep = if header.contains(';') && !header.contains(',') { ';' } else { ',' };
    let names: Vec<String> = match split_fields(header, sep) {
        Ok(f) => f.into_iter().map(|s| s.trim().to_lowercase()).collect(),
        Err(reason) => return Err(vec![LineError { line: 1, reason }]),
    };
    let mut col = [0usize; 4];
    let missing: Vec<&str> = REQUIRED
        .iter()
        .zip(col.iter_mut())
        .filter_map(|(name, slot)| match names.iter().position(|n| n == name) {
            Some(i) => {
                *slot = i;
                None
            }
            None => Some(*name),
        })
        .collect();
    if !missing.is_empty() {
        return Err(vec![LineError {
            line: 1,
            reason: format!("missing column(s) / colonne(s) manquante(s): {}", missing.join(", ")),
        }]);
    }
    let width = col.iter().max().copied().unwrap_or(0) + 1;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen_cell: HashMap<(String, i32), usize> = HashMap::new();
    let mut adoption: HashMap<String, (Option<i32>, usize)> = HashMap::new();
    for (line, raw) in lines {
        if raw.trim().is_empty() {
            continue;
        }
        let fields = match split_fields(raw, sep) {
            Ok(f) if f.len() >= width => f,
            Ok(f) => {
                errors.push(LineError { line, reason: format!("{} field(s), expected at least {width}", f.len()) });
                continue;
            }
            Err(reason) => {
                errors.push(LineError { line, reason });
                continue;
            }
        };
        match parse_row(&fields, &col, sep) {
            Ok(obs) => {
                if let Some(first) = seen_cell.insert((obs.unit.clone(), obs.year), line) {
                    errors.push(LineError {
                        line,
                        reason: format!("unit `{}` year {} already on line {first} / doublon", obs.unit, obs.year),
                    });
                    continue;
                }
                match adoption.get(&obs.unit) {
                    Some((g, first)) if *g != obs.first_treated => {
                        errors.push(LineError {
                            line,
                            reason: format!(
                                "unit `{}`: first_treated differs from line {first} / année d'adoption incohérente",
                                obs.unit
                            ),
                        });
                        continue;
                    }
                    Some(_) => {}
                    None => {
                        adoption.insert(obs.unit.clone(), (obs.first_treated, line));
                    }
                }
                rows.push(obs);
            }
            Err(reason) => errors.push(LineError { line, reason }),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(LineError { line: 1, reason: "no data line / aucune ligne de données".into() });
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

fn parse_row(fields: &[String], col: &[usize; 4], sep: char) -> Result<Observation, String> {
    let get = |i: usize| fields.get(col[i]).map_or("", |s| s.trim());
    let unit = get(0);
    if unit.is_empty() {
        return Err("empty unit / unité vide".into());
    }
    let year: i32 = get(1).parse().map_err(|_| format!("year `{}` is not an integer / année invalide", get(1)))?;
    let raw = get(2);
    let number = if sep == ';' { raw.replace(',', ".") } else { raw.to_owned() };
    let outcome: f64 = number.parse().map_err(|_| format!("outcome `{raw}` is not a number / valeur invalide"))?;
    if !outcome.is_finite() {
        return Err(format!("outcome `{raw}` is not finite / valeur non finie"));
    }
    let first_treated = match get(3) {
        "" | "0" => None,
        g => Some(
            g.parse::<i32>().map_err(|_| format!("first_treated `{g}` is not a year / année d'adoption invalide"))?,
        ),
    };
    Ok(Observation { unit: unit.to_owned(), year, outcome, first_treated })
}

/// Splits one line, honouring double quotes (`""` inside quotes is a quote).
fn split_fields(line: &str, sep: char) -> Result<Vec<String>, String> {
    cohesion_core::import::split_line(line, sep).map_err(|_| "unterminated quote / guillemet non fermé".to_owned())
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Twfe => "two-way fixed effects / effets fixes à deux dimensions (baseline)",
        Method::Cs => "Callaway & Sant'Anna (staggered DiD / DiD échelonnée)",
        Method::Imputation => "imputation (Borusyak, Jaravel & Spiess)",
        Method::SunAbraham => "Sun & Abraham interaction-weighted event study / étude d'événement pondérée",
    }
}

/// A readable bilingual summary.
pub fn summary(r: &ImpactEstimate) -> String {
    let mut s = String::new();
    s.push_str(&format!("Method / méthode: {}\n", method_name(r.method)));
    if let Some(c) = r.control {
        let c = match c {
            ControlGroup::Never => "never treated / jamais traités",
            ControlGroup::NotYet => "not yet treated / pas encore traités",
        };
        s.push_str(&format!("Controls / témoins: {c}\n"));
    }
    s.push_str(&format!(
        "Effect / effet: {:.4}  (s.e. / écart-type {:.4}; 95 % CI / IC 95 % [{:.4}, {:.4}])\n",
        r.estimate, r.std_error, r.ci_low, r.ci_high
    ));
    s.push_str(&format!(
        "Units / unités: {} treated / traitées, {} controls / témoins; {} observations\n",
        r.n_treated_units, r.n_control_units, r.n_obs
    ));
    if let Some(p) = &r.pretrend {
        s.push_str(&format!(
            "Pre-trend test / test de pré-tendance (leads {:?}): chi2({}) = {:.3}, p = {:.4}\n",
            p.leads, p.df, p.statistic, p.p_value
        ));
    }
    if !r.event_time.is_empty() {
        s.push_str("Event time / temps relatif   estimate / effet   s.e.      95 % CI / IC 95 %\n");
        for e in &r.event_time {
            s.push_str(&format!(
                "{:>+6}                      {:>12.4}  {:>8.4}   [{:.4}, {:.4}]\n",
                e.event_time, e.estimate, e.std_error, e.ci_low, e.ci_high
            ));
        }
    }
    for n in &r.notes {
        s.push_str(&format!("Note: {n}\n"));
    }
    s
}

fn parse_covariate(s: &str) -> Result<cohesion_core::evaluation::Covariate, String> {
    use cohesion_core::evaluation::Covariate;
    Covariate::ALL.into_iter().find(|c| c.code() == s).ok_or_else(|| {
        let known: Vec<&str> = Covariate::ALL.iter().map(|c| c.code()).collect();
        format!("unknown covariate `{s}` (known: {})", known.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_by_header_name_ignoring_extra_columns() {
        let text = "\u{feff}year,extra,unit,first_treated,outcome\n2020,x,\"A, B\",2021,1.5\n2021,y,\"A, B\",2021,2\n\n2020,z,c,,0.5\n2021,z,c,0,-1e-3\n";
        let rows = parse_panel(text).expect("valid");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].unit, "A, B");
        assert_eq!(rows[0].first_treated, Some(2021));
        assert_eq!(rows[2].first_treated, None);
        assert_eq!(rows[3].outcome, -1e-3);
    }

    #[test]
    fn semicolons_and_decimal_commas() {
        let rows = parse_panel("unit;year;outcome;first_treated\n01001;2020;1,25;0\n").expect("valid");
        assert_eq!(rows[0].outcome, 1.25);
    }

    #[test]
    fn reports_every_bad_line_with_its_number() {
        let text = "unit,year,outcome,first_treated\na,2020,1,0\na,20x0,1,0\nb,2020,abc,0\nc,2020,1\na,2020,2,0\nd,2020,NaN,0\na,2021,1,2021\ne,2020,\"1,0\n";
        let errors = parse_panel(text).expect_err("invalid");
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7, 8, 9], "{errors:?}");
        assert!(errors[3].reason.contains("line 2"));
    }

    #[test]
    fn missing_columns_and_empty_files() {
        let e = parse_panel("unit,year,value\n").expect_err("invalid");
        assert!(e[0].reason.contains("outcome") && e[0].reason.contains("first_treated"));
        assert!(parse_panel("").is_err());
        assert!(parse_panel("unit,year,outcome,first_treated\n").is_err());
    }

    #[test]
    fn estimates_and_summarises() {
        let mut text = String::from("unit,year,outcome,first_treated\n");
        for u in 0..6 {
            for y in 2018..2022 {
                let g = if u < 3 { 2020 } else { 0 };
                let effect = if g > 0 && y >= g { 2.0 } else { 0.0 };
                text.push_str(&format!("u{u},{y},{},{g}\n", u as f64 + 0.1 * f64::from(y - 2018) + effect));
            }
        }
        let rows = parse_panel(&text).expect("valid");
        let panel = Panel::from_observations(&rows).expect("panel");
        let r = impact::estimate(&panel, Method::Cs, ControlGroup::Never).expect("cs");
        assert!((r.estimate - 2.0).abs() < 1e-9);
        let s = summary(&r);
        assert!(s.contains("Effect / effet: 2.0000"));
    }
}
