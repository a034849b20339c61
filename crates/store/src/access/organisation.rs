//! Organisations: local authorities, State services, partners.

use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use time::OffsetDateTime;

use super::uuid;
use crate::audit::{By, insert};
use crate::{Result, Store, StoreError, with_pool};

/// An `organisation` row as stored.
#[derive(sqlx::FromRow)]
struct OrganisationRow {
    id: String,
    kind: String,
    name: String,
    siren: Option<String>,
    siret: Option<String>,
    territory: Option<String>,
    version: i64,
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = StoreError;

    fn try_from(r: OrganisationRow) -> Result<Organisation> {
        Ok(Organisation {
            id: uuid(&r.id)?,
            kind: OrganisationKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("organisation kind {}", r.kind)))?,
            name: r.name,
            siren: r.siren,
            siret: r.siret,
            territory: r
                .territory
                .map(|t| t.parse().map_err(|e| StoreError::Corrupt(format!("organisation territory {t}: {e}"))))
                .transpose()?,
            version: r.version,
        })
    }
}

fn json(o: &Organisation) -> serde_json::Value {
    serde_json::to_value(o).unwrap_or_default()
}

const TAKEN: &str = "an organisation with this SIRET or territory already exists";

impl Store {
    /// Stores a new organisation (its `version` is set to 1).
    pub async fn create_organisation(&self, org: &Organisation, by: &By) -> Result<Organisation> {
        const SQL: &str = "INSERT INTO organisation (id, kind, name, siren, siret, territory, created_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1)";
        let org = Organisation { version: 1, ..org.clone() };
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(SQL)
                .bind(org.id.to_string())
                .bind(org.kind.as_str())
                .bind(&org.name)
                .bind(&org.siren)
                .bind(&org.siret)
                .bind(org.territory.as_ref().map(ToString::to_string))
                .bind(OffsetDateTime::now_utc())
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::unique(e, TAKEN))?;
            insert!(&mut *tx, &by.event("organisation", org.id, "create", None, Some(json(&org))))?;
            tx.commit().await?;
        });
        Ok(org)
    }

    /// Replaces an organisation if its stored version is still `org.version`; returns
    /// it with the next version. A stale version is a [`StoreError::Conflict`].
    pub async fn update_organisation(&self, org: &Organisation, by: &By) -> Result<Organisation> {
        const SQL: &str = "UPDATE organisation SET kind = $2, name = $3, siren = $4, siret = $5, territory = $6, \
             version = version + 1 WHERE id = $1 AND version = $7";
        let before =
            self.organisation(org.id).await?.ok_or_else(|| StoreError::Conflict("no such organisation".into()))?;
        let after = Organisation { version: org.version + 1, ..org.clone() };
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(SQL)
                .bind(org.id.to_string())
                .bind(org.kind.as_str())
                .bind(&org.name)
                .bind(&org.siren)
                .bind(&org.siret)
                .bind(org.territory.as_ref().map(ToString::to_string))
                .bind(org.version)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::unique(e, TAKEN))?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "the organisation was changed meanwhile (version {} is current)",
                    before.version
                )));
            }
            insert!(&mut *tx, &by.event("organisation", org.id, "update", Some(json(&before)), Some(json(&after))))?;
            tx.commit().await?;
        });
        Ok(after)
    }

    pub async fn organisation(&self, id: uuid::Uuid) -> Result<Option<Organisation>> {
        const SQL: &str = "SELECT id, kind, name, siren, siret, territory, version FROM organisation WHERE id = $1";
        with_pool!(self, pool => {
            let row = sqlx::query_as::<_, OrganisationRow>(SQL).bind(id.to_string()).fetch_optional(pool).await?;
            row.map(Organisation::try_from).transpose()
        })
    }

    /// The organisation of a SIRET (ProConnect's `siret` claim), or of its SIREN
    /// when the establishment itself is not registered.
    pub async fn organisation_by_siret(&self, siret: &str) -> Result<Option<Organisation>> {
        const SQL: &str = "SELECT id, kind, name, siren, siret, territory, version FROM organisation \
             WHERE siret = $1 OR (siret IS NULL AND siren = $2) ORDER BY siret IS NULL LIMIT 1";
        let siren = siret.get(..9).unwrap_or(siret);
        with_pool!(self, pool => {
            let row = sqlx::query_as::<_, OrganisationRow>(SQL).bind(siret).bind(siren).fetch_optional(pool).await?;
            row.map(Organisation::try_from).transpose()
        })
    }

    /// Every organisation, by name.
    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        const SQL: &str = "SELECT id, kind, name, siren, siret, territory, version FROM organisation ORDER BY name, id";
        with_pool!(self, pool => {
            let rows = sqlx::query_as::<_, OrganisationRow>(SQL).fetch_all(pool).await?;
            rows.into_iter().map(Organisation::try_from).collect()
        })
    }
}
