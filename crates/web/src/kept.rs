//! What the server keeps once computed, under the state of the data it was computed
//! from (issue 16): the territory pages' bodies (`pages::territory::cache`) and the
//! territory search's answers (`api::territory`). Each is served only under the stamp
//! it was made at, so a change of the data is seen by the next request; at most a
//! budget of bytes is kept, the oldest entries leaving first.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

struct Entries<S, V> {
    values: HashMap<String, (S, V, usize)>,
    /// Keys, oldest first.
    order: VecDeque<String>,
    bytes: usize,
}

/// Values of type `V` kept by key, each with the stamp `S` of the data it was made
/// from, within a budget of bytes.
pub struct Kept<S, V> {
    budget: usize,
    entries: Mutex<Entries<S, V>>,
}

impl<S: PartialEq, V: Clone> Kept<S, V> {
    /// Keeps at most `budget` bytes.
    pub fn new(budget: usize) -> Kept<S, V> {
        Kept { budget, entries: Mutex::new(Entries { values: HashMap::new(), order: VecDeque::new(), bytes: 0 }) }
    }

    /// The value of `key` made at `stamp`, if kept.
    pub fn get(&self, key: &str, stamp: &S) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries.values.get(key).filter(|(s, _, _)| s == stamp).map(|(_, v, _)| v.clone())
    }

    /// Keeps `value`, of `size` bytes, made at `stamp`, under `key`; the oldest values
    /// leave to stay within the budget (a value larger than it is not kept).
    pub fn put(&self, key: String, stamp: S, value: V, size: usize) {
        if size > self.budget {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else { return };
        if let Some((_, _, old)) = entries.values.insert(key.clone(), (stamp, value, size)) {
            entries.bytes -= old;
            entries.order.retain(|k| k != &key);
        }
        entries.bytes += size;
        entries.order.push_back(key);
        while entries.bytes > self.budget {
            let Some(oldest) = entries.order.pop_front() else { break };
            if let Some((_, _, size)) = entries.values.remove(&oldest) {
                entries.bytes -= size;
            }
        }
    }

    /// Values kept and their bytes.
    #[cfg(test)]
    fn size(&self) -> (usize, usize) {
        self.entries.lock().map_or((0, 0), |e| (e.values.len(), e.bytes))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const BUDGET: usize = 3000;

    fn put(kept: &Kept<i64, Arc<str>>, key: &str, stamp: i64, value: &str) {
        kept.put(key.into(), stamp, Arc::from(value), value.len());
    }

    #[test]
    fn a_value_is_served_only_at_its_stamp_and_the_budget_holds() {
        let kept = Kept::new(BUDGET);
        put(&kept, "a", 1, "<p>a</p>");
        assert_eq!(kept.get("a", &1).as_deref(), Some("<p>a</p>"));
        assert_eq!(kept.get("a", &2), None, "another state of the data");
        assert_eq!(kept.get("b", &1), None);
        put(&kept, "a", 2, "<p>a2</p>");
        assert_eq!(kept.size(), (1, 9), "replaced, not added");
        let big = "x".repeat(BUDGET / 3);
        for k in ["b", "c", "d"] {
            put(&kept, k, 2, &big);
        }
        let (n, bytes) = kept.size();
        assert!(bytes <= BUDGET, "{bytes}");
        assert_eq!(kept.get("a", &2), None, "the oldest left first");
        assert!(kept.get("d", &2).is_some() && n == 3, "{n}");
        put(&kept, "huge", 2, &"x".repeat(BUDGET + 1));
        assert_eq!(kept.get("huge", &2), None, "larger than the budget: not kept");
    }
}
