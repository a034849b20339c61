//! The two national vocabularies a project is classified by, as the hub of the
//! ecological-transition tools (Les communs) validates them, shipped in the binary
//! (`data/projects/`, provenance in `data/README.md`):
//!
//! - the **levers** (`leviers`) of the ecological planning (SGPE): 72 labels, written
//!   as they are (the hub has no codes for them);
//! - the **competences** (`competences`): the 156 functions of the M57 budget
//!   nomenclature (`90-212`, "Enseignement du premier degré > Ecoles primaires").
//!
//! Both are read once; a unit test checks that the shipped files read whole.

use std::sync::OnceLock;

/// `data/projects/leviers.tsv`.
pub const LEVERS_FILE: &str = include_str!("../../../../data/projects/leviers.tsv");
/// `data/projects/competences.tsv`.
pub const COMPETENCES_FILE: &str = include_str!("../../../../data/projects/competences.tsv");

/// One competence: its M57 function code and its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Competence {
    pub code: &'static str,
    pub label: &'static str,
}

/// The data lines of a shipped file: after its magic line and its header, non-empty.
fn lines(text: &'static str, magic: &str) -> impl Iterator<Item = &'static str> {
    let mut it = text.lines();
    let ok = it.next().is_some_and(|l| l.starts_with(magic));
    it.skip(1).filter(move |l| ok && !l.trim().is_empty())
}

/// Every lever, in the hub's order.
pub fn levers() -> &'static [&'static str] {
    static ALL: OnceLock<Vec<&'static str>> = OnceLock::new();
    ALL.get_or_init(|| lines(LEVERS_FILE, "#cohesion-leviers\tv1").map(str::trim).collect())
}

/// Every competence, in code order as shipped.
pub fn competences() -> &'static [Competence] {
    static ALL: OnceLock<Vec<Competence>> = OnceLock::new();
    ALL.get_or_init(|| {
        lines(COMPETENCES_FILE, "#cohesion-competences\tv1")
            .filter_map(|l| l.split_once('\t'))
            .map(|(code, label)| Competence { code: code.trim(), label: label.trim() })
            .collect()
    })
}

/// Whether `s` is a lever, exactly as the list writes it.
pub fn is_lever(s: &str) -> bool {
    levers().contains(&s)
}

/// The competence of M57 function code `code`.
pub fn competence(code: &str) -> Option<&'static Competence> {
    competences().iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_shipped_lists_read_whole() {
        let file_lines = |t: &str| t.lines().filter(|l| !l.trim().is_empty()).count() - 2;
        assert_eq!(levers().len(), 72);
        assert_eq!(levers().len(), file_lines(LEVERS_FILE));
        assert_eq!(levers().iter().collect::<HashSet<_>>().len(), levers().len(), "no lever twice");
        assert!(levers().iter().all(|l| !l.is_empty() && !l.contains('\t') && !l.contains(';')));
        assert_eq!(competences().len(), 156);
        assert_eq!(competences().len(), file_lines(COMPETENCES_FILE));
        assert_eq!(competences().iter().map(|c| c.code).collect::<HashSet<_>>().len(), 156, "no code twice");
        for c in competences() {
            let digits = c.code.strip_prefix("90-").unwrap_or("");
            assert!((2..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()), "{c:?}");
            assert!(!c.label.is_empty(), "{c:?}");
        }
    }

    #[test]
    fn looks_up() {
        assert!(is_lever("Vélo") && is_lever("Réseaux de chaleur décarbonés"));
        assert!(!is_lever("vélo") && !is_lever("Transition écologique"));
        assert_eq!(competence("90-212").map(|c| c.label), Some("Enseignement du premier degré > Ecoles primaires"));
        assert_eq!(competence("90-025").map(|c| c.label), Some("Cimetières et pompes funèbres"));
        assert!(competence("212").is_none() && competence("Éducation").is_none());
    }
}
