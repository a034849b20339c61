//! Sessions (stored so that any instance serves any request) and login attempts
//! (counted here so that every instance throttles alike).

use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::uuid;
use crate::audit::{By, insert};
use crate::{Result, Store, with_pool};

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub person: Uuid,
    pub csrf_token: String,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Recent failed sign-ins, per account and per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub account_failures: u64,
    pub address_failures: u64,
}

/// `last_seen_at` is rewritten at most this often, not on every request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

impl Store {
    /// Opens a session for `person` that ends at `expires_at` at the latest.
    pub async fn create_session(
        &self,
        id_hash: &str,
        person: Uuid,
        csrf_token: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO session (id_hash, person_id, csrf_token, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $4, $5)";
        with_pool!(self, pool => {
            sqlx::query(SQL)
                .bind(id_hash)
                .bind(person.to_string())
                .bind(csrf_token)
                .bind(OffsetDateTime::now_utc())
                .bind(expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The session of this id if it is neither past its absolute expiry nor idle for
    /// longer than `idle`, and its person still active; records the activity. An
    /// expired session is deleted.
    pub async fn session(&self, id_hash: &str, idle: Duration) -> Result<Option<Session>> {
        const SQL: &str = "SELECT s.person_id, s.csrf_token, s.last_seen_at, s.expires_at FROM session s \
             JOIN person p ON p.id = s.person_id WHERE s.id_hash = $1 AND p.active";
        let now = OffsetDateTime::now_utc();
        let found = with_pool!(self, pool => {
            use sqlx::Row;
            match sqlx::query(SQL).bind(id_hash).fetch_optional(pool).await? {
                Some(r) => Some(Session {
                    person: uuid(&r.try_get::<String, _>("person_id")?)?,
                    csrf_token: r.try_get("csrf_token")?,
                    last_seen_at: r.try_get("last_seen_at")?,
                    expires_at: r.try_get("expires_at")?,
                }),
                None => None,
            }
        });
        let Some(session) = found else { return Ok(None) };
        if now >= session.expires_at || now - session.last_seen_at > idle {
            self.delete_session(id_hash).await?;
            return Ok(None);
        }
        if now - session.last_seen_at > TOUCH_EVERY {
            with_pool!(self, pool => {
                sqlx::query("UPDATE session SET last_seen_at = $2 WHERE id_hash = $1").bind(id_hash).bind(now).execute(pool).await?;
            });
        }
        Ok(Some(session))
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM session WHERE id_hash = $1").bind(id_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// "Log out everywhere": ends every session of `person`; returns how many.
    pub async fn delete_sessions_of(&self, person: Uuid, by: &By) -> Result<u64> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM session WHERE person_id = $1")
                .bind(person.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            insert!(&mut *tx, &by.event("person", person, "end_sessions", None, Some(json!({"sessions": n}))))?;
            tx.commit().await?;
            Ok(n)
        })
    }

    /// How many sessions `person` has open (their profile shows it).
    pub async fn session_count(&self, person: Uuid) -> Result<u64> {
        with_pool!(self, pool => {
            use sqlx::Row;
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM session WHERE person_id = $1 AND expires_at > $2")
                .bind(person.to_string())
                .bind(OffsetDateTime::now_utc())
                .fetch_one(pool)
                .await?
                .try_get("n")?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    /// Records a sign-in attempt; forgets attempts older than a day.
    pub async fn record_login_attempt(&self, email_key: &str, address: &str, success: bool) -> Result<()> {
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO login_attempt (id, at, email_key, address, success) VALUES ($1, $2, $3, $4, $5)")
                .bind(Uuid::now_v7().to_string())
                .bind(now)
                .bind(email_key)
                .bind(address)
                .bind(success)
                .execute(pool)
                .await?;
            sqlx::query("DELETE FROM login_attempt WHERE at < $1").bind(now - Duration::days(1)).execute(pool).await?;
        });
        Ok(())
    }

    /// Records a sign-in attempt as failed before its password is checked, so that
    /// parallel attempts all count (each sees at least every attempt recorded before
    /// its own count: at most the allowed number get through). Returns its id, for
    /// [`Store::login_attempt_succeeded`].
    pub async fn begin_login_attempt(&self, email_key: &str, address: &str) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO login_attempt (id, at, email_key, address, success) VALUES ($1, $2, $3, $4, $5)")
                .bind(id.to_string())
                .bind(now)
                .bind(email_key)
                .bind(address)
                .bind(false)
                .execute(pool)
                .await?;
            sqlx::query("DELETE FROM login_attempt WHERE at < $1").bind(now - Duration::days(1)).execute(pool).await?;
        });
        Ok(id)
    }

    /// The attempt `id` (from [`Store::begin_login_attempt`]) gave the right password.
    pub async fn login_attempt_succeeded(&self, id: Uuid) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE login_attempt SET success = $1 WHERE id = $2")
                .bind(true)
                .bind(id.to_string())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Failed sign-ins within `window` for this account and from this address. An
    /// account's count restarts at its last success.
    pub async fn login_failures(&self, email_key: &str, address: &str, window: Duration) -> Result<Throttle> {
        const ACCOUNT: &str = "SELECT COUNT(*) AS n FROM login_attempt WHERE email_key = $1 AND NOT success AND at >= $2 \
             AND at > COALESCE((SELECT MAX(at) FROM login_attempt WHERE email_key = $1 AND success), $2)";
        const ADDRESS: &str = "SELECT COUNT(*) AS n FROM login_attempt WHERE address = $1 AND NOT success AND at >= $2";
        let since = OffsetDateTime::now_utc() - window;
        with_pool!(self, pool => {
            use sqlx::Row;
            let account: i64 = sqlx::query(ACCOUNT).bind(email_key).bind(since).fetch_one(pool).await?.try_get("n")?;
            let address: i64 = sqlx::query(ADDRESS).bind(address).bind(since).fetch_one(pool).await?.try_get("n")?;
            Ok(Throttle {
                account_failures: u64::try_from(account).unwrap_or(0),
                address_failures: u64::try_from(address).unwrap_or(0),
            })
        })
    }
}
