//! `cohesion import measurements|objectives` and `cohesion evaluate --indicator`, run
//! as processes against a temporary data directory (SQLite) holding the shipped
//! referential. Values are generated test data with a planted effect, never real ones.

use std::fmt::Write as _;
use std::path::Path;

use cohesion_core::territory::{TerritoryKind, compact};

use crate::support::{cohesion, text};

/// 120 communes of the Loire × 2015–2024: unit and year effects, +2 from adoption for
/// the first 40 (adopting in 2019 or 2021), no noise: the robust estimators recover 2.
fn planted(dir: &Path) -> (String, String) {
    let r = compact::read("territories.tsv", compact::SHIPPED).expect("shipped");
    let codes: Vec<&str> = r
        .all()
        .iter()
        .filter(|t| t.kind == TerritoryKind::Commune && t.code.starts_with("42"))
        .take(120)
        .map(|t| t.code.as_str())
        .collect();
    let mut values = String::from("code_insee;annee;valeur\n");
    let mut treated = String::from("territory,adoption_year\n");
    for (i, code) in codes.iter().enumerate() {
        let adoption = (i < 40).then_some(if i % 2 == 0 { 2019 } else { 2021 });
        if let Some(g) = adoption {
            let _ = writeln!(treated, "commune:{code},{g}");
        }
        for year in 2015..=2024 {
            let effect = if adoption.is_some_and(|g| year >= g) { 2.0 } else { 0.0 };
            let v = 30.0 + i as f64 + 0.5 * f64::from(year - 2015) + effect;
            let _ = writeln!(values, "{code};{year};{}", v.to_string().replace('.', ","));
        }
    }
    let (vp, tp) = (dir.join("creations-test.csv"), dir.join("treated-test.csv"));
    std::fs::write(&vp, values).expect("write");
    std::fs::write(&tp, treated).expect("write");
    (vp.display().to_string(), tp.display().to_string())
}

#[test]
fn measurements_import_then_evaluation_on_stored_data() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let (values, treated) = planted(dir.path());

    // A faulty file: every fault reported, nothing written.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code_insee,annee,valeur\n42218,2020,-1\n99999,2020,3\n42218,2020x,1\n").expect("write");
    let out = cohesion(
        &data,
        &[
            "import",
            "measurements",
            "--indicator",
            "business_creations",
            "--source",
            "insee-sirene-creations",
            "--version",
            "2025-01-15",
            bad.to_str().expect("utf-8"),
        ],
    );
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("line 2, field `valeur`")
            && err.contains("line 3, field `code_insee`")
            && err.contains("line 4, field `annee`"),
        "{err}"
    );
    assert!(err.contains("3 fault(s) found; nothing was written"), "{err}");

    let out = cohesion(
        &data,
        &[
            "import",
            "measurements",
            "--indicator",
            "business_creations",
            "--source",
            "insee-sirene-creations",
            "--version",
            "2025-01-15",
            &values,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("1200 value(s) written"), "{}", text(&out.stdout));

    // An unknown source needs its metadata.
    let out = cohesion(
        &data,
        &[
            "import",
            "measurements",
            "--indicator",
            "business_creations",
            "--source",
            "mon-tableur",
            "--version",
            "2025-01-15",
            &values,
        ],
    );
    assert!(!out.status.success() && text(&out.stderr).contains("--producer"), "{}", text(&out.stderr));

    // XLSX: a date cell, a year, a secret cell skipped.
    let xlsx = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/measurements-test.xlsx");
    let out = cohesion(
        &data,
        &[
            "import",
            "measurements",
            "--indicator",
            "vacant_dwellings_share",
            "--source",
            "local",
            "--origin",
            "local",
            "--version",
            "2025-02-01",
            xlsx,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("2 value(s) written") && text(&out.stdout).contains("1 empty cell(s) skipped"),
        "{}",
        text(&out.stdout)
    );

    // A cell far away (XFD2000) is refused before any grid is built (issue 15, point 6).
    let far = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/fixtures/far-cell.xlsx");
    let out = cohesion(
        &data,
        &[
            "import",
            "measurements",
            "--indicator",
            "vacant_dwellings_share",
            "--source",
            "local",
            "--origin",
            "local",
            "--version",
            "2025-02-02",
            far,
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("column 16384"), "{}", text(&out.stderr));

    let goals = dir.path().join("goals.csv");
    std::fs::write(&goals, "territoire,date,valeur\ncommune:42218,2030,9\n").expect("write");
    let out = cohesion(
        &data,
        &["import", "objectives", "--indicator", "vacant_dwellings_share", goals.to_str().expect("utf-8")],
    );
    assert!(out.status.success() && text(&out.stdout).contains("1 objective(s) set"), "{}", text(&out.stderr));

    for method in ["cs", "imputation"] {
        let out = cohesion(
            &data,
            &[
                "evaluate",
                "--indicator",
                "business_creations",
                "--treated",
                &treated,
                "--from",
                "2015",
                "--to",
                "2024",
                "--method",
                method,
                "--json",
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let result: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let estimate = result["estimate"].as_f64().expect("estimate");
        assert!((estimate - 2.0).abs() < 1e-9, "{method}: {estimate}");
        assert_eq!(result["n_treated_units"], 40);
        assert!(text(&out.stderr).contains("/evaluations/"), "the job is recorded");
    }
    let out = cohesion(
        &data,
        &[
            "evaluate",
            "--indicator",
            "business_creations",
            "--treated",
            &treated,
            "--from",
            "2015",
            "--to",
            "2024",
            "--method",
            "cs",
            "--control",
            "notyet",
            "--anticipation",
            "1",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Effect / effet: 2.0000"), "{}", text(&out.stdout));

    // Clustering by région: TWFE only (refused on its field otherwise), and these 120
    // Loire communes lie in one région, so the job fails saying why.
    let clustered = |method: &str| {
        let args = ["evaluate", "--indicator", "business_creations", "--treated", &treated, "--from", "2015"];
        let rest = ["--to", "2024", "--method", method, "--cluster", "region", "--placebo-draws", "0"];
        cohesion(&data, &args.into_iter().chain(rest).collect::<Vec<_>>())
    };
    let out = clustered("cs");
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("cluster: les erreurs types regroupées"), "{}", text(&out.stderr));
    let out = clustered("twfe");
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr)
            .contains("regroupement par région impossible : les territoires du panel ne couvrent que 1 région"),
        "{}",
        text(&out.stderr)
    );

    // A request naming an unknown indicator is refused before any job is queued.
    let out = cohesion(
        &data,
        &["evaluate", "--indicator", "nope", "--treated", &treated, "--from", "2015", "--to", "2024", "--method", "cs"],
    );
    assert!(!out.status.success() && text(&out.stderr).contains("indicator"), "{}", text(&out.stderr));
}
