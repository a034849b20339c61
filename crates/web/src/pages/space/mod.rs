//! `/mon-espace`: where every sign-in lands. For each role the person holds, what
//! waits for them (`app::space`), their notifications in the platform and their mail
//! preferences. One file per page: `home` (the space and one whole list),
//! `notification`, `preference`.

pub mod home;
pub mod notification;
pub mod preference;

use cohesion_app::space::Section;
use cohesion_core::access::Role;

/// A role as the list's address names it: `delegate:42`, `programme_manager:pvd`,
/// `local:<organisation id>`, `partner:<organisation id>`, `admin`.
pub fn role_key(role: &Role) -> String {
    match role {
        Role::Admin => "admin".to_owned(),
        r => format!("{}:{}", r.name(), r.scope()),
    }
}

/// The role of `roles` named by `key`, if the person holds it.
pub fn role_of<'a>(roles: &'a [Role], key: &str) -> Option<&'a Role> {
    roles.iter().find(|r| role_key(r) == key)
}

/// The French of a list: its heading, the word for one item and for several.
pub struct SectionText {
    pub heading: &'static str,
    pub one: &'static str,
    pub many: &'static str,
}

pub fn text(section: Section) -> SectionText {
    let t = |heading, one, many| SectionText { heading, one, many };
    match section {
        Section::MissionInvitations => {
            t("Invitations à rejoindre une mission", "invitation attend", "invitations attendent")
        }
        Section::PactsToSign => t("Pactes à signer", "pacte attend", "pactes attendent"),
        Section::ProposalsToDecide => t("Propositions à décider", "proposition attend", "propositions attendent"),
        Section::RequestsToQualify => t("Demandes d’ingénierie à qualifier", "demande attend", "demandes attendent"),
        Section::IdleMissions => t("Missions sans activité", "mission attend", "missions attendent"),
        Section::MembersEnding => t("Conventions qui prennent fin", "membre concerné", "membres concernés"),
        Section::StaleActions => t("Actions du plan sans avancement", "action attend", "actions attendent"),
        Section::Territory => t("Mon territoire", "territoire", "territoires"),
        Section::OwnRequests => t("Mes demandes d’ingénierie en cours", "demande en cours", "demandes en cours"),
        Section::PartnerMissions => t("Missions proposées et en cours", "mission", "missions"),
        Section::PendingInvitations => t("Invitations non acceptées", "invitation attend", "invitations attendent"),
        Section::PeopleWithoutRole => t("Personnes sans rôle", "personne concernée", "personnes concernées"),
        Section::FailedEvaluations => t("Évaluations en échec", "évaluation en échec", "évaluations en échec"),
        Section::ImportsNotApplied => {
            t("Listes de membres vérifiées, non appliquées", "liste attend", "listes attendent")
        }
        Section::FailedDigests => t("Courriels récapitulatifs en échec", "personne concernée", "personnes concernées"),
    }
}

/// "3 pactes attendent", "1 pacte attend".
pub fn count(section: Section, n: u64) -> String {
    let t = text(section);
    format!("{} {}", crate::pages::layout::fr_number(n), if n == 1 { t.one } else { t.many })
}

/// Why one item waits for the person, from its list and its detail.
pub fn why(section: Section, detail: &str, extra: Option<&str>) -> String {
    let days = cohesion_app::space::IDLE_DAYS;
    match section {
        Section::MissionInvitations => match detail {
            "advisor" => "Vous êtes invité(e) comme conseiller ou conseillère : acceptez pour voir la mission et y travailler."
                .to_owned(),
            _ => "Vous êtes invité(e) comme observateur ou observatrice : acceptez pour suivre la mission et ses échanges."
                .to_owned(),
        },
        Section::PactsToSign => {
            "La version en cours est prête pour signature : la signature de la partie que vous représentez est attendue."
                .to_owned()
        }
        Section::ProposalsToDecide => {
            "Vous pilotez ce pacte : acceptez ou refusez cette proposition d’une partie.".to_owned()
        }
        Section::RequestsToQualify => {
            format!("Déposée par une collectivité de votre département ({detail}) : elle attend votre réponse.")
        }
        Section::IdleMissions => format!("Mission ouverte sans aucune activité depuis plus de {days} jours."),
        Section::MembersEnding => match (extra, detail.is_empty()) {
            (Some(end), true) => format!("Le programme prend fin le {end} : sa convention aussi."),
            (Some(end), false) => format!("Le programme prend fin le {end} : sa convention « {detail} » aussi."),
            (None, _) => "Sa convention prend fin dans les six mois.".to_owned(),
        },
        Section::StaleActions => {
            format!("Prévue ou en cours, sans mise à jour depuis plus de {days} jours : son avancement est à renseigner.")
        }
        Section::Territory => "Programmes, projets, pactes et indicateurs de votre territoire.".to_owned(),
        Section::OwnRequests => match detail {
            "submitted" => "Déposée par votre collectivité : elle attend la réponse du délégué de l’État.".to_owned(),
            _ => "Acceptée : une mission d’ingénierie est ouverte pour votre collectivité.".to_owned(),
        },
        Section::PartnerMissions => match detail {
            "proposed" => "Cette mission vous est proposée : acceptez-la ou déclinez-la.".to_owned(),
            _ => "Mission en cours que votre organisation mène.".to_owned(),
        },
        Section::PendingInvitations => {
            "Invitée sur la plateforme, elle n’a pas encore choisi son mot de passe.".to_owned()
        }
        Section::PeopleWithoutRole => {
            "Compte actif sans aucun rôle : cette personne ne voit que ce qui est publié.".to_owned()
        }
        Section::FailedEvaluations if detail.is_empty() => "L’évaluation a échoué.".to_owned(),
        Section::FailedEvaluations => format!("L’évaluation a échoué : {detail}"),
        Section::ImportsNotApplied => imports_why(detail),
        Section::FailedDigests => match detail.split_once(' ') {
            Some((n, answer)) => {
                let n: u64 = n.parse().unwrap_or(1);
                format!(
                    "Le serveur de courriel a refusé {} ({answer}). Les événements restent dans ses notifications et \
                     partiront avec le prochain récapitulatif ; vérifiez son adresse.",
                    if n < 2 { "son dernier récapitulatif".to_owned() } else { format!("ses {n} derniers récapitulatifs") }
                )
            }
            None => "Le serveur de courriel a refusé son dernier récapitulatif.".to_owned(),
        },
    }
}

/// "Vérifiée, jamais appliquée : 3 ajouts, 1 retrait, 12 modifications.", from the
/// counts the list kept (`added removed changed erased`).
fn imports_why(detail: &str) -> String {
    use crate::pages::layout::plural;
    let n: Vec<usize> = detail.split(' ').map(|x| x.parse().unwrap_or(0)).collect();
    let at = |i: usize| n.get(i).copied().unwrap_or(0);
    let mut parts = Vec::new();
    for (count, one, many) in [
        (at(0), "ajout", "ajouts"),
        (at(1), "retrait", "retraits"),
        (at(2), "modification", "modifications"),
        (at(3), "valeur effacée", "valeurs effacées"),
    ] {
        if count > 0 {
            parts.push(plural(count, one, many));
        }
    }
    format!("Vérifiée sur la page du programme, jamais appliquée : {}. Appliquez-la ou écartez-la.", parts.join(", "))
}

/// One item as the pages show it.
pub struct ItemView {
    pub title: String,
    pub href: String,
    pub why: String,
    /// "depuis 12 jours (24/11/2026)", or empty for what does not wait (a territory).
    pub since: String,
}

/// An item as the page shows it; `role` is the group's (none for the invitations,
/// listed whatever the roles).
pub fn item_view(
    app: &cohesion_app::App,
    role: Option<&Role>,
    section: Section,
    i: &cohesion_app::space::Item,
) -> ItemView {
    let now = time::OffsetDateTime::now_utc();
    let extra = match role {
        Some(Role::ProgrammeManager { programme }) if section == Section::MembersEnding => {
            cohesion_app::space::ends_soon(app, programme).map(|d| crate::pages::explain::fr_date(&d))
        }
        _ => None,
    };
    let since = if section == Section::Territory {
        String::new()
    } else {
        format!("{} ({})", cohesion_core::paris::waiting_for(i.since, now), cohesion_core::paris::day(i.since))
    };
    let title = match section {
        Section::ProposalsToDecide => format!("Proposition sur « {} »", i.title),
        Section::FailedEvaluations => format!("Évaluation arrêtée à l’étape « {} »", i.title),
        Section::ImportsNotApplied => format!("Fichier « {} »", i.title),
        _ => i.title.clone(),
    };
    ItemView { title, href: i.href.clone(), why: why(section, &i.detail, extra.as_deref()), since }
}
