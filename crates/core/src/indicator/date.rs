//! Calendar dates of measurements (`YYYY-MM-DD`), without a time-zone: a measurement
//! refers to a day (reference date of a census, end of a quarter), not an instant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` n’est pas une date AAAA-MM-JJ ni une année AAAA")]
pub struct DateError(pub String);

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => return None,
        };
        ((1000..=9999).contains(&year) && (1..=days).contains(&day)).then_some(Date { year, month, day })
    }

    /// 1 January of `year`: a bare year in an input file means the year's value.
    pub fn year_start(year: i32) -> Option<Date> {
        Date::new(year, 1, 1)
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// `YYYY-MM-DD`, or `YYYY` (read as 1 January).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = || DateError(s.to_owned());
        let num = |p: &str| -> Option<i32> {
            if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() { p.parse().ok() } else { None }
        };
        let parts: Vec<&str> = t.split('-').collect();
        match parts.as_slice() {
            [y] if y.len() == 4 => num(y).and_then(Date::year_start).ok_or_else(bad),
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                let small = |p: &str| num(p).and_then(|v: i32| u8::try_from(v).ok());
                match (num(y), small(m), small(d)) {
                    (Some(y), Some(m), Some(d)) => Date::new(y, m, d).ok_or_else(bad),
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_days_and_years() {
        assert_eq!("2023-01-01".parse::<Date>(), Ok(Date { year: 2023, month: 1, day: 1 }));
        assert_eq!("2024".parse::<Date>().map(|d| d.to_string()), Ok("2024-01-01".into()));
        assert!("2024-02-29".parse::<Date>().is_ok());
        for bad in ["2023-02-29", "2023-13-01", "2023-1-1", "23", "2023-01-01T00:00", "", "abcd", "+023"] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert!(Date::new(2023, 12, 31) > Date::new(2023, 1, 1));
    }
}
