//! The stored programmes: catalogue, memberships (every version kept), France
//! services places, action plans and eligibility rules. Loaded whole into memory by
//! the web layer (a few MB); every change bumps `programme_state.revision` in its
//! transaction, so that every instance rebuilds its view.

use cohesion_core::programme::eligibility::Rule;
use cohesion_core::programme::membership_import::{MembershipDiff, exited};
use cohesion_core::programme::{Action, Membership, Place, Programme, ProgrammeData};
use cohesion_core::territory::TerritoryRef;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{NewEvent, insert};
use crate::{Result, Store, StoreError, with_pool};

/// Rows per multi-row INSERT (places have 14 parameters, memberships 13).
const CHUNK: usize = 1_000;

/// A write refused because the data changed since the caller read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale {
    /// The current revision (memberships) or version (actions).
    pub current: i64,
}

/// One recorded version of a membership.
#[derive(Debug, Clone, PartialEq)]
pub struct MembershipVersion {
    pub membership: Membership,
    pub valid_from: OffsetDateTime,
    pub valid_to: Option<OffsetDateTime>,
}

/// A membership as it became, and as it was before (`None`: the territory joined).
#[derive(Debug, Clone, PartialEq)]
pub struct MembershipChange {
    pub before: Option<Membership>,
    pub after: MembershipVersion,
}

fn versions(rows: Vec<MembershipVersionRow>) -> Result<Vec<MembershipVersion>> {
    rows.into_iter()
        .map(|r| {
            Ok(MembershipVersion {
                membership: Membership::try_from(r.membership)?,
                valid_from: r.valid_from,
                valid_to: r.valid_to,
            })
        })
        .collect()
}

/// Programme, membership key and the instant a version ended.
type VersionEnd = (String, (TerritoryRef, Option<String>), OffsetDateTime);

/// Each of `after` with the version of `replaced` it took the place of: same
/// programme, territory and group, closed at the instant it was recorded.
fn pair(replaced: Vec<MembershipVersion>, after: Vec<MembershipVersion>) -> Vec<MembershipChange> {
    let mut by_end: std::collections::HashMap<VersionEnd, Membership> = replaced
        .into_iter()
        .filter_map(|v| Some(((v.membership.programme.clone(), v.membership.key(), v.valid_to?), v.membership)))
        .collect();
    after
        .into_iter()
        .map(|v| MembershipChange {
            before: by_end.remove(&(v.membership.programme.clone(), v.membership.key(), v.valid_from)),
            after: v,
        })
        .collect()
}

fn corrupt<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn parse_list<T: std::str::FromStr<Err: std::fmt::Display>>(what: &str, s: &str) -> Result<Vec<T>> {
    s.split(' ').filter(|p| !p.is_empty()).map(|p| p.parse::<T>().map_err(corrupt(what))).collect()
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

const MEMBERSHIP_COLUMNS: &str = "programme, territory_kind, territory_code, group_id, group_name, status, \
     signed_on, labelled_on, exited_on, convention";

/// A `programme_membership` row as stored.
#[derive(sqlx::FromRow)]
struct MembershipRow {
    programme: String,
    territory_kind: String,
    territory_code: String,
    group_id: String,
    group_name: Option<String>,
    status: String,
    signed_on: Option<String>,
    labelled_on: Option<String>,
    exited_on: Option<String>,
    convention: Option<String>,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StoreError;

    fn try_from(r: MembershipRow) -> Result<Membership> {
        Ok(Membership {
            programme: r.programme,
            territory: TerritoryRef::parse(&r.territory_kind, &r.territory_code)
                .map_err(|e| corrupt("membership territory")(e.to_string()))?,
            group_id: (!r.group_id.is_empty()).then_some(r.group_id),
            group_name: r.group_name,
            status: r.status.parse().map_err(corrupt("membership status"))?,
            signed_on: r.signed_on,
            labelled_on: r.labelled_on,
            exited_on: r.exited_on,
            convention: r.convention,
        })
    }
}

/// A membership row with the period its version was current.
#[derive(sqlx::FromRow)]
struct MembershipVersionRow {
    #[sqlx(flatten)]
    membership: MembershipRow,
    valid_from: OffsetDateTime,
    valid_to: Option<OffsetDateTime>,
}

/// A `programme` row as stored.
#[derive(sqlx::FromRow)]
struct ProgrammeRow {
    code: String,
    acronym: String,
    name: String,
    description: String,
    domains: String,
    owner: Option<String>,
    started_on: Option<String>,
    ended_on: Option<String>,
    status: String,
    source: String,
}

impl TryFrom<ProgrammeRow> for Programme {
    type Error = StoreError;

    fn try_from(r: ProgrammeRow) -> Result<Programme> {
        Ok(Programme {
            code: r.code,
            acronym: r.acronym,
            name: r.name,
            description: r.description,
            domains: parse_list("programme domains", &r.domains)?,
            owner: r.owner,
            started_on: r.started_on,
            ended_on: r.ended_on,
            status: r.status.parse().map_err(corrupt("programme status"))?,
            source: r.source,
        })
    }
}

/// A `programme_action` row as stored.
#[derive(sqlx::FromRow)]
struct ActionRow {
    id: String,
    programme: String,
    title: String,
    description: String,
    transitions: String,
    status: String,
    owner: Option<String>,
    territory: Option<String>,
    version: i64,
}

impl TryFrom<ActionRow> for Action {
    type Error = StoreError;

    fn try_from(r: ActionRow) -> Result<Action> {
        Ok(Action {
            id: r.id,
            programme: r.programme,
            title: r.title,
            description: r.description,
            transitions: parse_list("action transitions", &r.transitions)?,
            status: r.status.parse().map_err(corrupt("action status"))?,
            owner: r.owner,
            territory: r
                .territory
                .map(|t| t.parse::<TerritoryRef>().map_err(|e| corrupt("action territory")(e.to_string())))
                .transpose()?,
            version: r.version,
        })
    }
}

/// A `france_services_place` row as stored.
#[derive(sqlx::FromRow)]
struct PlaceRow {
    id: String,
    name: String,
    address: String,
    address_complement: Option<String>,
    postcode: String,
    commune: String,
    lat: f64,
    lon: f64,
    hours: String,
    place_type: String,
    format: String,
    labelled_on: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

impl TryFrom<PlaceRow> for Place {
    type Error = StoreError;

    fn try_from(r: PlaceRow) -> Result<Place> {
        let hours: [Option<String>; 6] =
            serde_json::from_str(&r.hours).map_err(|e| corrupt("place hours")(e.to_string()))?;
        Ok(Place {
            id: r.id,
            name: r.name,
            address: r.address,
            address_complement: r.address_complement,
            postcode: r.postcode,
            commune: r.commune,
            lat: r.lat,
            lon: r.lon,
            hours,
            place_type: r.place_type,
            format: r.format,
            labelled_on: r.labelled_on,
            phone: r.phone,
            email: r.email,
        })
    }
}

/// Inserts memberships as current rows, through `$tx`.
macro_rules! insert_memberships {
    ($tx:expr, $list:expr, $now:expr) => {{
        let list: &[Membership] = $list;
        for chunk in list.chunks(CHUNK) {
            let mut qb = sqlx::QueryBuilder::new(format!(
                "INSERT INTO programme_membership (id, {MEMBERSHIP_COLUMNS}, valid_from) "
            ));
            qb.push_values(chunk, |mut b, m| {
                b.push_bind(uuid::Uuid::now_v7().to_string())
                    .push_bind(&m.programme)
                    .push_bind(m.territory.kind.as_str())
                    .push_bind(&m.territory.code)
                    .push_bind(m.group_id.clone().unwrap_or_default())
                    .push_bind(&m.group_name)
                    .push_bind(m.status.as_str())
                    .push_bind(&m.signed_on)
                    .push_bind(&m.labelled_on)
                    .push_bind(&m.exited_on)
                    .push_bind(&m.convention)
                    .push_bind($now);
            });
            qb.build().execute(&mut *$tx).await?;
        }
    }};
}

/// Bumps the revision through `$tx` and returns the new one.
macro_rules! bump_revision {
    ($tx:expr, $now:expr) => {{
        let current = sqlx::query_as::<_, (i64,)>("SELECT revision FROM programme_state WHERE id = 1")
            .fetch_optional(&mut *$tx)
            .await?
            .map_or(0, |(r,)| r);
        sqlx::query(
            "INSERT INTO programme_state (id, revision, updated_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, updated_at = excluded.updated_at",
        )
        .bind(current + 1)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
        current + 1
    }};
}

macro_rules! insert_programme {
    ($tx:expr, $p:expr, $now:expr) => {{
        let p: &Programme = $p;
        sqlx::query(
            "INSERT INTO programme (code, acronym, name, description, domains, owner, started_on, ended_on, status, \
             source, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11)",
        )
        .bind(&p.code)
        .bind(&p.acronym)
        .bind(&p.name)
        .bind(&p.description)
        .bind(join(&p.domains))
        .bind(&p.owner)
        .bind(&p.started_on)
        .bind(&p.ended_on)
        .bind(p.status.as_str())
        .bind(&p.source)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}

impl Store {
    /// The programmes' revision, or `None` before the first load.
    pub async fn programme_revision(&self) -> Result<Option<i64>> {
        with_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (i64,)>("SELECT revision FROM programme_state WHERE id = 1")
                .fetch_optional(pool)
                .await?
                .map(|(r,)| r))
        })
    }

    /// Everything about programmes, current memberships only.
    pub async fn load_programmes(&self) -> Result<ProgrammeData> {
        const MEMBERSHIPS: &str = "SELECT * FROM programme_membership WHERE valid_to IS NULL \
             ORDER BY programme, territory_kind, territory_code, group_id";
        let (catalogue, memberships, places, rules, actions) = with_pool!(self, pool => {
            let catalogue: Vec<ProgrammeRow> = sqlx::query_as("SELECT * FROM programme ORDER BY code").fetch_all(pool).await?;
            let memberships: Vec<MembershipRow> = sqlx::query_as(MEMBERSHIPS).fetch_all(pool).await?;
            let places: Vec<PlaceRow> = sqlx::query_as("SELECT * FROM france_services_place ORDER BY id").fetch_all(pool).await?;
            let rules: Vec<(String, String)> =
                sqlx::query_as("SELECT programme, rule FROM programme_eligibility ORDER BY programme").fetch_all(pool).await?;
            let actions: Vec<ActionRow> = sqlx::query_as("SELECT * FROM programme_action ORDER BY programme, id").fetch_all(pool).await?;
            (catalogue, memberships, places, rules, actions)
        });
        Ok(ProgrammeData {
            catalogue: catalogue.into_iter().map(Programme::try_from).collect::<Result<_>>()?,
            memberships: memberships.into_iter().map(Membership::try_from).collect::<Result<_>>()?,
            places: places.into_iter().map(Place::try_from).collect::<Result<_>>()?,
            rules: rules
                .into_iter()
                .map(|(code, rule)| {
                    let rule: Rule =
                        serde_json::from_str(&rule).map_err(|e| corrupt("eligibility rule")(e.to_string()))?;
                    Ok((code, rule))
                })
                .collect::<Result<_>>()?,
            actions: actions.into_iter().map(Action::try_from).collect::<Result<_>>()?,
        })
    }

    /// Loads the shipped catalogue, memberships and places into an empty database, in
    /// one transaction with its audit event. Returns `false` (and writes nothing) when
    /// programmes were loaded before.
    pub async fn seed_programmes(&self, data: &ProgrammeData, actor: &str) -> Result<bool> {
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let seeded = sqlx::query_as::<_, (i64,)>("SELECT revision FROM programme_state WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
            if seeded.is_some() {
                tx.rollback().await?;
                return Ok(false);
            }
            for p in &data.catalogue {
                insert_programme!(tx, p, now);
            }
            insert_memberships!(tx, &data.memberships, now);
            for chunk in data.places.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO france_services_place (id, name, address, address_complement, postcode, commune, lat, lon, \
                     hours, place_type, format, labelled_on, phone, email) ",
                );
                qb.push_values(chunk, |mut b, p| {
                    b.push_bind(&p.id)
                        .push_bind(&p.name)
                        .push_bind(&p.address)
                        .push_bind(&p.address_complement)
                        .push_bind(&p.postcode)
                        .push_bind(&p.commune)
                        .push_bind(p.lat)
                        .push_bind(p.lon)
                        .push_bind(serde_json::to_string(&p.hours).unwrap_or_else(|_| "[]".into()))
                        .push_bind(&p.place_type)
                        .push_bind(&p.format)
                        .push_bind(&p.labelled_on)
                        .push_bind(&p.phone)
                        .push_bind(&p.email);
                });
                qb.build().execute(&mut *tx).await?;
            }
            for (code, rule) in &data.rules {
                sqlx::query("INSERT INTO programme_eligibility (programme, rule, version, updated_at) VALUES ($1, $2, 1, $3)")
                    .bind(code)
                    .bind(serde_json::to_string(rule).map_err(|e| StoreError::Corrupt(e.to_string()))?)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            let revision = bump_revision!(tx, now);
            let event = NewEvent {
                actor: actor.to_owned(),
                request_id: None,
                entity_type: "programmes".into(),
                entity_id: "catalogue".into(),
                action: "seed".into(),
                before: None,
                after: Some(json!({
                    "revision": revision,
                    "programmes": data.catalogue.len(),
                    "memberships": data.memberships.len(),
                    "places": data.places.len(),
                })),
            };
            insert!(&mut *tx, &event)?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Adds a programme to the catalogue. `Ok(None)` when the code is taken; else the
    /// new revision.
    pub async fn create_programme(&self, p: &Programme, actor: &str) -> Result<Option<i64>> {
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let taken = sqlx::query_as::<_, (String,)>("SELECT code FROM programme WHERE code = $1")
                .bind(&p.code)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                tx.rollback().await?;
                return Ok(None);
            }
            insert_programme!(tx, p, now);
            let revision = bump_revision!(tx, now);
            let event = NewEvent {
                actor: actor.to_owned(),
                request_id: None,
                entity_type: "programme".into(),
                entity_id: p.code.clone(),
                action: "create".into(),
                before: None,
                after: serde_json::to_value(p).ok(),
            };
            insert!(&mut *tx, &event)?;
            tx.commit().await?;
            Ok(Some(revision))
        })
    }

    /// Applies an import's difference to programme `code`, if the programmes are
    /// still at `base_revision` (the revision the preview was computed on); removed
    /// memberships become exited on `today`. Every change keeps the previous version.
    pub async fn apply_memberships(
        &self,
        code: &str,
        diff: &MembershipDiff,
        base_revision: i64,
        today: &str,
        actor: &str,
        file: &[u8],
    ) -> Result<std::result::Result<i64, Stale>> {
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let current = sqlx::query_as::<_, (i64,)>("SELECT revision FROM programme_state WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?
                .map_or(0, |(r,)| r);
            if current != base_revision {
                tx.rollback().await?;
                return Ok(Err(Stale { current }));
            }
            let mut next: Vec<Membership> = diff.added.clone();
            let closing: Vec<&Membership> = diff.removed.iter().chain(diff.changed.iter().map(|(before, _)| before)).collect();
            for m in &closing {
                sqlx::query(
                    "UPDATE programme_membership SET valid_to = $1 WHERE programme = $2 AND territory_kind = $3 \
                     AND territory_code = $4 AND group_id = $5 AND valid_to IS NULL",
                )
                .bind(now)
                .bind(code)
                .bind(m.territory.kind.as_str())
                .bind(&m.territory.code)
                .bind(m.group_id.clone().unwrap_or_default())
                .execute(&mut *tx)
                .await?;
            }
            next.extend(diff.changed.iter().map(|(_, after)| after.clone()));
            next.extend(diff.removed.iter().map(|m| exited(m, today)));
            for m in &mut next {
                m.programme = code.to_owned();
            }
            insert_memberships!(tx, &next, now);
            let revision = bump_revision!(tx, now);
            let refs = |list: &mut dyn Iterator<Item = &Membership>| list.map(|m| m.territory.to_string()).collect::<Vec<_>>();
            let event = NewEvent {
                actor: actor.to_owned(),
                request_id: None,
                entity_type: "programme".into(),
                entity_id: code.to_owned(),
                action: "import_memberships".into(),
                before: Some(json!({ "revision": base_revision })),
                after: Some(json!({
                    "revision": revision,
                    "added": refs(&mut diff.added.iter()),
                    "removed": refs(&mut diff.removed.iter()),
                    "changed": refs(&mut diff.changed.iter().map(|(_, a)| a)),
                    "unchanged": diff.unchanged,
                })),
            };
            insert!(&mut *tx, &event)?;
            // The previews of this programme waiting on the pages are answered: the
            // one of this very file is applied, the others are overtaken by it.
            sqlx::query(
                "UPDATE membership_import_preview SET closed_at = $1, \
                 outcome = CASE WHEN content = $3 THEN 'applied' ELSE 'superseded' END \
                 WHERE programme = $2 AND closed_at IS NULL",
            )
            .bind(now)
            .bind(code)
            .bind(file)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Ok(revision))
        })
    }

    /// Every recorded version of a territory's memberships of a programme, oldest first.
    pub async fn membership_history(&self, code: &str, territory: &TerritoryRef) -> Result<Vec<MembershipVersion>> {
        const SQL: &str = "SELECT * FROM programme_membership WHERE programme = $1 AND territory_kind = $2 \
             AND territory_code = $3 ORDER BY valid_from, id";
        let rows = with_pool!(self, pool => {
            sqlx::query_as::<_, MembershipVersionRow>(SQL)
                .bind(code)
                .bind(territory.kind.as_str())
                .bind(&territory.code)
                .fetch_all(pool)
                .await?
        });
        versions(rows)
    }

    /// The latest `limit` changes of programme `code`'s memberships, newest first: each
    /// version recorded after the programme's first list, with the version it replaced
    /// (`None` for a territory that joined). Two statements whatever `limit`.
    pub async fn membership_changes(&self, code: &str, limit: i64) -> Result<Vec<MembershipChange>> {
        const LATEST: &str = "SELECT * FROM programme_membership WHERE programme = $1 AND valid_from > \
             (SELECT MIN(valid_from) FROM programme_membership WHERE programme = $1) \
             ORDER BY valid_from DESC, id DESC LIMIT $2";
        const REPLACED: &str =
            "SELECT * FROM programme_membership WHERE programme = $1 AND valid_to IS NOT NULL AND valid_to >= $2";
        let latest = with_pool!(self, pool => {
            sqlx::query_as::<_, MembershipVersionRow>(LATEST).bind(code).bind(limit).fetch_all(pool).await?
        });
        let latest = versions(latest)?;
        let Some(oldest) = latest.iter().map(|v| v.valid_from).min() else { return Ok(Vec::new()) };
        let replaced = with_pool!(self, pool => {
            sqlx::query_as::<_, MembershipVersionRow>(REPLACED).bind(code).bind(oldest).fetch_all(pool).await?
        });
        Ok(pair(versions(replaced)?, latest))
    }

    /// Every change of a territory's memberships, in every programme, newest first
    /// (its first version in each programme is not a change and is left out).
    pub async fn territory_membership_changes(&self, territory: &TerritoryRef) -> Result<Vec<MembershipChange>> {
        const SQL: &str = "SELECT * FROM programme_membership WHERE territory_kind = $1 AND territory_code = $2 \
             ORDER BY valid_from DESC, id DESC";
        let rows = with_pool!(self, pool => {
            sqlx::query_as::<_, MembershipVersionRow>(SQL)
                .bind(territory.kind.as_str())
                .bind(&territory.code)
                .fetch_all(pool)
                .await?
        });
        let all = versions(rows)?;
        let replaced: Vec<MembershipVersion> = all.iter().filter(|v| v.valid_to.is_some()).cloned().collect();
        Ok(pair(replaced, all).into_iter().filter(|c| c.before.is_some()).collect())
    }

    /// Sets (or replaces) a programme's eligibility rule; returns the new revision.
    pub async fn set_eligibility(&self, code: &str, rule: &Rule, actor: &str) -> Result<i64> {
        let now = OffsetDateTime::now_utc();
        let text = serde_json::to_string(rule).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let before = sqlx::query_as::<_, (String,)>("SELECT rule FROM programme_eligibility WHERE programme = $1")
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO programme_eligibility (programme, rule, version, updated_at) VALUES ($1, $2, 1, $3) \
                 ON CONFLICT (programme) DO UPDATE SET rule = excluded.rule, \
                 version = programme_eligibility.version + 1, updated_at = excluded.updated_at",
            )
            .bind(code)
            .bind(&text)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let revision = bump_revision!(tx, now);
            let event = NewEvent {
                actor: actor.to_owned(),
                request_id: None,
                entity_type: "programme".into(),
                entity_id: code.to_owned(),
                action: "set_eligibility".into(),
                before: before.and_then(|(b,)| serde_json::from_str(&b).ok()),
                after: serde_json::to_value(rule).ok(),
            };
            insert!(&mut *tx, &event)?;
            tx.commit().await?;
            Ok(revision)
        })
    }

    /// Creates an action (`expected_version` `None`) or updates it if it is still at
    /// `expected_version`. Returns the action as stored.
    pub async fn save_action(
        &self,
        action: &Action,
        expected_version: Option<i64>,
        actor: &str,
    ) -> Result<std::result::Result<Action, Stale>> {
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let before = match expected_version {
                None => None,
                Some(expected) => {
                    let row = sqlx::query_as::<_, ActionRow>("SELECT * FROM programme_action WHERE id = $1")
                        .bind(&action.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(row) = row else {
                        tx.rollback().await?;
                        return Ok(Err(Stale { current: 0 }));
                    };
                    let old = Action::try_from(row)?;
                    if old.version != expected {
                        tx.rollback().await?;
                        return Ok(Err(Stale { current: old.version }));
                    }
                    Some(old)
                }
            };
            let saved = Action { version: before.as_ref().map_or(1, |b| b.version + 1), ..action.clone() };
            sqlx::query(
                "INSERT INTO programme_action (id, programme, title, description, transitions, status, owner, territory, \
                 version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description, \
                 transitions = excluded.transitions, status = excluded.status, owner = excluded.owner, \
                 territory = excluded.territory, version = excluded.version, updated_at = excluded.updated_at",
            )
            .bind(&saved.id)
            .bind(&saved.programme)
            .bind(&saved.title)
            .bind(&saved.description)
            .bind(join(&saved.transitions))
            .bind(saved.status.as_str())
            .bind(&saved.owner)
            .bind(saved.territory.as_ref().map(ToString::to_string))
            .bind(saved.version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let _ = bump_revision!(tx, now);
            let event = NewEvent {
                actor: actor.to_owned(),
                request_id: None,
                entity_type: "programme_action".into(),
                entity_id: saved.id.clone(),
                action: if before.is_some() { "update".into() } else { "create".into() },
                before: before.and_then(|b| serde_json::to_value(b).ok()),
                after: serde_json::to_value(&saved).ok(),
            };
            insert!(&mut *tx, &event)?;
            tx.commit().await?;
            Ok(Ok(saved))
        })
    }
}

/// A member list previewed on the pages and kept for the manager's space.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredPreview {
    pub id: String,
    pub programme: String,
    pub person_id: Option<String>,
    pub file_name: String,
    pub content: Vec<u8>,
    pub base_revision: i64,
    pub added: i64,
    pub removed: i64,
    pub changed: i64,
    pub erased: i64,
    pub created_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub outcome: Option<String>,
    /// Who checked it, as they are named now (empty if the account is gone).
    pub by_name: String,
}

/// What a preview would change, as counted when it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PreviewCounts {
    pub added: i64,
    pub removed: i64,
    pub changed: i64,
    pub erased: i64,
}

impl Store {
    /// Keeps a member list previewed on the pages until it is applied, overtaken or
    /// set aside. The same file previewed again for the same programme replaces its
    /// open preview (one entry per file in the manager's space). Returns its id.
    pub async fn record_import_preview(
        &self,
        programme: &str,
        person: uuid::Uuid,
        file_name: &str,
        content: &[u8],
        base_revision: i64,
        counts: PreviewCounts,
    ) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = OffsetDateTime::now_utc();
        let now = now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now);
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM membership_import_preview WHERE programme = $1 AND closed_at IS NULL AND content = $2")
                .bind(programme)
                .bind(content)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO membership_import_preview (id, programme, person_id, file_name, content, base_revision, \
                 added, removed, changed, erased, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&id)
            .bind(programme)
            .bind(person.to_string())
            .bind(file_name)
            .bind(content)
            .bind(base_revision)
            .bind(counts.added)
            .bind(counts.removed)
            .bind(counts.changed)
            .bind(counts.erased)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// A preview of programme `programme`, open or not.
    pub async fn import_preview(&self, programme: &str, id: &str) -> Result<Option<StoredPreview>> {
        const SQL: &str = "SELECT p.*, COALESCE(TRIM(a.given_name || ' ' || a.usual_name), '') AS by_name \
             FROM membership_import_preview p LEFT JOIN person a ON a.id = p.person_id \
             WHERE p.programme = $1 AND p.id = $2";
        Ok(with_pool!(self, pool => sqlx::query_as(SQL).bind(programme).bind(id).fetch_optional(pool).await?))
    }

    /// Sets an open preview aside; `false` if it was not open.
    pub async fn dismiss_import_preview(&self, programme: &str, id: &str) -> Result<bool> {
        const SQL: &str = "UPDATE membership_import_preview SET closed_at = $3, outcome = 'dismissed' \
             WHERE programme = $1 AND id = $2 AND closed_at IS NULL";
        let now = OffsetDateTime::now_utc();
        let done = with_pool!(self, pool => {
            sqlx::query(SQL).bind(programme).bind(id).bind(now).execute(pool).await?.rows_affected()
        });
        Ok(done == 1)
    }
}
