//! The daily digest: each person concerned by what happened on their pacts gets one
//! mail a day listing every event not yet told, and never the same event twice.
//!
//! How "never twice" holds: each (person, event) is one `notification` row; a digest
//! first takes the person's pending rows (one UPDATE setting its id), then mails
//! what it took, then marks them sent. Two instances building digests at once take
//! disjoint rows. A mail that fails gives its rows back for the next day; a crash
//! between the mail and the mark leaves them taken, so they are not sent again
//! (at most once, by design). `digest_run` makes the daily run happen once a day
//! across instances.

use std::time::Duration;

use cohesion_core::pact::cocon;
use time::OffsetDateTime;

use crate::App;
use crate::mail::Mailer;

/// Where the digests go: the mail transport, and the address links start with.
pub struct Outbox {
    pub mailer: Mailer,
    pub public_url: String,
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DigestReport {
    /// Mails sent.
    pub sent: usize,
    /// Events they told.
    pub events: usize,
    /// Mails that failed (their events wait for the next digest).
    pub failed: usize,
    /// People no longer active: their events are dropped, not mailed.
    pub skipped: usize,
}

/// Builds and sends every pending digest now.
pub async fn send_all(state: &App, outbox: &Outbox) -> Result<DigestReport, cohesion_store::StoreError> {
    let mut report = DigestReport::default();
    for person in state.store.people_with_pending_notifications().await? {
        let Some(digest) = state.store.take_digest(person).await? else { continue };
        let who = state.store.person(person).await?;
        let Some(who) = who.filter(|p| p.active) else {
            state.store.digest_sent(&digest.id).await?;
            report.skipped += 1;
            continue;
        };
        let (subject, body) = cocon::digest(&who.display_name(), &digest.events, &outbox.public_url);
        match outbox.mailer.send(who.email.as_str(), &subject, &body).await {
            Ok(()) => {
                state.store.digest_sent(&digest.id).await?;
                report.sent += 1;
                report.events += digest.events.len();
            }
            Err(e) => {
                tracing::warn!(error = %e, person = %person, "digest not sent; its events wait for the next one");
                state.store.digest_failed(&digest.id).await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// Sends the digests once a day, at `hour` (UTC) or the first check after it.
pub fn spawn_daily(
    state: App,
    outbox: std::sync::Arc<Outbox>,
    hour: u8,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = OffsetDateTime::now_utc();
            if now.hour() < hour {
                continue;
            }
            let day = format!("{:04}-{:02}-{:02}", now.year(), u8::from(now.month()), now.day());
            match state.store.start_digest_run(&day).await {
                Ok(true) => match send_all(&state, &outbox).await {
                    Ok(r) => tracing::info!(day, sent = r.sent, events = r.events, failed = r.failed, "daily digest"),
                    Err(e) => tracing::error!(error = %e, day, "daily digest failed"),
                },
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "digest run check failed"),
            }
        }
    })
}

/// `COHESION_DIGEST_HOUR` (0–23, UTC; default 6).
pub fn hour_from_env() -> Result<u8, BadHour> {
    match std::env::var("COHESION_DIGEST_HOUR") {
        Err(_) => Ok(6),
        Ok(v) => match v.trim().parse::<u8>() {
            Ok(h) if h < 24 => Ok(h),
            _ => Err(BadHour(v)),
        },
    }
}

/// `COHESION_DIGEST_HOUR` holds no hour.
#[derive(Debug, thiserror::Error)]
#[error("COHESION_DIGEST_HOUR must be an hour from 0 to 23, not `{0}`")]
pub struct BadHour(String);
