//! The text of a pact as a form: `/pactes/nouveau` (create) and `/pactes/{id}/modifier`
//! (edit, carrying the revision read). Territories, parties and projects are typed
//! one per line; every fault is shown next to its field, in French, with what was
//! typed kept as it was.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_core::pact::{PactContent, PactKind, Party, PartyKind, STATE_PARTY, VersionStatus};
use cohesion_core::territory::TerritoryRef;
use serde::Deserialize;

use crate::AppState;
use crate::pages::components::Choice;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::pact::may_create;
use crate::pages::visitor::Who;
use cohesion_app::error::FaultCode;
use cohesion_app::pact::{self as pacts, Acting};
use cohesion_app::{AppError, Fault};
use cohesion_core::pact::PactFault;

/// What the form sends (and shows back when something is wrong).
#[derive(Deserialize, Default, Clone)]
pub struct TextForm {
    #[serde(default)]
    pub csrf: String,
    /// The revision read (edit only).
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// `kind:code`, one per line.
    #[serde(default)]
    pub perimeter: String,
    /// The name under which the State is a party (empty: the State is no party).
    #[serde(default)]
    pub state_name: String,
    /// `SIREN ; name` or `SIREN ; name ; partenaire`, one per line.
    #[serde(default)]
    pub parties: String,
    /// `État`, or the SIREN of a party.
    #[serde(default)]
    pub owner: String,
    /// Project ids or addresses, one per line.
    #[serde(default)]
    pub actions: String,
}

impl TextForm {
    fn of(c: &PactContent, revision: i64) -> TextForm {
        let others = c.parties.iter().filter(|p| p.kind != PartyKind::State);
        TextForm {
            csrf: String::new(),
            revision: revision.to_string(),
            kind: c.kind.as_str().to_owned(),
            title: c.title.clone(),
            description: c.description.clone(),
            perimeter: c.perimeter.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
            state_name: c
                .parties
                .iter()
                .find(|p| p.kind == PartyKind::State)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            parties: others
                .map(|p| {
                    let siren = p.siren.clone().unwrap_or_default();
                    match p.kind {
                        PartyKind::Partner => format!("{siren} ; {} ; partenaire", p.name),
                        _ => format!("{siren} ; {}", p.name),
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
            owner: if c.owner == STATE_PARTY { "État".to_owned() } else { c.owner.clone() },
            actions: c.actions.join("\n"),
        }
    }
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

/// Where each element of the parsed text came from, to put a fault on its line.
#[derive(Default)]
struct Lines {
    perimeter: Vec<usize>,
    /// `None`: the State's field; else a line of the parties.
    parties: Vec<Option<usize>>,
    actions: Vec<usize>,
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty())
}

/// `https://…/projets/ID?x` or `/projets/ID` or `ID` → `ID`.
fn project_id(line: &str) -> String {
    let path = line.split(['?', '#']).next().unwrap_or(line).trim_end_matches('/');
    path.rsplit('/').next().unwrap_or(path).to_owned()
}

fn owner_key(text: &str) -> String {
    let t = text.trim();
    let folded = t.to_lowercase().replace(['é', 'É'], "e");
    if t.is_empty() || ["etat", "l'etat", "l’etat", STATE_PARTY].contains(&folded.as_str()) {
        STATE_PARTY.to_owned()
    } else {
        t.chars().filter(|c| !c.is_whitespace()).collect()
    }
}

/// The text of the form, or what is wrong with how it is written.
fn parse(f: &TextForm) -> (PactContent, Lines, Faults) {
    let mut faults = Faults::default();
    let mut at = Lines::default();
    let kind = PactKind::parse(&f.kind).unwrap_or_else(|| {
        faults.push("kind", "Choisissez le type de contrat.");
        PactKind::Other
    });
    let mut perimeter = Vec::new();
    for (n, line) in lines(&f.perimeter) {
        match line.replace(' ', "").parse::<TerritoryRef>() {
            Ok(t) => {
                perimeter.push(t);
                at.perimeter.push(n);
            }
            Err(_) => faults.push(
                "perimeter",
                format!("Ligne {n} : « {line} » n’est pas de la forme type:code (par exemple commune:42218)."),
            ),
        }
    }
    let mut parties = Vec::new();
    if !f.state_name.trim().is_empty() {
        parties.push(Party { kind: PartyKind::State, name: f.state_name.trim().to_owned(), siren: None });
        at.parties.push(None);
    }
    for (n, line) in lines(&f.parties) {
        let cells: Vec<&str> = line.split([';', '\t']).map(str::trim).collect();
        let kind = match cells.get(2).map(|k| k.to_lowercase()) {
            None => Some(PartyKind::LocalAuthority),
            Some(k) if k.is_empty() || k.starts_with("collectivit") => Some(PartyKind::LocalAuthority),
            Some(k) if k.starts_with("partenaire") => Some(PartyKind::Partner),
            Some(_) => None,
        };
        match (cells.as_slice(), kind) {
            ([siren, name, ..], Some(kind)) if cells.len() <= 3 => {
                parties.push(Party {
                    kind,
                    name: (*name).to_owned(),
                    siren: Some(siren.chars().filter(|c| !c.is_whitespace()).collect()),
                });
                at.parties.push(Some(n));
            }
            _ => faults.push(
                "parties",
                format!("Ligne {n} : écrivez « SIREN ; nom », suivi de « ; partenaire » pour un partenaire."),
            ),
        }
    }
    let mut actions = Vec::new();
    for (n, line) in lines(&f.actions) {
        actions.push(project_id(line));
        at.actions.push(n);
    }
    let content = PactContent {
        kind,
        title: f.title.trim().to_owned(),
        description: f.description.trim().to_owned(),
        perimeter,
        parties,
        owner: owner_key(&f.owner),
        actions,
    };
    (content, at, faults)
}

fn line_of(lines: &[usize], field: &str) -> Option<usize> {
    let i: usize = field.split_once('[')?.1.split(']').next()?.parse().ok()?;
    lines.get(i).copied()
}

fn party_place(at: &Lines, field: &str) -> String {
    match field.split_once('[').and_then(|(_, r)| r.split(']').next()).and_then(|i| i.parse::<usize>().ok()) {
        Some(i) => match at.parties.get(i) {
            Some(None) => "Partie État".to_owned(),
            Some(Some(n)) => format!("Ligne {n}"),
            None => "Une partie".to_owned(),
        },
        None => "Une partie".to_owned(),
    }
}

/// The validation faults of the text, in French on their field (the rows of the
/// text areas where they are).
fn french(errors: &[Fault], at: &Lines, content: &PactContent) -> Faults {
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
            let n = line_of(&at.perimeter, f).map_or_else(String::new, |n| format!("Ligne {n} : "));
            let t = line_of(&(0..content.perimeter.len()).collect::<Vec<_>>(), f)
                .and_then(|i| content.perimeter.get(i))
                .map_or_else(String::new, |t| format!("« {t} » "));
            out.push("perimeter", format!("{n}{t}n’est pas dans le référentiel des territoires."));
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
            out.push("owner", "Le pilote doit être l’une des parties : « État », ou le SIREN d’une autre partie.");
        } else if f.starts_with("actions[") {
            let n = line_of(&at.actions, f).map_or_else(String::new, |n| format!("Ligne {n} : "));
            let what = match code {
                PactFault::ActionTwice => "ce projet figure deux fois.".to_owned(),
                PactFault::OutsidePerimeter { name, .. } => {
                    format!("ce projet porte sur {name}, hors du périmètre du pacte.")
                }
                _ => "aucun projet ne porte cet identifiant.".to_owned(),
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
    faults.0.extend(french(&errors, at, content).0);
    faults
}

#[derive(Template)]
#[template(path = "pact_form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    submit: &'static str,
    form: TextForm,
    kinds: Vec<Choice>,
    faults: Faults,
    /// A fault of the whole form (not allowed, stale revision), in French.
    alert: Option<String>,
    editing: bool,
}

fn form_page(who: &Who, form: TextForm, faults: Faults, alert: Option<String>, pact: Option<(&str, &str)>) -> FormPage {
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
    FormPage { layout, action, submit, form, kinds, faults, alert, editing: pact.is_some() }
}

fn answer(who: &Who, status: StatusCode, page: &FormPage) -> Result<Response, PageError> {
    Ok((status, render(&who.config, page)?).into_response())
}

/// `GET /pactes/nouveau`.
pub async fn new_page(who: Who) -> Result<Response, PageError> {
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    if !may_create(Some(&me.principal)) {
        return Err(PageError::forbidden(&who.config));
    }
    let form = TextForm { owner: "État".into(), ..TextForm::default() };
    answer(&who, StatusCode::OK, &form_page(&who, form, Faults::default(), None, None))
}

/// `POST /pactes/nouveau`: creates the pact in draft, then shows it.
pub async fn create(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let acting = Acting::of(&state, me.principal.clone()).await.map_err(|e| PageError::internal(&who.config, e))?;
    let (content, at, faults) = parse(&form);
    if !faults.is_empty() {
        let faults = with_rules(&state, faults, &content, &at);
        return answer(&who, StatusCode::BAD_REQUEST, &form_page(&who, form, faults, None, None));
    }
    match pacts::create(&state, &acting, content.clone()).await {
        Ok(p) => Ok(Redirect::to(&format!("/pactes/{}?info=cree", p.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let faults = french(&errors, &at, &content);
            answer(&who, StatusCode::BAD_REQUEST, &form_page(&who, form, faults, None, None))
        }
        Err(AppError::Forbidden(_)) => {
            let mut faults = Faults::default();
            faults.push(
                "owner",
                "Vous n’agissez pas pour la partie pilote : l’État (délégué du département du périmètre) ou la \
                 collectivité de ce SIREN.",
            );
            answer(&who, StatusCode::FORBIDDEN, &form_page(&who, form, faults, None, None))
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
    let page = form_page(&who, TextForm::of(c, p.revision), Faults::default(), alert, Some((&id, &c.title)));
    answer(&who, StatusCode::OK, &page)
}

/// `POST /pactes/{id}/modifier`: replaces the text if nobody changed the pact since it was read.
pub async fn edit(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
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
    let (content, at, mut faults) = parse(&form);
    let Ok(expected) = form.revision.trim().parse::<i64>() else {
        let alert = Some("Le formulaire ne dit pas quelle révision vous avez lue : rechargez la page.".to_owned());
        return answer(&who, StatusCode::BAD_REQUEST, &form_page(&who, form, faults, alert, Some((&id, &title))));
    };
    if !faults.is_empty() {
        let faults = with_rules(&state, faults, &content, &at);
        return answer(&who, StatusCode::BAD_REQUEST, &form_page(&who, form, faults, None, Some((&id, &title))));
    }
    let (status, alert) = match pacts::edit(&state, &acting, &id, expected, content.clone()).await {
        Ok(_) => return Ok(Redirect::to(&format!("/pactes/{id}?info=texte")).into_response()),
        Err(AppError::Invalid(errors)) => {
            faults = french(&errors, &at, &content);
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
    answer(&who, status, &form_page(&who, form, faults, alert, Some((&id, &title))))
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

    #[test]
    fn lines_become_territories_parties_and_projects() {
        let form = TextForm {
            kind: "cohesion".into(),
            title: " Pacte ".into(),
            perimeter: "commune:42218\n\n departement:42 \nnimporte".into(),
            state_name: "Préfecture de la Loire".into(),
            parties: "214202186 ; Saint-Étienne\n130005481 ; P ; partenaire\nsans point-virgule".into(),
            owner: "l’État".into(),
            actions: "https://exemple.fr/projets/abc?x=1\n/projets/def/\nghi".into(),
            ..TextForm::default()
        };
        let (c, at, faults) = parse(&form);
        assert_eq!(c.title, "Pacte");
        assert_eq!(c.perimeter.len(), 2);
        assert_eq!(at.perimeter, [1, 3]);
        assert_eq!(
            faults.of("perimeter"),
            ["Ligne 4 : « nimporte » n’est pas de la forme type:code (par exemple commune:42218)."]
        );
        assert_eq!(c.parties.len(), 3);
        assert_eq!(c.parties[2].kind, PartyKind::Partner);
        assert_eq!(faults.of("parties").len(), 1);
        assert_eq!(c.owner, "state");
        assert_eq!(c.actions, ["abc", "def", "ghi"]);
        let back = TextForm::of(&c, 3);
        assert_eq!(back.owner, "État");
        assert!(back.parties.contains("130005481 ; P ; partenaire"));
    }

    #[test]
    fn faults_land_on_their_line_in_french() {
        let form = TextForm {
            kind: "crte".into(),
            state_name: "État".into(),
            parties: "214202186 ; Saint-Étienne\n123 ; Autre".into(),
            actions: "a\nb".into(),
            ..TextForm::default()
        };
        let (c, at, _) = parse(&form);
        let errors = vec![
            Fault::new("parties[2].siren", PactFault::NotSirenOrSiret("123".into())),
            Fault::new("actions[1]", PactFault::NoProject("b".into())),
            Fault::new("title", PactFault::TitleRequired),
        ];
        let f = french(&errors, &at, &c);
        assert_eq!(f.of("parties"), ["Ligne 2 : ce n’est ni un SIREN (9 chiffres) ni un SIRET (14 chiffres) valide."]);
        assert_eq!(f.of("actions"), ["Ligne 2 : aucun projet ne porte cet identifiant."]);
        assert_eq!(f.of("title"), ["Donnez un titre au pacte."]);
    }
}
