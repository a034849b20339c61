//! The faults of the engineering offer in French (`pages::fault` calls it): an
//! exhaustive `match`, so a new code without its sentence does not compile.

use cohesion_core::engineering::EngineeringFault as F;
use cohesion_core::engineering::document::DocumentFault as D;

pub fn french(f: &F) -> String {
    match f {
        F::Required => "Ce champ est obligatoire.".into(),
        F::TooLong { max } => format!("{max} caractères au plus."),
        F::NoNeed => "Choisissez au moins un besoin.".into(),
        F::UnknownNeed(n) => format!("« {n} » n’est pas un besoin de la liste."),
        F::NeedTwice => "Un besoin figure deux fois.".into(),
        F::UnknownUrgency(u) => format!("« {u} » n’est pas un degré d’urgence (faible, normale, urgente)."),
        F::NotADate(d) => format!("« {d} » n’est pas une date (AAAA-MM-JJ)."),
        F::ProjectOrTitle => {
            "Choisissez un projet existant ou donnez le titre d’un nouveau projet, pas les deux.".into()
        }
        F::NoProject(p) => format!("Aucun projet « {p} » sur la plateforme."),
        F::NoTerritory => "La collectivité demandeuse n’est rattachée à aucun territoire du référentiel.".into(),
        F::NoSiren => "La collectivité demandeuse n’a pas de SIREN enregistré.".into(),
        F::ReasonRequired => "Donnez la raison : elle sera communiquée à la collectivité.".into(),
        F::UnknownRedirection(r) => {
            format!("« {r} » n’est pas une réorientation possible (programme national, autre offre, financement).")
        }
        F::AlreadyAnswered(s) => format!("La demande a déjà reçu une réponse (« {} »).", s.label()),
        F::RequestNotNow(s) => format!("Impossible : la demande est « {} ».", s.label()),
        F::MissionNotNow(s) => format!("Impossible : la mission est « {} ».", s.label()),
        F::NoProvider(p) => format!("Aucun prestataire « {p} » dans l’annuaire."),
        F::ProviderTwice => "Ce prestataire est déjà sollicité pour la mission.".into(),
        F::NotOnMission => "Ce prestataire n’est pas engagé sur la mission.".into(),
        F::ProviderAnswered => "Ce prestataire a déjà répondu.".into(),
        F::NoProviderOnMission => "Sollicitez au moins un prestataire pour ouvrir la mission.".into(),
        F::UnknownStatus(s) => format!("« {s} » n’est pas un statut de recommandation."),
        F::SameStatus(s) => format!("La recommandation est déjà « {} ».", s.label()),
        F::CommentRequired => "Expliquez ce changement de statut en quelques mots.".into(),
        F::NotDays(d) => format!("« {d} » n’est pas un nombre de jours (deux décimales au plus, entre 0 et 365)."),
        F::NotAmount(a) => format!("« {a} » n’est pas un montant en euros positif."),
        F::OverBudget { year, over_cents } => format!(
            "Cette dépense dépasserait de {} € le budget d’ingénierie {year} du département : \
             seul le délégué territorial peut l’approuver.",
            euros(*over_cents)
        ),
        F::NoBudget(year) => format!(
            "Aucun budget d’ingénierie n’est fixé pour ce département en {year} : \
             seul le délégué territorial peut approuver la dépense."
        ),
        F::NotSatisfaction => "Une note entière de 1 à 5.".into(),
        F::SatisfactionGiven => "Vous avez déjà donné votre avis pour cette étape.".into(),
        F::UnknownPhase(p) => format!("« {p} » n’est pas une phase de projet (idée, études, opération)."),
        F::ParticipantTwice => "Cette personne participe déjà à la mission.".into(),
        F::AdvisorNotOfProvider => "Un conseiller agit pour un prestataire engagé sur la mission.".into(),
        F::UnknownThread(t) => format!("« {t} » n’est pas un fil d’échanges."),
        F::UnknownProviderKind(k) => format!("« {k} » n’est pas un type de prestataire."),
        F::UnknownDepartement(d) => format!("« {d} » n’est pas un code de département."),
        F::NotSiren(s) => format!("« {s} » n’est pas un SIREN (9 chiffres)."),
        F::NotCapacity(c) => format!("« {c} » n’est pas une capacité (un nombre entier de 1 à 1 000)."),
        F::ProviderNameTaken => "Un prestataire porte déjà ce nom.".into(),
        F::Document(name, d) => format!("« {name} » : {}", document(d)),
        F::NotATool(t) => format!("« {t} » : le nom de l’outil s’écrit en minuscules, chiffres et tirets."),
        F::ExternalIdTwice => "Cet identifiant est déjà enregistré.".into(),
        F::NotCsv => "Le fichier ne se lit pas comme un CSV (texte UTF-8, séparateur « ; » ou « , »).".into(),
        F::EmptyFile => "Le fichier est vide.".into(),
        F::MissingColumn(c) => format!("La colonne « {c} » manque à la première ligne."),
    }
}

fn document(d: &D) -> String {
    match d {
        D::Empty => "le fichier est vide.".into(),
        D::TooLarge { bytes } => format!("le fichier fait {} Mo, plus que les 20 Mo permis.", bytes / (1024 * 1024)),
        D::Unrecognised => {
            "ce n’est ni un PDF, ni une image PNG ou JPEG, ni un document ODT, ODS, DOCX, XLSX ou CSV.".into()
        }
        D::NameMismatch { content, extension } => {
            format!("le contenu est un fichier {} mais le nom se termine par .{extension}.", content.label())
        }
        D::BadName => "le nom du fichier doit faire de 1 à 200 caractères, sans « / » ni « \\ ».".into(),
    }
}

fn euros(cents: i64) -> String {
    format!("{},{:02}", cents / 100, (cents % 100).abs())
}
