//! The faults of the use cases in French, in one place. Every code of every domain
//! has its sentence here, by an exhaustive `match`: a new fault without its French
//! text does not compile. The forms place each sentence next to its field; a few
//! fields say more than the code alone (`in_context`).

use cohesion_app::Fault;
use cohesion_app::access::AccessFault;
use cohesion_app::error::FaultCode;
use cohesion_app::param::ParamFault;
use cohesion_app::programme::ProgrammeFault;
use cohesion_core::access::organisation::OrganisationFault;
use cohesion_core::evaluation::EvaluationFault;
use cohesion_core::import::{LISTED, LineFault};
use cohesion_core::pact::PactFault;
use cohesion_core::programme::NotInVocabulary;
use cohesion_core::programme::eligibility::RuleFault;
use cohesion_core::programme::membership_import::MembershipFault;
use cohesion_core::programme::table::TableFault;
use cohesion_core::project::ProjectFault;
use cohesion_core::territory::{CodeError, TerritoryKind};

/// "commune", "intercommunalité"…
fn kind(k: TerritoryKind) -> &'static str {
    match k {
        TerritoryKind::Commune => "commune",
        TerritoryKind::ArrondissementMunicipal => "arrondissement municipal",
        TerritoryKind::Epci => "intercommunalité",
        TerritoryKind::Departement => "département",
        TerritoryKind::Region => "région",
    }
}

/// A fault in French, with its field's context where it says more.
pub fn french(f: &Fault) -> String {
    in_context(&f.field, &f.code).unwrap_or_else(|| code(&f.code))
}

/// Every fault of a list, in French, in one sentence each, joined.
pub fn sentences(faults: &[Fault]) -> String {
    faults.iter().map(french).collect::<Vec<_>>().join(" ")
}

/// Sentences that depend on the field as well as the code.
fn in_context(field: &str, c: &FaultCode) -> Option<String> {
    let s = match (field, c) {
        ("reason", FaultCode::Pact(PactFault::TextRequired)) => {
            "Donnez le motif de la décision : il est communiqué aux parties."
        }
        ("body", FaultCode::Pact(PactFault::TooLong { .. })) => {
            "Le commentaire est trop long (5 000 caractères au plus)."
        }
        ("body", FaultCode::Pact(PactFault::TextRequired)) => "Écrivez votre commentaire avant de le publier.",
        ("message", FaultCode::Pact(PactFault::TooLong { .. })) => {
            "Le message est trop long (5 000 caractères au plus)."
        }
        ("thread", _) => "Choisissez le sujet du commentaire.",
        ("change.project_id", FaultCode::Pact(PactFault::NoProject(_))) => {
            "Aucun projet ne porte cet identifiant : copiez l’adresse de sa page."
        }
        ("title", FaultCode::Pact(PactFault::TitleRequired)) => "Donnez un titre au pacte.",
        ("code", FaultCode::Programme(ProgrammeFault::CodeFormat)) => {
            "Le code est l’acronyme en minuscules, lettres et chiffres seulement (par exemple pvd)."
        }
        ("name", FaultCode::Programme(ProgrammeFault::Required)) => "Donnez le nom du programme.",
        ("title", FaultCode::Programme(ProgrammeFault::Required)) => "Donnez un intitulé à l’action.",
        _ => return None,
    };
    Some(s.to_owned())
}

/// The French of a code alone.
pub fn code(c: &FaultCode) -> String {
    match c {
        FaultCode::Project(f) => project(f),
        FaultCode::Pact(f) => pact(f),
        FaultCode::Programme(f) => programme(f),
        FaultCode::Rule(f) => rule(f),
        FaultCode::Param(f) => param(f),
        FaultCode::Access(f) => access(f),
        FaultCode::Organisation(f) => organisation(f),
        FaultCode::Engineering(f) => super::engineering_fault::french(f),
        FaultCode::Evaluation(f) => evaluation(f),
    }
}

fn evaluation(f: &EvaluationFault) -> String {
    match f {
        EvaluationFault::UnreadableRequest(_) => {
            "La demande enregistrée de cette évaluation ne peut plus être lue par \
             cette version de la plateforme : demandez une nouvelle évaluation."
                .to_owned()
        }
        EvaluationFault::NoLongerValid { reason, .. } => format!(
            "La demande de cette évaluation ne tient plus avec le référentiel ou le catalogue d’aujourd’hui ({reason}) : \
             demandez une nouvelle évaluation."
        ),
    }
}

pub fn territory_code(e: &CodeError) -> String {
    match e {
        CodeError::UnknownKind(k) => format!("« {k} » n’est pas un type de territoire."),
        CodeError::Malformed { kind: k, code } => format!("« {code} » n’est pas un code de {} valide.", kind(*k)),
        CodeError::NotARef(s) => format!("« {s} » ne désigne pas un territoire (choisissez-le dans la liste)."),
    }
}

fn vocabulary(e: &NotInVocabulary) -> String {
    format!("« {} » n’est pas une valeur possible ({}).", e.value, e.expected.join(", "))
}

pub fn project(f: &ProjectFault) -> String {
    use ProjectFault as F;
    match f {
        F::NameRequired => "Donnez un nom au projet.".into(),
        F::TooLong { max } => format!("{max} caractères au plus."),
        F::NoTerritory => "Un projet concerne au moins un territoire.".into(),
        F::UnknownTerritory(t) => format!("« {t} » n’est pas dans le référentiel des territoires."),
        F::LeadNameRequired => "Nommez la structure porteuse, ou donnez son SIREN ou son SIRET.".into(),
        F::NotSirenOrSiret(s) => format!("« {s} » n’est ni un SIREN (9 chiffres) ni un SIRET (14 chiffres) valide."),
        F::NotADate(d) => format!("« {d} » n’est pas une date (AAAA-MM-JJ)."),
        F::EndsBeforeStart => "La fin précède le début.".into(),
        F::TransitionTwice => "Une transition figure deux fois.".into(),
        F::UnknownLever(l) => {
            format!("« {l} » n’est pas un levier de la planification écologique : choisissez-le dans la liste.")
        }
        F::LeverTwice => "Un levier figure deux fois.".into(),
        F::UnknownCompetence(c) => {
            format!("« {c} » n’est pas un code de compétence de la nomenclature M57 : choisissez-la dans la liste.")
        }
        F::CompetenceTwice => "Une compétence figure deux fois.".into(),
        F::NegativeCost => "Un coût ne peut pas être négatif.".into(),
        F::FinancerRequired => "Nommez le cofinanceur.".into(),
        F::NotASiret(s) => format!("« {s} » n’est pas un SIRET (14 chiffres) valide."),
        F::NotAPeriod(s) => format!("« {s} » n’est ni une date (AAAA-MM-JJ) ni une période (AAAA-MM-JJ_AAAA-MM-JJ)."),
        F::AmountNotPositive => "Un montant doit être positif.".into(),
        F::AmountsOverflow => "Les montants sont trop grands.".into(),
        F::FinancingExceedsCost { .. } => "Le plan de financement dépasse le coût total du projet.".into(),
        F::IndicatorCodeRequired => "Choisissez l’indicateur dans le catalogue.".into(),
        F::IndicatorNotNumber => "La valeur de départ et la cible sont des nombres.".into(),
        F::UnknownIndicator(c) => format!("« {c} » n’est pas un indicateur du catalogue."),
        F::BudgetYear => "Une année entre 1900 et 2100.".into(),
        F::NegativeAmounts => "Les montants ne peuvent pas être négatifs.".into(),
        F::ToolName => "Le nom de l’outil s’écrit en 1 à 40 minuscules, chiffres, tirets ou soulignés.".into(),
        F::ExternalIdRequired => "Donnez l’identifiant du projet dans cet outil.".into(),
        F::ToolTwice => "Un seul identifiant par outil.".into(),
        F::StatusWithoutPhase => "L’état d’avancement se rapporte à une phase : indiquez la phase.".into(),
        F::NotInList(v) => format!("« {v} » n’est pas une valeur admise ici par le format des communs."),
        F::NotTheKey { key } => {
            format!("L’adresse désigne le projet {key} : son identifiant dans cet outil ne peut pas différer.")
        }
        F::PhaseBack { from, to } => format!("Un projet ne revient pas de la phase « {from} » à « {to} »."),
        F::PhaseRemoved { from } => format!("La phase « {from} » du projet ne peut pas être retirée."),
        F::PhaseFrozen { status } => format!("Le projet est « {status} » : sa phase ne change plus."),
    }
}

pub fn pact(f: &PactFault) -> String {
    use PactFault as F;
    match f {
        F::TitleRequired => "Donnez un titre au pacte.".into(),
        F::TooLong { max } => format!("{} caractères au plus.", thousands(*max)),
        F::NoTerritory => "Le pacte couvre au moins un territoire.".into(),
        F::UnknownTerritory(t) => format!("« {t} » n’est pas dans le référentiel des territoires."),
        F::TooFewParties => "Un pacte lie au moins deux parties (l’État et une collectivité, par exemple).".into(),
        F::PartyNameRequired => "Nommez la partie.".into(),
        F::StateHasNoSiren => "La partie État n’a pas de SIREN.".into(),
        F::SirenRequired => "Une collectivité ou un partenaire se désigne par son SIREN.".into(),
        F::NotSirenOrSiret(_) => "Ce n’est ni un SIREN (9 chiffres) ni un SIRET (14 chiffres) valide.".into(),
        F::PartyTwice => "Cette partie figure deux fois.".into(),
        F::OwnerNotParty(_) => {
            "Le pilote doit être l’une des parties : « État », ou le SIREN d’une autre partie.".into()
        }
        F::ActionTwice => "Ce projet figure deux fois.".into(),
        F::NoProject(_) => "Aucun projet ne porte cet identifiant.".into(),
        F::TextRequired => "Ce texte est obligatoire.".into(),
        F::AlreadyAction => "Ce projet est déjà une action du pacte.".into(),
        F::NotAnAction => "Ce projet n’est pas une action du pacte.".into(),
        F::NotAThread(_) => "Choisissez le sujet du commentaire.".into(),
        F::OutsidePerimeter { name, .. } => {
            format!(
                "Ce projet porte sur {name}, hors du périmètre du pacte : élargissez le périmètre ou retirez le projet."
            )
        }
        F::Project(p) => project(p),
    }
}

pub fn programme(f: &ProgrammeFault) -> String {
    use ProgrammeFault as F;
    match f {
        F::CodeFormat => "Le code est l’acronyme en minuscules, lettres et chiffres seulement.".into(),
        F::CodeReserved(c) => format!("« {c} » désigne une page du site : choisissez un autre code."),
        F::NotADate(d) => format!("« {d} » n’est pas une date (AAAA-MM-JJ)."),
        F::Vocabulary(v) => vocabulary(v),
        F::Territory(e) => territory_code(e),
        F::Required => "Ce champ est obligatoire.".into(),
    }
}

pub fn rule(f: &RuleFault) -> String {
    match f {
        RuleFault::PopulationRange { .. } => "La population minimale dépasse la population maximale.".into(),
        RuleFault::DensityLevel(l) => format!("Niveau de densité invalide ({l} : entre 1 et 7)."),
        RuleFault::UnknownDepartement(d) => {
            format!("Département « {d} » inconnu : donnez des codes INSEE séparés par des virgules (42, 2A, 971…).")
        }
        RuleFault::UnknownProgramme(p) => format!("Programme « {p} » inconnu."),
    }
}

pub fn param(f: &ParamFault) -> String {
    match f {
        ParamFault::Territory(e) => territory_code(e),
        ParamFault::Limit { max } => format!("Entre 1 et {max} par page."),
        ParamFault::NotOneOf { value, .. } | ParamFault::Unknown { value, .. } => {
            format!("« {value} » n’est pas une valeur possible.")
        }
        ParamFault::NoSuch { id, .. } => format!("« {id} » n’existe pas."),
        ParamFault::Required => "Ce champ est obligatoire.".into(),
    }
}

pub fn access(f: &AccessFault) -> String {
    use AccessFault as F;
    match f {
        F::ProgrammeCode => "Le code du programme s’écrit en minuscules, chiffres, - ou _ (par exemple pvd).".into(),
        F::Code(e) => territory_code(e),
        F::UnknownDepartement(d) => format!("Le département « {d} » n’est pas dans le référentiel."),
        F::Required => "Ce champ est obligatoire.".into(),
        F::NoOrganisation(_) => "Cette organisation n’existe pas.".into(),
        F::LocalNeedsLocalAuthority => "Un rôle de collectivité va avec une collectivité territoriale.".into(),
        F::PartnerNeedsPartner => "Un rôle de partenaire va avec une organisation partenaire.".into(),
        F::UnknownRole(r) => format!("« {r} » n’est pas un rôle."),
        F::Email(e) => format!("« {} » n’est pas une adresse électronique.", e.0),
        F::NameLength => "De 1 à 100 caractères.".into(),
        F::NotRfc3339(t) => format!("« {t} » n’est pas un instant RFC 3339 (2026-01-31T12:00:00Z)."),
        F::Limit => "Entre 1 et 200.".into(),
    }
}

pub fn organisation(f: &OrganisationFault) -> String {
    use OrganisationFault as F;
    match f {
        F::Kind => "Choisissez le type d’organisation.".into(),
        F::Siren(s) => format!("« {s} » n’est pas un SIREN valide (9 chiffres, clé de Luhn)."),
        F::Siret(s) => format!("« {s} » n’est pas un SIRET valide (14 chiffres, clé de Luhn)."),
        F::TerritoryRequired => "Une collectivité territoriale a un territoire (type:code).".into(),
        F::Territory(e) => territory_code(e),
        F::NotInReferential(t) => format!("« {t} » n’est pas dans le référentiel des territoires."),
        F::Arrondissement => "Un arrondissement municipal n’est pas une collectivité territoriale.".into(),
        F::SirenMismatch { territory, known, given } => {
            format!("Le SIREN de {territory} est {known} dans le référentiel, pas {given}.")
        }
        F::SirenRequired(t) => format!("Donnez le SIREN de {t}."),
        F::SiretRequired => "Un partenaire se désigne par son SIRET.".into(),
        F::TerritoryNotAllowed => "Seule une collectivité territoriale a un territoire.".into(),
        F::NameRequired => "Donnez le nom de l’organisation.".into(),
        F::NameTooLong => "Le nom compte 200 caractères au plus.".into(),
    }
}

/// The reason of a faulty line (or file) of a list, as a fragment of sentence:
/// the import page shows it in a table next to the line's number and column.
pub fn line(f: &LineFault) -> String {
    match f {
        LineFault::Table(t) => table(t),
        LineFault::Membership(m) => membership(m),
        LineFault::Engineering(e) => crate::pages::engineering_fault::french(e),
        // The command line's readers never reach the pages; said as they are.
        LineFault::Text(m) => format!("code ou valeur invalide ({m})"),
        LineFault::More(1) => format!("… et 1 autre anomalie, non listée (les {LISTED} premières le sont)"),
        LineFault::More(n) => {
            format!("… et {} autres anomalies, non listées (les {LISTED} premières le sont)", thousands(*n))
        }
    }
}

fn table(f: &TableFault) -> String {
    use TableFault as F;
    match f {
        F::NotUtf8(_) => "le fichier n’est pas du texte UTF-8 : enregistrez le CSV en UTF-8".into(),
        F::UnclosedQuote => "un champ ouvert par un guillemet n’est jamais fermé".into(),
        F::UnreadableXlsx(_) => "fichier XLSX illisible".into(),
        F::NoSheet => "le classeur n’a aucune feuille".into(),
        F::UnreadableSheet(_) => "la première feuille du classeur est illisible".into(),
        F::FarColumn { column } => {
            format!("une cellule est remplie en colonne {column} : une liste en a 256 au plus, vérifiez la feuille")
        }
        F::TooManyCells => "la feuille a trop de cellules remplies : découpez la liste".into(),
    }
}

/// "commune inconnue", "département inconnu"…
fn unknown(k: TerritoryKind) -> String {
    match k {
        TerritoryKind::Commune => "commune inconnue".into(),
        TerritoryKind::Epci => "intercommunalité (SIREN) inconnue".into(),
        TerritoryKind::Departement => "département inconnu".into(),
        TerritoryKind::Region => "région inconnue".into(),
        TerritoryKind::ArrondissementMunicipal => "arrondissement municipal inconnu".into(),
    }
}

fn membership(f: &MembershipFault) -> String {
    use MembershipFault as F;
    match f {
        F::Empty => "le fichier est vide".into(),
        F::NoCodeColumn => "aucune colonne « code » (code INSEE ou SIREN) dans la première ligne".into(),
        F::EmptyCode => "code vide".into(),
        F::NeedsKind(code) => format!(
            "« {code} » : ajoutez une colonne « kind » pour un code qui n’est ni un code INSEE de commune ni un SIREN"
        ),
        F::Code(e) => territory_code(e),
        F::Unknown { kind, code, vintage } => format!("« {code} » : {} dans le référentiel {vintage}", unknown(*kind)),
        F::NotADate(d) => format!("« {d} » n’est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)"),
        F::Status(s) => format!("« {s} » n’est pas un statut connu (candidat, labellisé, actif, sorti)"),
        F::ExitDate => "une date de sortie va avec le statut « sorti », et seulement avec lui".into(),
        F::Twice(t) => format!("{t} figure deux fois dans le fichier (même territoire de projet)"),
        F::OtherProgramme(p) => {
            format!("cette ligne appartient au programme « {p} », pas à celui que vous mettez à jour")
        }
    }
}

/// 20000 → "20 000" (with a narrow no-break space).
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_speaks_french() {
        let f = Fault::new("rule", RuleFault::UnknownDepartement("99".into()));
        assert!(french(&f).starts_with("Département « 99 » inconnu"));
        let f = Fault::new("reason", PactFault::TextRequired);
        assert!(french(&f).contains("motif"));
        assert_eq!(thousands(20_000), "20\u{202f}000");
    }
}
