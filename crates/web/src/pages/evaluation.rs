//! `/evaluations/{id}`: an evaluation's status and progress (a refresh link, no script
//! needed), then its estimate with the interval, counts, the event-study chart
//! (server-rendered SVG, with its data table), a plain-French reading and the inputs.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use cohesion_app::evaluation::EvaluationJob;
use cohesion_core::evaluation::{Comparison, EvaluationRequest, EvaluationResult, TreatedSet};
use cohesion_core::impact::{ControlGroup, EventTimeEstimate, UniformBand};
use cohesion_core::indicator;
use cohesion_core::territory::TerritoryRef;

use super::error::{PageError, render};
use super::evaluation_rerun::{RerunComparison, RerunRow};
use super::explain::{explain, explain_checks, fr_date, fr_decimal, method_label};
use super::layout::{Layout, Nav};
use super::map::{CountMap, Noun, count_map};
use super::visitor::Who;
use crate::AppState;

pub struct ChartPoint {
    pub event_time: i32,
    pub x: f64,
    pub y: f64,
    pub y_lo: f64,
    pub y_hi: f64,
    pub lead: bool,
    pub estimate: String,
    pub ci: String,
    /// The simultaneous band, when computed.
    pub band: String,
}

/// The event-study chart, in the SVG's own units.
pub struct EventChart {
    pub width: u32,
    pub height: u32,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub zero_y: f64,
    pub adoption_x: f64,
    pub points: Vec<ChartPoint>,
    pub x_ticks: Vec<(f64, String)>,
    pub y_ticks: Vec<(f64, String)>,
    pub summary: String,
}

pub fn event_chart(points: &[EventTimeEstimate], band: Option<&UniformBand>, unit: &str) -> Option<EventChart> {
    let (first, last) = (points.first()?, points.last()?);
    let (width, height) = (640u32, 320u32);
    let (left, right, top, bottom) = (72.0, 620.0, 16.0, 268.0);
    let lo = points.iter().map(|p| p.ci_low).fold(0.0_f64, f64::min);
    let hi = points.iter().map(|p| p.ci_high).fold(0.0_f64, f64::max);
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let (lo, hi) = (lo - pad, hi + pad);
    let (e0, e1) = (f64::from(first.event_time) - 0.5, f64::from(last.event_time) + 0.5);
    let x = |e: f64| left + (e - e0) / (e1 - e0) * (right - left);
    let y = |v: f64| bottom - (v - lo) / (hi - lo) * (bottom - top);
    let step = if points.len() > 16 { 2 } else { 1 };
    let x_ticks = points
        .iter()
        .filter(|p| p.event_time % step == 0)
        .map(|p| {
            let label =
                if p.event_time == 0 { "0".to_owned() } else { format!("{:+}", p.event_time).replace('-', "−") };
            (x(f64::from(p.event_time)), label)
        })
        .collect();
    // "Nice" ticks (1, 2 or 5 × 10^k) that include zero.
    let raw = (hi - lo) / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let tick = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    let decimals = if tick >= 1.0 { 0 } else { (-tick.log10().floor()) as usize };
    let mut y_ticks = Vec::new();
    let mut v = (lo / tick).ceil() * tick;
    while v <= hi && y_ticks.len() < 12 {
        y_ticks.push((y(v), fr_decimal(v, decimals)));
        v += tick;
    }
    Some(EventChart {
        width,
        height,
        left,
        right,
        top,
        bottom,
        zero_y: y(0.0),
        adoption_x: x(-0.5),
        points: points
            .iter()
            .map(|p| ChartPoint {
                event_time: p.event_time,
                x: x(f64::from(p.event_time)),
                y: y(p.estimate),
                y_lo: y(p.ci_low),
                y_hi: y(p.ci_high),
                lead: p.event_time < 0,
                estimate: fr_decimal(p.estimate, 3),
                ci: format!("[{} ; {}]", fr_decimal(p.ci_low, 3), fr_decimal(p.ci_high, 3)),
                band: band
                    .and_then(|b| b.points.iter().find(|q| q.event_time == p.event_time))
                    .map(|q| format!("[{} ; {}]", fr_decimal(q.low, 3), fr_decimal(q.high, 3)))
                    .unwrap_or_default(),
            })
            .collect(),
        x_ticks,
        y_ticks,
        summary: format!(
            "Effet estimé ({unit}) selon le nombre d’années depuis l’adoption, de {} à {}, avec son intervalle de \
             confiance à 95 % ; les valeurs sont dans le tableau qui suit.",
            first.event_time, last.event_time
        ),
    })
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "evaluation.html")]
pub(super) struct EvaluationPage {
    layout: Layout,
    id: String,
    status: String,
    status_label: &'static str,
    stage: String,
    percent: i16,
    pending: bool,
    error: Option<String>,
    facts: Vec<Fact>,
    estimate: Vec<Fact>,
    explanation: Vec<String>,
    chart: Option<EventChart>,
    /// The critical value of the simultaneous band, when there is one.
    band_critical: Option<String>,
    /// Each adoption cohort's own effect: year, treated territories, years averaged,
    /// estimate, interval (Callaway & Sant'Anna and imputation).
    cohorts: Vec<[String; 5]>,
    checks: Vec<String>,
    sensitivity: Vec<[String; 4]>,
    placebo_quantiles: Vec<(String, String)>,
    balance: Vec<[String; 3]>,
    matching: Vec<Fact>,
    treated: Vec<TreatedRow>,
    treated_more: usize,
    notes: Vec<String>,
    notes_lang: &'static str,
    sources: Vec<String>,
    /// The treated territories by département.
    map: Option<CountMap>,
    /// The visitor may re-run this evaluation (it has ended; they may request one).
    may_rerun: bool,
    /// Why the re-run just asked for was refused.
    refused: Option<String>,
    /// This evaluation's re-runs.
    reruns: Vec<RerunRow>,
    /// When this evaluation re-runs another: the two side by side.
    comparison: Option<RerunComparison>,
}

/// What the map counts.
const TREATED: Noun = Noun { one: "territoire traité", many: "territoires traités", none: "aucun" };

pub struct TreatedRow {
    pub name: String,
    pub href: String,
    pub year: i32,
}

/// Treated territories listed on the page; the rest are counted (all are in the JSON).
const TREATED_SHOWN: usize = 200;

fn status_label(s: &str) -> &'static str {
    match s {
        "queued" => "En attente",
        "running" => "En cours",
        "done" => "Terminée",
        _ => "Échec",
    }
}

/// `GET /evaluations/{id}`.
pub async fn evaluation(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let config = &who.config;
    let job = cohesion_app::evaluation::get(&state, &id)
        .await
        .map_err(|e| PageError::internal(config, e))?
        .ok_or_else(|| PageError::not_found(config))?;
    let page = build(&state, &who, job, None).await?;
    render(config, &page)
}

/// The page of `job`; `refused` says why a re-run just asked for was not queued.
pub(super) async fn build(
    state: &AppState,
    who: &Who,
    job: EvaluationJob,
    refused: Option<String>,
) -> Result<EvaluationPage, PageError> {
    let config = &who.config;
    let request: Option<EvaluationRequest> = serde_json::from_value(job.request.clone()).ok();
    let ind = request.as_ref().and_then(|r| indicator::find(&r.indicator));
    let (name, unit) = ind.map_or(("indicateur", ""), |i| (i.name, i.unit));
    let mut facts = Vec::new();
    if let Some(r) = &request {
        let territories = r.treated.territories();
        if let TreatedSet::Programme { code, without_date, undated_year, .. } = &r.treated {
            let programme = state.current().programmes.programme(code).map_or_else(|| code.clone(), |p| p.name.clone());
            let mut value = format!("membres du programme « {programme} » à la date de la demande");
            if *without_date > 0 {
                let n = *without_date;
                let what = match undated_year {
                    None => crate::pages::layout::plural(
                        n,
                        "membre sans date d’adhésion écarté",
                        "membres sans date d’adhésion écartés",
                    ),
                    Some(year) => format!(
                        "{} à l’année {year}, hypothèse déclarée par le demandeur et non donnée de la liste",
                        crate::pages::layout::plural(
                            n,
                            "membre sans date d’adhésion pris",
                            "membres sans date d’adhésion pris",
                        )
                    ),
                };
                value.push_str(&format!(" ({what})"));
            }
            facts.push(Fact { label: "Territoires traités", value });
        }
        if let TreatedSet::Pact { title, .. } = &r.treated {
            facts.push(Fact {
                label: "Territoires traités",
                value: format!(
                    "périmètre du pacte « {title} » à la date de la demande, chaque territoire à l’année de la \
                     signature qui l’a couvert"
                ),
            });
        }
        facts.push(Fact { label: "Indicateur", value: format!("{name} ({unit})") });
        facts.push(Fact { label: "Méthode", value: method_label(r.method).to_owned() });
        if !r.covariates.is_empty() {
            let names: Vec<&str> = r.covariates.iter().map(|c| c.label_fr()).collect();
            facts.push(Fact {
                label: "Covariables",
                value: format!(
                    "{} ; chaque comparaison se fait entre territoires semblables sur ces caractéristiques \
                     (estimateur doublement robuste de Sant’Anna et Zhao)",
                    names.join(", ")
                ),
            });
        }
        let pool = match r.control {
            ControlGroup::Never => "territoires jamais traités",
            ControlGroup::NotYet => "territoires jamais traités ou pas encore traités",
        };
        facts.push(Fact {
            label: "Groupe de comparaison",
            value: match &r.comparison {
                Comparison::All => pool.to_owned(),
                Comparison::Matched(m) => format!(
                    "{pool}, appariés : {} par territoire traité, {}, sur l’indicateur des {} \
                     avant l’adoption, la population et les typologies{}{}",
                    crate::pages::layout::plural(m.k, "voisin le plus proche", "voisins les plus proches"),
                    if m.replacement {
                        "avec remise (estimations pondérées par les poids d’appariement)"
                    } else {
                        "sans remise"
                    },
                    crate::pages::layout::plural(m.pre_years, "année", "années"),
                    if m.exact_typology { " (typologies identiques exigées)" } else { "" },
                    m.caliper.map(|c| format!(", distance au plus {}", fr_decimal(c, 2))).unwrap_or_default()
                ),
            },
        });
        if let Some(level) = r.cluster {
            facts.push(Fact { label: "Erreurs types regroupées par", value: level.label_fr().to_owned() });
        }
        facts.push(Fact { label: "Transformation de l’indicateur", value: r.transform.label_fr().to_owned() });
        facts.push(Fact { label: "Période", value: format!("{} à {}", r.from, r.to) });
        facts.push(Fact { label: "Territoires traités demandés", value: territories.len().to_string() });
        let years = crate::pages::layout::plural(r.anticipation as usize, "an", "ans");
        facts.push(Fact { label: "Anticipation admise", value: years });
    }
    let result: Option<EvaluationResult> = job.result.clone().and_then(|v| serde_json::from_value(v).ok());
    let (mut estimate, mut explanation, mut chart, mut notes) = (Vec::new(), Vec::new(), None, Vec::new());
    let (mut checks, mut sensitivity, mut placebo_quantiles, mut balance, mut matching) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut band_critical = None;
    let mut cohorts = Vec::new();
    let mut notes_lang = "fr";
    if let Some(full) = &result {
        let r = &full.estimate;
        estimate = vec![
            Fact { label: "Effet estimé", value: format!("{} {unit}", fr_decimal(r.estimate, 3)) },
            Fact { label: "Écart-type", value: fr_decimal(r.std_error, 3) },
            Fact {
                label: "Intervalle de confiance à 95 %",
                value: format!("de {} à {}", fr_decimal(r.ci_low, 3), fr_decimal(r.ci_high, 3)),
            },
        ];
        if let Some(c) = &full.clustering {
            let wb = &c.wild_bootstrap;
            estimate.extend([
                Fact {
                    label: "p-valeur de l’effet nul (bootstrap sauvage par grappes)",
                    value: fr_decimal(wb.p_value, 3),
                },
                Fact {
                    label: "Groupes (erreurs types regroupées)",
                    value: format!(
                        "{} {} (dont {} avec des territoires traités)",
                        wb.n_clusters,
                        if c.level == cohesion_core::evaluation::ClusterLevel::Region {
                            "régions"
                        } else {
                            "départements"
                        },
                        wb.n_treated_clusters
                    ),
                },
            ]);
        }
        estimate.extend([
            Fact { label: "Territoires traités retenus", value: r.n_treated_units.to_string() },
            Fact { label: "Territoires de comparaison", value: r.n_control_units.to_string() },
            Fact { label: "Observations (territoire × année)", value: r.n_obs.to_string() },
        ]);
        let anticipation = request.as_ref().map_or(0, |q| q.anticipation);
        explanation = explain(r, name, unit, anticipation);
        chart = event_chart(&r.event_time, r.uniform_band.as_ref(), unit);
        band_critical = r.uniform_band.as_ref().map(|b| fr_decimal(b.critical_value, 2));
        cohorts = r
            .by_cohort
            .iter()
            .map(|c| {
                [
                    c.cohort.to_string(),
                    c.n_units.to_string(),
                    c.n_years.to_string(),
                    fr_decimal(c.estimate, 3),
                    format!("de {} à {}", fr_decimal(c.ci_low, 3), fr_decimal(c.ci_high, 3)),
                ]
            })
            .collect();
        checks = explain_checks(full, unit);
        if let Some(s) = &full.sensitivity {
            sensitivity = s
                .rows
                .iter()
                .map(|row| {
                    [
                        fr_decimal(row.mbar, 1),
                        format!("de {} à {}", fr_decimal(row.low, 3), fr_decimal(row.high, 3)),
                        format!("de {} à {}", fr_decimal(row.ci_low, 3), fr_decimal(row.ci_high, 3)),
                        if row.ci_low > 0.0 || row.ci_high < 0.0 { "oui" } else { "non" }.to_owned(),
                    ]
                })
                .collect();
        }
        if let Some(ri) = &full.placebo_space {
            placebo_quantiles = ri
                .quantiles
                .iter()
                .map(|(q, v)| (format!("{} %", fr_decimal(q * 100.0, 1)), fr_decimal(*v, 3)))
                .collect();
        }
        if let Some(m) = &full.matching {
            matching = vec![
                Fact { label: "Territoires traités à apparier", value: m.treated.to_string() },
                Fact { label: "Appariés", value: m.matched.to_string() },
                Fact { label: "Sans voisin acceptable", value: m.unmatched.len().to_string() },
                Fact { label: "Territoires de comparaison retenus", value: m.controls.to_string() },
                Fact {
                    label: "Territoires écartés faute de valeur avant l’adoption",
                    value: m.lacking_features.to_string(),
                },
            ];
            balance = m
                .balance
                .iter()
                .map(|b| [b.feature.clone(), fr_decimal(b.smd_before, 3), fr_decimal(b.smd_after, 3)])
                .collect();
        }
        // French when the result has its notes in French (results stored before: English).
        notes = if r.notes_fr.len() == r.notes.len() {
            r.notes_fr.clone()
        } else {
            notes_lang = "en";
            r.notes.clone()
        };
    }
    let snapshot = state.current();
    let listed: Vec<&cohesion_core::evaluation::TreatedTerritory> =
        request.as_ref().map(|r| r.treated.territories().iter().collect()).unwrap_or_default();
    let treated: Vec<TreatedRow> = listed
        .iter()
        .take(TREATED_SHOWN)
        .map(|t| {
            let found = t.territory.parse::<cohesion_core::territory::TerritoryRef>().ok().and_then(|r| {
                snapshot.referential.get_ref(&r).map(|o| (o.name.clone(), crate::pages::layout::territory_href(o)))
            });
            let (name, href) = found.unwrap_or_else(|| (t.territory.clone(), String::new()));
            TreatedRow { name, href, year: t.adoption_year }
        })
        .collect();
    let treated_more = listed.len().saturating_sub(TREATED_SHOWN);
    let sources = source_lines(&job, |s| {
        format!(
            "{} — {} (diffusion : {}), version du {}",
            s.field("name"),
            s.field("producer"),
            s.field("distributor"),
            fr_date(s.field("version_date"))
        )
    });
    let map = request.as_ref().and_then(|r| {
        let (refs, unreadable): (Vec<_>, Vec<_>) = r
            .treated
            .territories()
            .iter()
            .map(|t| t.territory.parse::<TerritoryRef>().map_err(|_| &t.territory))
            .partition(Result::is_ok);
        let mut map = count_map(&snapshot.referential, &refs.into_iter().flatten().collect::<Vec<_>>(), TREATED)?;
        map.unplaced.extend(unreadable.into_iter().filter_map(Result::err).cloned());
        Some(map)
    });
    let ended = cohesion_core::evaluation::rerun::has_ended(&job.status);
    let may_rerun =
        ended && who.auth.as_ref().is_some_and(|a| cohesion_core::evaluation::rerun::can_rerun(&a.principal));
    let (reruns, comparison) = super::evaluation_rerun::related(state, config, &job, unit).await?;
    let page = EvaluationPage {
        layout: Layout::new(config, format!("Évaluation d’impact : {name}"), Nav::Indicators)
            .crumb("Évaluations", "/evaluations"),
        map,
        may_rerun,
        refused,
        reruns,
        comparison,
        status_label: status_label(&job.status),
        pending: matches!(job.status.as_str(), "queued" | "running"),
        id: job.id,
        status: job.status,
        stage: job.stage,
        percent: job.percent,
        error: job.error,
        facts,
        estimate,
        explanation,
        chart,
        band_critical,
        cohorts,
        checks,
        sensitivity,
        placebo_quantiles,
        balance,
        matching,
        treated,
        treated_more,
        notes,
        notes_lang,
        sources,
    };
    Ok(page)
}

/// One of a job's data sources (`inputs.source_versions`), as stored.
pub(super) struct Source<'a>(&'a serde_json::Value);

impl<'a> Source<'a> {
    /// Field `key` as text ("" when absent).
    pub(super) fn field(&self, key: &str) -> &'a str {
        self.0.get(key).and_then(|v| v.as_str()).unwrap_or("")
    }
}

/// The job's data sources, each written as a line by `line`.
pub(super) fn source_lines(job: &EvaluationJob, line: impl Fn(Source<'_>) -> String) -> Vec<String> {
    let list = job.inputs.as_ref().and_then(|i| i.get("source_versions")).and_then(|s| s.as_array());
    list.map(|list| list.iter().map(|s| line(Source(s))).collect()).unwrap_or_default()
}
