//! Exports of the projects matching the same filters as `/api/v1/projects`: in the
//! `projets-territoire` schema (CSV), as typed JSON in the API's own representation
//! (which the API takes back), and the State's grants as an SCDL `subventions` file.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use cohesion_core::export::CsvWriter;
use cohesion_core::project::money::euros_decimal;
use cohesion_core::project::{Project, STATE};

use crate::AppState;
use crate::api::{ApiQuery, download};
use crate::error::{ApiError, Problem};
use cohesion_app::project::{ListParams, filter_of, narrow};

/// Columns of the CSV export, named after the `projets-territoire` schema (with the
/// project's `id` and when it last changed, `updatedAt`, for incremental syncs):
/// `leviers` are the SGPE levers and `competences` the M57 codes, as the national hub
/// reads them; the platform's transitions and priority domain have columns of their
/// own (`transitions`, `domaine`); `porteurCodeSiret` holds a SIRET (14 digits) only,
/// the SIREN goes in `porteurSiren`. `montantSubventions` sums every line of the
/// financing plan (every co-financer: `financeurs` names them, in the plan's order);
/// `montantSubventionsEtat` the State's lines only (the lists' `grant_cents`).
pub(crate) const COLUMNS: [&str; 21] = [
    "id",
    "nom",
    "description",
    "porteurNom",
    "porteurCodeSiret",
    "porteurSiren",
    "collectivites",
    "phase",
    "phaseStatut",
    "leviers",
    "competences",
    "transitions",
    "domaine",
    "dateDebutPrevisionnelle",
    "dateFinPrevisionnelle",
    "budgetPrevisionnel",
    "montantSubventions",
    "montantSubventionsEtat",
    "financeurs",
    "identifiantsExternes",
    "updatedAt",
];

async fn selected(state: &AppState, params: &ListParams) -> Result<Vec<std::sync::Arc<Project>>, ApiError> {
    let (mut filter, _, _) = filter_of(state, &ListParams { limit: Some(1), ..params.clone() })?;
    narrow(state, params, &mut filter).await?;
    let catalog = state.projects.load();
    if filter.q.as_deref().is_some_and(|q| !q.trim().is_empty()) {
        catalog.text_ready().await;
    }
    let all = catalog.len().max(1);
    Ok(catalog.search(&filter, 0, all).map_err(|e| ApiError::Internal(e.to_string()))?.items)
}

pub(crate) fn row(p: &Project) -> [String; 21] {
    let i = &p.input;
    let identifier = i.lead.as_ref().and_then(|l| l.siret.as_deref()).unwrap_or_default();
    [
        p.id.clone(),
        i.name.clone(),
        i.description.clone(),
        i.lead.as_ref().map(|l| l.name.clone()).unwrap_or_default(),
        // A SIRET (14 digits) only; the SIREN, given or the SIRET's first 9, apart.
        if identifier.len() == 14 { identifier.to_owned() } else { String::new() },
        identifier.get(..9).unwrap_or_default().to_owned(),
        i.territories.iter().map(ToString::to_string).collect::<Vec<_>>().join(";"),
        i.phase.map(|x| x.label()).unwrap_or_default().into(),
        i.phase_status.map(|x| x.label()).unwrap_or_default().into(),
        i.levers.join(";"),
        i.competences.join(";"),
        i.transitions.iter().map(|t| t.label()).collect::<Vec<_>>().join(";"),
        i.domain.clone().unwrap_or_default(),
        i.start_date.clone().unwrap_or_default(),
        i.end_date.clone().unwrap_or_default(),
        i.total_cost_cents.map(euros_decimal).unwrap_or_default(),
        euros_decimal(i.financed_cents()),
        euros_decimal(i.state_grant_cents()),
        {
            let mut financers: Vec<&str> = Vec::new();
            for f in &i.financing {
                if !financers.contains(&f.financer.as_str()) {
                    financers.push(&f.financer);
                }
            }
            financers.join(";")
        },
        i.external_ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(";"),
        p.updated_at.clone(),
    ]
}

/// Projects in the `projets-territoire` schema, CSV (amounts in euros, lists `;`-separated).
#[utoipa::path(get, path = "/api/v1/exports/projects.csv", tag = "projects", params(ListParams),
    responses((status = 200, description = "CSV", content_type = "text/csv"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn projects_csv(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    let mut out = CsvWriter::with_header(&COLUMNS);
    for project in selected(&state, &p).await? {
        out.row(row(&project));
    }
    download::csv(out, "projets.csv")
}

/// One project of the JSON export: the project, and the programme memberships of its
/// territories (read-only, derived from the referential).
#[derive(serde::Serialize)]
struct Exported<'a> {
    #[serde(flatten)]
    project: &'a Project,
    programmes: Vec<cohesion_app::project::ProgrammeOfTerritory>,
}

/// Projects as JSON, typed: each the project as `GET /api/v1/projects/{id}` answers it
/// (territories as objects, phase, status and transitions as codes, amounts in integer
/// cents, the financing plan, indicators, budget lines, identifiers in other tools, its
/// `version` and `updated_at`), with `programmes`: the current programme memberships of
/// its territories (each `{programme, territory, member}`: the member is the territory
/// or one containing it). It is what `POST /api/v1/projects` and
/// `PUT /api/v1/projects/by-external-id/{tool}/{id}` take back (the read-only `id`,
/// `version`, `created_at`, `updated_at` and `programmes` aside): export, import
/// elsewhere, export again gives the same projects.
#[utoipa::path(get, path = "/api/v1/exports/projects.json", tag = "projects", params(ListParams),
    responses((status = 200, description = "An array of projects, each as GET /api/v1/projects/{id} answers it", body = [Object]),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn projects_json(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    let items: Vec<std::sync::Arc<Project>> = selected(&state, &p).await?;
    let snapshot = state.current();
    let items: Vec<Exported> = items
        .iter()
        .map(|p| Exported { project: p, programmes: cohesion_app::project::programmes_of(&snapshot, p) })
        .collect();
    Ok(axum::Json(items).into_response())
}

const SCDL: [&str; 14] = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
];

/// One State financing line as an SCDL `subventions` row, or the required columns it
/// cannot fill (the row is then refused, never filled with invented values).
fn scdl_row(project: &Project, f: &cohesion_core::project::Financing) -> Result<[String; 14], Vec<&'static str>> {
    let i = &project.input;
    let mut missing = Vec::new();
    let c = f.convention.as_ref();
    if c.is_none() {
        missing.extend(["idAttribuant", "dateConvention", "conditionsVersement", "datesPeriodeVersement"]);
    }
    let lead = i.lead.as_ref();
    let beneficiary = lead.map(|l| l.name.trim()).filter(|n| !n.is_empty());
    if beneficiary.is_none() {
        missing.push("nomBeneficiaire");
    }
    let siret = lead.and_then(|l| l.siret.as_deref()).filter(|s| s.len() == 14);
    if siret.is_none() {
        missing.push("idBeneficiaire");
    }
    let share = i.total_cost_cents.filter(|c| *c > 0).map(|c| format!("{:.4}", f.amount_cents as f64 / c as f64));
    if share.is_none() {
        missing.push("pourcentageSubvention");
    }
    let (Some(c), Some(beneficiary), Some(siret), Some(share)) = (c, beneficiary, siret, share) else {
        return Err(missing);
    };
    Ok([
        f.scheme.as_ref().map(|s| format!("État ({s})")).unwrap_or_else(|| STATE.to_owned()),
        c.financer_siret.clone(),
        c.date.clone(),
        c.reference.clone().unwrap_or_default(),
        beneficiary.to_owned(),
        siret.to_owned(),
        i.name.clone(),
        euros_decimal(f.amount_cents),
        "aide en numéraire".into(),
        match c.payment {
            cohesion_core::project::Payment::Once => "unique".into(),
            cohesion_core::project::Payment::Staggered => "échelonné".into(),
        },
        c.payment_period.clone(),
        String::new(),
        "non".into(),
        share,
    ])
}

/// A State grant the SCDL file leaves out, and the required columns it lacks.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RefusedGrant {
    pub project: String,
    /// The line's index in the project's financing plan.
    pub line: usize,
    pub scheme: Option<String>,
    pub amount_cents: i64,
    /// The SCDL columns it cannot fill.
    pub missing: Vec<&'static str>,
}

/// The State's grants as an SCDL `subventions` CSV (schema 2.1, its 14 historical
/// columns): one row per State line of a financing plan whose every required column is
/// known — the financer's decision (`financing[].convention`: SIRET of the body that
/// grants it, date, payment terms and dates), the beneficiary named and identified by
/// its SIRET, the total cost (for `pourcentageSubvention`). The other lines are left
/// out, never filled with invented values: their count is in the header
/// `x-refused-rows`, and `/api/v1/exports/subventions.refused.json` says what each
/// lacks.
#[utoipa::path(get, path = "/api/v1/exports/subventions.csv", tag = "projects", params(ListParams),
    responses((status = 200, description = "CSV (SCDL subventions); x-refused-rows: the State lines left out", content_type = "text/csv"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn grants_csv(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    let mut out = CsvWriter::with_header(&SCDL);
    let mut refused = 0usize;
    for project in selected(&state, &p).await? {
        for f in project.input.financing.iter().filter(|f| f.financer == STATE) {
            match scdl_row(&project, f) {
                Ok(cells) => out.row(cells),
                Err(_) => refused += 1,
            }
        }
    }
    let mut response = download::csv(out, "subventions.csv")?;
    if let Ok(v) = axum::http::HeaderValue::from_str(&refused.to_string()) {
        response.headers_mut().insert("x-refused-rows", v);
    }
    Ok(response)
}

/// The State lines of the financing plans that `subventions.csv` leaves out, each with
/// the SCDL columns it cannot fill.
#[utoipa::path(get, path = "/api/v1/exports/subventions.refused.json", tag = "projects", params(ListParams),
    responses((status = 200, body = Vec<RefusedGrant>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn grants_refused(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    let mut out = Vec::new();
    for project in selected(&state, &p).await? {
        for (line, f) in project.input.financing.iter().enumerate().filter(|(_, f)| f.financer == STATE) {
            if let Err(missing) = scdl_row(&project, f) {
                out.push(RefusedGrant {
                    project: project.id.clone(),
                    line,
                    scheme: f.scheme.clone(),
                    amount_cents: f.amount_cents,
                    missing,
                });
            }
        }
    }
    Ok(axum::Json(out).into_response())
}

/// A project not sent to the hub, and why.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LeftOutView {
    pub id: String,
    pub name: String,
    pub reason: String,
}

/// What the conversion changed or could not carry for one project sent.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct NotesView {
    /// The project's id (the hub's `externalId`).
    pub id: String,
    pub notes: Vec<String>,
}

/// The projects in the payload of Les communs, with what could not be sent.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CommunsExport {
    /// The hub's bulk body: `{"projets": …}` is what its `POST /projets/bulk` takes
    /// (each a `CreateProjetRequest`; `externalId` is the project's id in Cohésion).
    #[schema(value_type = Vec<Object>)]
    pub projets: Vec<cohesion_core::project::communs::Projet>,
    /// Projects the hub cannot express (they lie only in départements or régions).
    pub left_out: Vec<LeftOutView>,
    /// For each project sent whose conversion changed or left out something, what.
    pub notes: Vec<NotesView>,
}

/// Projects in the payload of Les communs, the hub of the ecological-transition tools
/// (`docs/interop.md` maps each field: direct, converted, not expressible). `projets`
/// is the hub's bulk body; `left_out` names the projects it cannot express and why;
/// `notes` says, project by project, what was converted (a cost rounded to the euro, a
/// municipal arrondissement sent as its commune) or left out.
#[utoipa::path(get, path = "/api/v1/exports/projects.communs.json", tag = "projects", params(ListParams),
    responses((status = 200, body = CommunsExport),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn projects_communs(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    use cohesion_core::project::communs::to_hub;
    let snapshot = state.current();
    let commune_of = |t: &cohesion_core::territory::TerritoryRef| {
        snapshot.referential.get_ref(t).and_then(|x| x.parents.commune.clone())
    };
    let mut out = CommunsExport { projets: Vec::new(), left_out: Vec::new(), notes: Vec::new() };
    for project in selected(&state, &p).await? {
        match to_hub(&project, commune_of) {
            Ok((projet, notes)) => {
                out.projets.push(projet);
                if !notes.is_empty() {
                    out.notes.push(NotesView {
                        id: project.id.clone(),
                        notes: notes.iter().map(ToString::to_string).collect(),
                    });
                }
            }
            Err(why) => out.left_out.push(LeftOutView {
                id: project.id.clone(),
                name: project.input.name.clone(),
                reason: why.to_string(),
            }),
        }
    }
    Ok(axum::Json(out).into_response())
}
