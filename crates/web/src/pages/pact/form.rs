//! The text of a pact as a form: `/pactes/nouveau` (create) and `/pactes/{id}/modifier`
//! (edit, carrying the revision read). Territories, local authorities, partners and
//! projects are chosen by searching, never typed as codes: each list is a set of
//! checkboxes (ticked: kept), under a search field whose « Chercher » button sends the
//! form back with what was found, unticked, and everything typed kept (no script
//! needed); with the script, the territory fields suggest as one types and a choice
//! ticks itself in (`assets/app.js`, `data-pick`). Every fault is shown next to its
//! field, in French.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_core::pact::{PactContent, PactKind, Party, PartyKind, STATE_PARTY, VersionStatus};
use cohesion_core::territory::{TerritoryKind, TerritoryRef};

use crate::AppState;
use crate::pages::components::{Choice, found_territories, territory_label};
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::pact::may_create;
use crate::pages::programme::plan::Fields;
use crate::pages::visitor::Who;
use cohesion_app::error::FaultCode;
use cohesion_app::pact::{self as pacts, Acting};
use cohesion_app::{AppError, Fault};
use cohesion_core::pact::PactFault;

/// How many results a « Chercher » button shows.
const FOUND: usize = 10;

/// What the form sends (and shows back when something is wrong).
#[derive(Default, Clone)]
pub struct TextForm {
    pub csrf: String,
    /// The revision read (edit only).
    pub revision: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    /// Ticked territories, `kind:code` (the checkboxes' values).
    pub perimeter: Vec<String>,
    /// The name under which the State is a party (empty: the State is no party).
    pub state_name: String,
    /// Ticked parties other than the State: `kind|SIREN|name`.
    pub parties: Vec<String>,
    /// `state`, or the SIREN of a party.
    pub owner: String,
    /// Ticked projects (ids).
    pub actions: Vec<String>,
    /// The four search fields, and which « Chercher » button was pressed.
    pub perimeter_q: String,
    pub authority_q: String,
    pub partner_q: String,
    pub actions_q: String,
    pub search: String,
}

impl TextForm {
    fn from_fields(f: &Fields) -> TextForm {
        TextForm {
            csrf: f.get("csrf").to_owned(),
            revision: f.get("revision").to_owned(),
            kind: f.get("kind").to_owned(),
            title: f.get("title").to_owned(),
            description: f.get("description").to_owned(),
            perimeter: dedup(f.all("perimetre")),
            state_name: f.get("state_name").to_owned(),
            parties: dedup(f.all("partie")),
            owner: f.get("owner").to_owned(),
            actions: dedup(f.all("action")),
            perimeter_q: f.get("perimetre_q").to_owned(),
            authority_q: f.get("collectivite_q").to_owned(),
            partner_q: f.get("partenaire_q").to_owned(),
            actions_q: f.get("action_q").to_owned(),
            search: f.get("chercher").to_owned(),
        }
    }

    fn of(c: &PactContent, revision: i64) -> TextForm {
        TextForm {
            revision: revision.to_string(),
            kind: c.kind.as_str().to_owned(),
            title: c.title.clone(),
            description: c.description.clone(),
            perimeter: c.perimeter.iter().map(ToString::to_string).collect(),
            state_name: c
                .parties
                .iter()
                .find(|p| p.kind == PartyKind::State)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            parties: c.parties.iter().filter(|p| p.kind != PartyKind::State).map(party_value).collect(),
            owner: c.owner.clone(),
            actions: c.actions.clone(),
            ..TextForm::default()
        }
    }
}

fn dedup(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// A party as its checkbox carries it: `kind|SIREN|name`.
fn party_value(p: &Party) -> String {
    let kind = if p.kind == PartyKind::Partner { "partner" } else { "local_authority" };
    format!("{kind}|{}|{}", p.siren.clone().unwrap_or_default(), p.name)
}

/// A checkbox's value read back as a party (`None`: not of that form).
fn party_of(value: &str) -> Option<Party> {
    let mut cells = value.splitn(3, '|');
    let kind = match cells.next()? {
        "partner" => PartyKind::Partner,
        "local_authority" => PartyKind::LocalAuthority,
        _ => return None,
    };
    let siren = cells.next()?.trim().to_owned();
    let name = cells.next()?.trim().to_owned();
    Some(Party { kind, name, siren: Some(siren) })
}

/// Faults by form field (`title`, `perimeter`, `parties`, `owner`, …), in French.
#[derive(Default)]
pub struct Faults(Vec<(&'static str, String)>);

impl Faults {
    fn push(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// The messages of one field.
    pub fn of(&self, field: &str) -> Vec<&str> {
        self.0.iter().filter(|(f, _)| *f == field).map(|(_, m)| m.as_str()).collect()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| *f == field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How each element of the parsed text is named on the page, to put a fault on it.
#[derive(Default)]
struct Lines {
    perimeter: Vec<String>,
    /// `None`: the State's field; else the party's name.
    parties: Vec<Option<String>>,
    actions: Vec<String>,
}

/// The text of the form, or what is wrong with it.
fn parse(state: &AppState, f: &TextForm) -> (PactContent, Lines, Faults) {
    let snapshot = state.current();
    read(f, |t| snapshot.referential.get_ref(t).map(|x| x.name.clone()), |id| project_name(state, id))
}

/// [`parse`] with the names of territories and projects looked up by the caller.
fn read(
    f: &TextForm,
    territory: impl Fn(&TerritoryRef) -> Option<String>,
    project: impl Fn(&str) -> Option<String>,
) -> (PactContent, Lines, Faults) {
    let mut faults = Faults::default();
    let mut at = Lines::default();
    let kind = PactKind::parse(&f.kind).unwrap_or_else(|| {
        faults.push("kind", "Choisissez le type de contrat.");
        PactKind::Other
    });
    let mut perimeter = Vec::new();
    for value in &f.perimeter {
        match value.parse::<TerritoryRef>() {
            Ok(t) => {
                at.perimeter.push(territory(&t).unwrap_or_else(|| t.to_string()));
                perimeter.push(t);
            }
            Err(_) => faults.push("perimeter", "Un territoire coché n’est pas reconnu : cherchez-le à nouveau."),
        }
    }
    let mut parties = Vec::new();
    if !f.state_name.trim().is_empty() {
        parties.push(Party { kind: PartyKind::State, name: f.state_name.trim().to_owned(), siren: None });
        at.parties.push(None);
    }
    for value in &f.parties {
        match party_of(value) {
            Some(p) => {
                at.parties.push(Some(p.name.clone()));
                parties.push(p);
            }
            None => faults.push("parties", "Une partie cochée n’est pas reconnue : cherchez-la à nouveau."),
        }
    }
    let mut actions = Vec::new();
    for id in &f.actions {
        at.actions.push(project(id).unwrap_or_else(|| id.clone()));
        actions.push(id.clone());
    }
    let owner = if f.owner.trim().is_empty() { STATE_PARTY.to_owned() } else { f.owner.trim().to_owned() };
    let content = PactContent {
        kind,
        title: f.title.trim().to_owned(),
        description: f.description.trim().to_owned(),
        perimeter,
        parties,
        owner,
        actions,
    };
    (content, at, faults)
}

fn project_name(state: &AppState, id: &str) -> Option<String> {
    state.projects.load().get(id).map(|p| p.input.name.clone())
}

fn nth<'a>(labels: &'a [String], field: &str) -> Option<&'a str> {
    let i: usize = field.split_once('[')?.1.split(']').next()?.parse().ok()?;
    labels.get(i).map(String::as_str)
}

fn party_place(at: &Lines, field: &str) -> String {
    match field.split_once('[').and_then(|(_, r)| r.split(']').next()).and_then(|i| i.parse::<usize>().ok()) {
        Some(i) => match at.parties.get(i) {
            Some(None) => "Partie État".to_owned(),
            Some(Some(name)) => format!("« {name} »"),
            None => "Une partie".to_owned(),
        },
        None => "Une partie".to_owned(),
    }
}

/// The validation faults of the text, in French on their field (the rows of the
/// text areas where they are).
fn french(errors: &[Fault], at: &Lines) -> Faults {
    let mut out = Faults::default();
    for e in errors {
        let f = e.field.as_str();
        let FaultCode::Pact(code) = &e.code else {
            out.push("title", crate::pages::fault::french(e));
            continue;
        };
        if f == "title" {
            out.push(
                "title",
                if matches!(code, PactFault::TooLong { .. }) {
                    "300 caractères au plus."
                } else {
                    "Donnez un titre au pacte."
                },
            );
        } else if f == "description" {
            out.push("description", "20 000 caractères au plus.");
        } else if f == "perimeter" {
            out.push("perimeter", "Le pacte couvre au moins un territoire.");
        } else if f.starts_with("perimeter[") {
            let t = nth(&at.perimeter, f).map_or_else(String::new, |t| format!("« {t} » "));
            out.push("perimeter", format!("{t}n’est pas dans le référentiel des territoires."));
        } else if f == "parties" {
            out.push("parties", "Un pacte lie au moins deux parties (l’État et une collectivité, par exemple).");
        } else if f.starts_with("parties[") {
            let place = party_place(at, f);
            let what = match code {
                PactFault::PartyNameRequired => "nommez la partie.",
                PactFault::NotSirenOrSiret(_) => "ce n’est ni un SIREN (9 chiffres) ni un SIRET (14 chiffres) valide.",
                PactFault::SirenRequired => "une collectivité ou un partenaire se désigne par son SIREN.",
                PactFault::StateHasNoSiren => "la partie État n’a pas de SIREN.",
                _ => "cette partie figure deux fois.",
            };
            let key = if place == "Partie État" { "state_name" } else { "parties" };
            out.push(key, format!("{place} : {what}"));
        } else if f == "owner" {
            out.push("owner", "Le pilote doit être l’une des parties cochées.");
        } else if f.starts_with("actions[") {
            let n = nth(&at.actions, f).map_or_else(String::new, |n| format!("« {n} » : "));
            let what = match code {
                PactFault::ActionTwice => "ce projet figure deux fois.".to_owned(),
                PactFault::OutsidePerimeter { name, .. } => {
                    format!("ce projet porte sur {name}, hors du périmètre du pacte.")
                }
                _ => "ce projet n’existe plus sur la plateforme.".to_owned(),
            };
            out.push("actions", format!("{n}{what}"));
        } else {
            out.push("title", crate::pages::fault::french(e));
        }
    }
    out
}

/// The faults of how the text is written, plus those the rules find in what could be
/// read of it: every fault at once, not one round per kind.
fn with_rules(state: &AppState, mut faults: Faults, content: &PactContent, at: &Lines) -> Faults {
    let errors: Vec<Fault> = cohesion_app::pact::content_faults(state, content)
        .into_iter()
        // A field whose lines could not be read is already explained.
        .filter(|f| !faults.has(f.field.as_str()) || f.field.contains('['))
        .map(|f| Fault::new(f.field, f.fault))
        .collect();
    faults.0.extend(french(&errors, at).0);
    faults
}

/// One checkbox of a chosen list (ticked) or of search results (not yet).
pub struct Picked {
    pub value: String,
    pub label: String,
}

/// A list chosen by searching: the ticked items, then what the last search found.
#[derive(Default)]
pub struct Pick {
    pub chosen: Vec<Picked>,
    pub found: Vec<Picked>,
    /// « Aucun territoire ne correspond à « … ». », after a search that found nothing.
    pub none: Option<String>,
}

#[derive(Template)]
#[template(path = "pact_form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    submit: &'static str,
    form: TextForm,
    kinds: Vec<Choice>,
    perimeter: Pick,
    authorities: Pick,
    partners: Pick,
    actions: Pick,
    /// (value, label, selected) of the pilot's select: the State and each party.
    owners: Vec<(String, String, bool)>,
    faults: Faults,
    /// A fault of the whole form (not allowed, stale revision), in French.
    alert: Option<String>,
    editing: bool,
}

fn party_label(p: &Party) -> String {
    match p.siren.as_deref() {
        Some(s) if !s.is_empty() => format!("{} (SIREN {s})", p.name),
        _ => p.name.clone(),
    }
}

/// The territories matching `q`, as checkboxes not yet ticked (those already chosen
/// are left out); `kinds` narrows to the collectivities a party can be.
fn find_territories(state: &AppState, q: &str, skip: &[String], parties: bool) -> Vec<(TerritoryRef, String)> {
    found_territories(state, q, 40)
        .into_iter()
        .filter(|t| !parties || (t.siren.is_some() && t.kind != TerritoryKind::ArrondissementMunicipal))
        .map(|t| (TerritoryRef { kind: t.kind, code: t.code }, t.name))
        .filter(|(t, _)| !skip.contains(&t.to_string()))
        .take(FOUND)
        .collect()
}

fn none(what: &str, q: &str, found: &[Picked]) -> Option<String> {
    found.is_empty().then(|| format!("Aucun{what} ne correspond à « {q} »."))
}

async fn form_page(
    state: &AppState,
    who: &Who,
    form: TextForm,
    faults: Faults,
    alert: Option<String>,
    pact: Option<(&str, &str)>,
) -> FormPage {
    let kind = PactKind::parse(&form.kind);
    let mut kinds = vec![Choice { value: "", label: "Choisir un type", selected: kind.is_none() }];
    kinds.extend(PactKind::ALL.iter().map(|&k| Choice {
        value: k.as_str(),
        label: k.label(),
        selected: kind == Some(k),
    }));
    let (layout, action, submit) = match pact {
        Some((id, title)) => (
            Layout::new(&who.config, "Modifier le texte du pacte", Nav::Pacts)
                .crumb("Pactes", "/pactes")
                .crumb(title.to_owned(), format!("/pactes/{id}")),
            format!("/pactes/{id}/modifier"),
            "Enregistrer le texte",
        ),
        None => (
            Layout::new(&who.config, "Créer un pacte", Nav::Pacts).crumb("Pactes", "/pactes"),
            "/pactes/nouveau".to_owned(),
            "Créer le pacte (brouillon)",
        ),
    };
    let ticked = |value: &str, label: String| Picked { value: value.to_owned(), label };
    let offered = |value: String, label: String| Picked { value, label };

    let mut perimeter = Pick {
        chosen: form
            .perimeter
            .iter()
            .map(|v| ticked(v, v.parse::<TerritoryRef>().map_or_else(|_| v.clone(), |t| territory_label(state, &t))))
            .collect(),
        ..Pick::default()
    };
    let parties: Vec<Party> = form.parties.iter().filter_map(|v| party_of(v)).collect();
    let mut authorities = Pick::default();
    let mut partners = Pick::default();
    for (value, p) in form.parties.iter().zip(parties.iter()) {
        let list = if p.kind == PartyKind::Partner { &mut partners } else { &mut authorities };
        list.chosen.push(ticked(value, party_label(p)));
    }
    let mut actions = Pick {
        chosen: form
            .actions
            .iter()
            .map(|id| ticked(id, project_name(state, id).unwrap_or_else(|| format!("projet {id}"))))
            .collect(),
        ..Pick::default()
    };
    match form.search.as_str() {
        "perimetre" if !form.perimeter_q.trim().is_empty() => {
            let q = form.perimeter_q.trim();
            perimeter.found = find_territories(state, q, &form.perimeter, false)
                .into_iter()
                .map(|(t, _)| offered(t.to_string(), territory_label(state, &t)))
                .collect();
            perimeter.none = none(" territoire", q, &perimeter.found);
        }
        "collectivite" if !form.authority_q.trim().is_empty() => {
            let q = form.authority_q.trim();
            let snapshot = state.current();
            // A collectivity registered as an organisation is named as it is registered.
            let organisations = cohesion_app::access::organisation::list(state).await.unwrap_or_default();
            authorities.found = find_territories(state, q, &[], true)
                .into_iter()
                .filter_map(|(t, name)| {
                    let siren = snapshot.referential.get_ref(&t)?.siren.clone()?;
                    let name = organisations
                        .iter()
                        .find(|o| o.siren.as_deref() == Some(siren.as_str()))
                        .map_or(name, |o| o.name.clone());
                    let p = Party { kind: PartyKind::LocalAuthority, name, siren: Some(siren) };
                    let value = party_value(&p);
                    (!form.parties.contains(&value)).then(|| offered(value, territory_label(state, &t)))
                })
                .collect();
            authorities.none = none("e collectivité", q, &authorities.found);
        }
        "partenaire" if !form.partner_q.trim().is_empty() => {
            let q = form.partner_q.trim();
            let folded = cohesion_core::territory::fold(q);
            let organisations = cohesion_app::access::organisation::list(state).await.unwrap_or_default();
            partners.found = organisations
                .iter()
                .filter(|o| o.kind == cohesion_core::access::organisation::OrganisationKind::Partner)
                .filter(|o| cohesion_core::territory::fold(&o.name).contains(&folded))
                .filter_map(|o| {
                    let siren = o.siret.clone().or_else(|| o.siren.clone())?;
                    let p = Party { kind: PartyKind::Partner, name: o.name.clone(), siren: Some(siren) };
                    let value = party_value(&p);
                    (!form.parties.contains(&value)).then(|| offered(value, party_label(&p)))
                })
                .take(FOUND)
                .collect();
            partners.none = none(" partenaire enregistré", q, &partners.found);
        }
        "action" if !form.actions_q.trim().is_empty() => {
            let q = form.actions_q.trim();
            let mut seen: Vec<String> = form.actions.clone();
            let mut found = Vec::new();
            let places: Vec<Option<TerritoryRef>> = if form.perimeter.is_empty() {
                vec![None]
            } else {
                form.perimeter.iter().filter_map(|v| v.parse().ok()).map(Some).collect()
            };
            for territory in places {
                let filter =
                    cohesion_app::project::catalog::Filter { q: Some(q.to_owned()), territory, ..Default::default() };
                if let Ok(page) = cohesion_app::project::search(state, &filter, 0, FOUND) {
                    for p in page.items {
                        if !seen.contains(&p.id) && found.len() < FOUND {
                            seen.push(p.id.clone());
                            let place = p.territories.first().and_then(|t| t.parse::<TerritoryRef>().ok());
                            let place = place.map(|t| format!(" ({})", territory_label(state, &t))).unwrap_or_default();
                            found.push(offered(p.id.clone(), format!("{}{place}", p.name)));
                        }
                    }
                }
            }
            actions.found = found;
            actions.none =
                none(if form.perimeter.is_empty() { " projet" } else { " projet du périmètre" }, q, &actions.found);
        }
        _ => {}
    }
    let owner = if form.owner.is_empty() { STATE_PARTY } else { form.owner.as_str() };
    let mut owners = vec![(STATE_PARTY.to_owned(), "L’État".to_owned(), owner == STATE_PARTY)];
    for p in &parties {
        let siren = p.siren.clone().unwrap_or_default();
        let selected = siren == owner;
        owners.push((siren, p.name.clone(), selected));
    }
    FormPage {
        layout,
        action,
        submit,
        form,
        kinds,
        perimeter,
        authorities,
        partners,
        actions,
        owners,
        faults,
        alert,
        editing: pact.is_some(),
    }
}

fn answer(who: &Who, status: StatusCode, page: &FormPage) -> Result<Response, PageError> {
    Ok((status, render(&who.config, page)?).into_response())
}

/// `GET /pactes/nouveau`.
pub async fn new_page(State(state): State<AppState>, who: Who) -> Result<Response, PageError> {
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    if !may_create(Some(&me.principal)) {
        return Err(PageError::forbidden(&who.config));
    }
    let form = TextForm { owner: STATE_PARTY.into(), ..TextForm::default() };
    answer(&who, StatusCode::OK, &form_page(&state, &who, form, Faults::default(), None, None).await)
}

/// `POST /pactes/nouveau`: a « Chercher » button shows the form again with what was
/// found; otherwise creates the pact in draft, then shows it.
pub async fn create(
    State(state): State<AppState>,
    who: Who,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = TextForm::from_fields(&Fields(fields));
    who.check_csrf(&form.csrf)?;
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    if !form.search.is_empty() {
        return answer(&who, StatusCode::OK, &form_page(&state, &who, form, Faults::default(), None, None).await);
    }
    let acting = Acting::of(&state, me.principal.clone()).await.map_err(|e| PageError::internal(&who.config, e))?;
    let (content, at, faults) = parse(&state, &form);
    if !faults.is_empty() {
        let faults = with_rules(&state, faults, &content, &at);
        return answer(&who, StatusCode::BAD_REQUEST, &form_page(&state, &who, form, faults, None, None).await);
    }
    match pacts::create(&state, &acting, content.clone()).await {
        Ok(p) => Ok(Redirect::to(&format!("/pactes/{}?info=cree", p.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let faults = french(&errors, &at);
            answer(&who, StatusCode::BAD_REQUEST, &form_page(&state, &who, form, faults, None, None).await)
        }
        Err(AppError::Forbidden(_)) => {
            let mut faults = Faults::default();
            faults.push(
                "owner",
                "Vous n’agissez pas pour la partie pilote : l’État (délégué du département du périmètre) ou la \
                 collectivité choisie.",
            );
            answer(&who, StatusCode::FORBIDDEN, &form_page(&state, &who, form, faults, None, None).await)
        }
        Err(e) => Err(PageError::internal(&who.config, e)),
    }
}

/// `GET /pactes/{id}/modifier`: the text of the version being written, for its owner.
pub async fn edit_page(State(state): State<AppState>, who: Who, Path(id): Path<String>) -> Result<Response, PageError> {
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let p = match pacts::load(&state, &id).await {
        Ok(p) => p,
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let acting = Acting::of(&state, me.principal.clone()).await.map_err(|e| PageError::internal(&who.config, e))?;
    if !acting.is_owner(&state, &p.current().content) {
        return Err(PageError::forbidden(&who.config));
    }
    let alert = match p.working().map(|v| v.status) {
        Some(VersionStatus::Draft | VersionStatus::CoConstruction) => None,
        Some(_) => Some("Le texte est soumis à signature : rouvrez la co-construction pour le modifier.".to_owned()),
        None => Some("La version en vigueur est signée : toute modification passe par un avenant.".to_owned()),
    };
    let c = &p.current().content;
    let form = TextForm::of(c, p.revision);
    let page = form_page(&state, &who, form, Faults::default(), alert, Some((&id, &c.title))).await;
    answer(&who, StatusCode::OK, &page)
}

/// `POST /pactes/{id}/modifier`: a « Chercher » button shows the form again with what
/// was found; otherwise replaces the text if nobody changed the pact since it was read.
pub async fn edit(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = TextForm::from_fields(&Fields(fields));
    who.check_csrf(&form.csrf)?;
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let current = match pacts::load(&state, &id).await {
        Ok(p) => p,
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let title = current.current().content.title.clone();
    let acting = Acting::of(&state, me.principal.clone()).await.map_err(|e| PageError::internal(&who.config, e))?;
    if !acting.is_owner(&state, &current.current().content) {
        return Err(PageError::forbidden(&who.config));
    }
    let editing = Some((id.as_str(), title.as_str()));
    if !form.search.is_empty() {
        return answer(&who, StatusCode::OK, &form_page(&state, &who, form, Faults::default(), None, editing).await);
    }
    let (content, at, mut faults) = parse(&state, &form);
    let Ok(expected) = form.revision.trim().parse::<i64>() else {
        let alert = Some("Le formulaire ne dit pas quelle révision vous avez lue : rechargez la page.".to_owned());
        return answer(&who, StatusCode::BAD_REQUEST, &form_page(&state, &who, form, faults, alert, editing).await);
    };
    if !faults.is_empty() {
        let faults = with_rules(&state, faults, &content, &at);
        return answer(&who, StatusCode::BAD_REQUEST, &form_page(&state, &who, form, faults, None, editing).await);
    }
    let (status, alert) = match pacts::edit(&state, &acting, &id, expected, content.clone()).await {
        Ok(_) => return Ok(Redirect::to(&format!("/pactes/{id}?info=texte")).into_response()),
        Err(AppError::Invalid(errors)) => {
            faults = french(&errors, &at);
            (StatusCode::BAD_REQUEST, None)
        }
        Err(AppError::Conflict(message)) => (StatusCode::CONFLICT, Some(capitalised(&message))),
        Err(AppError::Forbidden(_)) => {
            faults.push("owner", "Le pilote doit rester une partie pour laquelle vous agissez.");
            (StatusCode::FORBIDDEN, None)
        }
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    answer(&who, status, &form_page(&state, &who, form, faults, alert, editing).await)
}

/// A message of the rules, as a sentence.
pub fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> TextForm {
        TextForm {
            kind: "cohesion".into(),
            title: " Pacte ".into(),
            perimeter: vec!["commune:42218".into(), "departement:42".into(), "nimporte".into()],
            state_name: "Préfecture de la Loire".into(),
            parties: vec![
                "local_authority|214202186|Saint-Étienne".into(),
                "partner|130005481|P".into(),
                "sans séparateur".into(),
            ],
            owner: "state".into(),
            actions: vec!["abc".into(), "def".into()],
            ..TextForm::default()
        }
    }

    #[test]
    fn ticked_boxes_become_territories_parties_and_projects() {
        let (c, at, faults) = read(&form(), |t| (t.code == "42218").then(|| "Saint-Étienne".into()), |_| None);
        assert_eq!(c.title, "Pacte");
        assert_eq!(c.perimeter.len(), 2);
        assert_eq!(at.perimeter, ["Saint-Étienne", "departement:42"]);
        assert_eq!(faults.of("perimeter"), ["Un territoire coché n’est pas reconnu : cherchez-le à nouveau."]);
        assert_eq!(c.parties.len(), 3);
        assert_eq!(c.parties[2].kind, PartyKind::Partner);
        assert_eq!(faults.of("parties").len(), 1);
        assert_eq!(c.owner, "state");
        assert_eq!(c.actions, ["abc", "def"]);
        let back = TextForm::of(&c, 3);
        assert_eq!(back.owner, "state");
        assert!(back.parties.contains(&"partner|130005481|P".to_owned()), "the same boxes again");
        let (again, _, faults) = read(&back, |_| None, |_| None);
        assert!(faults.is_empty());
        assert_eq!(again.parties, c.parties, "the form round-trips the text");
    }

    #[test]
    fn faults_land_on_the_named_item_in_french() {
        let form = TextForm {
            kind: "crte".into(),
            state_name: "État".into(),
            parties: vec!["local_authority|214202186|Saint-Étienne".into(), "local_authority|123|Autre".into()],
            actions: vec!["a".into(), "b".into()],
            ..TextForm::default()
        };
        let (_, at, _) = read(&form, |_| None, |id| Some(format!("Projet {id}")));
        let errors = vec![
            Fault::new("parties[2].siren", PactFault::NotSirenOrSiret("123".into())),
            Fault::new("actions[1]", PactFault::NoProject("b".into())),
            Fault::new("title", PactFault::TitleRequired),
        ];
        let f = french(&errors, &at);
        assert_eq!(
            f.of("parties"),
            ["« Autre » : ce n’est ni un SIREN (9 chiffres) ni un SIRET (14 chiffres) valide."]
        );
        assert_eq!(f.of("actions"), ["« Projet b » : ce projet n’existe plus sur la plateforme."]);
        assert_eq!(f.of("title"), ["Donnez un titre au pacte."]);
    }
}
