//! The stored referential: loaded whole into memory at start, replaced whole by an
//! import (only the rows that changed are written).

use std::collections::HashMap;

use cohesion_core::territory::{Centroid, Parents, Referential, Territory, TerritoryKind, Typology, compact};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{NewEvent, insert};
use crate::{Result, Store, StoreError, with_pool};

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReferentialChange {
    pub added: usize,
    pub changed: usize,
    pub retired: usize,
    pub unchanged: usize,
    /// The revision after the import (unchanged when nothing changed).
    pub revision: i64,
}

impl ReferentialChange {
    pub fn is_noop(&self) -> bool {
        self.added == 0 && self.changed == 0 && self.retired == 0
    }
}

const COLUMNS: &str = "kind, code, name, population, siren, postcodes, parent_commune, parent_epci, \
     parent_departement, parent_region, departements, zone, chef_lieu, category, financing, density_level, \
     rurality, centrality, mountain, lon, lat";

macro_rules! select_territories {
    () => {
        "SELECT kind, code, name, population, siren, postcodes, parent_commune, parent_epci, \
     parent_departement, parent_region, departements, zone, chef_lieu, category, financing, density_level, \
     rurality, centrality, mountain, lon, lat, retired_in FROM territory"
    };
}
const SELECT_ALL: &str = select_territories!();
const SELECT_CURRENT: &str = concat!(select_territories!(), " WHERE retired_in IS NULL");

const UPSERT_TAIL: &str = " ON CONFLICT (kind, code) DO UPDATE SET name = excluded.name, \
     population = excluded.population, siren = excluded.siren, postcodes = excluded.postcodes, \
     parent_commune = excluded.parent_commune, parent_epci = excluded.parent_epci, \
     parent_departement = excluded.parent_departement, parent_region = excluded.parent_region, \
     departements = excluded.departements, zone = excluded.zone, chef_lieu = excluded.chef_lieu, \
     category = excluded.category, financing = excluded.financing, density_level = excluded.density_level, \
     rurality = excluded.rurality, centrality = excluded.centrality, mountain = excluded.mountain, \
     lon = excluded.lon, lat = excluded.lat, retired_in = NULL";

/// Rows per multi-row INSERT: 21 parameters each, under both backends' limits.
const CHUNK: usize = 1_000;

/// Reads one `territory` row on either backend; yields (territory, retired_in).
macro_rules! territory_from_row {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        let kind: String = r.try_get("kind")?;
        let kind: TerritoryKind = kind.parse().map_err(|e| StoreError::Corrupt(format!("territory.kind: {e}")))?;
        let list = |s: String| s.split(' ').filter(|p| !p.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        let population: Option<i64> = r.try_get("population")?;
        let density: Option<i16> = r.try_get("density_level")?;
        let lon: Option<f64> = r.try_get("lon")?;
        let lat: Option<f64> = r.try_get("lat")?;
        let retired: Option<String> = r.try_get("retired_in")?;
        let t = Territory {
            kind,
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            population: population.and_then(|p| u64::try_from(p).ok()),
            siren: r.try_get("siren")?,
            postcodes: list(r.try_get("postcodes")?),
            parents: Parents {
                commune: r.try_get("parent_commune")?,
                epci: r.try_get("parent_epci")?,
                departement: r.try_get("parent_departement")?,
                region: r.try_get("parent_region")?,
            },
            departements: list(r.try_get("departements")?),
            zone: r.try_get("zone")?,
            chef_lieu: r.try_get("chef_lieu")?,
            category: r.try_get("category")?,
            financing: r.try_get("financing")?,
            typology: Typology {
                density_level: density.and_then(|d| u8::try_from(d).ok()),
                rurality: r.try_get("rurality")?,
                centrality: r.try_get("centrality")?,
                mountain: r.try_get("mountain")?,
            },
            centroid: match (lon, lat) {
                (Some(lon), Some(lat)) => Some(Centroid { lon, lat }),
                _ => None,
            },
        };
        Ok::<_, StoreError>((t, retired))
    }};
}

impl Store {
    /// The loaded vintage and revision, or `None` before the first load.
    pub async fn referential_state(&self) -> Result<Option<(String, i64)>> {
        const SQL: &str = "SELECT vintage, revision FROM referential_state WHERE id = 1";
        with_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (String, i64)>(SQL).fetch_optional(pool).await?)
        })
    }

    /// The current referential (retired territories left out), or `None` when the
    /// database has none yet. Read from the compact snapshot written by the last
    /// import when it is there and readable, else from the rows.
    pub async fn load_referential(&self) -> Result<Option<Referential>> {
        const SQL: &str = "SELECT snapshot FROM referential_state WHERE id = 1";
        let snapshot = with_pool!(self, pool => {
            sqlx::query_as::<_, (Option<String>,)>(SQL).fetch_optional(pool).await?
        });
        match snapshot {
            None => Ok(None),
            Some((Some(text),)) => match compact::read("referential_state.snapshot", &text) {
                Ok(r) => Ok(Some(r)),
                Err(e) => {
                    tracing::warn!(error = %e, "stored snapshot unreadable; reading the rows");
                    self.load_referential_rows().await
                }
            },
            Some((None,)) => self.load_referential_rows().await,
        }
    }

    /// The current referential read from the `territory` rows.
    pub async fn load_referential_rows(&self) -> Result<Option<Referential>> {
        let Some((vintage, _)) = self.referential_state().await? else { return Ok(None) };
        let rows = with_pool!(self, pool => {
            let rows = sqlx::query(SELECT_CURRENT).fetch_all(pool).await?;
            rows.iter().map(|r| territory_from_row!(r).map(|(t, _)| t)).collect::<Result<Vec<_>>>()?
        });
        Referential::new(vintage, rows).map(Some).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Makes the stored referential equal to `new`: inserts what is new, updates what
    /// changed, retires what disappeared, in one transaction with its audit event.
    /// Importing the same referential twice changes nothing the second time.
    pub async fn replace_referential(&self, new: &Referential, actor: &str) -> Result<ReferentialChange> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let rows = sqlx::query(SELECT_ALL).fetch_all(&mut *tx).await?;
            let mut current: HashMap<(TerritoryKind, String), (Territory, Option<String>)> = HashMap::with_capacity(rows.len());
            for r in &rows {
                let (t, retired) = territory_from_row!(r)?;
                current.insert((t.kind, t.code.clone()), (t, retired));
            }
            let state = sqlx::query_as::<_, (String, i64)>("SELECT vintage, revision FROM referential_state WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
            let mut change = ReferentialChange::default();
            let mut writes: Vec<&Territory> = Vec::new();
            for t in new.all() {
                match current.remove(&(t.kind, t.code.clone())) {
                    None => {
                        change.added += 1;
                        writes.push(t);
                    }
                    Some((old, retired)) if old != *t || retired.is_some() => {
                        change.changed += 1;
                        writes.push(t);
                    }
                    Some(_) => change.unchanged += 1,
                }
            }
            let retire: Vec<(TerritoryKind, String)> =
                current.into_iter().filter(|(_, (_, retired))| retired.is_none()).map(|(k, _)| k).collect();
            change.retired = retire.len();
            let vintage_changed = state.as_ref().map(|(v, _)| v.as_str()) != Some(new.vintage());
            if change.is_noop() && !vintage_changed {
                change.revision = state.map(|(_, r)| r).unwrap_or(0);
                tx.rollback().await?;
                return Ok(change);
            }
            for chunk in writes.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(format!("INSERT INTO territory ({COLUMNS}) "));
                qb.push_values(chunk, |mut b, t| {
                    b.push_bind(t.kind.as_str())
                        .push_bind(&t.code)
                        .push_bind(&t.name)
                        .push_bind(t.population.and_then(|p| i64::try_from(p).ok()))
                        .push_bind(&t.siren)
                        .push_bind(t.postcodes.join(" "))
                        .push_bind(&t.parents.commune)
                        .push_bind(&t.parents.epci)
                        .push_bind(&t.parents.departement)
                        .push_bind(&t.parents.region)
                        .push_bind(t.departements.join(" "))
                        .push_bind(&t.zone)
                        .push_bind(&t.chef_lieu)
                        .push_bind(&t.category)
                        .push_bind(&t.financing)
                        .push_bind(t.typology.density_level.map(i16::from))
                        .push_bind(&t.typology.rurality)
                        .push_bind(&t.typology.centrality)
                        .push_bind(&t.typology.mountain)
                        .push_bind(t.centroid.map(|c| c.lon))
                        .push_bind(t.centroid.map(|c| c.lat));
                });
                qb.push(UPSERT_TAIL);
                qb.build().execute(&mut *tx).await?;
            }
            for (kind, code) in &retire {
                sqlx::query("UPDATE territory SET retired_in = $1 WHERE kind = $2 AND code = $3")
                    .bind(new.vintage())
                    .bind(kind.as_str())
                    .bind(code)
                    .execute(&mut *tx)
                    .await?;
            }
            let revision = state.as_ref().map(|(_, r)| r + 1).unwrap_or(1);
            sqlx::query(
                "INSERT INTO referential_state (id, vintage, revision, updated_at) VALUES (1, $1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET vintage = excluded.vintage, revision = excluded.revision, \
                 updated_at = excluded.updated_at",
            )
            .bind(new.vintage())
            .bind(revision)
            .bind(OffsetDateTime::now_utc())
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE referential_state SET snapshot = $1 WHERE id = 1")
                .bind(compact::write(new))
                .execute(&mut *tx)
                .await?;
            change.revision = revision;
            let event = NewEvent {
                actor: actor.to_owned(),
                request_id: None,
                entity_type: "referential".into(),
                entity_id: "territories".into(),
                action: "import".into(),
                before: state.map(|(v, r)| json!({ "vintage": v, "revision": r })),
                after: Some(json!({
                    "vintage": new.vintage(),
                    "revision": revision,
                    "added": change.added,
                    "changed": change.changed,
                    "retired": change.retired,
                    "retired_codes": retire.iter().map(|(k, c)| format!("{k}:{c}")).collect::<Vec<_>>(),
                })),
            };
            insert!(&mut *tx, &event)?;
            tx.commit().await?;
            Ok(change)
        })
    }
}
