//! Cohésion domain: types and rules, no I/O.
//!
//! Every module here is pure: it takes values and returns values. Reading files,
//! databases or the network belongs to `cohesion-store`, `cohesion-web` and the CLI.

/// `ALL`, `as_str` (the API code), `label` (French) and `parse` (either) for an enum
/// of plain variants.
macro_rules! labels {
    ($ty:ty { $($variant:ident => $code:literal, $fr:literal;)* }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$(<$ty>::$variant),*];
            /// The API code (snake_case English).
            pub fn as_str(self) -> &'static str { match self { $(<$ty>::$variant => $code),* } }
            /// The French label shown to people and written in the schema exports.
            pub fn label(self) -> &'static str { match self { $(<$ty>::$variant => $fr),* } }
            /// From the API code or the French label.
            pub fn parse(s: &str) -> Option<$ty> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label() == s)
            }
        }
    };
}
pub(crate) use labels;

pub mod access;
pub mod date;
pub mod engineering;
pub mod evaluation;
pub mod export;
pub mod impact;
pub mod import;
pub mod indicator;
pub mod mail;
pub mod notice;
pub mod pact;
pub mod paris;
pub mod programme;
pub mod project;
pub mod territory;
