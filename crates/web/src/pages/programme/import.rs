//! Updating a programme's member list from a page: `POST /programmes/{code}/import`
//! (multipart: the file) shows what would change, or every faulty line, and writes
//! nothing; `POST /programmes/{code}/import/appliquer` applies it if the programmes
//! are still at the previewed revision. Same rule and same core functions as the API
//! (`programme::can_manage`, `cohesion_app::programme::{list_diff, apply}`).
//!
//! The confirmation form carries the file itself (base64url, in a hidden field) and
//! the `base_revision`, rather than a server-side stash keyed by a random id: nothing
//! to expire or clean up, any instance behind a load balancer can take the
//! confirmation (the API is stateless the same way), and a tampered field gains
//! nothing, since the file is read, checked and compared again before anything is
//! written, with the same rights as the upload.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cohesion_core::import::Faults;
use cohesion_core::programme::membership_import::{Erased, MembershipDiff};
use cohesion_core::programme::{self, Membership};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Authenticated;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, fr_number, plural};
use crate::pages::programme::faults::{FaultRow, fault_rows};
use crate::pages::programme::{MemberRow, member_row, programme_href};
use crate::pages::visitor::Who;
use cohesion_app::AppError;
use cohesion_app::programme::{apply as apply_list, dismiss_preview, list_diff, record_preview, stored_preview};

/// Rows shown per table of the preview; the counts are always whole.
const SHOWN: usize = 300;

/// A membership that changes: the row after, and what changes in words.
pub struct ChangeRow {
    pub row: MemberRow,
    pub what: String,
}

pub struct Preview {
    pub added: Vec<MemberRow>,
    pub removed: Vec<MemberRow>,
    pub changed: Vec<ChangeRow>,
    pub counts: [(String, &'static str); 4],
    /// Said as visibly as the removals when the list empties a field on members.
    pub erasures: Option<String>,
    pub more: bool,
    pub noop: bool,
    /// Said before the button when current members would leave the programme.
    pub removals: Option<String>,
    /// More than a tenth of the members removed: the confirmation asks for a tick.
    pub mass_removal: bool,
    pub base_revision: i64,
    pub content: String,
    pub file_name: String,
    /// The kept preview (`/programmes/{code}/import/apercus/{id}`): its address, to set
    /// it aside, and when it was first checked.
    pub kept: Option<Kept>,
}

/// A preview kept for the managers' space until it is applied or set aside.
pub struct Kept {
    pub dismiss_action: String,
    /// "Vérifiée le 6 décembre 2026 à 13 h 05 par Camille Martin.", on the page of a
    /// kept preview; empty just after the upload.
    pub checked: String,
}

#[derive(Template)]
#[template(path = "programme_import.html")]
struct ImportPage {
    layout: Layout,
    back: String,
    import_action: String,
    error: Option<String>,
    faults: Vec<FaultRow>,
    preview: Option<Preview>,
}

/// The signed-in person who may change programme `code`, or the response to give.
pub fn manager(who: &Who, code: &str) -> Result<Arc<Authenticated>, Box<Response>> {
    who.allowed(|p| programme::can_manage(p, code)).cloned()
}

/// A form's CSRF token checked, then [`manager`].
pub fn form_manager(who: &Who, csrf: &str, code: &str) -> Result<Arc<Authenticated>, Box<Response>> {
    who.check_csrf(csrf).map_err(|e| Box::new(e.into_response()))?;
    manager(who, code)
}

fn page(who: &Who, code: &str, name: &str) -> ImportPage {
    ImportPage {
        layout: Layout::new(&who.config, format!("Mettre à jour la liste des membres : {name}"), Nav::Programmes)
            .crumb("Programmes", "/programmes")
            .crumb(name.to_owned(), programme_href(code)),
        back: programme_href(code),
        import_action: format!("/programmes/{code}/import"),
        error: None,
        faults: Vec::new(),
        preview: None,
    }
}

/// What changes between two versions of a membership, in words.
pub fn changes(before: &Membership, after: &Membership) -> String {
    let mut out = Vec::new();
    let mut field = |label: &str, a: &Option<String>, b: &Option<String>| {
        if a != b {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
            out.push(format!("{label} : {} → {}", show(a), show(b)));
        }
    };
    field("territoire de projet", &before.group_name, &after.group_name);
    field("signature", &before.signed_on, &after.signed_on);
    field("labellisation", &before.labelled_on, &after.labelled_on);
    field("sortie", &before.exited_on, &after.exited_on);
    field("convention", &before.convention, &after.convention);
    if before.status != after.status {
        let label = crate::pages::programme::status_label;
        out.push(format!("statut : {} → {}", label(before.status), label(after.status)));
    }
    out.join(" ; ")
}

fn preview(state: &AppState, d: &MembershipDiff, revision: i64, body: &[u8], file_name: String) -> Preview {
    let s = state.current();
    let row = |m: &Membership| member_row(&s.referential, m);
    Preview {
        added: d.added.iter().take(SHOWN).map(row).collect(),
        removed: d.removed.iter().take(SHOWN).map(row).collect(),
        changed: d.changed.iter().take(SHOWN).map(|(b, a)| ChangeRow { row: row(a), what: changes(b, a) }).collect(),
        counts: [
            figure(d.added.len(), "ajout", "ajouts"),
            figure(d.removed.len(), "retrait", "retraits"),
            figure(d.changed.len(), "modification", "modifications"),
            figure(d.unchanged, "inchangé", "inchangés"),
        ],
        erasures: erasures(&d.erased),
        more: d.added.len().max(d.removed.len()).max(d.changed.len()) > SHOWN,
        noop: d.is_noop(),
        mass_removal: d.is_mass_removal(),
        removals: (!d.removed.is_empty()).then(|| {
            let n = d.removed.len();
            format!(
                "{} du fichier {} marqué{} sorti{} à la date d’aujourd’hui (l’historique est conservé). Le fichier \
                 doit contenir la liste complète des membres.",
                plural(n, "membre actuel absent", "membres actuels absents"),
                if n < 2 { "sera" } else { "seront" },
                if n < 2 { "" } else { "s" },
                if n < 2 { "" } else { "s" },
            )
        }),
        base_revision: revision,
        content: URL_SAFE_NO_PAD.encode(body),
        file_name,
        kept: None,
    }
}

/// A figure of the preview: the number and its noun, singular or plural.
fn figure(n: usize, one: &'static str, many: &'static str) -> (String, &'static str) {
    (fr_number(n as u64), if n < 2 { one } else { many })
}

/// The values the list would erase, per field, in one sentence; `None` if none.
fn erasures(erased: &[Erased]) -> Option<String> {
    if erased.is_empty() {
        return None;
    }
    let parts: Vec<String> = erased
        .iter()
        .map(|e| {
            let what = match e.field {
                "group_name" => "le nom du territoire de projet",
                "signed_on" => "la date de signature",
                "labelled_on" => "la date de labellisation",
                "convention" => "la référence de convention",
                other => other,
            };
            format!("{what} de {}", plural(e.count, "membre", "membres"))
        })
        .collect();
    Some(format!(
        "Le fichier efface {} : une cellule vide dans une colonne présente efface la valeur enregistrée. Une colonne \
         absente du fichier laisse les valeurs telles qu’elles sont ; vérifiez le fichier avant d’appliquer.",
        parts.join(", ")
    ))
}

/// The uploaded form: its CSRF field and the file.
struct Upload {
    csrf: String,
    file_name: String,
    bytes: Vec<u8>,
    /// The file went past the body limit: said as such, never as an expired form.
    too_large: bool,
}

/// The largest upload a page accepts (axum's default body limit).
pub const MAX_UPLOAD_MB: usize = 2;

/// The form's fields; `None` if it cannot be read at all. The CSRF field comes before
/// the file, so an upload over the limit still carries it.
async fn read_upload(mut form: Multipart) -> Option<Upload> {
    let mut up = Upload { csrf: String::new(), file_name: String::new(), bytes: Vec::new(), too_large: false };
    let over = |e: &axum::extract::multipart::MultipartError| e.status() == StatusCode::PAYLOAD_TOO_LARGE;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if over(&e) => {
                up.too_large = true;
                break;
            }
            Err(_) => return None,
        };
        match field.name() {
            Some("csrf") => up.csrf = field.text().await.ok()?,
            Some("fichier") => {
                up.file_name = field.file_name().unwrap_or("").to_owned();
                match field.bytes().await {
                    Ok(b) => up.bytes = b.to_vec(),
                    Err(e) if over(&e) => {
                        up.too_large = true;
                        break;
                    }
                    Err(_) => return None,
                }
            }
            _ => {}
        }
    }
    Some(up)
}

fn bad_request(who: &Who, mut p: ImportPage, error: String, faults: Vec<FaultRow>) -> Result<Response, PageError> {
    p.error = Some(error);
    p.faults = faults;
    Ok((StatusCode::BAD_REQUEST, render(&who.config, &p)?).into_response())
}

/// `POST /programmes/{code}/import`: the preview, or every faulty line. Writes nothing.
pub async fn upload(
    State(state): State<AppState>,
    who: Who,
    Path(code): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let upload = match form {
        Ok(form) => read_upload(form).await,
        Err(_) => None,
    };
    let Some(upload) = upload else { return Err(PageError::forbidden(&who.config)) };
    let me = match form_manager(&who, &upload.csrf, &code) {
        Ok(me) => me,
        Err(r) => return Ok(*r),
    };
    let s = state.current();
    let name = s.programmes.programme(&code).ok_or_else(|| PageError::not_found(&who.config))?.name.clone();
    let mut p = page(&who, &code, &name);
    if upload.too_large {
        p.error = Some(format!(
            "Le fichier {}dépasse la taille permise ({MAX_UPLOAD_MB} Mo) : rien n’a été enregistré. Envoyez une liste plus courte, ou découpez-la en plusieurs fichiers.",
            if upload.file_name.is_empty() { String::new() } else { format!("« {} » ", upload.file_name) }
        ));
        return Ok((StatusCode::PAYLOAD_TOO_LARGE, render(&who.config, &p)?).into_response());
    }
    if upload.bytes.is_empty() {
        return bad_request(&who, p, "Choisissez un fichier CSV ou XLSX.".into(), Vec::new());
    }
    match list_diff(&s, &code, &upload.bytes) {
        Ok(d) => {
            let kept = record_preview(
                &state,
                &me.principal,
                &code,
                &upload.file_name,
                &upload.bytes,
                &d,
                s.programme_revision,
            )
            .await
            .map_err(|e| PageError::internal(&who.config, e))?;
            let mut shown = preview(&state, &d, s.programme_revision, &upload.bytes, upload.file_name);
            shown.kept = kept.map(|id| Kept { dismiss_action: dismiss_href(&code, &id), checked: String::new() });
            p.preview = Some(shown);
            Ok(render(&who.config, &p)?.into_response())
        }
        Err(faults) => {
            let error = fault_summary(&faults);
            bad_request(&who, p, error, fault_rows(&faults))
        }
    }
}

fn fault_summary(faults: &Faults) -> String {
    format!(
        "Le fichier contient {} : rien n’a été enregistré. Corrigez les lignes ci-dessous puis envoyez-le à nouveau.",
        plural(faults.0.len(), "erreur", "erreurs")
    )
}

#[derive(Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    base_revision: String,
    #[serde(default)]
    contenu: String,
    /// The box confirming the removal of many members (`MembershipDiff::is_mass_removal`).
    #[serde(default)]
    confirmer_retraits: String,
}

/// `POST /programmes/{code}/import/appliquer`: applies the previewed file if nothing
/// changed since, then back to the dashboard with the counts.
pub async fn apply(
    State(state): State<AppState>,
    who: Who,
    Path(code): Path<String>,
    Form(form): Form<ApplyForm>,
) -> Result<Response, PageError> {
    let me = match form_manager(&who, &form.csrf, &code) {
        Ok(me) => me,
        Err(r) => return Ok(*r),
    };
    let name = state.current().programmes.programme(&code).map(|p| p.name.clone());
    let Some(name) = name else { return Err(PageError::not_found(&who.config)) };
    let p = page(&who, &code, &name);
    let (Ok(base), Ok(body)) = (form.base_revision.parse::<i64>(), URL_SAFE_NO_PAD.decode(form.contenu.as_bytes()))
    else {
        return bad_request(
            &who,
            p,
            "Le formulaire de confirmation est incomplet : envoyez à nouveau le fichier.".into(),
            Vec::new(),
        );
    };
    match apply_list(&state, &me.principal, &code, &body, base, form.confirmer_retraits == "oui").await {
        Ok(r) => Ok(Redirect::to(&format!(
            "{}?info=import&ajouts={}&retraits={}&modifications={}",
            programme_href(&code),
            r.added,
            r.removed,
            r.changed
        ))
        .into_response()),
        Err(AppError::Conflict(_)) => {
            let mut p = p;
            p.error = Some(
                "La liste n’a pas été appliquée : les programmes ont été modifiés depuis l’aperçu (par une autre \
                 mise à jour). Rien n’a été écrasé. Envoyez à nouveau le fichier pour voir les changements à jour."
                    .into(),
            );
            Ok((StatusCode::CONFLICT, render(&who.config, &p)?).into_response())
        }
        Err(AppError::BadRequest { code: "mass_removal", .. }) => bad_request(
            &who,
            p,
            "La liste n’a pas été appliquée : elle retire plus d’un dixième des membres actuels. Envoyez à nouveau le \
             fichier et cochez la case qui confirme ces retraits."
                .into(),
            Vec::new(),
        ),
        Err(AppError::InvalidFile(faults)) => {
            // The list was checked at the preview: only a change of the referential
            // since then can make it faulty now. Show the faults as a new preview would.
            let faults = fault_rows(&faults);
            bad_request(&who, p, "Le fichier n’est plus valide : rien n’a été enregistré.".into(), faults)
        }
        Err(AppError::NotFound(_)) => Err(PageError::not_found(&who.config)),
        Err(e) => Err(PageError::internal(&who.config, e)),
    }
}

fn preview_href(code: &str, id: &str) -> String {
    format!("/programmes/{code}/import/apercus/{id}")
}

fn dismiss_href(code: &str, id: &str) -> String {
    format!("{}/ecarter", preview_href(code, id))
}

/// `GET /programmes/{code}/import/apercus/{id}`: a kept preview, from the manager's
/// space. Its file is checked again against today's list and referential, so what the
/// page shows is what "Appliquer" would do now; a preview already applied, overtaken
/// or set aside says so.
pub async fn kept(
    State(state): State<AppState>,
    who: Who,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let me = match manager(&who, &code) {
        Ok(me) => me,
        Err(r) => return Ok(*r),
    };
    let stored = match stored_preview(&state, &me.principal, &code, &id).await {
        Ok(p) => p,
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let s = state.current();
    let name = s.programmes.programme(&code).ok_or_else(|| PageError::not_found(&who.config))?.name.clone();
    let mut p = page(&who, &code, &name);
    let at = crate::pages::components::moment(stored.closed_at.unwrap_or(stored.created_at));
    if let Some(outcome) = stored.outcome.as_deref() {
        p.error = Some(match outcome {
            "applied" => format!("Ce fichier « {} » a été appliqué le {at}.", stored.file_name),
            "superseded" => format!(
                "Ce fichier « {} » n’a pas été appliqué : une autre liste l’a été le {at}. Envoyez-le à nouveau pour voir \
                 ce qu’il changerait aujourd’hui.",
                stored.file_name
            ),
            _ => format!("Ce fichier « {} » a été écarté le {at} : il n’a pas été appliqué.", stored.file_name),
        });
        return Ok(render(&who.config, &p)?.into_response());
    }
    match list_diff(&s, &code, &stored.content) {
        Ok(d) => {
            let by = stored.by_name.clone();
            let mut shown = preview(&state, &d, s.programme_revision, &stored.content, stored.file_name.clone());
            shown.kept = Some(Kept {
                dismiss_action: dismiss_href(&code, &id),
                checked: format!(
                    "Fichier vérifié le {}{}. Les changements ci-dessous sont calculés sur la liste d’aujourd’hui.",
                    crate::pages::components::moment(stored.created_at),
                    if by.is_empty() { String::new() } else { format!(" par {by}") }
                ),
            });
            p.preview = Some(shown);
            Ok(render(&who.config, &p)?.into_response())
        }
        Err(faults) => {
            let error = format!(
                "Ce fichier « {} », vérifié le {at}, ne passe plus : la liste des territoires a changé depuis. {}",
                stored.file_name,
                fault_summary(&faults)
            );
            bad_request(&who, p, error, fault_rows(&faults))
        }
    }
}

#[derive(Deserialize)]
pub struct DismissForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /programmes/{code}/import/apercus/{id}/ecarter`: sets a kept preview aside
/// (it leaves the managers' space), then back to the programme.
pub async fn dismiss(
    State(state): State<AppState>,
    who: Who,
    Path((code, id)): Path<(String, String)>,
    Form(form): Form<DismissForm>,
) -> Result<Response, PageError> {
    let me = match form_manager(&who, &form.csrf, &code) {
        Ok(me) => me,
        Err(r) => return Ok(*r),
    };
    match dismiss_preview(&state, &me.principal, &code, &id).await {
        Ok(()) | Err(AppError::Conflict(_)) => {
            Ok(Redirect::to(&format!("{}?info=apercu-ecarte", programme_href(&code))).into_response())
        }
        Err(AppError::NotFound(_)) => Err(PageError::not_found(&who.config)),
        Err(AppError::Forbidden(_)) => Err(PageError::forbidden(&who.config)),
        Err(e) => Err(PageError::internal(&who.config, e)),
    }
}
