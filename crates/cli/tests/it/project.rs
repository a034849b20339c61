//! `cohesion import projects`, run as a process against a temporary data directory.

use crate::support::{cohesion, text};

const HEADER: &str = "id_projet,id_dep,id_terr,nom_terr,pop19,dotation,echelon,categorie,description,cout_total,montant_sub,pct_sub,lat,long\n";

#[test]
fn projects_are_checked_whole_then_imported_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{HEADER}a1,42,42218,Saint-Étienne,1,DETR,commune,4 - Education,École,10,5,0.5,0,0\n\
             a2,42,42218,Saint-Étienne,1,DETR,hameau,4 - Education,École,10,5,0.5,0,0\n\
             a3,42,42218,Saint-Étienne,1,DETR,commune,4 - Education,École,10,50,0.5,0,0\n"
        ),
    )
    .expect("write");
    let out = cohesion(&data, &["import", "projects", &bad.display().to_string()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("bad.csv, line 3, field `echelon`"), "{err}");
    assert!(err.contains("bad.csv, line 4, field `montant_sub`"), "{err}");
    assert!(err.contains("2 fault(s) found; nothing was written"), "{err}");

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        format!(
            "{HEADER}a1,42,42218,Saint-Étienne,1,DETR,commune,4 - Education,Rénovation de l'école,1000.50,500.255,0.5,0,0\n\
             a2,18,241800325,CC disparue,1,DSIL,epci,8 - Contrat de Ruralité,Voirie,2000,100,0.05,0,0\n"
        ),
    )
    .expect("write");
    let out = cohesion(&data, &["import", "projects", &good.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2 projects: 2 added, 0 changed, 0 unchanged"), "{}", text(&out.stdout));
    let notes = text(&out.stderr);
    assert!(notes.contains("line 2, field `montant_sub`: `500.255` rounded to the cent"), "{notes}");
    assert!(
        notes.contains("line 3, field `id_terr`: epci:241800325 (CC disparue) is not in the referential"),
        "{notes}"
    );
    let again = cohesion(&data, &["import", "projects", &good.display().to_string()]);
    assert!(text(&again.stdout).contains("0 added, 0 changed, 2 unchanged"), "{}", text(&again.stdout));
}
