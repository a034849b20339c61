//! `cohesion import memberships`, run as a process against a temporary data directory
//! (seeded with the shipped referential and programmes at first use).

const ACV2: &str = include_str!("../../../../data/programmes/members/acv2.tsv");

use crate::support::{cohesion, text};

/// The shipped ACV2 list as an import file, without its first member, plus Saint-Étienne.
fn edited_list() -> String {
    let mut out = String::from("code;id_territoire;lib_territoire;statut;date_signature\n");
    for line in ACV2.lines().skip(3) {
        let c: Vec<&str> = line.split('\t').collect();
        out.push_str(&format!("{};{};{};{};{}\n", c[1], c[2], c[3], c[4], c[5]));
    }
    out.push_str("42218;acv-test;Saint-Étienne;candidat;\n");
    out
}

#[test]
fn faulty_files_are_refused_whole_then_a_list_is_previewed_and_applied() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("acv2.csv");
    std::fs::write(&file, "code;statut;date_signature\n47001;actif;\n99999;actif;\n47001;peut-être;31/02/2024\n")
        .expect("write");
    let f = file.display().to_string();
    let out = cohesion(dir.path(), &["import", "memberships", "--programme", "acv2", &f, "--apply"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("line 3, field `code`: unknown commune `99999`"), "{err}");
    assert!(err.contains("line 4, field `signed_on`"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");

    std::fs::write(&file, edited_list()).expect("write");
    let out = cohesion(dir.path(), &["import", "memberships", "--programme", "acv2", &f, "--dry-run"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("1 added, 1 removed (they become exited), 0 changed, 49 unchanged"), "{stdout}");
    assert!(stdout.contains("+ commune:42218 [candidate] group acv-test"), "{stdout}");
    assert!(stdout.contains("dry run: nothing written"));

    let out = cohesion(dir.path(), &["import", "memberships", "--programme", "acv2", &f]);
    assert!(text(&out.stdout).contains("not applied: run again with --apply"), "{}", text(&out.stdout));

    let out = cohesion(dir.path(), &["import", "memberships", "--programme", "acv2", &f, "--apply"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("applied (programmes revision 2)"), "{}", text(&out.stdout));

    let out = cohesion(dir.path(), &["import", "memberships", "--programme", "acv2", &f, "--apply"]);
    assert!(
        text(&out.stdout).contains("nothing to change"),
        "the exited member stays as history: {}",
        text(&out.stdout)
    );
}
