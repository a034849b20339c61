//! The platform's one notification mechanism: something happened to a subject (a
//! pact, an engineering request), it is told once to each person concerned, in their
//! digest (at most one mail per person per period, every event once).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Pact,
    /// An engineering request and its mission.
    Engineering,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Pact => "pact",
            Subject::Engineering => "engineering",
        }
    }

    pub fn parse(s: &str) -> Option<Subject> {
        [Subject::Pact, Subject::Engineering].into_iter().find(|x| x.as_str() == s)
    }

    /// Where its page is, under the platform's address.
    pub fn path(self, id: &str) -> String {
        match self {
            Subject::Pact => format!("/pactes/{id}"),
            Subject::Engineering => format!("/ingenierie/demandes/{id}"),
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Subject::Pact => "vos pactes",
            Subject::Engineering => "vos demandes d'ingénierie",
        }
    }
}

/// Something that happened, told to the people concerned in their digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub subject: Subject,
    pub subject_id: String,
    /// The subject's title when it happened.
    pub title: String,
    /// What happened (`created`, `comment`, `qualified`, `reminder`…).
    pub kind: String,
    /// One line in French.
    pub summary: String,
    pub actor: Uuid,
    pub created_at: String,
}

/// The digest of one person: subject and plain-text body, every event once, grouped
/// by subject in the order they happened.
pub fn digest(name: &str, events: &[Event], base_url: &str) -> (String, String) {
    let about = match events.first().map(|e| e.subject) {
        Some(s) if events.iter().all(|e| e.subject == s) => s.plural(),
        _ => "Cohésion",
    };
    let subject = if events.len() == 1 {
        format!("Cohésion : 1 nouveauté sur {about}")
    } else {
        format!("Cohésion : {} nouveautés sur {about}", events.len())
    };
    let mut body = format!("Bonjour {name},\n\nVoici ce qui s'est passé depuis votre dernier récapitulatif.\n");
    let mut subjects: Vec<(Subject, &str)> = Vec::new();
    for e in events {
        if !subjects.contains(&(e.subject, e.subject_id.as_str())) {
            subjects.push((e.subject, &e.subject_id));
        }
    }
    let base = base_url.trim_end_matches('/');
    for (subject, id) in subjects {
        let mine: Vec<&Event> = events.iter().filter(|e| e.subject == subject && e.subject_id == id).collect();
        let title = mine.last().map_or("", |e| e.title.as_str());
        body.push_str(&format!("\n{title}\n{base}{}\n", subject.path(id)));
        for e in mine {
            let at = e.created_at.get(..16).unwrap_or(&e.created_at).replace('T', " ");
            body.push_str(&format!("  - {at} UTC : {}\n", e.summary));
        }
    }
    body.push_str("\nVous recevez ce récapitulatif, au plus un par jour, parce que vous prenez part à ces dossiers.\n");
    (subject, body)
}
