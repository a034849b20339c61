//! `/evaluations/nouvelle`: requesting an impact evaluation from the pages (issue 18,
//! point 2), for whoever may request one (`cohesion_core::evaluation::can_request`).
//!
//! The intervention is a programme's members (frozen at their signature or labelling
//! year), a signed pact's perimeter (frozen at the signature that covered each
//! territory; the pact found by searching its title, parties or territories) or a list
//! of territories chosen by searching, each with its adoption year.
//! The rest: the outcome indicator and its transformation, the period, the estimator,
//! the comparison group (never treated, not yet treated, or matched neighbours) and the
//! number of placebo draws. The request goes through the API's own path
//! (`cohesion_app::evaluation::prepare`, then `queue`); faults are shown on their field
//! with what was typed kept, and a request accepted lands on the evaluation's page,
//! which follows its progress.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_core::evaluation::{
    self, ClusterLevel, Comparison, DEFAULT_PLACEBO_DRAWS, EvaluationRequest, MatchSpec, Transform, TreatedSet,
    TreatedTerritory,
};
use cohesion_core::impact::{ControlGroup, Method};
use cohesion_core::indicator;

use crate::AppState;
use crate::pages::components::{TerritoryPicker, territory_label};
use crate::pages::error::{PageError, render};
use crate::pages::explain::method_label;
use crate::pages::layout::{Layout, Nav};
use crate::pages::programme::plan::{Choice, Fields};
use crate::pages::visitor::Who;

/// A territory already added to the list: `kind:code`, its label, its adoption year.
pub struct Listed {
    pub value: String,
    pub label: String,
    pub year: i32,
}

#[derive(Template)]
#[template(path = "evaluation_form.html")]
struct FormPage {
    layout: Layout,
    errors: Vec<(String, String)>,
    intervention: String,
    programmes: Vec<Choice>,
    /// The words of the pact search, the signed pacts found (and the one chosen), and
    /// whether a search was made.
    pact_q: String,
    pacts: Vec<Choice>,
    pact_searched: bool,
    /// The adoption year declared for members without a date, as typed.
    undated_year: String,
    listed: Vec<Listed>,
    picker: TerritoryPicker,
    add_year: String,
    indicators: Vec<Choice>,
    transforms: Vec<Choice>,
    from: String,
    to: String,
    methods: Vec<Choice>,
    comparisons: Vec<Choice>,
    k: String,
    exact_typology: bool,
    replacement: bool,
    anticipation: String,
    clusters: Vec<Choice>,
    covariates: Vec<Choice>,
    placebo_draws: String,
}

fn choices(items: &[(&str, &str)], chosen: &str) -> Vec<Choice> {
    items.iter().map(|(v, l)| Choice { value: (*v).into(), label: (*l).into(), checked: *v == chosen }).collect()
}

const TRANSFORMS: [(&str, &str); 3] = [
    ("level", "Niveau (la valeur telle que publiée)"),
    ("log", "Logarithme (effet en proportion de la valeur)"),
    ("growth", "Taux de croissance annuel moyen depuis l’année observée précédente (%)"),
];
const CLUSTERS: [(&str, &str); 3] =
    [("territory", "Par territoire (par défaut)"), ("departement", "Par département"), ("region", "Par région")];
const COMPARISONS: [(&str, &str); 3] = [
    ("never", "Territoires jamais traités"),
    ("not_yet", "Territoires jamais traités ou pas encore traités aux dates comparées"),
    ("matched", "Territoires appariés : les plus proches de chaque territoire traité avant l’adoption"),
];

fn page(who: &Who, state: &AppState, f: &Fields) -> FormPage {
    let snapshot = state.current();
    let get = |name: &str, default: &str| {
        let v = f.get(name);
        if v.is_empty() { default.to_owned() } else { v.to_owned() }
    };
    let programme = f.get("programme");
    let mut programmes: Vec<Choice> = snapshot
        .programmes
        .programmes()
        .iter()
        .map(|p| Choice { value: p.code.clone(), label: p.name.clone(), checked: p.code == programme })
        .collect();
    programmes.sort_by(|a, b| a.label.cmp(&b.label));
    let indicator = get("indicator", "population");
    let methods: Vec<(&str, &str)> = [Method::Cs, Method::Imputation, Method::SunAbraham, Method::Twfe]
        .iter()
        .map(|m| (method_code(*m), method_label(*m)))
        .collect();
    let mut listed: Vec<Listed> = Vec::new();
    for entry in f.all("traite") {
        if let Some((value, year)) = entry.split_once('@')
            && let (Ok(r), Ok(year)) = (value.parse::<cohesion_core::territory::TerritoryRef>(), year.parse::<i32>())
            && !listed.iter().any(|l| l.value == value)
        {
            listed.push(Listed { value: value.to_owned(), label: territory_label(state, &r), year });
        }
    }
    // The signed pacts: the one chosen, kept across the form's round trips, then those
    // the search found.
    let chosen_pact = f.get("pacte");
    let pact_q = f.get("pacte_q").trim().to_owned();
    let pact_searched = f.get("chercher") == "pacte" && !pact_q.is_empty();
    let mut found: Vec<cohesion_app::evaluation::SignedPact> =
        cohesion_app::evaluation::signed_pact(state, chosen_pact).into_iter().collect();
    if pact_searched {
        let more = cohesion_app::evaluation::signed_pacts(state, &pact_q, PACTS_SHOWN).unwrap_or_default();
        found.extend(more.into_iter().filter(|p| p.id != chosen_pact));
    }
    let pacts = found
        .into_iter()
        .map(|p| Choice {
            checked: p.id == chosen_pact,
            label: format!(
                "{} — signé en {}, {} dans son périmètre",
                p.title,
                p.signed_year,
                crate::pages::layout::plural(p.territories, "territoire", "territoires")
            ),
            value: p.id,
        })
        .collect();
    FormPage {
        layout: Layout::new(&who.config, "Demander une évaluation d’impact", Nav::Indicators)
            .crumb("Évaluations", "/evaluations"),
        errors: Vec::new(),
        intervention: get("intervention", "programme"),
        programmes,
        pact_q,
        pacts,
        pact_searched,
        listed,
        picker: TerritoryPicker::new(state, f.get("ajout"), f.get("ajout_q"), f.get("chercher") == "ajout"),
        add_year: f.get("ajout_annee").to_owned(),
        undated_year: f.get("annee_sans_date").trim().to_owned(),
        indicators: indicator::catalogue()
            .iter()
            .map(|i| Choice {
                value: i.code.into(),
                label: format!("{} ({})", i.name, i.unit),
                checked: i.code == indicator,
            })
            .collect(),
        transforms: choices(&TRANSFORMS, &get("transform", "level")),
        from: get("from", "2016"),
        to: get("to", "2023"),
        methods: choices(&methods, &get("method", "cs")),
        comparisons: choices(&COMPARISONS, &get("comparison", "not_yet")),
        k: get("k", "1"),
        exact_typology: f.get("exact_typology") == "oui",
        replacement: f.get("replacement") == "oui",
        anticipation: get("anticipation", "0"),
        clusters: choices(&CLUSTERS, &get("cluster", "territory")),
        covariates: evaluation::Covariate::ALL
            .iter()
            .map(|c| Choice {
                value: c.code().into(),
                label: covariate_label(*c).into(),
                checked: f.all("covariable").iter().any(|v| v == c.code()),
            })
            .collect(),
        placebo_draws: get("placebo_draws", &DEFAULT_PLACEBO_DRAWS.to_string()),
    }
}

/// Signed pacts a search offers at most.
const PACTS_SHOWN: usize = 20;

fn method_code(m: Method) -> &'static str {
    match m {
        Method::Cs => "cs",
        Method::Imputation => "imputation",
        Method::SunAbraham => "sun_abraham",
        Method::Twfe => "twfe",
    }
}

/// `GET /evaluations/nouvelle` (`?programme=pvd` chooses the programme).
pub async fn form(
    State(state): State<AppState>,
    who: Who,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if let Err(r) = who.allowed(evaluation::can_request) {
        return Ok(*r);
    }
    let fields = Fields(query.into_iter().filter(|(k, _)| k == "programme").collect());
    Ok(render(&who.config, &page(&who, &state, &fields))?.into_response())
}

/// `POST /evaluations/nouvelle`: a search or an addition to the list sends the form
/// back; otherwise the request is checked and queued.
pub async fn submit(
    State(state): State<AppState>,
    who: Who,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = Fields(fields);
    who.check_csrf(f.get("csrf"))?;
    let me = match who.allowed(evaluation::can_request) {
        Ok(me) => me.clone(),
        Err(r) => return Ok(*r),
    };
    let mut form = page(&who, &state, &f);
    if matches!(f.get("chercher"), "ajout" | "pacte") {
        return Ok(render(&who.config, &form)?.into_response());
    }
    if f.get("ajouter") == "oui" {
        let year = f.get("ajout_annee").parse::<i32>().ok().filter(|y| (1900..=2200).contains(y));
        match (&form.picker.chosen, year) {
            (Some((value, label)), Some(year)) => {
                if !form.listed.iter().any(|l| &l.value == value) {
                    form.listed.push(Listed { value: value.clone(), label: label.clone(), year });
                }
                form.picker = TerritoryPicker::default();
                form.add_year.clear();
            }
            (None, _) => form.errors.push(("ajout".into(), "Cherchez puis cochez un territoire à ajouter.".into())),
            (_, None) => {
                form.errors.push(("ajout_annee".into(), "Donnez l’année d’adoption (par exemple 2019).".into()))
            }
        }
        let status = if form.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
        return Ok((status, render(&who.config, &form)?).into_response());
    }
    let request = match build(&f, &form) {
        Ok(r) => r,
        Err(errors) => {
            form.errors = errors;
            return Ok((StatusCode::BAD_REQUEST, render(&who.config, &form)?).into_response());
        }
    };
    let request = match cohesion_app::evaluation::prepare(&state, request) {
        Ok(r) => r,
        Err(faults) => {
            form.errors = faults.into_iter().map(|(field, message)| (form_field(&field), message)).collect();
            return Ok((StatusCode::BAD_REQUEST, render(&who.config, &form)?).into_response());
        }
    };
    let value = serde_json::to_value(&request).map_err(|e| PageError::internal(&who.config, e))?;
    let job = cohesion_app::evaluation::queue(&state, &me.principal, &value)
        .await
        .map_err(|e| PageError::internal(&who.config, e))?;
    Ok(Redirect::to(&format!("/evaluations/{}", job.id)).into_response())
}

/// The form's field for a fault of the request (JSON path).
fn form_field(path: &str) -> String {
    match path {
        p if p.starts_with("treated") => "intervention".into(),
        p if p.starts_with("comparison") => "comparison".into(),
        p if p.starts_with("covariates") => "covariates".into(),
        "to" => "from".into(),
        p => p.into(),
    }
}

/// The request from the form; every fault of the form itself, with its field.
fn build(f: &Fields, form: &FormPage) -> Result<EvaluationRequest, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let treated = match f.get("intervention") {
        "territoires" => {
            if form.listed.is_empty() {
                errors.push(("intervention".into(), "Ajoutez au moins un territoire à la liste.".into()));
            }
            TreatedSet::Territories {
                territories: form
                    .listed
                    .iter()
                    .map(|l| TreatedTerritory { territory: l.value.clone(), adoption_year: l.year })
                    .collect(),
            }
        }
        "pacte" => {
            let id = f.get("pacte");
            if id.is_empty() {
                errors.push(("intervention".into(), "Cherchez puis cochez le pacte signé à évaluer.".into()));
            }
            TreatedSet::Pact { id: id.to_owned(), title: String::new(), territories: Vec::new() }
        }
        _ => {
            let code = f.get("programme");
            if code.is_empty() {
                errors.push(("intervention".into(), "Choisissez le programme à évaluer.".into()));
            }
            let undated = f.get("annee_sans_date").trim();
            let undated_year = if undated.is_empty() {
                None
            } else {
                match undated.parse::<i32>() {
                    Ok(y) if (1900..=2200).contains(&y) => Some(y),
                    _ => {
                        errors.push((
                            "intervention".into(),
                            "L’année d’adoption des membres sans date s’écrit en quatre chiffres (par exemple 2018)."
                                .into(),
                        ));
                        None
                    }
                }
            };
            TreatedSet::Programme { code: code.to_owned(), territories: Vec::new(), without_date: 0, undated_year }
        }
    };
    let year = |name: &str, errors: &mut Vec<(String, String)>| match f.get(name).parse::<i32>() {
        Ok(y) => y,
        Err(_) => {
            errors.push((
                "from".into(),
                "Les années de début et de fin s’écrivent en chiffres (par exemple 2013).".into(),
            ));
            0
        }
    };
    let (from, to) = (year("from", &mut errors), year("to", &mut errors));
    let method = match f.get("method") {
        "imputation" => Method::Imputation,
        "sun_abraham" => Method::SunAbraham,
        "twfe" => Method::Twfe,
        _ => Method::Cs,
    };
    let transform = match f.get("transform") {
        "log" => Transform::Log,
        "growth" => Transform::Growth,
        _ => Transform::Level,
    };
    let (control, comparison) = match f.get("comparison") {
        "never" => (ControlGroup::Never, Comparison::All),
        "matched" => {
            let k = f.get("k").parse::<usize>().unwrap_or(0);
            if !(1..=10).contains(&k) {
                errors.push(("comparison".into(), "Le nombre de voisins va de 1 à 10.".into()));
            }
            (
                ControlGroup::Never,
                Comparison::Matched(MatchSpec {
                    k,
                    replacement: f.get("replacement") == "oui",
                    caliper: None,
                    exact_typology: f.get("exact_typology") == "oui",
                    pre_years: 3,
                }),
            )
        }
        _ => (ControlGroup::NotYet, Comparison::All),
    };
    let anticipation = f.get("anticipation").parse::<u32>().unwrap_or_else(|_| {
        errors.push(("anticipation".into(), "Un nombre d’années, de 0 à 10.".into()));
        0
    });
    let placebo_draws = f.get("placebo_draws").parse::<u32>().unwrap_or_else(|_| {
        errors.push(("placebo_draws".into(), "Un nombre de tirages, de 0 à 999.".into()));
        0
    });
    let covariates: Vec<evaluation::Covariate> =
        evaluation::Covariate::ALL.into_iter().filter(|c| f.all("covariable").iter().any(|v| v == c.code())).collect();
    let cluster = match f.get("cluster") {
        "departement" => Some(ClusterLevel::Departement),
        "region" => Some(ClusterLevel::Region),
        _ => None,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(EvaluationRequest {
        treated,
        indicator: f.get("indicator").to_owned(),
        method,
        control,
        from,
        to,
        anticipation,
        transform,
        comparison,
        placebo_draws,
        cluster,
        covariates,
    })
}

/// A covariate as the form offers it.
fn covariate_label(c: evaluation::Covariate) -> &'static str {
    use evaluation::Covariate;
    match c {
        Covariate::OutcomeFirstYear => "L’indicateur la première année de la période",
        Covariate::LogPopulation => {
            "La population légale (logarithme ; celle d’aujourd’hui, mesurée après les adoptions)"
        }
        Covariate::DensityLevel => "Le niveau de densité (communes)",
        Covariate::Mountain => "Commune de montagne (communes)",
    }
}
