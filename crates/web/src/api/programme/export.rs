//! Exports of a programme's members: CSV (one line per membership) and GeoJSON
//! (France services: one point per place, from its coordinates; other programmes: one
//! point per member, from the territory's centroid). Column and property names are
//! documented in `docs/programmes.md`.

use axum::extract::{Path, State};
use axum::response::Response;
use cohesion_core::export::CsvWriter;
use serde_json::{Value, json};

use super::read::{MembersParams, filtered, find, main_area, parse_status};
use crate::AppState;
use crate::api::{ApiQuery, download};
use crate::error::{ApiError, Problem};

/// CSV columns, in order.
pub const CSV_COLUMNS: [&str; 14] = [
    "programme",
    "territory_kind",
    "territory_code",
    "territory_name",
    "departement",
    "region",
    "population",
    "group_id",
    "group_name",
    "status",
    "signed_on",
    "labelled_on",
    "exited_on",
    "convention",
];

/// Members as CSV (UTF-8, comma-separated, header line); same filters as the list.
#[utoipa::path(get, path = "/api/v1/programmes/{code}/members.csv", tag = "programmes",
    params(("code" = String, Path, description = "Programme code"), MembersParams),
    responses((status = 200, description = "CSV, columns documented in docs/programmes.md", content_type = "text/csv"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn members_csv(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(params): ApiQuery<MembersParams>,
) -> Result<Response, ApiError> {
    let s = state.current();
    find(&s.programmes, &code)?;
    let mut errors = Vec::new();
    let status = parse_status(&params.status, &mut errors);
    let members = filtered(&s, &code, &params, status, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let r = &s.referential;
    let mut out = CsvWriter::with_header(&CSV_COLUMNS);
    for (m, at) in members {
        let t = at.map(|i| r.at(i));
        let (dep, reg) = t.map(main_area).unwrap_or_default();
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let cells = [
            code.clone(),
            m.territory.kind.as_str().to_owned(),
            m.territory.code.clone(),
            t.map(|t| t.name.clone()).unwrap_or_default(),
            o(&dep),
            o(&reg),
            t.and_then(|t| t.population).map(|p| p.to_string()).unwrap_or_default(),
            o(&m.group_id),
            o(&m.group_name),
            m.status.as_str().to_owned(),
            o(&m.signed_on),
            o(&m.labelled_on),
            o(&m.exited_on),
            o(&m.convention),
        ];
        out.row(cells);
    }
    download::csv(out, &format!("{code}-membres.csv"))
}

/// Members as GeoJSON points (France services: its places).
#[utoipa::path(get, path = "/api/v1/programmes/{code}/members.geojson", tag = "programmes",
    params(("code" = String, Path, description = "Programme code"), MembersParams),
    responses((status = 200, description = "GeoJSON FeatureCollection (WGS 84)", content_type = "application/geo+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn members_geojson(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(params): ApiQuery<MembersParams>,
) -> Result<Response, ApiError> {
    let s = state.current();
    find(&s.programmes, &code)?;
    let mut errors = Vec::new();
    let status = parse_status(&params.status, &mut errors);
    let members = filtered(&s, &code, &params, status, &mut errors);
    // France services: its places in the communes the filter keeps (any status).
    let communes_of_places: std::collections::HashSet<&str> = if code == "fs" {
        filtered(&s, &code, &params, None, &mut Vec::new())
            .into_iter()
            .map(|(m, _)| m.territory.code.as_str())
            .collect()
    } else {
        std::collections::HashSet::new()
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let r = &s.referential;
    let point = |lon: f64, lat: f64| json!({ "type": "Point", "coordinates": [lon, lat] });
    let features: Vec<Value> = if code == "fs" {
        let narrowed = params.departement.is_some() || params.region.is_some() || params.q.is_some();
        let communes = narrowed.then_some(&communes_of_places);
        s.programmes
            .places()
            .iter()
            .filter(|p| {
                let commune = r
                    .get(cohesion_core::territory::TerritoryKind::ArrondissementMunicipal, &p.commune)
                    .and_then(|a| a.parents.commune.as_deref())
                    .unwrap_or(&p.commune);
                communes.as_ref().is_none_or(|c| c.contains(commune))
            })
            .map(|p| {
                json!({
                    "type": "Feature",
                    "geometry": point(p.lon, p.lat),
                    "properties": {
                        "programme": "fs", "id": p.id, "name": p.name, "address": p.address,
                        "address_complement": p.address_complement, "postcode": p.postcode, "commune": p.commune,
                        "type": p.place_type, "format": p.format, "labelled_on": p.labelled_on,
                        "hours_mon": p.hours[0], "hours_tue": p.hours[1], "hours_wed": p.hours[2],
                        "hours_thu": p.hours[3], "hours_fri": p.hours[4], "hours_sat": p.hours[5],
                        "phone": p.phone, "email": p.email, "point_source": "coordinates",
                    }
                })
            })
            .collect()
    } else {
        members
            .into_iter()
            .map(|(m, at)| {
                let located = at.and_then(|i| s.programmes.location(r, i));
                let t = at.map(|i| r.at(i));
                json!({
                    "type": "Feature",
                    "geometry": located.map(|(c, _)| point(c.lon, c.lat)),
                    "properties": {
                        "programme": code, "territory_kind": m.territory.kind.as_str(),
                        "territory_code": m.territory.code, "territory_name": t.map(|t| t.name.clone()),
                        "population": t.and_then(|t| t.population),
                        "group_id": m.group_id, "group_name": m.group_name, "status": m.status.as_str(),
                        "signed_on": m.signed_on, "labelled_on": m.labelled_on, "exited_on": m.exited_on,
                        "convention": m.convention,
                        "point_source": match located { Some((_, false)) => "centroid", Some((_, true)) => "approximate", None => "none" },
                    }
                })
            })
            .collect()
    };
    let body = json!({ "type": "FeatureCollection", "features": features }).to_string();
    Ok(download::attachment(body, "application/geo+json", &format!("{code}-membres.geojson")))
}
