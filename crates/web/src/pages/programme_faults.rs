//! The faults of a member list as a person reads them on the page: line number,
//! column and reason in French. The core reports them in English (they serve the
//! command line and the API too); the known reasons are said again here in French,
//! an unknown one is shown as it is rather than hidden.

use cohesion_core::import::Faults;

pub struct FaultRow {
    /// "12", or "—" for the file as a whole.
    pub line: String,
    pub field: String,
    pub message: String,
}

pub fn fault_rows(faults: &Faults) -> Vec<FaultRow> {
    faults
        .0
        .iter()
        .map(|f| FaultRow {
            line: if f.line == 0 { "—".into() } else { f.line.to_string() },
            field: f.field.as_deref().map_or("—", field_label).to_owned(),
            message: french(&f.message),
        })
        .collect()
}

fn field_label(field: &str) -> &str {
    match field {
        "status" => "statut",
        "signed_on" => "date de signature",
        "labelled_on" => "date de labellisation",
        "exited_on" => "date de sortie",
        "kind" => "type",
        other => other,
    }
}

/// The first `quoted` part of a message.
fn quoted(message: &str) -> &str {
    message.split('`').nth(1).unwrap_or("")
}

/// "commune inconnue", "département inconnu"…
fn unknown(kind: &str) -> String {
    match kind {
        "commune" => "commune inconnue".into(),
        "epci" => "intercommunalité (SIREN) inconnue".into(),
        "departement" => "département inconnu".into(),
        "region" => "région inconnue".into(),
        other => format!("{other} inconnu(e)"),
    }
}

fn french(message: &str) -> String {
    let q = quoted(message);
    if let Some(rest) = message.strip_prefix("unknown ") {
        let kind = rest.split(' ').next().unwrap_or("");
        let vintage = message.split_once(" in the referential ").map_or("", |(_, v)| v);
        return format!("« {q} » : {} dans le référentiel {vintage}", unknown(kind));
    }
    let known: &[(&str, &str)] = &[
        ("the file is empty", "le fichier est vide"),
        ("no `code` column", "aucune colonne « code » (code INSEE ou SIREN) dans la première ligne"),
        ("empty code", "code vide"),
        ("an exit date goes with", "une date de sortie va avec le statut « sorti », et seulement avec lui"),
        ("not UTF-8", "le fichier n’est pas du texte UTF-8 : enregistrez le CSV en UTF-8"),
        ("unreadable XLSX", "fichier XLSX illisible"),
        ("the workbook has no sheet", "le classeur n’a aucune feuille"),
        ("unreadable first sheet", "la première feuille du classeur est illisible"),
        ("a quoted field is never closed", "un champ ouvert par un guillemet n’est jamais fermé"),
    ];
    if let Some((_, fr)) = known.iter().find(|(en, _)| message.starts_with(en)) {
        return (*fr).to_owned();
    }
    if let Some(rest) = message.strip_prefix("a cell lies in column ") {
        let column = rest.split(' ').next().unwrap_or("");
        return format!(
            "une cellule est remplie en colonne {column} : une liste en a 256 au plus, vérifiez la feuille"
        );
    }
    if message.starts_with("more than") && message.contains("filled cells") {
        return "la feuille a trop de cellules remplies : découpez la liste".into();
    }
    if message.contains("is not a date") {
        return format!("« {q} » n’est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)");
    }
    if message.contains("is not one of candidate") {
        return format!("« {q} » n’est pas un statut connu (candidat, labellisé, actif, sorti)");
    }
    if message.contains("give a `kind` column") {
        return format!(
            "« {q} » : ajoutez une colonne « kind » pour un code qui n’est ni un code INSEE de commune ni un SIREN"
        );
    }
    if let Some(t) = message.strip_suffix(" appears twice in this file (same group)") {
        return format!("{t} figure deux fois dans le fichier (même territoire de projet)");
    }
    format!("code ou valeur invalide ({message})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_said_in_french() {
        assert_eq!(
            french("unknown commune `99999` in the referential COG 2026"),
            "« 99999 » : commune inconnue dans le référentiel COG 2026"
        );
        assert_eq!(
            french("`31/02/x` is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
            "« 31/02/x » n’est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)"
        );
        assert!(french("`zz` is not one of candidate, labelled, active, exited").contains("statut"));
        assert!(french("something new").contains("something new"), "unknown reasons are kept");
    }
}
