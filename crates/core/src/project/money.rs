//! Money in integer euro cents, parsed from decimal text without going through floats
//! (`520721.28` is exactly 52,072,128 cents; a float would not always round back).

/// Parses a non-negative amount in euros written `123`, `123.4` or `123.45` (a comma
/// is accepted as the decimal separator) into cents.
pub fn parse_euros(raw: &str) -> Result<i64, AmountError> {
    let s = raw.trim();
    let (whole, frac) = match s.split_once(['.', ',']) {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountError::NotAnAmount(raw.to_owned()));
    }
    if frac.len() > 2 {
        return Err(AmountError::Decimals(raw.to_owned()));
    }
    let euros: i64 = whole.parse().map_err(|_| AmountError::TooLarge(raw.to_owned()))?;
    let cents: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().unwrap_or(0) };
    euros.checked_mul(100).and_then(|e| e.checked_add(cents)).ok_or_else(|| AmountError::TooLarge(raw.to_owned()))
}

/// Why a text is not an amount in euros (`Display`: the English message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("`{0}` is not an amount in euros (e.g. 1250.50)")]
    NotAnAmount(String),
    #[error("`{0}` has more than two decimals: amounts are in euro cents")]
    Decimals(String),
    #[error("`{0}` is too large")]
    TooLarge(String),
}

/// Like [`parse_euros`], but an amount with more than two decimals (954 grants of the
/// 2019 file are a cost times a rate) is rounded to the nearest cent, half up, on the
/// decimal digits themselves. Returns the cents and whether it rounded.
pub fn parse_euros_rounding(raw: &str) -> Result<(i64, bool), AmountError> {
    let s = raw.trim();
    match s.split_once(['.', ',']) {
        Some((whole, frac)) if frac.len() > 2 && frac.bytes().all(|b| b.is_ascii_digit()) => {
            let cents = parse_euros(&format!("{whole}.{}", &frac[..2]))?;
            let up = frac.as_bytes()[2] >= b'5';
            Ok((cents + i64::from(up), true))
        }
        _ => parse_euros(s).map(|c| (c, false)),
    }
}

/// `12345678` cents → `123 456,78 €` (French grouping with a narrow no-break space).
pub fn format_euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::with_capacity(euros.len() + euros.len() / 3 * 3);
    for (i, c) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    let rest = abs % 100;
    if rest == 0 { format!("{sign}{grouped}\u{a0}€") } else { format!("{sign}{grouped},{rest:02}\u{a0}€") }
}

/// `cents` as a decimal number of euros (`1234.5` → "1234.50"), for CSV exports.
pub fn euros_decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `part / whole` in per cent with one decimal (`None` when `whole` is zero).
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_cents() {
        assert_eq!(parse_euros("520721.28"), Ok(52_072_128));
        assert_eq!(parse_euros("99999.9"), Ok(9_999_990));
        assert_eq!(parse_euros("4000000"), Ok(400_000_000));
        assert_eq!(parse_euros("0.29"), Ok(29));
        assert_eq!(parse_euros("12,5"), Ok(1_250));
        assert!(parse_euros("1.234").is_err());
        assert!(parse_euros("-3").is_err());
        assert!(parse_euros("").is_err());
        assert!(parse_euros("1e5").is_err());
        assert!(parse_euros("99999999999999999999").is_err());
        assert_eq!(parse_euros_rounding("42166.9105"), Ok((4_216_691, true)));
        assert_eq!(parse_euros_rounding("119999.995333803"), Ok((12_000_000, true)));
        assert_eq!(parse_euros_rounding("0.004"), Ok((0, true)));
        assert_eq!(parse_euros_rounding("12.5"), Ok((1_250, false)));
    }

    #[test]
    fn formats_in_french() {
        assert_eq!(format_euros(52_072_128), "520\u{202f}721,28\u{a0}€");
        assert_eq!(format_euros(100), "1\u{a0}€");
        assert_eq!(euros_decimal(1_250), "12.50");
        assert_eq!(share(25, 100), Some(25.0));
        assert_eq!(share(1, 3), Some(33.3));
        assert_eq!(share(1, 0), None);
    }
}
