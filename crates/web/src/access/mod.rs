//! The access use cases live in `cohesion_app::access`; what the HTTP side names
//! from them.

pub use cohesion_app::access::RoleView;
