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
        i.phase.label().into(),
        i.phase_status.label().into(),
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

/// The State's grants as an SCDL `subventions` CSV: one line per State financing
/// line. The convention date and payment terms are not known for the 2019 grants:
/// `dateConvention` carries the year's first day and payment cells are left empty.
#[utoipa::path(get, path = "/api/v1/exports/subventions.csv", tag = "projects", params(ListParams),
    responses((status = 200, description = "CSV (SCDL subventions)", content_type = "text/csv"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn grants_csv(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    let mut out = CsvWriter::with_header(&SCDL);
    for project in selected(&state, &p).await? {
        let i = &project.input;
        for f in i.financing.iter().filter(|f| f.financer == STATE) {
            let share =
                i.total_cost_cents.filter(|c| *c > 0).map(|c| format!("{:.4}", f.amount_cents as f64 / c as f64));
            let reference = i.external_ids.first().map(|x| x.id.clone()).unwrap_or_else(|| project.id.clone());
            let date = i.start_date.clone().unwrap_or_else(|| {
                if i.external_ids.iter().any(|x| x.tool == "dotations-2019") {
                    "2019-01-01".into()
                } else {
                    String::new()
                }
            });
            let cells = [
                f.scheme.as_ref().map(|s| format!("État ({s})")).unwrap_or_else(|| STATE.to_owned()),
                String::new(),
                date,
                reference,
                i.lead.as_ref().map(|l| l.name.clone()).unwrap_or_default(),
                i.lead.as_ref().and_then(|l| l.siret.clone()).unwrap_or_default(),
                i.name.clone(),
                euros_decimal(f.amount_cents),
                "aide en numéraire".into(),
                String::new(),
                String::new(),
                String::new(),
                "non".into(),
                share.unwrap_or_default(),
            ];
            out.row(cells);
        }
    }
    download::csv(out, "subventions.csv")
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
