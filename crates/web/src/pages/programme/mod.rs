//! The programme pages: the catalogue and a programme's dashboard ([`dashboard`]),
//! a new programme ([`new`]), the member list import ([`import`], its faults in
//! [`faults`]), the action plan ([`plan`]) and the eligibility rule ([`rule`]).

pub mod dashboard;
pub mod faults;
pub mod import;
pub mod new;
pub mod plan;
pub mod rule;

pub use dashboard::{
    MemberRow, action_status_label, domain_label, fr_date, member_row, programme_href, status_label, transition_label,
};
