//! The faults of a member list as a person reads them on the page: line number,
//! column and reason in French (`fault::line`, from the typed code).

use cohesion_core::import::Faults;

use crate::pages::fault;

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
            message: fault::line(&f.code),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_said_in_french() {
        use cohesion_core::import::LineFault;
        use cohesion_core::programme::membership_import::MembershipFault as M;
        use cohesion_core::territory::TerritoryKind;
        let french = |m: M| fault::line(&LineFault::Membership(m));
        let unknown = M::Unknown { kind: TerritoryKind::Commune, code: "99999".into(), vintage: "COG 2026".into() };
        assert_eq!(french(unknown), "« 99999 » : commune inconnue dans le référentiel COG 2026");
        assert_eq!(french(M::NotADate("31/02/x".into())), "« 31/02/x » n’est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)");
        assert!(french(M::Status("zz".into())).contains("statut"));
        let text = fault::line(&LineFault::Text("something new".into()));
        assert!(text.contains("something new"), "reasons in a sentence are kept");
    }
}
