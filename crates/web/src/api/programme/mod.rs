//! `/api/v1/programmes`: the catalogue, one programme and its members ([`read`]), the
//! figures ([`figures`]: dashboard, overlap, eligibility), the exports ([`export`]),
//! the changes ([`write`]: catalogue, eligibility rule, member list imports, action plan).

pub mod export;
pub mod figures;
pub mod read;
pub mod write;
