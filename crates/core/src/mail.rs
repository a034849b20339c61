//! Mail a person can act on: French subject and text saying who did what on which
//! file, the direct link, why the person receives it (their roles), and the link to
//! choose when they are mailed; a plain-text part and an HTML part with the same
//! content.

use std::fmt::Write;

use crate::notice::{Event, Subject};

/// A message: subject, plain text, HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One event of a digest (its summary says who did what).
pub struct Told<'a> {
    pub event: &'a Event,
    /// When it happened, as the reader reads it ("06/12/2026 à 09:15").
    pub at: String,
}

/// What period a digest covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Sent as soon as it happened.
    Immediate,
    Daily,
    Weekly,
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn domain_heading(s: Subject) -> &'static str {
    match s {
        Subject::Pact => "Pactes territoriaux",
        Subject::Engineering => "Ingénierie sur mesure",
    }
}

/// The digest of one person: every event once, grouped by domain, then by file, in
/// the order they happened. `roles` says why the person receives it ("délégué
/// territorial de l’État dans le département 42"…).
pub fn digest(name: &str, told: &[Told<'_>], roles: &[String], base_url: &str, period: Period) -> Mail {
    let base = base_url.trim_end_matches('/');
    let n = told.len();
    let subject = match (period, n) {
        (Period::Immediate, 1) => match told.first() {
            Some(t) => format!("Cohésion : {} — {}", t.event.title, t.event.summary),
            None => "Cohésion : une nouvelle".to_owned(),
        },
        (_, 1) => "Cohésion : 1 nouvelle sur vos dossiers".to_owned(),
        (_, n) => format!("Cohésion : {n} nouvelles sur vos dossiers"),
    };
    let since = match period {
        Period::Immediate => "Voici ce qui vient de se passer sur vos dossiers.",
        Period::Daily => {
            "Voici ce qui s’est passé sur vos dossiers depuis votre dernier récapitulatif (envoyé au plus une fois par jour)."
        }
        Period::Weekly => "Voici ce qui s’est passé sur vos dossiers cette semaine (récapitulatif hebdomadaire).",
    };
    let mut text = format!("Bonjour {name},\n\n{since}\n");
    let mut html = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>\
         <p>Bonjour {},</p><p>{}</p>",
        escape(&subject),
        escape(name),
        escape(since)
    );
    let mut domains: Vec<Subject> = Vec::new();
    for t in told {
        if !domains.contains(&t.event.subject) {
            domains.push(t.event.subject);
        }
    }
    for domain in domains {
        let heading = domain_heading(domain);
        let _ = write!(text, "\n== {heading} ==\n");
        let _ = write!(html, "<h2>{}</h2>", escape(heading));
        let mut files: Vec<&str> = Vec::new();
        for t in told.iter().filter(|t| t.event.subject == domain) {
            if !files.contains(&t.event.subject_id.as_str()) {
                files.push(&t.event.subject_id);
            }
        }
        for file in files {
            let mine: Vec<&Told<'_>> =
                told.iter().filter(|t| t.event.subject == domain && t.event.subject_id == file).collect();
            let title = mine.last().map_or("", |t| t.event.title.as_str());
            let link = format!("{base}{}", domain.path(file));
            let _ = write!(text, "\n{title}\n{link}\n");
            let _ = write!(html, "<h3><a href=\"{}\">{}</a></h3><ul>", escape(&link), escape(title));
            for t in mine {
                let _ = writeln!(text, "  - {} : {}", t.at, t.event.summary);
                let _ = write!(html, "<li>{} : {}</li>", escape(&t.at), escape(&t.event.summary));
            }
            html.push_str("</ul>");
        }
    }
    let why = if roles.is_empty() {
        "Vous recevez ce message parce que vous prenez part à ces dossiers.".to_owned()
    } else {
        format!(
            "Vous recevez ce message parce que vous prenez part à ces dossiers en tant que : {}.",
            roles.join(" ; ")
        )
    };
    let prefs = format!("{base}/mon-espace/preferences");
    let space = format!("{base}/mon-espace/notifications");
    let _ = write!(
        text,
        "\n--\n{why}\nToutes vos notifications : {space}\n\
         Pour choisir quand vous recevez ces courriels, ou ne plus les recevoir (se désabonner) : {prefs}\n"
    );
    let _ = write!(
        html,
        "<hr><p>{}</p><p><a href=\"{}\">Toutes vos notifications</a> — \
         <a href=\"{}\">Choisir quand vous recevez ces courriels, ou se désabonner</a></p></body></html>",
        escape(&why),
        escape(&space),
        escape(&prefs)
    );
    Mail { subject, text, html }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn event(id: i64, subject: Subject, file: &str, title: &str, summary: &str) -> Event {
        Event {
            id,
            subject,
            subject_id: file.into(),
            title: title.into(),
            kind: "comment".into(),
            summary: summary.into(),
            actor: Uuid::nil(),
            created_at: "2026-12-06T08:15:00Z".into(),
        }
    }

    #[test]
    fn a_digest_groups_by_domain_then_file_and_says_why() {
        let a = event(1, Subject::Pact, "p1", "Pacte du Pilat", "Camille Martin a commenté le pacte");
        let b = event(2, Subject::Engineering, "r1", "Étude <vélo>", "Camille Martin a qualifié la demande");
        let c = event(3, Subject::Pact, "p1", "Pacte du Pilat", "Camille Martin a signé pour l’État");
        let told: Vec<Told<'_>> =
            [&a, &b, &c].into_iter().map(|e| Told { event: e, at: "06/12/2026 à 09:15".into() }).collect();
        let roles = vec!["délégué territorial de l’État dans le département 42".to_owned()];
        let m = digest("Alex Durand", &told, &roles, "https://cohesion.example/", Period::Daily);
        assert_eq!(m.subject, "Cohésion : 3 nouvelles sur vos dossiers");
        let pacts = m.text.find("== Pactes territoriaux ==").expect("pacts");
        let eng = m.text.find("== Ingénierie sur mesure ==").expect("engineering");
        assert!(pacts < eng, "{}", m.text);
        assert_eq!(m.text.matches("https://cohesion.example/pactes/p1\n").count(), 1, "one heading per file");
        assert!(m.text.contains("  - 06/12/2026 à 09:15 : Camille Martin a signé pour l’État\n"));
        assert!(m.text.contains("en tant que : délégué territorial de l’État dans le département 42."));
        assert!(m.text.contains("se désabonner) : https://cohesion.example/mon-espace/preferences"));
        assert!(m.html.contains("Étude &lt;vélo&gt;"), "escaped: {}", m.html);
        assert!(m.html.contains("href=\"https://cohesion.example/mon-espace/preferences\""));
    }

    #[test]
    fn one_immediate_event_names_the_file_in_the_subject() {
        let a = event(1, Subject::Pact, "p1", "Pacte du Pilat", "Camille Martin a commenté le pacte");
        let told = [Told { event: &a, at: "06/12/2026 à 09:15".into() }];
        let m = digest("Alex", &told, &[], "https://c.example", Period::Immediate);
        assert_eq!(m.subject, "Cohésion : Pacte du Pilat — Camille Martin a commenté le pacte");
        assert!(m.text.contains("  - 06/12/2026 à 09:15 : Camille Martin a commenté le pacte\n"));
    }
}
