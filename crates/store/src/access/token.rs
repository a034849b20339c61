//! API tokens of machine clients: some of their owner's roles, stored hashed,
//! revocable, their last use recorded.

use cohesion_core::access::Role;
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::uuid;
use crate::audit::{By, insert};
use crate::{Result, Store, StoreError, with_pool};

/// A token to store (its secret already hashed).
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub person: Uuid,
    pub name: String,
    pub token_hash: String,
    pub roles: Vec<Role>,
    pub expires_at: Option<OffsetDateTime>,
}

/// A stored token, as its owner sees it (never its secret).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: Uuid,
    pub person: Uuid,
    pub name: String,
    pub roles: Vec<Role>,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
}

impl ApiToken {
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

/// An `api_token` row as stored (without its hash).
#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    person_id: String,
    name: String,
    #[sqlx(json)]
    roles: Vec<Role>,
    created_at: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
    last_used_at: Option<OffsetDateTime>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;

    fn try_from(r: TokenRow) -> Result<ApiToken> {
        Ok(ApiToken {
            id: uuid(&r.id)?,
            person: uuid(&r.person_id)?,
            name: r.name,
            roles: r.roles,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
        })
    }
}

const LAST_USE_EVERY: Duration = Duration::minutes(1);

impl Store {
    pub async fn create_api_token(&self, new: &NewApiToken, by: &By) -> Result<ApiToken> {
        self.create_api_token_from(new, None, by).await
    }

    /// Stores a token created by a request authenticated with token `parent`:
    /// revoking `parent` revokes it ([`Store::revoke_api_token`]).
    pub async fn create_api_token_from(&self, new: &NewApiToken, parent: Option<Uuid>, by: &By) -> Result<ApiToken> {
        const SQL: &str = "INSERT INTO api_token (id, person_id, name, token_hash, roles, created_at, expires_at, \
             created_by_token) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let token = ApiToken {
            id: Uuid::now_v7(),
            person: new.person,
            name: new.name.clone(),
            roles: new.roles.clone(),
            created_at: OffsetDateTime::now_utc(),
            expires_at: new.expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(SQL)
                .bind(token.id.to_string())
                .bind(token.person.to_string())
                .bind(&token.name)
                .bind(&new.token_hash)
                .bind(sqlx::types::Json(&token.roles))
                .bind(token.created_at)
                .bind(token.expires_at)
                .bind(parent.map(|p| p.to_string()))
                .execute(&mut *tx)
                .await?;
            let after = json!({"person": token.person, "name": token.name, "roles": token.roles});
            insert!(&mut *tx, &by.event("api_token", token.id, "create", None, Some(after)))?;
            tx.commit().await?;
        });
        Ok(token)
    }

    /// A person's tokens, newest first (revoked ones included, marked).
    pub async fn api_tokens_of(&self, person: Uuid) -> Result<Vec<ApiToken>> {
        const SQL: &str = "SELECT id, person_id, name, roles, created_at, expires_at, revoked_at, last_used_at \
             FROM api_token WHERE person_id = $1 ORDER BY created_at DESC, id DESC";
        with_pool!(self, pool => {
            let rows = sqlx::query_as::<_, TokenRow>(SQL).bind(person.to_string()).fetch_all(pool).await?;
            rows.into_iter().map(ApiToken::try_from).collect()
        })
    }

    pub async fn api_token(&self, id: Uuid) -> Result<Option<ApiToken>> {
        const SQL: &str = "SELECT id, person_id, name, roles, created_at, expires_at, revoked_at, last_used_at \
             FROM api_token WHERE id = $1";
        with_pool!(self, pool => {
            let row = sqlx::query_as::<_, TokenRow>(SQL).bind(id.to_string()).fetch_optional(pool).await?;
            row.map(ApiToken::try_from).transpose()
        })
    }

    /// The live token of this hash (its owner active), recording its use.
    pub async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        const SQL: &str = "SELECT t.id, t.person_id, t.name, t.roles, t.created_at, t.expires_at, t.revoked_at, \
             t.last_used_at FROM api_token t JOIN person p ON p.id = t.person_id WHERE t.token_hash = $1 AND p.active";
        let now = OffsetDateTime::now_utc();
        let found = with_pool!(self, pool => {
            sqlx::query_as::<_, TokenRow>(SQL).bind(token_hash).fetch_optional(pool).await?
        });
        let found = found.map(ApiToken::try_from).transpose()?;
        let Some(mut token) = found.filter(|t| t.is_live(now)) else { return Ok(None) };
        if token.last_used_at.is_none_or(|t| now - t > LAST_USE_EVERY) {
            with_pool!(self, pool => {
                sqlx::query("UPDATE api_token SET last_used_at = $2 WHERE id = $1")
                    .bind(token.id.to_string())
                    .bind(now)
                    .execute(pool)
                    .await?;
            });
            token.last_used_at = Some(now);
        }
        Ok(Some(token))
    }

    /// Revokes a token and every token created from it (at any depth); `false` when
    /// the token was already revoked.
    pub async fn revoke_api_token(&self, id: Uuid, by: &By) -> Result<bool> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // The token and every token created from it, at any depth.
            const SQL: &str = "WITH RECURSIVE lineage (id) AS (SELECT id FROM api_token WHERE id = $1 \
                 UNION SELECT t.id FROM api_token t JOIN lineage l ON t.created_by_token = l.id) \
                 UPDATE api_token SET revoked_at = $2 WHERE id IN (SELECT id FROM lineage) AND revoked_at IS NULL";
            let root = sqlx::query("SELECT id FROM api_token WHERE id = $1 AND revoked_at IS NULL")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            sqlx::query(SQL).bind(id.to_string()).bind(OffsetDateTime::now_utc()).execute(&mut *tx).await?;
            let n = u64::from(root);
            if n == 1 {
                insert!(&mut *tx, &by.event("api_token", id, "revoke", None, None))?;
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }
}
