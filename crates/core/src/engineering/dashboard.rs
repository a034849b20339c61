//! The engineering dashboard's figures, computed from the rows of the requests a
//! filter selects (held in memory by the app's engineering index; one SQL query in
//! `Store::engineering_dashboard`, the tests' reference): the page, the CSV export
//! and the API all show this one result, so their figures cannot differ.

use serde::Serialize;
use time::OffsetDateTime;

use super::model::{MissionStatus, Need, RequestStatus};

/// One request as the dashboard query returns it (with its mission, if any).
#[derive(Debug, Clone)]
pub struct Row {
    pub departement: String,
    pub status: RequestStatus,
    pub needs: Vec<Need>,
    pub created_at: OffsetDateTime,
    pub answered_at: Option<OffsetDateTime>,
    pub mission: Option<MissionStatus>,
    pub started_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub centidays: i64,
    pub cost_cents: i64,
    pub satisfaction: Option<u8>,
    /// The providers that accepted the mission.
    pub providers: Vec<String>,
}

/// A provider as the dashboard shows its load.
#[derive(Debug, Clone)]
pub struct ProviderInfo {
    pub id: String,
    pub name: String,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: u64,
}

/// A delay in days: how many, median and 90th percentile (nearest rank), in
/// hundredths of a day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Delay {
    pub count: u64,
    pub median_centidays: Option<i64>,
    pub p90_centidays: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderFigure {
    pub provider: String,
    pub name: String,
    /// Missions of the selection it took.
    pub missions: u64,
    /// Of which still in progress.
    pub in_progress: u64,
    pub capacity: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SatisfactionFigure {
    pub answers: u64,
    /// Mean score × 100 (e.g. 425 for 4.25).
    pub mean_hundredths: Option<i64>,
    /// How many answered 1, 2, 3, 4, 5.
    pub distribution: [u64; 5],
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    pub requests: u64,
    pub by_status: Vec<Count>,
    pub by_need: Vec<Count>,
    pub by_departement: Vec<Count>,
    pub to_first_answer: Delay,
    pub to_mission_start: Delay,
    pub to_closure: Delay,
    pub missions: u64,
    pub providers: Vec<ProviderFigure>,
    pub centidays: i64,
    pub cost_cents: i64,
    /// The engineering budgets of the départements and year selected (none when no
    /// year is selected).
    pub budget_cents: Option<i64>,
    pub satisfaction: SatisfactionFigure,
}

fn centidays(from: OffsetDateTime, to: OffsetDateTime) -> i64 {
    ((to - from).whole_seconds().max(0) * 100) / 86_400
}

fn delay(mut v: Vec<i64>) -> Delay {
    v.sort_unstable();
    let rank = |p: usize| -> Option<i64> {
        if v.is_empty() {
            return None;
        }
        // Nearest rank: the smallest value with at least p % of the values at or below it.
        let k = (p * v.len()).div_ceil(100).max(1);
        v.get(k - 1).copied()
    };
    Delay { count: v.len() as u64, median_centidays: rank(50), p90_centidays: rank(90) }
}

/// The figures of `rows`.
pub fn aggregate(rows: &[Row], providers: &[ProviderInfo], budget_cents: Option<i64>) -> Dashboard {
    let mut d = Dashboard { requests: rows.len() as u64, budget_cents, ..Dashboard::default() };
    for s in RequestStatus::ALL {
        let n = rows.iter().filter(|r| r.status == *s).count() as u64;
        d.by_status.push(Count { key: s.as_str().into(), label: s.label().into(), count: n });
    }
    for need in Need::ALL {
        let n = rows.iter().filter(|r| r.needs.contains(need)).count() as u64;
        d.by_need.push(Count { key: need.as_str().into(), label: need.label().into(), count: n });
    }
    let mut deps: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for r in rows {
        *deps.entry(r.departement.as_str()).or_default() += 1;
    }
    for (dep, n) in deps {
        d.by_departement.push(Count { key: dep.into(), label: dep.into(), count: n });
    }
    d.to_first_answer = delay(rows.iter().filter_map(|r| Some(centidays(r.created_at, r.answered_at?))).collect());
    d.to_mission_start = delay(rows.iter().filter_map(|r| Some(centidays(r.created_at, r.started_at?))).collect());
    d.to_closure = delay(rows.iter().filter_map(|r| Some(centidays(r.created_at, r.closed_at?))).collect());
    d.missions = rows.iter().filter(|r| r.mission.is_some()).count() as u64;
    d.centidays = rows.iter().map(|r| r.centidays).sum();
    d.cost_cents = rows.iter().map(|r| r.cost_cents).sum();
    for p in providers {
        let mine = rows.iter().filter(|r| r.providers.contains(&p.id));
        let (mut missions, mut in_progress) = (0, 0);
        for r in mine {
            missions += 1;
            in_progress += u64::from(r.mission == Some(MissionStatus::InProgress));
        }
        if missions > 0 {
            d.providers.push(ProviderFigure {
                provider: p.id.clone(),
                name: p.name.clone(),
                missions,
                in_progress,
                capacity: p.capacity,
            });
        }
    }
    d.providers.sort_by(|a, b| b.missions.cmp(&a.missions).then(a.name.cmp(&b.name)));
    let scores: Vec<u8> = rows.iter().filter_map(|r| r.satisfaction).filter(|s| (1..=5).contains(s)).collect();
    for s in &scores {
        d.satisfaction.distribution[usize::from(*s - 1)] += 1;
    }
    d.satisfaction.answers = scores.len() as u64;
    if !scores.is_empty() {
        let sum: i64 = scores.iter().map(|s| i64::from(*s)).sum();
        d.satisfaction.mean_hundredths = Some(sum * 100 / scores.len() as i64);
    }
    d
}

/// The dashboard as CSV (`section,key,label,value`): the same figures as the page and
/// the API.
pub fn csv(d: &Dashboard) -> crate::export::CsvWriter {
    let mut out = crate::export::CsvWriter::with_header(&["section", "key", "label", "value"]);
    let mut line = |section: &str, key: &str, label: &str, value: String| {
        out.row([section, key, label, value.as_str()]);
    };
    line("total", "requests", "Demandes", d.requests.to_string());
    for c in &d.by_status {
        line("status", &c.key, &c.label, c.count.to_string());
    }
    for c in &d.by_need {
        line("need", &c.key, &c.label, c.count.to_string());
    }
    for c in &d.by_departement {
        line("departement", &c.key, &c.label, c.count.to_string());
    }
    let opt = |v: Option<i64>| v.map_or(String::new(), |x| x.to_string());
    for (key, label, x) in [
        ("to_first_answer", "Délai jusqu'à la première réponse", &d.to_first_answer),
        ("to_mission_start", "Délai jusqu'au début de mission", &d.to_mission_start),
        ("to_closure", "Délai jusqu'à la clôture", &d.to_closure),
    ] {
        line("delay_count", key, label, x.count.to_string());
        line("delay_median_centidays", key, label, opt(x.median_centidays));
        line("delay_p90_centidays", key, label, opt(x.p90_centidays));
    }
    line("total", "missions", "Missions", d.missions.to_string());
    for p in &d.providers {
        line("provider_missions", &p.provider, &p.name, p.missions.to_string());
        line("provider_in_progress", &p.provider, &p.name, p.in_progress.to_string());
        line("provider_capacity", &p.provider, &p.name, p.capacity.to_string());
    }
    line("total", "centidays", "Jours d'ingénierie (centièmes)", d.centidays.to_string());
    line("total", "cost_cents", "Coût (centimes)", d.cost_cents.to_string());
    line("total", "budget_cents", "Budget (centimes)", opt(d.budget_cents));
    line("satisfaction", "answers", "Réponses", d.satisfaction.answers.to_string());
    line("satisfaction", "mean_hundredths", "Moyenne (centièmes)", opt(d.satisfaction.mean_hundredths));
    for (i, n) in d.satisfaction.distribution.iter().enumerate() {
        line("satisfaction_score", &(i + 1).to_string(), &format!("Note {}", i + 1), n.to_string());
    }
    out
}
