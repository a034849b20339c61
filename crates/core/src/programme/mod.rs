//! National support programmes (Action cœur de ville, Petites villes de demain,
//! Territoires d'industrie, France services…): the catalogue, the memberships of
//! territories with their dates and history, the France services places, each
//! programme's action plan and its eligibility rules.
//!
//! Everything here is a value: [`ProgrammeData`] is what the store holds;
//! [`index::ProgrammeIndex`] is the in-memory view built from it and the referential,
//! answering the hot reads (a territory's programmes, a programme's members,
//! dashboards, overlap, eligibility) without touching the database.

pub mod compact;
pub mod csv;
pub mod eligibility;
pub mod index;
pub mod membership_import;
mod model;
pub mod table;
pub mod upstream;

pub use model::*;

use crate::access::Principal;

/// Who may change a programme's memberships, action plan or eligibility rules:
/// an admin, or a manager of that programme.
pub fn can_manage(principal: &Principal, programme: &str) -> bool {
    principal.manages_programme(programme)
}

/// Who may add a programme to the catalogue: admins only.
pub fn can_create(principal: &Principal) -> bool {
    principal.is_admin()
}

/// Checks a date written `YYYY-MM-DD` (or `DD/MM/YYYY`, as French spreadsheets do)
/// and returns it as `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (y, m, d) = if let [d, m, y] = raw.split('/').collect::<Vec<_>>()[..] {
        (y, m, d)
    } else if let [y, m, d] = raw.split('-').collect::<Vec<_>>()[..] {
        (y, m, d)
    } else {
        return None;
    };
    let num = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten()
    };
    let (y, m, d) = (num(y, 4)?, num(m, 2)?, num(d, 2)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// The date `days` days after 1970-01-01, as `YYYY-MM-DD` (H. Hinnant's civil
/// calendar algorithm); the caller reads the clock.
pub fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Today (UTC) for a clock reading in seconds since 1970-01-01.
pub fn date_of_unix_seconds(seconds: i64) -> String {
    civil_date(seconds.div_euclid(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    #[test]
    fn dates_are_checked() {
        assert_eq!(parse_date("2021-05-28").as_deref(), Some("2021-05-28"));
        assert_eq!(parse_date("01/01/2020").as_deref(), Some("2020-01-01"));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-02-29").as_deref(), Some("2024-02-29"));
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("hier"), None);
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(date_of_unix_seconds(1_795_824_000 + 86_399), "2026-11-28");
    }

    #[test]
    fn only_admins_and_the_programme_managers_may_manage() {
        let p = |roles| Principal { person: uuid::Uuid::nil(), roles };
        assert!(can_manage(&p(vec![Role::Admin]), "pvd"));
        assert!(can_manage(&p(vec![Role::ProgrammeManager { programme: "pvd".into() }]), "pvd"));
        assert!(!can_manage(&p(vec![Role::ProgrammeManager { programme: "acv".into() }]), "pvd"));
        assert!(!can_manage(&p(vec![Role::Delegate { departement: "42".into() }]), "pvd"));
        assert!(can_create(&p(vec![Role::Admin])));
        assert!(!can_create(&p(vec![Role::ProgrammeManager { programme: "pvd".into() }])));
    }
}
