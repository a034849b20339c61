//! Instants as a person in metropolitan France reads them (Europe/Paris): UTC+1 in
//! winter, UTC+2 from the last Sunday of March to the last Sunday of October, both
//! changes at 01:00 UTC (the EU rule since 1996). No time-zone database is needed for
//! one zone whose rule has not changed in thirty years.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// The last Sunday of `month` of `year`, at 01:00 UTC.
fn last_sunday_1am(year: i32, month: Month) -> Option<OffsetDateTime> {
    let mut day = Date::from_calendar_date(year, month, time::util::days_in_month(month, year)).ok()?;
    while day.weekday() != Weekday::Sunday {
        day = day.previous_day()?;
    }
    Some(PrimitiveDateTime::new(day, Time::from_hms(1, 0, 0).ok()?).assume_utc())
}

/// `t` at the offset Paris had at that instant.
pub fn paris(t: OffsetDateTime) -> OffsetDateTime {
    let utc = t.to_offset(UtcOffset::UTC);
    let summer = match (last_sunday_1am(utc.year(), Month::March), last_sunday_1am(utc.year(), Month::October)) {
        (Some(from), Some(to)) => utc >= from && utc < to,
        _ => false,
    };
    let hours = if summer { 2 } else { 1 };
    utc.to_offset(UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC))
}

/// "06/12/2026".
pub fn day(t: OffsetDateTime) -> String {
    let p = paris(t);
    format!("{:02}/{:02}/{}", p.day(), u8::from(p.month()), p.year())
}

/// "06/12/2026 à 09:15".
pub fn day_time(t: OffsetDateTime) -> String {
    let p = paris(t);
    format!("{} à {:02}:{:02}", day(t), p.hour(), p.minute())
}

/// Whole days from `since` to `now` (0 when in the future).
pub fn days_between(since: OffsetDateTime, now: OffsetDateTime) -> i64 {
    (now - since).whole_days().max(0)
}

/// "aujourd’hui", "depuis 1 jour", "depuis 12 jours".
pub fn waiting_for(since: OffsetDateTime, now: OffsetDateTime) -> String {
    match days_between(since, now) {
        0 => "depuis aujourd’hui".to_owned(),
        1 => "depuis 1 jour".to_owned(),
        n => format!("depuis {n} jours"),
    }
}

/// A duration in whole days, as a mail says it: "1 jour", "7 jours".
pub fn days(d: Duration) -> String {
    match d.whole_days() {
        1 => "1 jour".to_owned(),
        n => format!("{n} jours"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).expect("instant")
    }

    #[test]
    fn winter_is_utc_plus_one_and_summer_utc_plus_two() {
        assert_eq!(day_time(at("2026-12-06T08:15:00Z")), "06/12/2026 à 09:15");
        assert_eq!(day_time(at("2026-07-14T08:15:00Z")), "14/07/2026 à 10:15");
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(day_time(at("2026-03-29T00:59:00Z")), "29/03/2026 à 01:59");
        assert_eq!(day_time(at("2026-03-29T01:00:00Z")), "29/03/2026 à 03:00");
        assert_eq!(day_time(at("2026-10-25T00:59:00Z")), "25/10/2026 à 02:59");
        assert_eq!(day_time(at("2026-10-25T01:00:00Z")), "25/10/2026 à 02:00");
        // Late evening UTC is the next day in Paris.
        assert_eq!(day(at("2026-12-31T23:30:00Z")), "01/01/2027");
    }

    #[test]
    fn waiting_says_days_with_plurals() {
        let now = at("2026-12-06T08:00:00Z");
        assert_eq!(waiting_for(now, now), "depuis aujourd’hui");
        assert_eq!(waiting_for(now - Duration::days(1), now), "depuis 1 jour");
        assert_eq!(waiting_for(now - Duration::days(12), now), "depuis 12 jours");
        assert_eq!(days(Duration::days(7)), "7 jours");
        assert_eq!(days(Duration::days(1)), "1 jour");
    }
}
