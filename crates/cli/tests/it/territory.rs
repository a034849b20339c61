//! `cohesion import territories|typologies` (the referential), run as a process against a
//! temporary data directory.

use std::path::Path;

use crate::support::{cohesion, text};

const REGIONS: &str =
    "[\n{\"code\":\"84\",\"chefLieu\":\"69123\",\"nom\":\"Auvergne-Rhône-Alpes\",\"zone\":\"metro\"}\n]\n";
const DEPS: &str =
    "[\n{\"code\":\"42\",\"region\":\"84\",\"chefLieu\":\"42218\",\"nom\":\"Loire\",\"zone\":\"metro\"}\n]\n";
const EPCI: &str = "[\n{\"code\":\"244200770\",\"nom\":\"Saint-Étienne Métropole\",\"type\":\"METRO\",\"modeFinancement\":\"FPU\",\"populationMunicipale\":400000,\"membres\":[{\"code\":\"42218\"},{\"code\":\"42100\"}]}\n]\n";
const COMMUNES: &str = "[\n{\"code\":\"42218\",\"nom\":\"Saint-Étienne\",\"type\":\"commune-actuelle\",\"zone\":\"metro\",\"departement\":\"42\",\"region\":\"84\",\"siren\":\"214202186\",\"codesPostaux\":[\"42000\"],\"population\":173136},\n{\"code\":\"42100\",\"nom\":\"Boën-sur-Lignon\",\"type\":\"commune-actuelle\",\"zone\":\"metro\",\"departement\":\"42\",\"region\":\"84\",\"siren\":\"214201006\",\"codesPostaux\":[\"42130\"],\"population\":3200}\n]\n";

fn write_cog(dir: &Path, communes: &str) -> Vec<String> {
    let files =
        [("regions.json", REGIONS), ("departements.json", DEPS), ("epci.json", EPCI), ("communes.json", communes)];
    files
        .iter()
        .map(|(name, body)| {
            let path = dir.join(name);
            std::fs::write(&path, body).expect("write");
            path.display().to_string()
        })
        .collect()
}

#[test]
fn faulty_typologies_are_reported_by_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tmp");
    let grid = dir.path().join("grille_densite.csv");
    std::fs::write(
        &grid,
        "insee_com,lib_com,niveau_densite\n42218,Saint-Étienne,Petites villes\n99999,Nulle part,Bourgs ruraux\n42100,Boën,Très dense\n",
    )
    .expect("write");
    let data = dir.path().join("data");
    let out = cohesion(&data, &["import", "typologies", grid.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("line 3, field `insee_com`: unknown commune `99999`"), "{err}");
    assert!(err.contains("line 4, field `niveau_densite`"), "{err}");
    assert!(err.contains("2 fault(s) found; nothing was written"), "{err}");

    // The same file, corrected: applied, then idempotent.
    std::fs::write(&grid, "insee_com,lib_com,niveau_densite\n42218,Saint-Étienne,Petites villes\n").expect("write");
    let out = cohesion(&data, &["import", "typologies", grid.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // On an empty database the shipped referential is the base: all of it is written.
    assert!(text(&out.stdout).starts_with("COG 2026: 36404 added"), "{}", text(&out.stdout));
    let out = cohesion(&data, &["import", "typologies", grid.to_str().expect("utf-8")]);
    assert!(text(&out.stdout).contains("nothing to change"), "{}", text(&out.stdout));
}

#[test]
fn a_cog_update_is_checked_whole_then_applied_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let bad = COMMUNES.replace("\"42218\",\"nom\"", "\"4221\",\"nom\"").replace("3200", "-5");
    let files = write_cog(dir.path(), &bad);
    let mut args = vec!["import", "territories", "--vintage", "COG 2027"];
    args.extend(files.iter().map(String::as_str));
    let out = cohesion(&data, &args);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("communes.json, line 2, field `code`: `4221` is not a valid commune code"), "{err}");
    assert!(err.contains("communes.json, line 3: invalid value: integer `-5`, expected u64\n"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");

    let files = write_cog(dir.path(), COMMUNES);
    let mut args = vec!["import", "territories", "--vintage", "COG 2027"];
    args.extend(files.iter().map(String::as_str));
    let out = cohesion(&data, &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.starts_with("COG 2027: 5 added"), "{summary}");
    let out = cohesion(&data, &args);
    assert!(text(&out.stdout).contains("nothing to change"), "{}", text(&out.stdout));
}

#[test]
fn missing_files_are_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let files = write_cog(dir.path(), COMMUNES);
    let out = cohesion(&dir.path().join("data"), &["import", "territories", "--vintage", "COG 2027", &files[3]]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    for name in ["epci.json", "departements.json", "regions.json"] {
        assert!(err.contains(&format!("{name} is missing")), "{err}");
    }
}

/// A database that holds the country, then a 5-territory COG file: it would retire
/// 36,399 territories, so it is refused and nothing is written, unless
/// `--allow-mass-retirement`.
#[test]
fn a_truncated_cog_is_refused_unless_mass_retirement_is_allowed() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let grid = dir.path().join("grille_densite.csv");
    std::fs::write(&grid, "insee_com,lib_com,niveau_densite\n42218,Saint-Étienne,Petites villes\n").expect("write");
    let out = cohesion(&data, &["import", "typologies", grid.to_str().expect("utf-8")]);
    assert!(out.status.success(), "the shipped country is stored: {}", text(&out.stderr));

    let files = write_cog(dir.path(), COMMUNES);
    let mut args = vec!["import", "territories", "--vintage", "COG 2027"];
    args.extend(files.iter().map(String::as_str));
    let out = cohesion(&data, &args);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("would retire 36399 of the 36404 territories in force (more than 1 %)"), "{err}");
    assert!(err.contains("nothing was written") && err.contains("--allow-mass-retirement"), "{err}");
    let out = cohesion(&data, &["import", "typologies", grid.to_str().expect("utf-8")]);
    assert!(text(&out.stdout).contains("nothing to change"), "still COG 2026: {}", text(&out.stdout));

    args.push("--allow-mass-retirement");
    let out = cohesion(&data, &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("36399 retired"), "{}", text(&out.stdout));
}
