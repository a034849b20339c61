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
    /// The territories in force before the import (retired ones left out).
    pub before: usize,
    /// Nothing was written: the import would retire more than it was allowed to
    /// ([`Store::replace_referential_limited`]).
    pub refused: bool,
}

impl ReferentialChange {
    pub fn is_noop(&self) -> bool {
        self.added == 0 && self.changed == 0 && self.retired == 0
    }
}

const COLUMNS: &str = "kind, code, name, population, siren, postcodes, parent_commune, parent_epci, \
     parent_departement, parent_region, departements, zone, chef_lieu, category, financing, density_level, \
     rurality, centrality, mountain, lon, lat";

const SELECT: &str = "SELECT kind, code, name, population, siren, postcodes, parent_commune, parent_epci, \
     parent_departement, parent_region, departements, zone, chef_lieu, category, financing, density_level, \
     rurality, centrality, mountain, lon, lat, retired_in FROM territory";

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

/// A `territory` row as stored.
#[derive(sqlx::FromRow)]
struct TerritoryRow {
    kind: String,
    code: String,
    name: String,
    population: Option<i64>,
    siren: Option<String>,
    postcodes: String,
    parent_commune: Option<String>,
    parent_epci: Option<String>,
    parent_departement: Option<String>,
    parent_region: Option<String>,
    departements: String,
    zone: Option<String>,
    chef_lieu: Option<String>,
    category: Option<String>,
    financing: Option<String>,
    density_level: Option<i16>,
    rurality: Option<String>,
    centrality: Option<String>,
    mountain: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    retired_in: Option<String>,
}

impl TerritoryRow {
    /// The territory, and the vintage it left the COG in (`None` while current).
    fn into_territory(self) -> Result<(Territory, Option<String>)> {
        let kind: TerritoryKind = self.kind.parse().map_err(|e| StoreError::Corrupt(format!("territory.kind: {e}")))?;
        let list = |s: String| s.split(' ').filter(|p| !p.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        let t = Territory {
            kind,
            code: self.code,
            name: self.name,
            population: self.population.and_then(|p| u64::try_from(p).ok()),
            siren: self.siren,
            postcodes: list(self.postcodes),
            parents: Parents {
                commune: self.parent_commune,
                epci: self.parent_epci,
                departement: self.parent_departement,
                region: self.parent_region,
            },
            departements: list(self.departements),
            zone: self.zone,
            chef_lieu: self.chef_lieu,
            category: self.category,
            financing: self.financing,
            typology: Typology {
                density_level: self.density_level.and_then(|d| u8::try_from(d).ok()),
                rurality: self.rurality,
                centrality: self.centrality,
                mountain: self.mountain,
            },
            centroid: match (self.lon, self.lat) {
                (Some(lon), Some(lat)) => Some(Centroid { lon, lat }),
                _ => None,
            },
        };
        Ok((t, self.retired_in))
    }
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
        // Retired territories are few beside the current ones (and this is the fallback
        // when the snapshot is unreadable): filtered here, so that one statement and one
        // column list serve both readers.
        let rows = with_pool!(self, pool => sqlx::query_as::<_, TerritoryRow>(SELECT).fetch_all(pool).await?);
        let mut current = Vec::with_capacity(rows.len());
        for r in rows {
            if let (t, None) = r.into_territory()? {
                current.push(t);
            }
        }
        Referential::new(vintage, current).map(Some).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Makes the stored referential equal to `new`: inserts what is new, updates what
    /// changed, retires what disappeared, in one transaction with its audit event.
    /// Importing the same referential twice changes nothing the second time.
    pub async fn replace_referential(&self, new: &Referential, actor: &str) -> Result<ReferentialChange> {
        self.replace_referential_limited(new, actor, 100).await
    }

    /// [`Store::replace_referential`], unless it would retire more than
    /// `max_retired_percent` of the territories in force: then nothing is written and
    /// the change comes back counted, with `refused`. The count is taken in the
    /// transaction that writes.
    pub async fn replace_referential_limited(
        &self,
        new: &Referential,
        actor: &str,
        max_retired_percent: usize,
    ) -> Result<ReferentialChange> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let rows = sqlx::query_as::<_, TerritoryRow>(SELECT).fetch_all(&mut *tx).await?;
            let mut current: HashMap<(TerritoryKind, String), (Territory, Option<String>)> = HashMap::with_capacity(rows.len());
            for r in rows {
                let (t, retired) = r.into_territory()?;
                current.insert((t.kind, t.code.clone()), (t, retired));
            }
            let state = sqlx::query_as::<_, (String, i64)>("SELECT vintage, revision FROM referential_state WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
            let mut change = ReferentialChange {
                before: current.values().filter(|(_, retired)| retired.is_none()).count(),
                ..ReferentialChange::default()
            };
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
            if change.retired * 100 > change.before * max_retired_percent {
                change.refused = true;
                change.revision = state.map(|(_, r)| r).unwrap_or(0);
                tx.rollback().await?;
                return Ok(change);
            }
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
