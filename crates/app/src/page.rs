//! One page of a list, the one shape of every paginated answer: the items asked for
//! and how many there are over all pages.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many there are over all pages.
    pub total: usize,
}

impl<T> Page<T> {
    /// A whole list as one page.
    pub fn all(items: Vec<T>) -> Page<T> {
        Page { total: items.len(), items }
    }
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page { items: Vec::new(), total: 0 }
    }
}
