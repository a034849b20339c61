//! `/programmes` (the catalogue) and `/programmes/{code}` (a programme's dashboard:
//! key figures, choropleth of départements, tables by région and département, split
//! by density level, overlap with the other programmes, eligibility, action plan,
//! members table paginated, export links).

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use cohesion_core::programme::index::Share;
use cohesion_core::programme::{Domain, Membership, MembershipStatus, Programme, can_manage};
use cohesion_core::territory::{Referential, TerritoryKind};
use serde::Deserialize;

use crate::AppState;
use crate::pages::PagesConfig;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, Pagination, fr_number, kind_label, plural, territory_href};
use crate::pages::map::{CHART_WIDTH, Choropleth, DensityChart, Noun, choropleth, density_chart_of};
use crate::pages::visitor::Who;
use cohesion_app::programme::{MemberFilter, MemberSort};

const PER_PAGE: usize = 50;

pub fn domain_label(d: Domain) -> &'static str {
    match d {
        Domain::Rurality => "Ruralités",
        Domain::UrbanPolicy => "Politique de la ville",
        Domain::Digital => "Numérique",
    }
}

pub fn status_label(s: MembershipStatus) -> &'static str {
    match s {
        MembershipStatus::Candidate => "Candidat",
        MembershipStatus::Labelled => "Labellisé",
        MembershipStatus::Active => "Actif",
        MembershipStatus::Exited => "Sorti",
    }
}

/// "28/05/2021" from "2021-05-28".
pub fn fr_date(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}

pub fn programme_href(code: &str) -> String {
    format!("/programmes/{code}")
}

pub struct CatalogueRow {
    pub href: String,
    pub name: String,
    pub acronym: String,
    pub domains: Vec<&'static str>,
    pub members: String,
    pub territories: String,
    pub communes: String,
    pub population: String,
}

#[derive(Template)]
#[template(path = "programmes.html")]
struct CataloguePage {
    layout: Layout,
    rows: Vec<CatalogueRow>,
}

/// `GET /programmes`.
pub async fn catalogue(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<PagesConfig>>,
) -> Result<Html<String>, PageError> {
    let s = state.current();
    let rows = s
        .programmes
        .programmes()
        .iter()
        .map(|p| {
            let d = s.programmes.dashboard(&p.code);
            let n = |f: fn(&cohesion_core::programme::index::Dashboard) -> u64| fr_number(d.map_or(0, f));
            CatalogueRow {
                href: programme_href(&p.code),
                name: p.name.clone(),
                acronym: p.acronym.clone(),
                domains: p.domains.iter().map(|&d| domain_label(d)).collect(),
                members: n(|d| d.members as u64),
                territories: n(|d| d.groups as u64),
                communes: n(|d| d.communes as u64),
                population: n(|d| d.population),
            }
        })
        .collect();
    let layout = Layout::new(&config, "Programmes nationaux d’appui", Nav::Programmes);
    render(&config, &CataloguePage { layout, rows })
}

pub struct Figure {
    pub value: String,
    pub label: &'static str,
}

pub struct AreaRow {
    pub href: String,
    pub name: String,
    pub code: String,
    pub members: String,
    pub communes: String,
    pub population: String,
}

pub struct OverlapRow {
    pub href: String,
    pub name: String,
    pub communes: String,
    pub share: String,
}

pub struct MemberRow {
    pub href: Option<String>,
    pub name: String,
    pub kind: &'static str,
    pub departement: String,
    pub group: String,
    pub status: &'static str,
    pub dates: String,
}

/// The members' filter as the form shows it back.
pub struct MembersForm {
    pub q: String,
    pub departements: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub sorts: Vec<Choice>,
    pub descending: bool,
    pub active: bool,
}

/// An option of a select, selected or not.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One change of a membership: when, which territory, what changed.
pub struct ChangeRow {
    pub at: String,
    pub name: String,
    pub href: Option<String>,
    pub what: String,
}

pub struct ActionRow {
    pub edit: String,
    pub title: String,
    pub transitions: String,
    pub status: &'static str,
    pub owner: String,
}

pub struct EligibilityBlock {
    pub eligible: String,
    pub eligible_not_member: String,
    pub member_not_eligible: String,
    pub api: String,
}

#[derive(Template)]
#[template(path = "programme.html")]
struct DashboardPage {
    layout: Layout,
    p: Programme,
    started: Option<String>,
    domains: Vec<&'static str>,
    figures: Vec<Figure>,
    map: Choropleth,
    regions: Vec<AreaRow>,
    departements: Vec<AreaRow>,
    chart: Option<DensityChart>,
    chart_width: u32,
    overlap: Vec<OverlapRow>,
    eligibility: Option<EligibilityBlock>,
    actions: Vec<ActionRow>,
    members: Vec<MemberRow>,
    members_total: String,
    /// "12 sur 1 645" when the filter keeps part of the members.
    members_shown: Option<String>,
    filter: MembersForm,
    /// The latest changes of the memberships (status, dates, joins, exits).
    changes: Vec<ChangeRow>,
    pagination: Option<Pagination>,
    csv: String,
    geojson: String,
    api: String,
    /// The visitor may change this programme: the forms are shown.
    manage: bool,
    notice: Option<String>,
    base: String,
    import_action: String,
}

#[derive(Deserialize, Default)]
pub struct Params {
    page: Option<String>,
    /// The members' filter (a GET form, no script needed): words or code, département,
    /// status, order.
    q: Option<String>,
    departement: Option<String>,
    statut: Option<String>,
    tri: Option<String>,
    ordre: Option<String>,
    info: Option<String>,
    ajouts: Option<usize>,
    retraits: Option<usize>,
    modifications: Option<usize>,
}

/// The success notice after a form, from the redirection's query.
fn notice(p: &Params) -> Option<String> {
    match p.info.as_deref()? {
        "import" => Some(format!(
            "La liste des membres est mise à jour : {}, {}, {}.",
            plural(p.ajouts.unwrap_or(0), "ajout", "ajouts"),
            plural(p.retraits.unwrap_or(0), "retrait", "retraits"),
            plural(p.modifications.unwrap_or(0), "modification", "modifications")
        )),
        "action" => Some("L’action est enregistrée.".into()),
        "apercu-ecarte" => Some("La liste vérifiée est écartée : elle n’a pas été appliquée.".into()),
        "cree" => Some("Le programme est ajouté au catalogue. Importez sa liste de membres ci-dessous.".into()),
        "eligibilite" => Some("La règle d’éligibilité est enregistrée.".into()),
        _ => None,
    }
}

fn area_rows(r: &Referential, kind: TerritoryKind, shares: &[Share]) -> Vec<AreaRow> {
    shares
        .iter()
        .map(|s| AreaRow {
            href: r.get(kind, &s.code).map(territory_href).unwrap_or_default(),
            name: s.name.clone(),
            code: s.code.clone(),
            members: fr_number(s.members as u64),
            communes: fr_number(s.communes as u64),
            population: fr_number(s.population),
        })
        .collect()
}

fn percent(part: usize, total: usize) -> String {
    if total == 0 {
        return "—".into();
    }
    let tenths = (part as f64 * 1000.0 / total as f64).round() as u64;
    format!("{},{}\u{a0}%", tenths / 10, tenths % 10)
}

/// `GET /programmes/{code}`.
pub async fn dashboard(
    State(state): State<AppState>,
    who: Who,
    Path(code): Path<String>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let config = who.config.clone();
    let manage = who.auth.as_ref().is_some_and(|a| can_manage(&a.principal, &code));
    let params = params.ok().map(|Query(p)| p).unwrap_or_default();
    let notice = notice(&params);
    let s = state.current();
    let (ix, r) = (&s.programmes, &s.referential);
    let p = ix.programme(&code).ok_or_else(|| PageError::not_found(&config))?.clone();
    let d = ix.dashboard(&code).ok_or_else(|| PageError::not_found(&config))?;
    let mut figures = vec![
        Figure { value: fr_number(d.members as u64), label: "adhésions en cours" },
        Figure { value: fr_number(d.groups as u64), label: "territoires de projet" },
        Figure { value: fr_number(d.communes as u64), label: "communes couvertes" },
        Figure { value: fr_number(d.population), label: "habitants couverts" },
    ];
    if code == "fs" {
        figures.push(Figure { value: fr_number(ix.places().len() as u64), label: "lieux France services" });
    }
    if d.exited > 0 {
        figures.push(Figure { value: fr_number(d.exited as u64), label: "adhésions terminées" });
    }
    let by_dep: HashMap<&str, usize> = d.by_departement.iter().map(|s| (s.code.as_str(), s.communes)).collect();
    let covered = Noun { one: "commune couverte", many: "communes couvertes", none: "aucune" };
    let map = choropleth(r, covered, |c| by_dep.get(c).copied().unwrap_or(0) as u64);
    let mut shared: Vec<&(String, usize)> = d.overlap.iter().filter(|(_, n)| *n > 0).collect();
    shared.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let overlap = shared
        .into_iter()
        .map(|(c, n)| OverlapRow {
            href: programme_href(c),
            name: ix.programme(c).map(|p| p.name.clone()).unwrap_or_default(),
            communes: fr_number(*n as u64),
            share: percent(*n, d.communes),
        })
        .collect();
    let eligibility = ix.eligibility_report(&code).map(|e| EligibilityBlock {
        eligible: fr_number(e.eligible.len() as u64),
        eligible_not_member: fr_number(e.eligible_not_member.len() as u64),
        member_not_eligible: fr_number(e.member_not_eligible.len() as u64),
        api: format!("/api/v1/programmes/{code}/eligibility"),
    });
    let actions = ix
        .actions(&code)
        .map(|a| ActionRow {
            edit: format!("/programmes/{code}/actions/{}", a.id),
            title: a.title.clone(),
            transitions: a.transitions.iter().map(|t| transition_label(*t)).collect::<Vec<_>>().join(", "),
            status: action_status_label(a.status),
            owner: a.owner.clone().unwrap_or_default(),
        })
        .collect();
    let total = ix.members(&code).count();
    let nonempty = |v: &Option<String>| v.clone().filter(|x| !x.trim().is_empty());
    let filter = MemberFilter {
        q: nonempty(&params.q),
        departement: nonempty(&params.departement),
        region: None,
        status: params.statut.as_deref().and_then(|x| x.parse().ok()),
        sort: params.tri.as_deref().and_then(MemberSort::parse).unwrap_or_default(),
        descending: params.ordre.as_deref() == Some("desc"),
    };
    let all = cohesion_app::programme::members(&s, &code, &filter);
    let page_no = params.page.and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let pages = all.len().div_ceil(PER_PAGE).max(1);
    let page_no = page_no.min(pages);
    let members = all.iter().skip((page_no - 1) * PER_PAGE).take(PER_PAGE).map(|(m, _)| member_row(r, m)).collect();
    let base = programme_href(&code);
    let query = filter_query(&filter);
    let pagination = Pagination::new(all.len(), PER_PAGE, page_no, |n| format!("{base}?page={n}{query}#membres"));
    let form = members_form(&s, &code, &filter);
    let changes = cohesion_app::programme::changes(&state, &code, 20)
        .await
        .map_err(|e| PageError::internal(&config, e))?
        .iter()
        .map(|c| change_row(r, c))
        .collect();
    let layout = Layout::new(&config, p.name.clone(), Nav::Programmes).crumb("Programmes", "/programmes");
    let page = DashboardPage {
        layout,
        domains: p.domains.iter().map(|&d| domain_label(d)).collect(),
        started: p.started_on.as_deref().map(fr_date),
        figures,
        map,
        regions: area_rows(r, TerritoryKind::Region, &d.by_region),
        departements: area_rows(r, TerritoryKind::Departement, &d.by_departement),
        chart: density_chart_of(&d.by_density),
        chart_width: CHART_WIDTH,
        overlap,
        eligibility,
        actions,
        members,
        members_total: fr_number(total as u64),
        members_shown: form.active.then(|| format!("{} sur {}", fr_number(all.len() as u64), fr_number(total as u64))),
        filter: form,
        changes,
        pagination,
        csv: format!("/api/v1/programmes/{code}/members.csv"),
        geojson: format!("/api/v1/programmes/{code}/members.geojson"),
        api: format!("/api/v1/programmes/{code}"),
        manage,
        notice,
        import_action: format!("{base}/import"),
        base,
        p,
    };
    render(&config, &page)
}

/// The filter's part of the pagination links (`&q=…&departement=…`).
fn filter_query(f: &MemberFilter) -> String {
    let mut out = String::new();
    let mut add = |k: &str, v: &str| out.push_str(&format!("&{k}={}", crate::pages::layout::encode(v)));
    if let Some(q) = &f.q {
        add("q", q);
    }
    if let Some(d) = &f.departement {
        add("departement", d);
    }
    if let Some(st) = f.status {
        add("statut", st.as_str());
    }
    if f.sort != MemberSort::Name {
        add("tri", sort_value(f.sort));
    }
    if f.descending {
        add("ordre", "desc");
    }
    out
}

fn sort_value(s: MemberSort) -> &'static str {
    match s {
        MemberSort::Name => "nom",
        MemberSort::Code => "code",
        MemberSort::Departement => "departement",
        MemberSort::Status => "statut",
        MemberSort::SignedOn => "signature",
    }
}

/// The filter form, with the départements where the programme has members.
fn members_form(s: &cohesion_app::Snapshot, code: &str, f: &MemberFilter) -> MembersForm {
    let r = &s.referential;
    let mut deps: Vec<String> = s
        .programmes
        .members(code)
        .filter_map(|(_, at)| at.and_then(|i| cohesion_app::programme::member_departement(r.at(i)).map(str::to_owned)))
        .collect();
    deps.sort();
    deps.dedup();
    let choice = |value: String, label: String, selected: bool| Choice { value, label, selected };
    let mut departements = vec![choice(String::new(), "Tous les départements".into(), f.departement.is_none())];
    departements.extend(deps.into_iter().map(|d| {
        let name = r.get(TerritoryKind::Departement, &d).map(|t| t.name.clone()).unwrap_or_default();
        let selected = f.departement.as_deref() == Some(d.as_str());
        choice(d.clone(), format!("{d} — {name}"), selected)
    }));
    let mut statuses = vec![choice(String::new(), "Tous les statuts".into(), f.status.is_none())];
    statuses.extend(cohesion_core::programme::MembershipStatus::ALL.iter().map(|&st| {
        choice(st.as_str().to_owned(), crate::pages::programme::status_label(st).to_owned(), f.status == Some(st))
    }));
    let sorts = [
        (MemberSort::Name, "Nom"),
        (MemberSort::Code, "Code"),
        (MemberSort::Departement, "Département"),
        (MemberSort::Status, "Statut"),
        (MemberSort::SignedOn, "Date de signature"),
    ]
    .into_iter()
    .map(|(sort, label)| choice(sort_value(sort).to_owned(), label.to_owned(), f.sort == sort))
    .collect();
    MembersForm {
        q: f.q.clone().unwrap_or_default(),
        departements,
        statuses,
        sorts,
        descending: f.descending,
        active: f.q.is_some() || f.departement.is_some() || f.status.is_some(),
    }
}

/// A change of a membership in words.
pub fn change_row(
    r: &cohesion_core::territory::Referential,
    c: &cohesion_app::programme::MembershipChange,
) -> ChangeRow {
    let m = &c.after.membership;
    let t = r.get_ref(&m.territory);
    let status = crate::pages::programme::status_label;
    ChangeRow {
        at: crate::pages::components::moment(c.after.valid_from),
        name: t.map_or_else(|| m.territory.to_string(), |t| t.name.clone()),
        href: t.map(territory_href),
        what: match &c.before {
            Some(b) => crate::pages::programme::import::changes(b, m),
            None => format!("entrée dans le programme (statut : {})", status(m.status)),
        },
    }
}

pub fn transition_label(t: cohesion_core::programme::Transition) -> &'static str {
    use cohesion_core::programme::Transition as T;
    match t {
        T::Ecological => "écologique",
        T::Digital => "numérique",
        T::Democratic => "démocratique",
        T::Demographic => "démographique",
        T::Recovery => "relance économique",
    }
}

pub fn action_status_label(s: cohesion_core::programme::ActionStatus) -> &'static str {
    use cohesion_core::programme::ActionStatus as S;
    match s {
        S::Planned => "Prévue",
        S::InProgress => "En cours",
        S::Done => "Réalisée",
        S::Abandoned => "Abandonnée",
    }
}

/// A membership as a row of the members table (and of the import preview).
pub fn member_row(r: &Referential, m: &Membership) -> MemberRow {
    let t = r.get(m.territory.kind, &m.territory.code);
    let dep = t.and_then(|t| match t.kind {
        TerritoryKind::Epci => t.departements.first().cloned(),
        TerritoryKind::Departement => Some(t.code.clone()),
        _ => t.parents.departement.clone(),
    });
    let mut dates = Vec::new();
    if let Some(d) = &m.signed_on {
        dates.push(format!("signée le {}", fr_date(d)));
    }
    if let Some(d) = &m.labelled_on {
        dates.push(format!("labellisé le {}", fr_date(d)));
    }
    if let Some(d) = &m.exited_on {
        dates.push(format!("sortie le {}", fr_date(d)));
    }
    MemberRow {
        href: t.map(territory_href),
        name: t.map_or_else(|| m.territory.code.clone(), |t| t.name.clone()),
        kind: kind_label(m.territory.kind),
        departement: dep.unwrap_or_default(),
        group: m.group_name.clone().or_else(|| m.group_id.clone()).unwrap_or_default(),
        status: status_label(m.status),
        dates: dates.join(", "),
    }
}
