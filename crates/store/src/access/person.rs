//! People, their password hash, and their role grants.

use cohesion_core::access::Role;
use cohesion_core::access::person::{Email, Person};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::uuid;
use crate::audit::{By, insert};
use crate::{Result, Store, StoreError, with_pool};

/// A person to create.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub email: Email,
    pub given_name: String,
    pub usual_name: String,
}

/// One role granted to a person, with the grant's id (to revoke it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: Uuid,
    pub role: Role,
}

/// Inserts a grant unless held; evaluates to its id. Used inside transactions.
macro_rules! grant {
    ($tx:expr, $person:expr, $role:expr, $by:expr) => {{
        let role: &Role = $role;
        let by: &By = $by;
        let person: Uuid = $person;
        let existing: Option<(String,)> =
            sqlx::query_as("SELECT id FROM role_grant WHERE person_id = $1 AND role = $2 AND scope = $3")
                .bind(person.to_string())
                .bind(role.name())
                .bind(role.scope())
                .fetch_optional(&mut *$tx)
                .await?;
        match existing {
            Some((id,)) => uuid(&id)?,
            None => {
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO role_grant (id, person_id, role, scope, granted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.to_string())
                .bind(person.to_string())
                .bind(role.name())
                .bind(role.scope())
                .bind(&by.actor)
                .bind(OffsetDateTime::now_utc())
                .execute(&mut *$tx)
                .await?;
                insert!(&mut *$tx, &by.event("person", person, "grant_role", None, Some(role_json(role))))?;
                id
            }
        }
    }};
}

/// A `person` row as stored.
#[derive(sqlx::FromRow)]
struct PersonRow {
    id: String,
    email: String,
    given_name: String,
    usual_name: String,
    password_hash: Option<String>,
    active: bool,
    version: i64,
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;

    fn try_from(r: PersonRow) -> Result<Person> {
        Ok(Person {
            id: uuid(&r.id)?,
            email: Email::parse(&r.email).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            given_name: r.given_name,
            usual_name: r.usual_name,
            has_password: r.password_hash.is_some(),
            active: r.active,
            version: r.version,
        })
    }
}

/// A grant as read with its organisation's territory: (id or person, role, scope, territory).
type GrantRow = (String, String, String, Option<String>);

fn public(p: &Person) -> serde_json::Value {
    json!({"email": p.email, "given_name": p.given_name, "usual_name": p.usual_name, "active": p.active})
}

fn role_json(role: &Role) -> serde_json::Value {
    serde_json::to_value(role).unwrap_or_default()
}

/// A person's name as searched: folded (`territory::fold`: case, accents, ligatures
/// and punctuation gone), in both orders, given name first and usual name first.
pub(crate) fn name_key(given: &str, usual: &str) -> String {
    let (given, usual) = (cohesion_core::territory::fold(given), cohesion_core::territory::fold(usual));
    format!("{given} {usual} / {usual} {given}")
}

impl Store {
    /// Creates a person with these roles, in one transaction.
    pub async fn create_person(&self, new: &NewPerson, roles: &[Role], by: &By) -> Result<Person> {
        const SQL: &str = "INSERT INTO person (id, email, email_key, given_name, usual_name, active, created_at, version, \
             name_key) VALUES ($1, $2, $3, $4, $5, TRUE, $6, 1, $7)";
        let person = Person {
            id: Uuid::now_v7(),
            email: new.email.clone(),
            given_name: new.given_name.trim().to_owned(),
            usual_name: new.usual_name.trim().to_owned(),
            has_password: false,
            active: true,
            version: 1,
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(SQL)
                .bind(person.id.to_string())
                .bind(person.email.as_str())
                .bind(person.email.key())
                .bind(&person.given_name)
                .bind(&person.usual_name)
                .bind(OffsetDateTime::now_utc())
                .bind(name_key(&person.given_name, &person.usual_name))
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::unique(e, "a person with this email address already exists"))?;
            insert!(&mut *tx, &by.event("person", person.id, "create", None, Some(public(&person))))?;
            for role in roles {
                grant!(&mut *tx, person.id, role, by);
            }
            tx.commit().await?;
        });
        Ok(person)
    }

    pub async fn person(&self, id: Uuid) -> Result<Option<Person>> {
        const SQL: &str =
            "SELECT id, email, given_name, usual_name, password_hash, active, version FROM person WHERE id = $1";
        with_pool!(self, pool => {
            let row = sqlx::query_as::<_, PersonRow>(SQL).bind(id.to_string()).fetch_optional(pool).await?;
            row.map(Person::try_from).transpose()
        })
    }

    /// The person with this email (any case) and their password hash, if any.
    pub async fn person_by_email(&self, email: &Email) -> Result<Option<(Person, Option<String>)>> {
        const SQL: &str =
            "SELECT id, email, given_name, usual_name, password_hash, active, version FROM person WHERE email_key = $1";
        let row = with_pool!(self, pool => {
            sqlx::query_as::<_, PersonRow>(SQL).bind(email.key()).fetch_optional(pool).await?
        });
        match row {
            Some(r) => {
                let hash = r.password_hash.clone();
                Ok(Some((Person::try_from(r)?, hash)))
            }
            None => Ok(None),
        }
    }

    /// People by name, a page of them, and how many there are.
    pub async fn people(&self, limit: u32, offset: u32) -> Result<(Vec<Person>, u64)> {
        const SQL: &str = "SELECT id, email, given_name, usual_name, password_hash, active, version FROM person \
             ORDER BY usual_name, given_name, email_key LIMIT $1 OFFSET $2";
        let (total, rows) = with_pool!(self, pool => {
            let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) AS n FROM person").fetch_one(pool).await?;
            let rows = sqlx::query_as::<_, PersonRow>(SQL).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(pool).await?;
            (total, rows)
        });
        let people = rows.into_iter().map(Person::try_from).collect::<Result<Vec<_>>>()?;
        Ok((people, u64::try_from(total).unwrap_or(0)))
    }

    /// Active people whose address holds `q` (any case) or whose name holds it
    /// (any case, any accents, either order: "helene dupre" finds « Hélène Dupré »),
    /// by name, at most `limit`: how a form picks a person without anyone typing an id.
    pub async fn find_people(&self, q: &str, limit: u32) -> Result<Vec<Person>> {
        const SQL: &str = "SELECT id, email, given_name, usual_name, password_hash, active, version FROM person \
             WHERE active AND (email_key LIKE $1 ESCAPE '\\' OR ($2 <> '%%' AND name_key LIKE $2)) \
             ORDER BY usual_name, given_name, email_key LIMIT $3";
        let escaped: String = q
            .trim()
            .to_lowercase()
            .chars()
            .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
            .collect();
        let pattern = format!("%{escaped}%");
        // Folded: letters and digits only, so nothing to escape.
        let name = format!("%{}%", cohesion_core::territory::fold(q));
        let rows = with_pool!(self, pool => {
            sqlx::query_as::<_, PersonRow>(SQL).bind(pattern).bind(name).bind(i64::from(limit)).fetch_all(pool).await?
        });
        rows.into_iter().map(Person::try_from).collect()
    }

    /// Sets (or replaces) a person's password hash; ends their other sessions.
    pub async fn set_password(&self, person: Uuid, hash: &str, by: &By) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE person SET password_hash = $2, version = version + 1 WHERE id = $1")
                .bind(person.to_string())
                .bind(hash)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM session WHERE person_id = $1").bind(person.to_string()).execute(&mut *tx).await?;
            insert!(&mut *tx, &by.event("person", person, "set_password", None, None))?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Deactivates (ending their sessions; their API tokens stop working) or
    /// reactivates an account. Returns whether the person exists.
    pub async fn set_person_active(&self, person: Uuid, active: bool, by: &By) -> Result<bool> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE person SET active = $2, version = version + 1 WHERE id = $1 AND active <> $2")
                .bind(person.to_string())
                .bind(active)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                if !active {
                    sqlx::query("DELETE FROM session WHERE person_id = $1").bind(person.to_string()).execute(&mut *tx).await?;
                }
                let action = if active { "reactivate" } else { "deactivate" };
                insert!(&mut *tx, &by.event("person", person, action, Some(json!({"active": !active})), Some(json!({"active": active}))))?;
            }
            tx.commit().await?;
        });
        Ok(self.person(person).await?.is_some())
    }

    /// A person's roles, with the territory of the local authorities they act for.
    pub async fn grants(&self, person: Uuid) -> Result<Vec<Grant>> {
        const SQL: &str = "SELECT g.id, g.role, g.scope, o.territory FROM role_grant g \
             LEFT JOIN organisation o ON g.role = 'local' AND o.id = g.scope \
             WHERE g.person_id = $1 ORDER BY g.role, g.scope";
        let rows = with_pool!(self, pool => {
            sqlx::query_as::<_, GrantRow>(SQL).bind(person.to_string()).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(id, name, scope, territory)| Ok(Grant { id: uuid(&id)?, role: role_from(&name, scope, territory)? }))
            .collect()
    }

    /// Every role of every active person (who is told of what happens on a pact).
    pub async fn active_grants(&self) -> Result<Vec<(Uuid, Role)>> {
        const SQL: &str = "SELECT g.person_id, g.role, g.scope, o.territory FROM role_grant g \
             JOIN person p ON p.id = g.person_id \
             LEFT JOIN organisation o ON g.role = 'local' AND o.id = g.scope \
             WHERE p.active ORDER BY g.person_id";
        let rows = with_pool!(self, pool => sqlx::query_as::<_, GrantRow>(SQL).fetch_all(pool).await?);
        rows.into_iter()
            .map(|(person, name, scope, territory)| Ok((uuid(&person)?, role_from(&name, scope, territory)?)))
            .collect()
    }

    /// Grants a role (no-op when already held); returns the grant's id.
    pub async fn grant_role(&self, person: Uuid, role: &Role, by: &By) -> Result<Uuid> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id = grant!(&mut *tx, person, role, by);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Revokes one grant of this person; returns the role it carried.
    pub async fn revoke_grant(&self, person: Uuid, grant: Uuid, by: &By) -> Result<Option<Role>> {
        let Some(found) = self.grants(person).await?.into_iter().find(|g| g.id == grant) else {
            return Ok(None);
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM role_grant WHERE id = $1 AND person_id = $2")
                .bind(grant.to_string())
                .bind(person.to_string())
                .execute(&mut *tx)
                .await?;
            insert!(&mut *tx, &by.event("person", person, "revoke_role", Some(role_json(&found.role)), None))?;
            tx.commit().await?;
        });
        Ok(Some(found.role))
    }
}

fn role_from(name: &str, scope: String, territory: Option<String>) -> Result<Role> {
    let corrupt = |what: String| StoreError::Corrupt(format!("role grant {name}/{what}"));
    Ok(match name {
        "admin" => Role::Admin,
        "programme_manager" => Role::ProgrammeManager { programme: scope },
        "delegate" => Role::Delegate { departement: scope },
        "partner" => Role::Partner { organisation: uuid(&scope)? },
        "local" => {
            let territory = territory.ok_or_else(|| corrupt(format!("{scope}: organisation without territory")))?;
            Role::Local {
                organisation: uuid(&scope)?,
                territory: territory.parse().map_err(|e| corrupt(format!("{territory}: {e}")))?,
            }
        }
        other => return Err(corrupt(other.to_owned())),
    })
}
