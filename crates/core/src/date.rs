//! Days and instants, and the one place where text becomes either.
//!
//! A calendar day (a membership signed on, a measurement's reference date) is a
//! [`Date`], written `YYYY-MM-DD`; it has no time-zone, it names a day, not an
//! instant. An instant (a pact signed at, a project updated at) is an
//! [`OffsetDateTime`] in UTC, written in RFC 3339 the way `time` formats it:
//! `2026-11-30T08:15:00Z`, with the fractional seconds when there are some
//! (`…:00.25Z`, trailing zeros dropped). Both forms are what the API answers, the
//! exports and the stored documents have always carried.
//!
//! Each input form is read by one function here, whoever reads it: `YYYY-MM-DD`
//! exactly ([`iso`]), or also `DD/MM/YYYY` as French spreadsheets write it
//! ([`iso_or_french`]), or also a bare year `YYYY` for 1 January ([`iso_or_year`]).

use time::Month;
use time::format_description::well_known::Rfc3339;
pub use time::{Date, OffsetDateTime};

/// Text that is not a day of a measurement file (nor a year).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` n’est pas une date AAAA-MM-JJ ni une année AAAA")]
pub struct DateError(pub String);

/// `len` ASCII digits (no sign, no space).
fn digits(s: &str, len: usize) -> Option<u32> {
    if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

/// The day of that year, month and day, if it exists (years 0 to 9999).
fn calendar(year: u32, month: u32, day: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

/// The three parts of `s` cut at `sep`, if there are exactly three.
fn three(s: &str, sep: char) -> Option<(&str, &str, &str)> {
    let mut parts = s.split(sep);
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(c), None) => Some((a, b, c)),
        _ => None,
    }
}

/// `YYYY-MM-DD` with a real month and day, nothing around it.
pub fn iso(s: &str) -> Option<Date> {
    let (y, m, d) = three(s, '-')?;
    calendar(digits(y, 4)?, digits(m, 2)?, digits(d, 2)?)
}

/// `YYYY-MM-DD`, or `DD/MM/YYYY` as French spreadsheets write it; spaces around are
/// ignored.
pub fn iso_or_french(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    match three(raw, '/') {
        Some((d, m, y)) => calendar(digits(y, 4)?, digits(m, 2)?, digits(d, 2)?),
        None => iso(raw),
    }
}

/// `YYYY-MM-DD`, or `YYYY` read as 1 January (a bare year in a measurement file means
/// the year's value); years 1000 to 9999, spaces around ignored.
pub fn iso_or_year(raw: &str) -> Result<Date, DateError> {
    let t = raw.trim();
    let day = match digits(t, 4) {
        Some(year) => i32::try_from(year).ok().and_then(year_start),
        None => iso(t).filter(|d| (1000..=9999).contains(&d.year())),
    };
    day.ok_or_else(|| DateError(raw.to_owned()))
}

/// That day, if it exists (years 1000 to 9999, as measurement dates are).
pub fn ymd(year: i32, month: u8, day: u8) -> Option<Date> {
    if !(1000..=9999).contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// 1 January of `year` (1000 to 9999).
pub fn year_start(year: i32) -> Option<Date> {
    ymd(year, 1, 1)
}

/// The day `days` days after 1970-01-01.
pub fn of_unix_days(days: i64) -> Option<Date> {
    const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
    Date::from_julian_day(i32::try_from(days.checked_add(UNIX_EPOCH_JULIAN_DAY)?).ok()?).ok()
}

/// `YYYY-MM-DD`.
pub fn to_iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// RFC 3339, as the API and the stored documents write instants.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Serde for a [`Date`] as `YYYY-MM-DD` (`#[serde(with = "crate::date::iso_serde")]`).
pub mod iso_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_iso(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        super::iso(&s).ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a date YYYY-MM-DD")))
    }

    /// The same for an optional date (`null` when absent).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        use super::Date;

        pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => super::serialize(d, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(s) => super::super::iso(&s)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a date YYYY-MM-DD"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u8, d: u8) -> Date {
        ymd(y, m, d).expect("a real day")
    }

    #[test]
    fn iso_is_exactly_year_month_day() {
        assert_eq!(iso("2021-05-28"), Some(day(2021, 5, 28)));
        assert_eq!(iso("2024-02-29"), Some(day(2024, 2, 29)));
        for bad in ["2023-02-29", "2024-13-01", "2023-1-1", " 2023-01-01", "2023-01-01T00:00", "+123-01-01", "hier"] {
            assert_eq!(iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn spreadsheets_may_write_french_dates() {
        assert_eq!(iso_or_french("2021-05-28"), Some(day(2021, 5, 28)));
        assert_eq!(iso_or_french(" 01/01/2020 "), Some(day(2020, 1, 1)));
        assert_eq!(iso_or_french("2023-02-29"), None);
        assert_eq!(iso_or_french("2024-02-29"), Some(day(2024, 2, 29)));
        assert_eq!(iso_or_french("2024-13-01"), None);
        assert_eq!(iso_or_french("1/1/2020"), None);
        assert_eq!(iso_or_french("hier"), None);
    }

    #[test]
    fn measurement_files_may_write_a_year() {
        assert_eq!(iso_or_year("2023-01-01"), Ok(day(2023, 1, 1)));
        assert_eq!(iso_or_year("2024").map(to_iso), Ok("2024-01-01".into()));
        assert!(iso_or_year("2024-02-29").is_ok());
        for bad in ["2023-02-29", "2023-13-01", "2023-1-1", "23", "2023-01-01T00:00", "", "abcd", "+023", "0999"] {
            assert_eq!(iso_or_year(bad), Err(DateError(bad.into())), "{bad}");
        }
        assert_eq!(DateError("hier".into()).to_string(), "`hier` n’est pas une date AAAA-MM-JJ ni une année AAAA");
        assert!(ymd(2023, 12, 31) > ymd(2023, 1, 1));
    }

    #[test]
    fn days_and_instants_are_written_as_before() {
        assert_eq!(of_unix_days(0).map(to_iso).as_deref(), Some("1970-01-01"));
        assert_eq!(of_unix_days((1_795_824_000 + 86_399) / 86_400).map(to_iso).as_deref(), Some("2026-11-28"));
        assert_eq!(to_iso(day(1066, 10, 14)), "1066-10-14");
        let t = OffsetDateTime::from_unix_timestamp(1_795_824_000).expect("instant");
        assert_eq!(rfc3339(t), "2026-11-28T00:00:00Z");
        let t = t.replace_microsecond(250_000).expect("µs");
        assert_eq!(rfc3339(t), "2026-11-28T00:00:00.25Z");
    }

    #[test]
    fn serde_writes_and_reads_iso_days() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Row {
            #[serde(with = "iso_serde")]
            on: Date,
            #[serde(with = "iso_serde::option")]
            until: Option<Date>,
        }
        let row = Row { on: day(2021, 5, 28), until: None };
        let text = serde_json::to_string(&row).expect("json");
        assert_eq!(text, r#"{"on":"2021-05-28","until":null}"#);
        assert_eq!(serde_json::from_str::<Row>(&text).expect("read"), row);
        assert!(serde_json::from_str::<Row>(r#"{"on":"28/05/2021","until":null}"#).is_err());
    }
}
