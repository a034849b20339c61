use std::io::Write;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::document::DocumentFault;
use super::lifecycle::Asked;
use super::rules::{Audience, Parties, Viewer, can_answer_for, can_request, is_public, recipients};
use super::*;
use crate::access::{Principal, Role};
use crate::territory::{TerritoryKind, TerritoryRef};

fn at(days: i64) -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000 + days)
}

fn request(org: Uuid) -> Request {
    Request {
        id: "r1".into(),
        organisation: org,
        organisation_name: "Commune de Saint-Étienne".into(),
        siren: "214202186".into(),
        territory: TerritoryRef { kind: TerritoryKind::Commune, code: "42218".into() },
        departement: "42".into(),
        project: None,
        project_title: "Réhabiliter la halle".into(),
        needs: vec![Need::Housing, Need::Mobility],
        needs_detail: String::new(),
        context: String::new(),
        urgency: Urgency::Normal,
        desired_start: None,
        external_ids: vec![],
        status: RequestStatus::Submitted,
        qualification: None,
        created_by: org,
        created_at: at(0),
        answered_at: None,
        reminded_at: None,
        revision: 1,
    }
}

fn provider(id: &str, competences: &[Need], deps: &[&str], capacity: u32) -> Provider {
    Provider {
        id: id.into(),
        name: format!("Prestataire {id}"),
        kind: ProviderKind::Cerema,
        siren: None,
        organisation: None,
        competences: competences.to_vec(),
        departements: deps.iter().map(|d| (*d).to_owned()).collect(),
        capacity,
        active: true,
        revision: 1,
    }
}

fn principal(roles: Vec<Role>) -> Principal {
    Principal { person: Uuid::now_v7(), roles }
}

fn open_mission(r: &mut Request) -> Mission {
    r.accept("m1", at(1)).expect("accept");
    Mission::open("m1".into(), r, &[Asked { id: "p1", name: "Cerema" }], at(1)).expect("open")
}

#[test]
fn a_request_is_answered_once_and_a_reason_is_required() {
    let mut r = request(Uuid::now_v7());
    assert_eq!(r.decline("  ", at(1)), Err(EngineeringFault::ReasonRequired));
    assert_eq!(r.status, RequestStatus::Submitted, "a refused step changes nothing");
    r.redirect(Redirection::NationalProgramme, "Petites villes de demain", "Déjà lauréate PVD", at(2)).expect("ok");
    assert_eq!(r.status, RequestStatus::Redirected);
    assert_eq!(r.answered_at, Some(at(2)));
    assert_eq!(r.accept("m", at(3)), Err(EngineeringFault::AlreadyAnswered(RequestStatus::Redirected)));
    assert_eq!(r.answered_at, Some(at(2)), "the first answer date stays");
}

#[test]
fn reminders_go_after_n_days_and_not_again_within_n_days() {
    let mut r = request(Uuid::now_v7());
    let n = Duration::days(7);
    assert!(!r.due_for_reminder(at(6), n));
    assert!(r.due_for_reminder(at(7), n));
    r.reminded_at = Some(at(7));
    assert!(!r.due_for_reminder(at(13), n));
    assert!(r.due_for_reminder(at(14), n));
    r.decline("hors champ", at(15)).expect("decline");
    assert!(!r.due_for_reminder(at(30), n), "an answered request is never reminded");
}

#[test]
fn a_mission_starts_when_a_provider_accepts_and_the_person_becomes_advisor() {
    let mut r = request(Uuid::now_v7());
    let mut m = open_mission(&mut r);
    assert_eq!(m.status, MissionStatus::Proposed);
    let person = Uuid::now_v7();
    assert_eq!(m.answer("p1", false, "", person, at(2)), Err(EngineeringFault::ReasonRequired));
    assert_eq!(m.answer("nope", true, "", person, at(2)), Err(EngineeringFault::NotOnMission));
    m.answer("p1", true, "", person, at(2)).expect("accept");
    assert_eq!(m.status, MissionStatus::InProgress);
    assert_eq!(m.started_at, Some(at(2)));
    assert_eq!(m.participants[0].role, ParticipantRole::Advisor);
    assert_eq!(m.answer("p1", true, "", person, at(3)), Err(EngineeringFault::ProviderAnswered));
    assert_eq!(Mission::open("m2".into(), &r, &[], at(1)).map(|_| ()), Err(EngineeringFault::NoProviderOnMission));
}

#[test]
fn spending_over_the_budget_is_refused_unless_the_delegate_approves() {
    let mut r = request(Uuid::now_v7());
    let mut m = open_mission(&mut r);
    let on = at(3).date();
    let s = |cost| Spending {
        id: Uuid::now_v7().to_string(),
        provider: "p1".into(),
        centidays: 150,
        cost_cents: cost,
        on,
        note: String::new(),
        approved_over_budget_by: None,
    };
    assert_eq!(m.spend(s(100), None, None), Err(EngineeringFault::MissionNotNow(MissionStatus::Proposed)));
    m.answer("p1", true, "", Uuid::now_v7(), at(2)).expect("accept");
    let budget = Budget { departement: "42".into(), year: on.year(), amount_cents: 1_000, consumed_cents: 900 };
    m.spend(s(100), Some(&budget), None).expect("exactly the budget");
    let budget = Budget { consumed_cents: 1_000, ..budget };
    assert_eq!(
        m.spend(s(1), Some(&budget), None),
        Err(EngineeringFault::OverBudget { year: on.year(), over_cents: 1 })
    );
    assert_eq!(m.spend(s(1), None, None), Err(EngineeringFault::NoBudget(on.year())));
    let delegate = Uuid::now_v7();
    m.spend(s(1), Some(&budget), Some(delegate)).expect("approved");
    assert_eq!(m.spending.last().and_then(|x| x.approved_over_budget_by), Some(delegate));
    assert_eq!((m.centidays(), m.cost_cents()), (300, 101));
}

#[test]
fn closure_then_satisfaction_once_per_round() {
    let mut r = request(Uuid::now_v7());
    let mut m = open_mission(&mut r);
    m.answer("p1", true, "", Uuid::now_v7(), at(2)).expect("accept");
    let by = Uuid::now_v7();
    let closure = |delivered: &str| Closure {
        delivered: delivered.into(),
        phase_before: None,
        phase_after: None,
        fundings: vec![],
        closed_at: at(10),
        closed_by: by,
    };
    assert_eq!(m.close(closure(" ")), Err(EngineeringFault::Required));
    m.close(closure("Étude de faisabilité")).expect("close");
    r.close().expect("request closed");
    assert_eq!(m.survey_due(at(11)), Some(SurveyRound::AtClosure));
    let rating = |round, score, day| Satisfaction { round, score, comment: String::new(), by, at: at(day) };
    assert_eq!(m.rate(rating(SurveyRound::AtClosure, 6, 11)), Err(EngineeringFault::NotSatisfaction));
    m.rate(rating(SurveyRound::AtClosure, 4, 11)).expect("rate");
    assert_eq!(m.rate(rating(SurveyRound::AtClosure, 5, 12)), Err(EngineeringFault::SatisfactionGiven));
    assert_eq!(m.survey_due(at(20)), None);
    assert!(m.rate(rating(SurveyRound::ThreeMonths, 5, 20)).is_err(), "too early");
    assert_eq!(m.survey_due(at(10 + 91)), Some(SurveyRound::ThreeMonths));
    m.rate(rating(SurveyRound::ThreeMonths, 5, 10 + 91)).expect("three months");
}

#[test]
fn recommendation_history_keeps_every_change_with_its_comment() {
    let by = Uuid::now_v7();
    let mut reco = Recommendation {
        id: "x".into(),
        mission: "m1".into(),
        title: "Lancer une étude de stationnement".into(),
        body: String::new(),
        status: RecommendationStatus::Proposed,
        history: vec![],
        created_by: by,
        created_at: at(0),
        revision: 1,
    };
    assert_eq!(
        reco.set_status(RecommendationStatus::InProgress, "", by, at(1)),
        Err(EngineeringFault::CommentRequired)
    );
    reco.set_status(RecommendationStatus::InProgress, "Cahier des charges rédigé", by, at(1)).expect("ok");
    reco.set_status(RecommendationStatus::Blocked, "Attente du financement", by, at(2)).expect("ok");
    assert_eq!(
        reco.set_status(RecommendationStatus::Blocked, "encore", by, at(3)),
        Err(EngineeringFault::SameStatus(RecommendationStatus::Blocked))
    );
    assert_eq!(reco.history.len(), 2);
    assert_eq!(reco.history[1].from, RecommendationStatus::InProgress);
    assert_eq!(reco.revision, 3);
    assert_eq!(RecommendationStatus::ALL.len(), 6);
}

#[test]
fn who_reads_what() {
    let org = Uuid::now_v7();
    let provider_org = Uuid::now_v7();
    let mut r = request(org);
    let mut m = open_mission(&mut r);
    let orgs = |id: &str| (id == "p1").then_some(provider_org);
    let local = principal(vec![Role::Local { organisation: org, territory: r.territory.clone() }]);
    let delegate = principal(vec![Role::Delegate { departement: "42".into() }]);
    let other_delegate = principal(vec![Role::Delegate { departement: "69".into() }]);
    let partner = principal(vec![Role::Partner { organisation: provider_org }]);

    let v = |p: &Principal, m: &Mission| Viewer::of(Some(p), &r, Some(m), orgs);
    assert!(v(&local, &m).can_read() && v(&local, &m).can_read_thread(Thread::Public));
    assert!(!v(&local, &m).can_read_thread(Thread::Internal));
    assert!(v(&delegate, &m).can_qualify() && v(&delegate, &m).can_read_thread(Thread::Internal));
    assert!(!v(&other_delegate, &m).can_read());
    assert!(v(&partner, &m).can_read(), "a provider asked reads the request to decide");
    assert!(!v(&partner, &m).can_read_thread(Thread::Public), "…but not the conversations");
    assert!(!Viewer::of(None, &r, Some(&m), orgs).can_read());
    assert!(is_public(&r));

    m.answer("p1", true, "", partner.person, at(2)).expect("accept");
    assert!(v(&partner, &m).can_advise() && v(&partner, &m).can_read_thread(Thread::Internal));

    // An observer invited sees nothing until they accept.
    let observer = principal(vec![]);
    m.invite(observer.person, ParticipantRole::Observer, None, OffsetDateTime::now_utc()).expect("invite");
    assert!(!v(&observer, &m).can_read());
    assert!(m.accept_invitation(observer.person, at(3)));
    assert!(v(&observer, &m).can_read_thread(Thread::Internal));
    assert!(!v(&observer, &m).can_write_thread(Thread::Public));

    // One of the authority's people who is also an observer never reads the internal thread.
    let both = Principal { person: Uuid::now_v7(), roles: local.roles.clone() };
    m.invite(both.person, ParticipantRole::Observer, None, OffsetDateTime::now_utc()).expect("invite");
    m.accept_invitation(both.person, at(3));
    assert!(!v(&both, &m).can_read_thread(Thread::Internal));
    assert!(v(&both, &m).can_rate() && !v(&partner, &m).can_rate());

    assert_eq!(
        m.invite(Uuid::now_v7(), ParticipantRole::Advisor, Some("p9"), OffsetDateTime::now_utc()),
        Err(EngineeringFault::AdvisorNotOfProvider)
    );
    assert!(can_request(&local, org, None) && can_request(&delegate, Uuid::now_v7(), Some("42")));
    assert!(!can_request(&other_delegate, org, Some("42")));
    assert!(can_answer_for(&partner, Some(provider_org)) && !can_answer_for(&local, Some(provider_org)));
}

#[test]
fn one_person_with_three_roles_is_told_once_and_invitees_never() {
    let alice = Uuid::now_v7(); // authority, delegate and observer at once
    let bob = Uuid::now_v7(); // advisor
    let carol = Uuid::now_v7(); // invited, not accepted
    let parties = Parties {
        authority: vec![alice],
        delegates: vec![alice],
        participants: vec![(alice, true), (bob, true), (carol, false)],
        provider_people: vec![("p1".into(), bob)],
    };
    assert_eq!(recipients(&Audience::Everyone, &parties, None), sorted(vec![alice, bob]));
    assert_eq!(recipients(&Audience::Everyone, &parties, Some(bob)), vec![alice]);
    // Alice is the delegate: the State reads the internal thread.
    assert_eq!(recipients(&Audience::Internal, &parties, None), sorted(vec![alice, bob]));
    let only_local = Parties { delegates: vec![], ..parties.clone() };
    assert_eq!(recipients(&Audience::Internal, &only_local, None), vec![bob]);
    assert_eq!(recipients(&Audience::Delegates, &parties, None), vec![alice]);
    assert_eq!(recipients(&Audience::Providers(vec!["p1".into()]), &parties, None), vec![bob]);
}

fn sorted(mut v: Vec<Uuid>) -> Vec<Uuid> {
    v.sort();
    v
}

#[test]
fn suggestions_rank_by_room_competence_locality_load() {
    let needs = [Need::Housing, Need::Mobility];
    let loads = vec![
        ProviderLoad { provider: provider("national", &[Need::Housing, Need::Mobility], &[], 10), active_missions: 1 },
        ProviderLoad { provider: provider("local", &[Need::Housing, Need::Mobility], &["42"], 4), active_missions: 1 },
        ProviderLoad { provider: provider("full", &[Need::Housing, Need::Mobility], &["42"], 2), active_missions: 2 },
        ProviderLoad { provider: provider("one", &[Need::Housing], &["42"], 4), active_missions: 0 },
        ProviderLoad { provider: provider("elsewhere", &[Need::Housing], &["69"], 4), active_missions: 0 },
        ProviderLoad { provider: provider("unrelated", &[Need::Legal], &[], 4), active_missions: 0 },
        ProviderLoad {
            provider: Provider { active: false, ..provider("off", &[Need::Housing], &[], 4) },
            active_missions: 0,
        },
    ];
    let s = suggest(&needs, "42", &loads);
    let ids: Vec<&str> = s.iter().map(|x| x.provider.as_str()).collect();
    assert_eq!(ids, ["local", "national", "one", "full"]);
    assert!(s[0].reason.contains("Habitat, Mobilité") && s[0].reason.contains("département 42"), "{}", s[0].reason);
    assert!(s[3].reason.contains("capacité atteinte"), "{}", s[3].reason);
}

fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        for (name, data) in entries {
            let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
            w.start_file(*name, opts).expect("entry");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish");
    }
    buf.into_inner()
}

#[test]
fn documents_are_known_by_their_content() {
    assert_eq!(sniff("a.pdf", b"%PDF-1.7\n..."), Ok(DocumentKind::Pdf));
    assert_eq!(sniff("photo", b"\x89PNG\r\n\x1a\n...."), Ok(DocumentKind::Png));
    assert_eq!(sniff("photo.JPG", &[0xFF, 0xD8, 0xFF, 0xE0, 0]), Ok(DocumentKind::Jpeg));
    assert_eq!(sniff("données.csv", "\u{feff}commune;montant\nSaint-Étienne;12\n".as_bytes()), Ok(DocumentKind::Csv));
    let odt = zip_with(&[("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<x/>")]);
    assert_eq!(sniff("note.odt", &odt), Ok(DocumentKind::Odt));
    let ods = zip_with(&[("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")]);
    assert_eq!(sniff("t.ods", &ods), Ok(DocumentKind::Ods));
    let docx = zip_with(&[("[Content_Types].xml", b"<x/>"), ("word/document.xml", b"<x/>")]);
    assert_eq!(sniff("rapport.docx", &docx), Ok(DocumentKind::Docx));
    let xlsx = zip_with(&[("[Content_Types].xml", b"<x/>"), ("xl/workbook.xml", b"<x/>")]);
    assert_eq!(sniff("budget.xlsx", &xlsx), Ok(DocumentKind::Xlsx));
    let plain_zip = zip_with(&[("a.txt", b"hello")]);
    assert_eq!(sniff("archive.docx", &plain_zip), Err(DocumentFault::Unrecognised));
    assert_eq!(
        sniff("rapport.pdf", b"\x89PNG\r\n\x1a\n"),
        Err(DocumentFault::NameMismatch { content: DocumentKind::Png, extension: "pdf".into() })
    );
    assert_eq!(sniff("virus.exe", b"MZ\x90\x00"), Err(DocumentFault::Unrecognised));
    assert_eq!(sniff("vide.pdf", b""), Err(DocumentFault::Empty));
    assert_eq!(sniff("../etc/passwd", b"%PDF-"), Err(DocumentFault::BadName));
    let big = vec![b'a'; MAX_DOCUMENT_BYTES + 1];
    assert_eq!(sniff("big.csv", &big), Err(DocumentFault::TooLarge { bytes: MAX_DOCUMENT_BYTES + 1 }));
    assert_eq!(sniff("notes.csv", b"just words, but \x00 binary"), Err(DocumentFault::Unrecognised));
}

#[test]
fn labels_parse_from_code_or_french() {
    assert_eq!(Need::parse("town_centre"), Some(Need::TownCentre));
    assert_eq!(Need::parse("Habitat"), Some(Need::Housing));
    assert_eq!(Need::ALL.len(), 10);
    assert_eq!(RecommendationStatus::parse("already_done"), Some(RecommendationStatus::AlreadyDone));
}

#[test]
fn the_shipped_delegations_cover_every_departement() {
    let all = delegation::read("delegations.tsv", delegation::SHIPPED).expect("valid shipped file");
    let deps: std::collections::BTreeSet<&str> = all.iter().map(|d| d.departement.as_str()).collect();
    // The agency's list names every département but Paris (75).
    assert_eq!(deps.len(), 100, "{deps:?}");
    assert!(!deps.contains("75"));
    assert!(!delegation::of_departement(&all, "42").is_empty());
    assert!(all.iter().all(|d| !d.office.is_empty()));
}

#[test]
fn compiling_the_agency_list_names_every_faulty_line() {
    let header = "id,insee_dep,lib_dep,lib_reg,fiche_lib_admin,interlocuteur_fonction,interlocuteur_service,\
interlocuteur_adresse,interlocuteur_comp_adresse,interlocuteur_cp,interlocuteur_ville,fiche_telephone,fiche_mel,\
site_web,Date mise à jour\n";
    let good =
        "001,01,Ain,ARA,Préfecture de l'Ain,SG,,\"1, rue X\",,01000,BOURG,04,p@ain.gouv.fr,\"https://x\n\",5/7/2024\n";
    let out = delegation::compile("d.csv", &format!("{header}{good}")).expect("compiles");
    let read = delegation::read("d.tsv", &out).expect("reads back");
    assert_eq!(read[0].updated, "2024-07-05");
    assert_eq!(read[0].website, "https://x");
    assert_eq!((read[0].id.as_str(), read[0].source_id.as_str()), ("01-1", "001"));
    let bad = "002,00,X,Y,,SG,,,,,,,,,31/02/2024\n";
    let faults = delegation::compile("d.csv", &format!("{header}{good}{bad}")).expect_err("faults");
    let lines: Vec<usize> = faults.0.iter().map(|f| f.line).collect();
    assert_eq!(lines, [4, 4, 4], "{faults}");
}

#[test]
fn dashboard_figures_median_p90_and_csv_agree() {
    let row = |dep: &str, status, answered: Option<i64>, sat: Option<u8>, providers: &[&str]| dashboard::Row {
        departement: dep.into(),
        status,
        needs: vec![Need::Housing],
        created_at: at(0),
        answered_at: answered.map(at),
        mission: (!providers.is_empty()).then_some(MissionStatus::InProgress),
        started_at: None,
        closed_at: None,
        centidays: 150,
        cost_cents: 10_000,
        satisfaction: sat,
        providers: providers.iter().map(|p| (*p).to_owned()).collect(),
    };
    let rows: Vec<dashboard::Row> = (1..=10)
        .map(|i| row(if i % 2 == 0 { "42" } else { "69" }, RequestStatus::Accepted, Some(i), None, &["p1"]))
        .chain([
            row("42", RequestStatus::Submitted, None, Some(4), &[]),
            row("42", RequestStatus::Closed, None, Some(5), &[]),
        ])
        .collect();
    let providers = [dashboard::ProviderInfo { id: "p1".into(), name: "Cerema".into(), capacity: 4 }];
    let d = dashboard::aggregate(&rows, &providers, Some(1_000_000));
    assert_eq!(d.requests, 12);
    assert_eq!(d.by_status.iter().find(|c| c.key == "accepted").map(|c| c.count), Some(10));
    assert_eq!(d.by_departement.iter().map(|c| c.count).sum::<u64>(), 12);
    assert_eq!(d.to_first_answer.count, 10);
    assert_eq!(d.to_first_answer.median_centidays, Some(500), "days 1..10: median (nearest rank) 5");
    assert_eq!(d.to_first_answer.p90_centidays, Some(900));
    assert_eq!(d.providers[0].missions, 10);
    assert_eq!(d.satisfaction.mean_hundredths, Some(450));
    let csv = dashboard::csv(&d).finish().expect("written");
    assert!(csv.contains("total,requests,Demandes,12\n"), "{csv}");
    assert!(csv.contains("delay_median_centidays,to_first_answer,"));
    assert_eq!(dashboard::aggregate(&[], &providers, None).to_first_answer.median_centidays, None);
}
