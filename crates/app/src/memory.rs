//! Resident memory, as the kernel counts it (Linux `/proc/self/statm`): what the
//! start-up logs per component and the territory benchmark reports (issue 16).
//!
//! Deltas of the resident set are an approximation of a component's cost: the
//! allocator may keep freed pages, and a later component may reuse them.

use std::time::Instant;

/// The resident set size in bytes, where the system tells it (Linux); `None` elsewhere.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Logs the time and resident memory each step of a load added.
pub struct Meter {
    at: Instant,
    resident: Option<u64>,
}

impl Meter {
    pub fn start() -> Meter {
        Meter { at: Instant::now(), resident: resident_bytes() }
    }

    /// Logs `component` (`component loaded`: ms, rss_mb, rss_added_mb) and starts the next.
    pub fn component(&mut self, component: &str) {
        let now = resident_bytes();
        let mb = |b: u64| b / (1024 * 1024);
        let added = match (self.resident, now) {
            (Some(before), Some(after)) => Some(mb(after.saturating_sub(before))),
            _ => None,
        };
        tracing::info!(
            component,
            ms = self.at.elapsed().as_millis() as u64,
            rss_mb = now.map(mb),
            rss_added_mb = added,
            "component loaded"
        );
        *self = Meter { at: Instant::now(), resident: now };
    }
}
