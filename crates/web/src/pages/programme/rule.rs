//! A programme's eligibility rule from the page (`/programmes/{code}/eligibilite`):
//! one field per criterion the rule supports (`cohesion_core::programme::eligibility::Rule`),
//! the lists of centrality and rurality labels taken from the referential. Same rule
//! and checks as `PUT /api/v1/programmes/{code}/eligibility`.

use std::collections::BTreeSet;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_core::programme::eligibility::Rule;
use cohesion_core::territory::{DENSITY_LEVELS, TerritoryKind};

use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::programme::import::{form_manager, manager};
use crate::pages::programme::plan::{Choice, Fields};
use crate::pages::programme::programme_href;
use crate::pages::visitor::Who;
use cohesion_app::AppError;
use cohesion_app::programme::set_rule;

#[derive(Template)]
#[template(path = "programme_eligibilite.html")]
struct RulePage {
    layout: Layout,
    form_action: String,
    back: String,
    errors: Vec<String>,
    population_min: String,
    population_max: String,
    densities: Vec<Choice>,
    centralities: Vec<Choice>,
    rurality: Vec<Choice>,
    /// "", "oui" or "non".
    mountain: &'static str,
    departements: String,
    member_of: Vec<Choice>,
    not_member_of: Vec<Choice>,
}

fn choices(values: impl IntoIterator<Item = (String, String)>, chosen: &[String]) -> Vec<Choice> {
    values.into_iter().map(|(value, label)| Choice { checked: chosen.contains(&value), value, label }).collect()
}

fn rule_page(state: &AppState, who: &Who, code: &str, rule: &Rule) -> Result<RulePage, PageError> {
    let s = state.current();
    let name = s.programmes.programme(code).ok_or_else(|| PageError::not_found(&who.config))?.name.clone();
    let (mut centralities, mut rurality) = (BTreeSet::new(), BTreeSet::new());
    for t in s.referential.all().iter().filter(|t| t.kind == TerritoryKind::Commune) {
        centralities.extend(t.typology.centrality.clone());
        rurality.extend(t.typology.rurality.clone());
    }
    let pair = |v: String| (v.clone(), v);
    let levels: Vec<String> = rule.density_levels.iter().map(u8::to_string).collect();
    let others: Vec<(String, String)> = s
        .programmes
        .programmes()
        .iter()
        .filter(|p| p.code != code)
        .map(|p| (p.code.clone(), format!("{} ({})", p.name, p.acronym)))
        .collect();
    Ok(RulePage {
        layout: Layout::new(&who.config, "Règle d’éligibilité", Nav::Programmes)
            .crumb("Programmes", "/programmes")
            .crumb(name, programme_href(code)),
        form_action: format!("/programmes/{code}/eligibilite"),
        back: format!("{}#eligibilite-titre", programme_href(code)),
        errors: Vec::new(),
        population_min: rule.population_min.map(|n| n.to_string()).unwrap_or_default(),
        population_max: rule.population_max.map(|n| n.to_string()).unwrap_or_default(),
        densities: choices(
            DENSITY_LEVELS.iter().enumerate().map(|(i, l)| ((i + 1).to_string(), format!("{} – {l}", i + 1))),
            &levels,
        ),
        centralities: choices(centralities.into_iter().map(pair), &rule.centralities),
        rurality: choices(rurality.into_iter().map(pair), &rule.rurality),
        mountain: match rule.mountain {
            None => "",
            Some(true) => "oui",
            Some(false) => "non",
        },
        departements: rule.departements.join(", "),
        member_of: choices(others.clone(), &rule.member_of),
        not_member_of: choices(others, &rule.not_member_of),
    })
}

/// `GET /programmes/{code}/eligibilite`.
pub async fn page(State(state): State<AppState>, who: Who, Path(code): Path<String>) -> Result<Response, PageError> {
    if let Err(r) = manager(&who, &code) {
        return Ok(*r);
    }
    let rule = state.current().programmes.rule(&code).cloned().unwrap_or_default();
    Ok(render(&who.config, &rule_page(&state, &who, &code, &rule)?)?.into_response())
}

/// The rule the form describes, or what is wrong in it (in French).
fn read_rule(f: &Fields) -> (Rule, Vec<String>) {
    let mut errors = Vec::new();
    let mut number = |name: &str, label: &str| match f.get(name).replace([' ', '\u{202f}', '\u{a0}'], "") {
        v if v.is_empty() => None,
        v => v.parse::<u64>().map_err(|_| errors.push(format!("{label} : « {v} » n’est pas un nombre entier."))).ok(),
    };
    let population_min = number("population_min", "Population minimale");
    let population_max = number("population_max", "Population maximale");
    let rule = Rule {
        population_min,
        population_max,
        density_levels: f.all("density_levels").iter().filter_map(|l| l.parse().ok()).collect(),
        centralities: f.all("centralities"),
        rurality: f.all("rurality"),
        mountain: match f.get("mountain") {
            "oui" => Some(true),
            "non" => Some(false),
            _ => None,
        },
        departements: f
            .get("departements")
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_uppercase)
            .collect(),
        member_of: f.all("member_of"),
        not_member_of: f.all("not_member_of"),
    };
    (rule, errors)
}

/// `POST /programmes/{code}/eligibilite`.
pub async fn save(
    State(state): State<AppState>,
    who: Who,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = Fields(fields);
    let me = match form_manager(&who, f.get("csrf"), &code) {
        Ok(me) => me,
        Err(r) => return Ok(*r),
    };
    let (rule, mut errors) = read_rule(&f);
    if errors.is_empty() {
        match set_rule(&state, &me.principal, &code, &rule).await {
            Ok(()) => {
                let to = format!("{}?info=eligibilite", programme_href(&code));
                return Ok(Redirect::to(&to).into_response());
            }
            Err(AppError::Invalid(faults)) => errors.extend(faults.iter().map(crate::pages::fault::french)),
            Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
            Err(e) => return Err(PageError::internal(&who.config, e)),
        }
    }
    let mut page = rule_page(&state, &who, &code, &rule)?;
    page.population_min = f.get("population_min").to_owned();
    page.population_max = f.get("population_max").to_owned();
    page.errors = errors;
    Ok((StatusCode::BAD_REQUEST, render(&who.config, &page)?).into_response())
}
