//! The indicator catalogue's copy, source versions, measurements and objectives.
//!
//! Precedence: for one indicator, territory, date and origin, the value in force is the
//! one whose source version has the latest `version_date` (ties: the latest import).
//! Older versions keep their rows, so every figure once shown can be traced. Values of
//! origin `local` (entered by the territory) are never mixed with open data: the
//! functions feeding roll-ups and evaluations read `open_data` only.

use std::collections::HashMap;

use cohesion_core::indicator::measure_file::ParsedValue;
use cohesion_core::indicator::{Aggregation, Date, Indicator, Origin, SourceInfo};
use cohesion_core::territory::{TerritoryKind, TerritoryRef};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{NewEvent, insert};
use crate::{Result, Store, StoreError, with_pool};

/// Rows per multi-row INSERT (6 parameters each).
const CHUNK: usize = 2_000;

/// Every import of measurements or objectives bumps it, in its transaction.
const BUMP: &str = "UPDATE indicator_state SET revision = revision + 1 WHERE id = 1";

/// One stored version of a source.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SourceVersion {
    pub id: String,
    pub source: String,
    pub version_date: String,
    pub origin: String,
    pub name: String,
    pub producer: String,
    pub distributor: String,
    pub methodology: String,
    pub limits: String,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
    pub imported_by: String,
}

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportSummary {
    pub source_version: String,
    pub new_version: bool,
    pub written: usize,
}

/// The value in force for one cell (open data).
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveValue {
    pub code: String,
    pub date: String,
    pub value: f64,
    pub source_version: String,
}

/// A stored value of a territory, with its source and whether it is the one in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TerritoryValue {
    pub indicator: String,
    pub date: String,
    pub value: f64,
    pub source: SourceVersion,
    /// False when a newer version of a source gives another value for the same cell.
    pub in_force: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Objective {
    pub id: String,
    pub indicator: String,
    pub date: String,
    pub value: f64,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

const SOURCE_COLUMNS: &str = "s.id, s.source, s.version_date, s.origin, s.name, s.producer, s.distributor, \
     s.methodology, s.limits, s.imported_at, s.imported_by";

/// A measurement row with its source version.
#[derive(sqlx::FromRow)]
struct ValueRow {
    indicator: String,
    date: String,
    value: f64,
    #[sqlx(flatten)]
    source: SourceVersion,
}

fn aggregation_columns(a: &Aggregation) -> (&'static str, Option<&str>) {
    match a {
        Aggregation::Sum => ("sum", None),
        Aggregation::WeightedMean { weight } => ("weighted_mean", Some(weight.as_str())),
        Aggregation::NotAggregable => ("not_aggregable", None),
    }
}

impl Store {
    /// Makes the `indicator` table equal to the catalogue compiled in; one audit event
    /// when something changed. Returns the number of rows written.
    pub async fn sync_catalogue(&self, catalogue: &[Indicator], actor: &str) -> Result<usize> {
        const SELECT: &str = "SELECT code, name, unit, direction, source, level, periodicity, aggregation, weight, definition FROM indicator";
        const UPSERT: &str = "INSERT INTO indicator (code, name, unit, direction, source, level, periodicity, aggregation, weight, definition) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
             unit = excluded.unit, direction = excluded.direction, source = excluded.source, level = excluded.level, \
             periodicity = excluded.periodicity, aggregation = excluded.aggregation, weight = excluded.weight, \
             definition = excluded.definition";
        type Row = (String, String, String, String, String, String, String, String, Option<String>, String);
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let current: Vec<Row> = sqlx::query_as(SELECT).fetch_all(&mut *tx).await?;
            let mut written = Vec::new();
            for i in catalogue {
                let (agg, weight) = aggregation_columns(&i.aggregation);
                let row: Row = (
                    i.code.into(), i.name.into(), i.unit.into(), i.direction.as_str().into(), i.source.into(),
                    i.level.as_str().into(), i.periodicity.as_str().into(), agg.into(), weight.map(str::to_owned),
                    i.definition.into(),
                );
                if current.contains(&row) {
                    continue;
                }
                sqlx::query(UPSERT)
                    .bind(&row.0).bind(&row.1).bind(&row.2).bind(&row.3).bind(&row.4)
                    .bind(&row.5).bind(&row.6).bind(&row.7).bind(&row.8).bind(&row.9)
                    .execute(&mut *tx)
                    .await?;
                written.push(i.code);
            }
            if written.is_empty() {
                tx.rollback().await?;
                return Ok(0);
            }
            let event = NewEvent {
                actor: actor.to_owned(),
                request_id: None,
                entity_type: "indicator".into(),
                entity_id: "catalogue".into(),
                action: "sync".into(),
                before: None,
                after: Some(json!({ "written": written })),
            };
            insert!(&mut *tx, &event)?;
            tx.commit().await?;
            Ok(written.len())
        })
    }

    /// Whether this version of a source was already imported.
    pub async fn source_version_exists(&self, source: &str, version_date: Date, origin: Origin) -> Result<bool> {
        const SQL: &str = "SELECT COUNT(*) FROM source_version WHERE source = $1 AND version_date = $2 AND origin = $3";
        with_pool!(self, pool => {
            let (n,): (i64,) = sqlx::query_as(SQL).bind(source).bind(version_date.to_string()).bind(origin.as_str()).fetch_one(pool).await?;
            Ok(n > 0)
        })
    }

    /// Writes validated values of one indicator from one source version, in one
    /// transaction with its audit event. The version is created on first use (its
    /// metadata then updated by later imports of the same version); importing the same
    /// file again rewrites the same rows.
    pub async fn import_measurements(
        &self,
        indicator: &str,
        source: &SourceInfo,
        origin: Origin,
        version_date: Date,
        values: &[ParsedValue],
        actor: &str,
    ) -> Result<ImportSummary> {
        const FIND: &str = "SELECT id FROM source_version WHERE source = $1 AND version_date = $2 AND origin = $3";
        const INSERT_SOURCE: &str = "INSERT INTO source_version (id, source, version_date, origin, name, producer, distributor, \
             methodology, limits, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        const UPDATE_SOURCE: &str = "UPDATE source_version SET name = $2, producer = $3, distributor = $4, methodology = $5, \
             limits = $6, imported_at = $7, imported_by = $8 WHERE id = $1";
        let now = OffsetDateTime::now_utc();
        let version = version_date.to_string();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let existing: Option<(String,)> = sqlx::query_as(FIND)
                .bind(&source.code).bind(&version).bind(origin.as_str()).fetch_optional(&mut *tx).await?;
            let new_version = existing.is_none();
            let id = match existing {
                Some((id,)) => {
                    sqlx::query(UPDATE_SOURCE)
                        .bind(&id).bind(&source.name).bind(&source.producer).bind(&source.distributor)
                        .bind(&source.methodology).bind(&source.limits).bind(now).bind(actor)
                        .execute(&mut *tx).await?;
                    id
                }
                None => {
                    let id = uuid::Uuid::now_v7().to_string();
                    sqlx::query(INSERT_SOURCE)
                        .bind(&id).bind(&source.code).bind(&version).bind(origin.as_str()).bind(&source.name)
                        .bind(&source.producer).bind(&source.distributor).bind(&source.methodology).bind(&source.limits)
                        .bind(now).bind(actor)
                        .execute(&mut *tx).await?;
                    id
                }
            };
            for chunk in values.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO measurement (indicator, territory_kind, territory_code, date, source_version, value) ",
                );
                qb.push_values(chunk, |mut b, v| {
                    b.push_bind(indicator)
                        .push_bind(v.territory.kind.as_str())
                        .push_bind(&v.territory.code)
                        .push_bind(v.date.to_string())
                        .push_bind(&id)
                        .push_bind(v.value);
                });
                qb.push(" ON CONFLICT (indicator, territory_kind, territory_code, date, source_version) DO UPDATE SET value = excluded.value");
                qb.build().execute(&mut *tx).await?;
            }
            let event = NewEvent {
                actor: actor.to_owned(),
                request_id: None,
                entity_type: "source_version".into(),
                entity_id: id.clone(),
                action: "import_measurements".into(),
                before: None,
                after: Some(json!({
                    "indicator": indicator, "source": source.code, "version_date": version,
                    "origin": origin.as_str(), "values": values.len(), "new_version": new_version,
                })),
            };
            insert!(&mut *tx, &event)?;
            sqlx::query(BUMP).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(ImportSummary { source_version: id, new_version, written: values.len() })
        })
    }

    /// The open-data values in force of one indicator for every territory of `kind`,
    /// dated between `from` and `to` inclusive, sorted by code then date.
    pub async fn effective_values(
        &self,
        indicator: &str,
        kind: TerritoryKind,
        from: Date,
        to: Date,
    ) -> Result<Vec<EffectiveValue>> {
        // Source versions are few: rank them once here, then keep the best-ranked value
        // of each cell while streaming the measurements (a window function over
        // 350,000 rows costs SQLite a sort; this costs a hash look-up per row).
        const VERSIONS: &str = "SELECT id FROM source_version WHERE origin = 'open_data' \
             ORDER BY version_date, imported_at, id";
        const SQL: &str = "SELECT m.territory_code, m.date, m.value, m.source_version FROM measurement m \
             WHERE m.indicator = $1 AND m.territory_kind = $2 AND m.date >= $3 AND m.date <= $4 \
             AND m.source_version IN (SELECT id FROM source_version WHERE origin = 'open_data')";
        let (versions, rows) = with_pool!(self, pool => {
            let versions: Vec<(String,)> = sqlx::query_as(VERSIONS).fetch_all(pool).await?;
            let rows: Vec<(String, String, f64, String)> = sqlx::query_as(SQL)
                .bind(indicator).bind(kind.as_str()).bind(from.to_string()).bind(to.to_string())
                .fetch_all(pool).await?;
            (versions, rows)
        });
        let rank: HashMap<String, usize> = versions.into_iter().enumerate().map(|(i, (id,))| (id, i)).collect();
        let mut best: HashMap<(String, String), (usize, f64, String)> = HashMap::with_capacity(rows.len());
        for (code, date, value, version) in rows {
            let r = rank.get(&version).copied().unwrap_or(0);
            match best.get_mut(&(code.clone(), date.clone())) {
                Some(cur) if cur.0 >= r => {}
                Some(cur) => *cur = (r, value, version),
                None => {
                    best.insert((code, date), (r, value, version));
                }
            }
        }
        let mut out: Vec<EffectiveValue> = best
            .into_iter()
            .map(|((code, date), (_, value, source_version))| EffectiveValue { code, date, value, source_version })
            .collect();
        out.sort_unstable_by(|a, b| (&a.code, &a.date).cmp(&(&b.code, &b.date)));
        Ok(out)
    }

    /// The latest date with an open-data value of `indicator` for territories of `kind`.
    pub async fn latest_date(&self, indicator: &str, kind: TerritoryKind) -> Result<Option<Date>> {
        const SQL: &str = "SELECT MAX(m.date) FROM measurement m JOIN source_version s ON s.id = m.source_version \
             WHERE m.indicator = $1 AND m.territory_kind = $2 AND s.origin = 'open_data'";
        with_pool!(self, pool => {
            let (d,): (Option<String>,) = sqlx::query_as(SQL).bind(indicator).bind(kind.as_str()).fetch_one(pool).await?;
            d.map(|d| cohesion_core::date::iso_or_year(&d).map_err(|e| StoreError::Corrupt(format!("measurement.date: {e}")))).transpose()
        })
    }

    /// The revision of the measurements and objectives: every import bumps it, so what
    /// is derived from them is rebuilt once per revision.
    pub async fn indicator_revision(&self) -> Result<i64> {
        with_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (i64,)>("SELECT revision FROM indicator_state WHERE id = 1").fetch_one(pool).await?.0)
        })
    }

    /// The open-data values in force of several territories (peers shown beside one),
    /// keyed by territory then (indicator, date); one query.
    pub async fn open_values_in_force(
        &self,
        territories: &[TerritoryRef],
    ) -> Result<HashMap<TerritoryRef, HashMap<(String, String), f64>>> {
        let mut out: HashMap<TerritoryRef, HashMap<(String, String), f64>> = HashMap::new();
        if territories.is_empty() {
            return Ok(out);
        }
        const SELECT: &str = "SELECT m.territory_kind, m.territory_code, m.indicator, m.date, m.value \
             FROM measurement m JOIN source_version s ON s.id = m.source_version \
             WHERE s.origin = 'open_data' AND (m.territory_kind, m.territory_code) IN ";
        const ORDER: &str = " ORDER BY m.territory_kind, m.territory_code, m.indicator, m.date, s.version_date DESC, s.imported_at DESC, s.id DESC";
        let rows: Vec<(String, String, String, String, f64)> = with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(SELECT);
            qb.push_tuples(territories, |mut b, t| {
                b.push_bind(t.kind.as_str()).push_bind(&t.code);
            });
            qb.push(ORDER);
            qb.build_query_as().fetch_all(pool).await?
        });
        // Rows come with the newest version first inside each cell: the first is in force.
        for (kind, code, indicator, date, value) in rows {
            let kind: TerritoryKind =
                kind.parse().map_err(|_| StoreError::Corrupt(format!("measurement.territory_kind: {kind}")))?;
            out.entry(TerritoryRef { kind, code }).or_default().entry((indicator, date)).or_insert(value);
        }
        Ok(out)
    }

    /// Every stored value of one territory (all indicators, origins and versions),
    /// newest date first, each flagged in force or superseded.
    pub async fn territory_values(&self, territory: &TerritoryRef) -> Result<Vec<TerritoryValue>> {
        const SQL: &str = "SELECT m.indicator, m.date, m.value, s.id, s.source, s.version_date, s.origin, s.name, s.producer, \
             s.distributor, s.methodology, s.limits, s.imported_at, s.imported_by \
             FROM measurement m JOIN source_version s ON s.id = m.source_version \
             WHERE m.territory_kind = $1 AND m.territory_code = $2 \
             ORDER BY m.indicator, m.date DESC, s.origin, s.version_date DESC, s.imported_at DESC, s.id DESC";
        let rows = with_pool!(self, pool => {
            sqlx::query_as::<_, ValueRow>(SQL).bind(territory.kind.as_str()).bind(&territory.code).fetch_all(pool).await?
        });
        let mut out: Vec<TerritoryValue> = rows
            .into_iter()
            .map(|r| TerritoryValue {
                indicator: r.indicator,
                date: r.date,
                value: r.value,
                source: r.source,
                in_force: false,
            })
            .collect();
        // Rows come sorted with the newest version first inside each cell.
        let mut previous: Option<(String, String, String)> = None;
        for v in &mut out {
            let cell = (v.indicator.clone(), v.date.clone(), v.source.origin.clone());
            v.in_force = previous.as_ref() != Some(&cell);
            previous = Some(cell);
        }
        Ok(out)
    }

    /// Every source version, newest first.
    pub async fn source_versions(&self) -> Result<Vec<SourceVersion>> {
        let sql = format!("SELECT {SOURCE_COLUMNS} FROM source_version s ORDER BY s.version_date DESC, s.source");
        with_pool!(self, pool => {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?)
        })
    }

    /// Writes objectives (targets) of one indicator; an objective already set for the
    /// same territory and date gets the new value and its version bumped. One audit
    /// event per objective changed.
    pub async fn set_objectives(&self, indicator: &str, values: &[ParsedValue], actor: &str) -> Result<usize> {
        const FIND: &str = "SELECT id, value, version FROM objective WHERE indicator = $1 AND territory_kind = $2 \
             AND territory_code = $3 AND date = $4";
        const INSERT: &str = "INSERT INTO objective (id, indicator, territory_kind, territory_code, date, value, version, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8)";
        const UPDATE: &str =
            "UPDATE objective SET value = $2, version = version + 1, updated_at = $3, updated_by = $4 WHERE id = $1";
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut changed = 0;
            for v in values {
                let date = v.date.to_string();
                let found: Option<(String, f64, i64)> = sqlx::query_as(FIND)
                    .bind(indicator).bind(v.territory.kind.as_str()).bind(&v.territory.code).bind(&date)
                    .fetch_optional(&mut *tx).await?;
                let (id, before) = match found {
                    Some((_, old, _)) if old == v.value => continue,
                    Some((id, old, version)) => {
                        sqlx::query(UPDATE).bind(&id).bind(v.value).bind(now).bind(actor).execute(&mut *tx).await?;
                        (id, Some(json!({ "value": old, "version": version })))
                    }
                    None => {
                        let id = uuid::Uuid::now_v7().to_string();
                        sqlx::query(INSERT)
                            .bind(&id).bind(indicator).bind(v.territory.kind.as_str()).bind(&v.territory.code)
                            .bind(&date).bind(v.value).bind(now).bind(actor)
                            .execute(&mut *tx).await?;
                        (id, None)
                    }
                };
                let event = NewEvent {
                    actor: actor.to_owned(),
                    request_id: None,
                    entity_type: "objective".into(),
                    entity_id: id,
                    action: if before.is_some() { "update".into() } else { "create".into() },
                    before,
                    after: Some(json!({ "indicator": indicator, "territory": v.territory.to_string(), "date": date, "value": v.value })),
                };
                insert!(&mut *tx, &event)?;
                changed += 1;
            }
            if changed > 0 {
                sqlx::query(BUMP).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(changed)
        })
    }

    /// The objectives of one territory, by indicator then date.
    pub async fn objectives_for(&self, territory: &TerritoryRef) -> Result<Vec<Objective>> {
        const SQL: &str = "SELECT id, indicator, date, value, version, updated_at, updated_by FROM objective \
             WHERE territory_kind = $1 AND territory_code = $2 ORDER BY indicator, date";
        with_pool!(self, pool => {
            Ok(sqlx::query_as(SQL).bind(territory.kind.as_str()).bind(&territory.code).fetch_all(pool).await?)
        })
    }
}
