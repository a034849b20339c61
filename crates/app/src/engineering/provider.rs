//! The directory of providers (created one by one or imported from CSV, by admins),
//! the suggestions for a request, and the départements' budgets.

use cohesion_core::access::Principal;
use cohesion_core::engineering::delegation::is_departement_code;
use cohesion_core::engineering::{
    Budget, EngineeringFault as F, Need, Provider, ProviderKind, ProviderLoad, Suggestion, suggest as rank,
};
use cohesion_core::import::{Fault as LineFault, Faults, read_csv};
use serde::Deserialize;
use uuid::Uuid;

use super::{case, viewer};
use crate::{App, AppError, Fault};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProviderInput {
    pub name: String,
    /// `agency`, `cerema`, `ademe`, `banque_des_territoires`, `caue`, `agence_urbanisme`,
    /// `private_firm`, `other`.
    pub kind: String,
    pub siren: Option<String>,
    /// The platform organisation whose people act for it.
    #[schema(value_type = Option<String>)]
    pub organisation: Option<Uuid>,
    /// Codes of the needs list.
    #[serde(default)]
    pub competences: Vec<String>,
    /// Département codes; empty: everywhere.
    #[serde(default)]
    pub departements: Vec<String>,
    pub capacity: u32,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn admin(who: &Principal) -> Result<(), AppError> {
    if who.is_admin() { Ok(()) } else { Err(AppError::Forbidden("only the agency's admins manage this".into())) }
}

/// Checks a provider input; `at` prefixes the fields (`` or a CSV line's).
fn validate(input: &ProviderInput, faults: &mut Vec<Fault>) -> Option<Provider> {
    let before = faults.len();
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        faults.push(Fault::new("name", F::Required));
    } else if name.chars().count() > 300 {
        faults.push(Fault::new("name", F::TooLong { max: 300 }));
    }
    let kind = ProviderKind::parse(input.kind.trim());
    if kind.is_none() {
        faults.push(Fault::new("kind", F::UnknownProviderKind(input.kind.clone())));
    }
    let siren = input.siren.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(s) = &siren
        && !(s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit()))
    {
        faults.push(Fault::new("siren", F::NotSiren(s.clone())));
    }
    let competences = super::parse_needs(&input.competences, faults);
    let competences: Vec<Need> = competences;
    let mut departements = Vec::new();
    for (i, d) in input.departements.iter().enumerate() {
        let d = d.trim().to_uppercase();
        if !is_departement_code(&d) {
            faults.push(Fault::new(format!("departements[{i}]"), F::UnknownDepartement(d.clone())));
        } else if !departements.contains(&d) {
            departements.push(d);
        }
    }
    if !(1..=1000).contains(&input.capacity) {
        faults.push(Fault::new("capacity", F::NotCapacity(input.capacity.to_string())));
    }
    (faults.len() == before).then(|| Provider {
        id: Uuid::now_v7().to_string(),
        name,
        kind: kind.unwrap_or(ProviderKind::Other),
        siren,
        organisation: input.organisation,
        competences,
        departements,
        capacity: input.capacity,
        active: input.active,
        revision: 1,
    })
}

pub async fn create(app: &App, who: &Principal, input: ProviderInput) -> Result<Provider, AppError> {
    admin(who)?;
    let mut faults = Vec::new();
    let p = validate(&input, &mut faults);
    let Some(p) = p.filter(|_| faults.is_empty()) else { return Err(AppError::Invalid(faults)) };
    app.store.create_engineering_providers(std::slice::from_ref(&p), who.person).await?;
    super::search::catch_up(app).await;
    Ok(p)
}

pub async fn update(
    app: &App,
    who: &Principal,
    id: &str,
    expected: i64,
    input: ProviderInput,
) -> Result<Provider, AppError> {
    admin(who)?;
    let mut faults = Vec::new();
    let p = validate(&input, &mut faults);
    let Some(p) = p.filter(|_| faults.is_empty()) else { return Err(AppError::Invalid(faults)) };
    let updated = app
        .store
        .update_engineering_provider(&Provider { id: id.to_owned(), ..p }, expected, who.person)
        .await
        .map_err(super::write_error)?;
    super::search::catch_up(app).await;
    Ok(updated)
}

pub async fn list(app: &App) -> Result<Vec<Provider>, AppError> {
    Ok(app.store.engineering_providers().await?)
}

/// Imports providers from CSV (`name;kind;siren;competences;departements;capacity`,
/// lists space-separated); every faulty line is reported with its number, and
/// nothing is written if one is wrong.
pub async fn import(app: &App, who: &Principal, source: &str, csv: &str) -> Result<Vec<Provider>, AppError> {
    let out = check_import(app, who, source, csv).await?;
    app.store.create_engineering_providers(&out, who.person).await?;
    super::search::catch_up(app).await;
    Ok(out)
}

/// What [`import`] would create from `csv`, or every faulty line, writing nothing
/// (the page's preview before it applies the same file).
pub async fn check_import(app: &App, who: &Principal, source: &str, csv: &str) -> Result<Vec<Provider>, AppError> {
    admin(who)?;
    let file = |line: usize, field: Option<&str>, code: F| LineFault::coded(source, line, field, code);
    let records =
        read_csv(csv, None).map_err(|line| AppError::InvalidFile(Faults(vec![file(line, None, F::NotCsv)])))?;
    let Some((header, rows)) = records.split_first() else {
        return Err(AppError::InvalidFile(Faults(vec![file(0, None, F::EmptyFile)])));
    };
    let columns = ["name", "kind", "siren", "competences", "departements", "capacity"];
    let mut line_faults = Vec::new();
    let idx: Vec<Option<usize>> =
        columns.iter().map(|c| header.cells.iter().position(|h| h.trim().eq_ignore_ascii_case(c))).collect();
    for (c, i) in columns.iter().zip(&idx) {
        if i.is_none() && *c != "siren" && *c != "departements" {
            line_faults.push(file(header.line, Some(c), F::MissingColumn((*c).to_owned())));
        }
    }
    if !line_faults.is_empty() {
        return Err(AppError::InvalidFile(Faults(line_faults)));
    }
    let existing = app.store.engineering_providers().await?;
    let key = |s: &str| cohesion_core::territory::fold(s);
    let mut out: Vec<Provider> = Vec::new();
    for r in rows {
        let cell = |k: usize| idx[k].and_then(|i| r.cells.get(i)).map_or("", |s| s.trim());
        let capacity = cell(5).parse::<u32>();
        let input = ProviderInput {
            name: cell(0).to_owned(),
            kind: cell(1).to_owned(),
            siren: Some(cell(2).to_owned()),
            organisation: None,
            competences: cell(3).split_whitespace().map(str::to_owned).collect(),
            departements: cell(4).split_whitespace().map(str::to_owned).collect(),
            capacity: capacity.clone().unwrap_or(0),
            active: true,
        };
        let mut faults = Vec::new();
        let p = validate(&input, &mut faults);
        if capacity.is_err() {
            faults.retain(|f| f.field != "capacity");
            faults.push(Fault::new("capacity", F::NotCapacity(cell(5).to_owned())));
        }
        for f in &faults {
            line_faults.push(match &f.code {
                crate::error::FaultCode::Engineering(code) => file(r.line, Some(&f.field), code.clone()),
                other => LineFault::new(source, r.line, Some(&f.field), other.to_string()),
            });
        }
        if let Some(p) = p.filter(|_| faults.is_empty()) {
            let taken = existing.iter().any(|e| key(&e.name) == key(&p.name))
                || out.iter().any(|e| key(&e.name) == key(&p.name));
            if taken {
                line_faults.push(file(r.line, Some("name"), F::ProviderNameTaken));
            } else {
                out.push(p);
            }
        }
    }
    if !line_faults.is_empty() {
        return Err(AppError::InvalidFile(Faults(line_faults)));
    }
    Ok(out)
}

/// The providers suggested for a request (for the delegate who qualifies it).
pub async fn suggest(app: &App, who: &Principal, request: &str) -> Result<Vec<Suggestion>, AppError> {
    let c = case(app, request).await?;
    if !viewer(app, Some(who), &c).await?.can_qualify() {
        return Err(AppError::Forbidden("suggestions are for the delegate who qualifies the request".into()));
    }
    let loads = app.store.engineering_provider_loads().await?;
    let providers: Vec<ProviderLoad> = app
        .store
        .engineering_providers()
        .await?
        .into_iter()
        .map(|p| {
            let active_missions = loads.iter().find(|(id, _)| *id == p.id).map_or(0, |(_, n)| *n);
            ProviderLoad { provider: p, active_missions }
        })
        .collect();
    Ok(rank(&c.request.needs, &c.request.departement, &providers))
}

/// Sets a département's yearly engineering budget (admins).
pub async fn set_budget(
    app: &App,
    who: &Principal,
    departement: &str,
    year: i32,
    amount_cents: i64,
) -> Result<Budget, AppError> {
    admin(who)?;
    let mut faults = Vec::new();
    if !is_departement_code(departement) {
        faults.push(Fault::new("departement", F::UnknownDepartement(departement.to_owned())));
    }
    if !(2000..=2100).contains(&year) {
        faults.push(Fault::new(
            "year",
            crate::param::ParamFault::Unknown { value: year.to_string(), what: "a year from 2000 to 2100" },
        ));
    }
    if amount_cents < 0 {
        faults.push(Fault::new("amount_cents", F::NotAmount(amount_cents.to_string())));
    }
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    Ok(app.store.set_engineering_budget(departement, year, amount_cents, who.person).await?)
}
