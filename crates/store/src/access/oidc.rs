//! ProConnect (OpenID Connect) sign-ins in progress, the provider's ID token kept
//! with the session (for its logout), and the employer attested by the `siret` claim.

use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{By, insert};
use crate::{Result, Store, with_pool};

impl Store {
    /// Records a sign-in started with this `state` (hashed) for `ttl`.
    pub async fn create_oidc_login(
        &self,
        state_hash: &str,
        nonce: &str,
        code_verifier: &str,
        ttl: Duration,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO oidc_login (state_hash, nonce, code_verifier, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)";
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            sqlx::query(SQL).bind(state_hash).bind(nonce).bind(code_verifier).bind(now).bind(now + ttl).execute(pool).await?;
            sqlx::query("DELETE FROM oidc_login WHERE expires_at < $1").bind(now).execute(pool).await?;
        });
        Ok(())
    }

    /// Takes (once) the nonce and PKCE verifier of an unexpired sign-in.
    pub async fn take_oidc_login(&self, state_hash: &str) -> Result<Option<(String, String)>> {
        const SQL: &str =
            "DELETE FROM oidc_login WHERE state_hash = $1 AND expires_at > $2 RETURNING nonce, code_verifier";
        with_pool!(self, pool => {
            use sqlx::Row;
            let row = sqlx::query(SQL).bind(state_hash).bind(OffsetDateTime::now_utc()).fetch_optional(pool).await?;
            match row {
                Some(r) => Ok(Some((r.try_get("nonce")?, r.try_get("code_verifier")?))),
                None => Ok(None),
            }
        })
    }

    /// Keeps the provider's ID token with the session (sent back at logout).
    pub async fn set_session_id_token(&self, id_hash: &str, id_token: &str) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE session SET id_token = $2 WHERE id_hash = $1").bind(id_hash).bind(id_token).execute(pool).await?;
        });
        Ok(())
    }

    /// The provider's ID token of a session, if it was opened through ProConnect.
    pub async fn session_id_token(&self, id_hash: &str) -> Result<Option<String>> {
        with_pool!(self, pool => {
            use sqlx::Row;
            let row = sqlx::query("SELECT id_token FROM session WHERE id_hash = $1").bind(id_hash).fetch_optional(pool).await?;
            match row {
                Some(r) => Ok(r.try_get("id_token")?),
                None => Ok(None),
            }
        })
    }

    /// Records the organisation a person works for (from ProConnect's `siret` claim).
    pub async fn set_person_organisation(&self, person: Uuid, organisation: Option<Uuid>, by: &By) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE person SET organisation_id = $2 WHERE id = $1 AND organisation_id IS DISTINCT FROM $2")
                .bind(person.to_string())
                .bind(organisation.map(|o| o.to_string()))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                insert!(&mut *tx, &by.event("person", person, "set_organisation", None, Some(json!({"organisation": organisation}))))?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The organisation recorded for a person.
    pub async fn person_organisation(&self, person: Uuid) -> Result<Option<Uuid>> {
        with_pool!(self, pool => {
            use sqlx::Row;
            let row = sqlx::query("SELECT organisation_id FROM person WHERE id = $1").bind(person.to_string()).fetch_optional(pool).await?;
            let id: Option<String> = match row {
                Some(r) => r.try_get("organisation_id")?,
                None => None,
            };
            id.map(|s| super::uuid(&s)).transpose()
        })
    }
}
