//! Notifications in the platform: the same rows as the mails (`notification`), each
//! person's own, with an unread count for the header and a list that marks what it
//! shows as read.

use cohesion_core::access::Principal;
use cohesion_core::notice::Subject;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{App, AppError, Page};

/// One notification as the person reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub event: i64,
    pub subject: Option<Subject>,
    /// The file's page (empty when the subject is of a domain this version does not know).
    pub href: String,
    /// The file's title when it happened.
    pub title: String,
    pub kind: String,
    /// One line in French.
    pub summary: String,
    /// Who did it (empty when unknown).
    pub actor: String,
    pub at: OffsetDateTime,
    /// Whether it was opened before this view.
    pub read: bool,
}

/// How many notifications `person` has not opened yet (one indexed COUNT).
pub async fn unread(app: &App, person: Uuid) -> Result<u64, AppError> {
    Ok(app.store.unread_notifications(person).await?)
}

/// One page of `who`'s own notifications, newest first; those shown are marked read
/// (each keeps `read` as it was before this view, so the page can say which are new).
pub async fn open(app: &App, who: &Principal, offset: usize, limit: usize) -> Result<Page<Notice>, AppError> {
    let (total, rows) = app.store.notifications(who.person, offset, limit).await?;
    let unread: Vec<i64> = rows.iter().filter(|r| r.read_at.is_none()).map(|r| r.event_id).collect();
    if !unread.is_empty() {
        app.store.mark_notifications_read(who.person, &unread).await?;
    }
    let items = rows
        .into_iter()
        .map(|r| {
            let subject = Subject::parse(&r.subject);
            Notice {
                event: r.event_id,
                subject,
                href: subject.map(|s| s.path(&r.subject_id)).unwrap_or_default(),
                title: r.title,
                kind: r.kind,
                summary: r.summary,
                actor: r.actor_name,
                at: r.created_at,
                read: r.read_at.is_some(),
            }
        })
        .collect();
    Ok(Page { items, total: usize::try_from(total).unwrap_or(usize::MAX) })
}
