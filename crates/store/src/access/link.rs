//! Single-use links mailed to a person: invitation, password reset, email change.
//! Stored as the SHA-256 of their random token; used at most once, before expiry.

use cohesion_core::access::person::Email;
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::uuid;
use crate::audit::{By, insert};
use crate::{Result, Store, StoreError, with_pool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Invitation,
    Reset,
    EmailChange,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::Reset => "reset",
            LinkPurpose::EmailChange => "email_change",
        }
    }
}

impl Store {
    /// Records a link for `person`, valid for `ttl`. `new_email` for email changes.
    pub async fn create_link(
        &self,
        purpose: LinkPurpose,
        person: Uuid,
        new_email: Option<&Email>,
        token_hash: &str,
        ttl: Duration,
        by: &By,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO account_link (token_hash, purpose, person_id, new_email, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)";
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(SQL)
                .bind(token_hash)
                .bind(purpose.as_str())
                .bind(person.to_string())
                .bind(new_email.map(Email::as_str))
                .bind(now)
                .bind(now + ttl)
                .execute(&mut *tx)
                .await?;
            let after = json!({"purpose": purpose.as_str(), "expires_at": (now + ttl).unix_timestamp(), "new_email": new_email});
            insert!(&mut *tx, &by.event("person", person, "send_link", None, Some(after)))?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The person a still usable link is for (unused, unexpired), without using it.
    pub async fn link_person(&self, purpose: LinkPurpose, token_hash: &str) -> Result<Option<Uuid>> {
        const SQL: &str = "SELECT person_id FROM account_link \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3";
        with_pool!(self, pool => {
            use sqlx::Row;
            let row = sqlx::query(SQL)
                .bind(token_hash)
                .bind(purpose.as_str())
                .bind(OffsetDateTime::now_utc())
                .fetch_optional(pool)
                .await?;
            row.map(|r| uuid(&r.try_get::<String, _>("person_id")?)).transpose()
        })
    }

    /// Uses an invitation or reset link to set the password, in one transaction:
    /// the link is spent even if two requests race. `None` when the link is unknown,
    /// used or expired.
    pub async fn use_link_for_password(
        &self,
        purpose: LinkPurpose,
        token_hash: &str,
        password_hash: &str,
        by: &By,
    ) -> Result<Option<Uuid>> {
        const SPEND: &str = "UPDATE account_link SET used_at = $3 \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING person_id";
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            use sqlx::Row;
            let mut tx = pool.begin().await?;
            let Some(row) = sqlx::query(SPEND).bind(token_hash).bind(purpose.as_str()).bind(now).fetch_optional(&mut *tx).await?
            else {
                return Ok(None);
            };
            let person = uuid(&row.try_get::<String, _>("person_id")?)?;
            sqlx::query("UPDATE person SET password_hash = $2, version = version + 1 WHERE id = $1 AND active")
                .bind(person.to_string())
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM session WHERE person_id = $1").bind(person.to_string()).execute(&mut *tx).await?;
            let by = By { actor: format!("person:{person}"), ..by.clone() };
            insert!(&mut *tx, &by.event("person", person, "set_password", None, Some(json!({"via": purpose.as_str()}))))?;
            tx.commit().await?;
            Ok(Some(person))
        })
    }

    /// Uses an email-change link: the person's address becomes the one it was sent to.
    pub async fn use_email_change_link(&self, token_hash: &str, by: &By) -> Result<Option<Uuid>> {
        const SPEND: &str = "UPDATE account_link SET used_at = $3 \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING person_id, new_email";
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            use sqlx::Row;
            let mut tx = pool.begin().await?;
            let Some(row) = sqlx::query(SPEND)
                .bind(token_hash)
                .bind(LinkPurpose::EmailChange.as_str())
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(None);
            };
            let person = uuid(&row.try_get::<String, _>("person_id")?)?;
            let raw: Option<String> = row.try_get("new_email")?;
            let email = Email::parse(raw.as_deref().unwrap_or("")).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let before: String = sqlx::query("SELECT email FROM person WHERE id = $1")
                .bind(person.to_string())
                .fetch_one(&mut *tx)
                .await?
                .try_get("email")?;
            sqlx::query("UPDATE person SET email = $2, email_key = $3, version = version + 1 WHERE id = $1")
                .bind(person.to_string())
                .bind(email.as_str())
                .bind(email.key())
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::unique(e, "a person with this email address already exists"))?;
            let by = By { actor: format!("person:{person}"), ..by.clone() };
            insert!(&mut *tx, &by.event("person", person, "change_email", Some(json!({"email": before})), Some(json!({"email": email}))))?;
            tx.commit().await?;
            Ok(Some(person))
        })
    }
}
