//! The engineering offer's pages: the request form ([`request`]), the list of the
//! requests one may see with its filters ([`list`]), one request and its mission
//! ([`case`]) with its forms ([`actions`]), the providers' directory and the missions
//! offered to one's provider ([`providers`]), the providers' CSV import for admins
//! ([`import`]), the dashboard ([`dashboard`]) and the
//! territory page's section ([`section`]). Everything goes through
//! [`cohesion_app::engineering`], which decides who may do what.

pub mod actions;
pub mod case;
pub mod dashboard;
pub mod import;
pub mod list;
pub mod providers;
pub mod request;
pub mod section;

use cohesion_core::engineering::{RecommendationStatus, RequestStatus};

pub use crate::pages::components::{day, moment};

/// "1 demande", "3 demandes", "0 demande" (French: the singular below 2).
pub use crate::pages::layout::plural as count;

/// Hundredths of a day: "1,5 jour", "3 jours", "0 jour".
pub fn days(centidays: i64) -> String {
    let whole = centidays / 100;
    let frac = centidays % 100;
    let n = if frac == 0 {
        whole.to_string()
    } else if frac % 10 == 0 {
        format!("{whole},{}", frac / 10)
    } else {
        format!("{whole},{frac:02}")
    };
    format!("{n} {}", if centidays < 200 { "jour" } else { "jours" })
}

/// The DSFR badge class of a request's status.
pub fn request_badge(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::Submitted => "fr-badge--new",
        RequestStatus::Accepted => "fr-badge--info",
        RequestStatus::Redirected => "fr-badge--warning",
        RequestStatus::Declined => "fr-badge--error",
        RequestStatus::Closed => "fr-badge--success",
    }
}

/// The DSFR badge class of a recommendation's status.
pub fn recommendation_badge(s: RecommendationStatus) -> &'static str {
    match s {
        RecommendationStatus::Proposed => "fr-badge--new",
        RecommendationStatus::InProgress => "fr-badge--info",
        RecommendationStatus::Blocked => "fr-badge--warning",
        RecommendationStatus::Done | RecommendationStatus::AlreadyDone => "fr-badge--success",
        RecommendationStatus::NotRelevant => "",
    }
}

/// The page of a request.
pub fn href(id: &str) -> String {
    format!("/ingenierie/demandes/{id}")
}

/// A choice of a select or a group of checkboxes.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::{Date, Month, OffsetDateTime};

    fn at(y: i32, m: Month, d: u8, h: u8, min: u8) -> OffsetDateTime {
        let date = Date::from_calendar_date(y, m, d).expect("date");
        OffsetDateTime::new_utc(date, time::Time::from_hms(h, min, 0).expect("time"))
    }

    #[test]
    fn paris_time_follows_summer_time() {
        assert_eq!(moment(at(2026, Month::December, 6, 4, 12)), "6 décembre 2026 à 05:12");
        assert_eq!(moment(at(2026, Month::July, 1, 22, 30)), "2 juillet 2026 à 00:30");
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(moment(at(2026, Month::March, 29, 0, 59)), "29 mars 2026 à 01:59");
        assert_eq!(moment(at(2026, Month::March, 29, 1, 0)), "29 mars 2026 à 03:00");
        assert_eq!(moment(at(2026, Month::October, 25, 0, 59)), "25 octobre 2026 à 02:59");
        assert_eq!(moment(at(2026, Month::October, 25, 1, 0)), "25 octobre 2026 à 02:00");
        assert_eq!(day(Date::from_calendar_date(2026, Month::May, 1).expect("date")), "1er mai 2026");
    }

    #[test]
    fn plurals_and_days_are_french() {
        assert_eq!(count(0, "demande", "demandes"), "0 demande");
        assert_eq!(count(1, "demande", "demandes"), "1 demande");
        assert_eq!(count(2, "demande", "demandes"), "2 demandes");
        assert_eq!(days(150), "1,5 jour");
        assert_eq!(days(200), "2 jours");
        assert_eq!(days(225), "2,25 jours");
    }
}
