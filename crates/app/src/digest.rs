//! The platform's digest, one mechanism for every domain: each person concerned by
//! what happened on their files (pacts, engineering requests, and the domains to
//! come) gets one mail per period listing every event not yet told, grouped by
//! domain and by file, and never the same event twice.
//!
//! How "never twice" holds (at most once, by design): each (person, event) is one
//! `notification` row, written once whatever the number of roles and routes by which
//! the person is concerned (`store::notify!`). A digest first **takes** the person's
//! pending rows — one UPDATE setting its id, committed before anything is mailed —
//! then mails what it took, then marks them sent. Two instances building digests at
//! once take disjoint rows. A mail the relay refuses gives its rows back for the next
//! period; a crash between the mail and the mark leaves them taken, so they are never
//! mailed again: at most once. Everything stays in the person's list in the platform
//! (`/mon-espace/notifications`) whatever happens to the mail.
//!
//! Who is mailed what and when: each person's preference per domain
//! (`space::preference`: immediately, daily — the default —, weekly on Monday, or
//! never), read when the rows are taken, so a change applies at the next digest.
//! Never a deactivated account (its rows are dropped), never an invitee who has not
//! accepted (their rows wait until they do). A mail the relay refuses is also recorded
//! per person (`digest_failure`) until one of their digests goes out: the admins' space
//! lists them beside the failed evaluations.
//!
//! A domain plugs in by writing its event and recipients with `store::notify!` in the
//! transaction of its change, with its `event.subject` (a `core::notice::Subject`) and
//! a `space::preference::Domain` of the same name: nothing here changes.

use std::time::Duration;

use cohesion_core::mail::{Period, Told};
use time::{OffsetDateTime, Weekday};

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
    /// Events of domains the person wants only in the platform (never mailed).
    pub unmailed: usize,
    /// Invitees who have not accepted: their events wait.
    pub waiting: usize,
}

/// Which deliveries a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The frequent pass: domains mailed immediately.
    Immediate,
    /// The daily digest (on Monday with the weekly domains), and what `immediate`
    /// left behind.
    Daily { weekly: bool },
}

impl Pass {
    fn deliveries(self) -> &'static [&'static str] {
        match self {
            Pass::Immediate => &["immediate"],
            Pass::Daily { weekly: false } => &["immediate", "daily"],
            Pass::Daily { weekly: true } => &["immediate", "daily", "weekly"],
        }
    }

    /// Today's daily pass: weekly domains go on Monday (Paris time).
    pub fn today() -> Pass {
        Pass::Daily { weekly: cohesion_core::paris::paris(OffsetDateTime::now_utc()).weekday() == Weekday::Monday }
    }
}

/// Builds and sends today's daily digests now (`cohesion digest`).
pub async fn send_all(state: &App, outbox: &Outbox) -> Result<DigestReport, cohesion_store::StoreError> {
    send(state, outbox, Pass::today()).await
}

/// How many people's digests are built and mailed at once. A relay's answer takes
/// tens of milliseconds whatever the message (lettre writes the message's end in a
/// second packet, which waits for the relay's delayed acknowledgement: about 40 ms
/// on Linux), so one mail after the other, 4,520 digests took 228 s
/// (`bench/results/space.md`). Each person's rows are still taken by one statement,
/// so the mails sent at once never share an event.
pub const IN_FLIGHT: usize = 32;

impl DigestReport {
    fn add(&mut self, o: DigestReport) {
        self.sent += o.sent;
        self.events += o.events;
        self.failed += o.failed;
        self.skipped += o.skipped;
        self.unmailed += o.unmailed;
        self.waiting += o.waiting;
    }
}

/// Sends one pass of digests: one mail per person with every event it takes,
/// [`IN_FLIGHT`] people at a time. A database failure stops the run (the people
/// already under way finish) and is returned.
pub async fn send(state: &App, outbox: &Outbox, pass: Pass) -> Result<DigestReport, cohesion_store::StoreError> {
    let people = state.store.people_with_pending_notifications().await?;
    // Those whose last digest failed: a digest sent to them closes their failure
    // (one read per run instead of one statement per person; usually empty).
    let failing: std::sync::Arc<std::collections::HashSet<uuid::Uuid>> =
        std::sync::Arc::new(state.store.people_with_failed_digest().await?.into_iter().collect());
    let outbox = std::sync::Arc::new(Outbox { mailer: outbox.mailer.clone(), public_url: outbox.public_url.clone() });
    let mut report = DigestReport::default();
    let mut failure = None;
    let mut running = tokio::task::JoinSet::new();
    for person in people {
        while running.len() >= IN_FLIGHT {
            if let Some(done) = running.join_next().await {
                collect(done, &mut report, &mut failure);
            }
        }
        if failure.is_some() {
            break;
        }
        let (state, outbox) = (state.clone(), std::sync::Arc::clone(&outbox));
        let failed_before = failing.contains(&person);
        running.spawn(async move { one(&state, &outbox, person, pass, failed_before).await });
    }
    while let Some(done) = running.join_next().await {
        collect(done, &mut report, &mut failure);
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

type Done = Result<Result<DigestReport, cohesion_store::StoreError>, tokio::task::JoinError>;

/// Adds a finished person's report, or keeps the first failure.
fn collect(done: Done, report: &mut DigestReport, failure: &mut Option<cohesion_store::StoreError>) {
    match done {
        Ok(Ok(r)) => report.add(r),
        Ok(Err(e)) => {
            failure.get_or_insert(e);
        }
        Err(e) => {
            tracing::error!(error = %e, "a digest task stopped");
            report.failed += 1;
        }
    }
}

/// One person's digest of this pass.
async fn one(
    state: &App,
    outbox: &Outbox,
    person: uuid::Uuid,
    pass: Pass,
    failed_before: bool,
) -> Result<DigestReport, cohesion_store::StoreError> {
    let mut report = DigestReport::default();
    if state.store.is_pending_invitee(person).await? {
        report.waiting += 1;
        return Ok(report);
    }
    if matches!(pass, Pass::Daily { .. })
        && let Some((id, events)) = state.store.take_digest_of(person, &["never"]).await?
    {
        state.store.digest_sent(&id).await?;
        report.unmailed += events.len();
    }
    let Some((id, events)) = state.store.take_digest_of(person, pass.deliveries()).await? else { return Ok(report) };
    let who = state.store.person(person).await?;
    let Some(who) = who.filter(|p| p.active) else {
        state.store.digest_sent(&id).await?;
        report.skipped += 1;
        return Ok(report);
    };
    let mut roles = Vec::new();
    for g in state.store.grants(person).await? {
        roles.push(crate::space::role_reason(state, &g.role).await?);
    }
    let told: Vec<Told<'_>> = events
        .iter()
        .map(|e| {
            let at = OffsetDateTime::parse(&e.event.created_at, &time::format_description::well_known::Rfc3339)
                .map(cohesion_core::paris::day_time)
                .unwrap_or_else(|_| e.event.created_at.clone());
            Told { event: &e.event, at }
        })
        .collect();
    let period = match pass {
        Pass::Immediate => Period::Immediate,
        Pass::Daily { .. } => Period::Daily,
    };
    let mail = cohesion_core::mail::digest(&who.display_name(), &told, &roles, &outbox.public_url, period);
    match outbox.mailer.send_mail(who.email.as_str(), &mail).await {
        Ok(()) => {
            state.store.digest_sent(&id).await?;
            if failed_before {
                state.store.clear_digest_failure(person).await?;
            }
            report.sent += 1;
            report.events += events.len();
        }
        Err(e) => {
            tracing::warn!(error = %e, person = %person, "digest not sent; its events wait for the next one");
            state.store.digest_failed(&id).await?;
            // Kept for the admins' space ("failed jobs") until a digest goes out.
            let answer: String = e.to_string().chars().take(300).collect();
            state.store.record_digest_failure(person, &answer).await?;
            report.failed += 1;
        }
    }
    Ok(report)
}

/// Sends the immediate notifications at every check (`every`), and the daily digest
/// once a day, at `hour` (UTC) or the first check after it.
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
            match send(&state, &outbox, Pass::Immediate).await {
                Ok(r) if r.sent > 0 => tracing::info!(sent = r.sent, events = r.events, "immediate notifications"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "immediate notifications failed"),
            }
            let now = OffsetDateTime::now_utc();
            if now.hour() < hour {
                continue;
            }
            let day = format!("{:04}-{:02}-{:02}", now.year(), u8::from(now.month()), now.day());
            match state.store.start_digest_run(&day).await {
                Ok(true) => match send(&state, &outbox, Pass::today()).await {
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
