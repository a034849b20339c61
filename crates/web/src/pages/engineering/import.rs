//! `/ingenierie/prestataires/import`: the providers' CSV import for admins, in two
//! steps — the file is checked (every faulty line with its number, column and French
//! reason; nothing written) and what it would create is shown; applying posts the same
//! text back. Both steps call [`cohesion_app::engineering::provider`]'s import, the one
//! the API runs (`POST /api/v1/engineering/providers/import`).

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_app::AppError;
use cohesion_app::engineering::provider as providers;
use cohesion_core::access::Principal;
use cohesion_core::engineering::Provider;
use serde::Deserialize;

use super::providers::ProviderRow;
use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::programme::faults::{FaultRow, fault_rows};
use crate::pages::visitor::Who;

#[derive(Template)]
#[template(path = "engineering_import.html")]
struct ImportPage {
    layout: Layout,
    error: Option<String>,
    faults: Vec<FaultRow>,
    /// The providers the file would create, and its text to apply.
    preview: Option<(Vec<ProviderRow>, String)>,
}

fn page(who: &Who) -> ImportPage {
    ImportPage {
        layout: Layout::new(&who.config, "Importer des prestataires", Nav::Engineering)
            .crumb("Ingénierie sur mesure", "/ingenierie")
            .crumb("Prestataires", "/ingenierie/prestataires"),
        error: None,
        faults: Vec::new(),
        preview: None,
    }
}

fn row(p: &Provider) -> ProviderRow {
    ProviderRow {
        name: p.name.clone(),
        kind: p.kind.label(),
        competences: p.competences.iter().map(|n| n.label()).collect::<Vec<_>>().join(", "),
        departements: if p.departements.is_empty() { "Tous".to_owned() } else { p.departements.join(", ") },
        capacity: p.capacity,
    }
}

/// The page again with the file's faults, or the error page for what is no file fault.
fn refused(who: &Who, e: AppError) -> Result<Response, PageError> {
    let mut p = page(who);
    match e {
        AppError::InvalidFile(faults) => p.faults = fault_rows(&faults),
        AppError::Invalid(faults) => p.error = Some(crate::pages::fault::sentences(&faults)),
        AppError::Forbidden(_) | AppError::Unauthenticated => return Err(PageError::forbidden(&who.config)),
        e => return Err(PageError::internal(&who.config, e)),
    }
    Ok((StatusCode::BAD_REQUEST, render(&who.config, &p)?).into_response())
}

/// `GET /ingenierie/prestataires/import` (admins).
pub async fn form(who: Who) -> Result<Response, PageError> {
    if let Err(r) = who.allowed(Principal::is_admin) {
        return Ok(*r);
    }
    Ok(render(&who.config, &page(&who))?.into_response())
}

/// `POST /ingenierie/prestataires/import` (multipart, the file in `fichier`): checks
/// the file and shows what it would create; writes nothing.
pub async fn check(
    State(state): State<AppState>,
    who: Who,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let unreadable = |who: &Who| -> Result<Response, PageError> {
        let mut p = page(who);
        p.error = Some(
            "Le formulaire n’a pas pu être lu : le fichier dépasse sans doute 2 Mo. Rien n’a été enregistré.".into(),
        );
        Ok((StatusCode::BAD_REQUEST, render(&who.config, &p)?).into_response())
    };
    let Ok(mut form) = form else { return unreadable(&who) };
    let (mut csrf, mut name, mut bytes) = (String::new(), String::new(), None);
    {
        while let Ok(Some(field)) = form.next_field().await {
            match field.name().unwrap_or("") {
                "csrf" => csrf = field.text().await.unwrap_or_default(),
                "fichier" => {
                    name = field.file_name().unwrap_or("prestataires.csv").to_owned();
                    bytes = field.bytes().await.ok().map(|b| b.to_vec());
                }
                _ => {}
            }
        }
    }
    who.check_csrf(&csrf)?;
    let me = match who.allowed(Principal::is_admin) {
        Ok(me) => me.principal.clone(),
        Err(r) => return Ok(*r),
    };
    let Some(text) = bytes.filter(|b| !b.is_empty()).map(String::from_utf8) else {
        let mut p = page(&who);
        p.error = Some("Choisissez un fichier CSV (2 Mo au plus).".into());
        return Ok((StatusCode::BAD_REQUEST, render(&who.config, &p)?).into_response());
    };
    let Ok(text) = text else {
        let mut p = page(&who);
        p.error = Some(format!("« {name} » n’est pas du texte UTF-8 : enregistrez le CSV en UTF-8."));
        return Ok((StatusCode::BAD_REQUEST, render(&who.config, &p)?).into_response());
    };
    match providers::check_import(&state, &me, &name, &text).await {
        Ok(list) => {
            let mut p = page(&who);
            p.preview = Some((list.iter().map(row).collect(), text));
            Ok(render(&who.config, &p)?.into_response())
        }
        Err(e) => refused(&who, e),
    }
}

#[derive(Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    csrf: String,
    /// The text checked by the preview.
    #[serde(default)]
    contenu: String,
}

/// `POST /ingenierie/prestataires/import/appliquer`: imports the text the preview
/// showed (checked again: nothing is written if a line became faulty meanwhile).
pub async fn apply(State(state): State<AppState>, who: Who, Form(f): Form<ApplyForm>) -> Result<Response, PageError> {
    who.check_csrf(&f.csrf)?;
    let me = match who.allowed(Principal::is_admin) {
        Ok(me) => me.principal.clone(),
        Err(r) => return Ok(*r),
    };
    match providers::import(&state, &me, "prestataires.csv", &f.contenu).await {
        Ok(_) => Ok(Redirect::to("/ingenierie/prestataires").into_response()),
        Err(e) => refused(&who, e),
    }
}
