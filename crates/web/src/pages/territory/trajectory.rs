//! "Ce qui a changé ici": a commune's population against its synthetic control for
//! each programme it is a member of, from `cohesion_app::territory::trajectory`, as a
//! line chart (server-rendered SVG), its data table and a reading in French; where the
//! data cannot say anything, one sentence and no number.

use cohesion_app::territory::trajectory::{ProgrammeEstimate, ProgrammeTrajectory, Silence, TerritoryTrajectories};
use cohesion_core::evaluation::Transform;
use cohesion_core::impact::{SyntheticControl, TrajectoryPoint};

use crate::pages::explain::{fr_decimal, method_label};
use crate::pages::layout::{fr_number, plural};
use crate::pages::programme::programme_href;

pub struct Row {
    pub year: i32,
    pub post: bool,
    pub own: String,
    pub synthetic: String,
    pub gap: String,
    pub neighbours: String,
}

/// The chart, in the SVG's own units.
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub adoption_x: f64,
    /// `x,y x,y …` of the commune's values, then of the synthetic control's.
    pub own: String,
    pub synthetic: String,
    pub own_points: Vec<(f64, f64)>,
    pub x_ticks: Vec<(f64, String)>,
    pub y_ticks: Vec<(f64, String)>,
    pub summary: String,
}

pub struct Donor {
    pub href: String,
    pub name: String,
    pub weight: String,
}

pub struct Item {
    pub anchor: String,
    pub name: String,
    pub href: String,
    /// Where the data say nothing: the sentence, and nothing else.
    pub silence: Option<String>,
    pub reading: Vec<String>,
    pub chart: Option<Chart>,
    pub rows: Vec<Row>,
    pub donors: Vec<Donor>,
    /// The programme-wide estimate in one sentence, and the evaluation's page.
    pub estimate: String,
    pub estimate_href: Option<String>,
}

pub struct Section {
    pub items: Vec<Item>,
    /// The memberships without a date, in one sentence (empty if none).
    pub undated: String,
}

impl Section {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.undated.is_empty()
    }
}

pub fn section(data: &TerritoryTrajectories, commune: &str) -> Section {
    let (undated, dated): (Vec<&ProgrammeTrajectory>, Vec<&ProgrammeTrajectory>) =
        data.items.iter().partition(|i| i.silence == Some(Silence::Undated));
    let names: Vec<&str> = undated.iter().map(|i| i.name.as_str()).collect();
    let undated = match names.len() {
        0 => String::new(),
        1 => format!(
            "Pour {}, aucune date de signature ni de labellisation n’est connue : sans année d’entrée dans le \
             programme, on ne peut pas comparer l’avant et l’après.",
            names[0]
        ),
        _ => format!(
            "Pour {} et {}, aucune date de signature ni de labellisation n’est connue : sans année d’entrée dans ces \
             programmes, on ne peut pas comparer l’avant et l’après.",
            names[..names.len() - 1].join(", "),
            names[names.len() - 1]
        ),
    };
    Section { items: dated.into_iter().map(|i| item(i, commune, &data.features)).collect(), undated }
}

fn item(p: &ProgrammeTrajectory, commune: &str, features: &[String]) -> Item {
    let (estimate, estimate_href) = estimate_sentence(p.estimate.as_ref(), &p.name, p.adoption_year);
    let mut out = Item {
        anchor: format!("trajectoire-{}", p.programme),
        name: p.name.clone(),
        href: programme_href(&p.programme),
        silence: p.silence.as_ref().map(silence),
        reading: Vec::new(),
        chart: None,
        rows: Vec::new(),
        donors: Vec::new(),
        estimate,
        estimate_href,
    };
    if out.silence.is_some() {
        return out;
    }
    let Some(sc) = &p.synthetic else {
        out.silence = Some("Les données ne permettent pas de comparer cette commune.".into());
        return out;
    };
    out.reading = reading(sc, p, commune, features);
    out.rows = sc
        .points
        .iter()
        // A year nobody compared here is observed in (Mayotte's 2017) is left out.
        .filter(|x| x.treated.is_some() || x.synthetic.is_some())
        .map(|x| Row {
            year: x.year,
            post: x.post,
            own: x.treated.map_or_else(|| "—".into(), |v| fr_decimal(v, 0)),
            synthetic: x.synthetic.map_or_else(|| "—".into(), |v| fr_decimal(v, 0)),
            gap: x.gap.map_or_else(|| "—".into(), signed),
            neighbours: x.donor_mean.map_or_else(|| "—".into(), |v| fr_decimal(v, 0)),
        })
        .collect();
    out.chart = chart(sc, commune);
    out.donors = p
        .weights
        .iter()
        .map(|w| Donor {
            href: format!("/territoires/{}", w.territory.replacen(':', "/", 1)),
            name: w.name.clone(),
            weight: format!("{}\u{a0}%", fr_decimal(w.weight * 100.0, 1)),
        })
        .collect();
    out
}

/// « habitant » or « habitants » after a number of them (singular below 2, rounded
/// as shown), then `tail`.
fn inhabitants(v: f64, tail: &str) -> String {
    let word = if v.abs().round() < 2.0 { "habitant" } else { "habitants" };
    if tail.is_empty() { word.to_owned() } else { format!("{word} {tail}") }
}

fn signed(v: f64) -> String {
    let s = fr_decimal(v.abs(), 0);
    if s == "0" {
        s
    } else if v < 0.0 {
        format!("−{s}")
    } else {
        format!("+{s}")
    }
}

/// What the data cannot say, in one sentence.
pub fn silence(s: &Silence) -> String {
    match s {
        Silence::Undated => {
            "Aucune date de signature ni de labellisation n’est connue pour cette adhésion : sans année \
             d’entrée dans le programme, on ne peut pas comparer l’avant et l’après."
                .into()
        }
        Silence::NoValues => {
            "Aucune population légale n’est enregistrée pour cette commune : aucune comparaison n’est possible.".into()
        }
        Silence::NoPreYear { adoption_year, first_year } => format!(
            "La commune est entrée dans le programme en {adoption_year}, et la première population légale disponible \
             date de {first_year} : aucune année n’est observée avant son adhésion, les données ne peuvent donc rien \
             dire de ce qui a changé depuis."
        ),
        Silence::TooFewPreYears { adoption_year, observed, needed } => format!(
            "La commune est entrée dans le programme en {adoption_year} : {} avant son adhésion, il en faut au moins \
             {needed} pour construire une comparaison. Les données ne permettent pas de conclure.",
            if *observed < 2 {
                format!("{observed} seule année est observée")
            } else {
                format!("{observed} années sont observées")
            }
        ),
        Silence::NoPostYear { adoption_year } => format!(
            "La commune est entrée dans le programme en {adoption_year} : aucune population légale n’est encore \
             publiée pour cette année ou les suivantes, il est trop tôt pour comparer."
        ),
        Silence::NoDonors => "Aucune commune restée hors du programme n’a de population connue dans les années \
             précédant l’adhésion : il n’y a pas de comparaison possible."
            .into(),
        Silence::NotMatchable { adoption_year } => format!(
            "Il manque à la commune une population légale dans les années précédant son adhésion en {adoption_year} : \
             elle ne peut pas être rapprochée de communes comparables."
        ),
    }
}

fn reading(sc: &SyntheticControl, p: &ProgrammeTrajectory, commune: &str, features: &[String]) -> Vec<String> {
    let g = sc.adoption_year;
    let used = p.weights.len();
    let mut out = vec![format!(
        "La population de {commune} est comparée à celle d’une « commune synthétique » : une moyenne pondérée de {} \
         parmi {} restées hors du programme (rapprochées sur {}), les poids étant choisis \
         pour reproduire au mieux sa population des {} années observées avant son adhésion en {g}.",
        plural(used, "commune", "communes"),
        if sc.donors < 2 {
            "sa plus proche voisine".to_owned()
        } else {
            format!("ses {} plus proches voisines", fr_number(sc.donors as u64))
        },
        features.join(", "),
        fr_number(sc.pre_years as u64),
    )];
    let share = if sc.pre_mean > 0.0 { sc.pre_rmspe / sc.pre_mean * 100.0 } else { f64::NAN };
    let mut fit = format!(
        "Avant l’adhésion, l’écart quadratique moyen entre la commune et sa commune synthétique est de {} \
         habitant{} ({} % de sa population de ces années).",
        fr_decimal(sc.pre_rmspe, 0),
        if sc.pre_rmspe >= 2.0 { "s" } else { "" },
        fr_decimal(share, 2)
    );
    if sc.pre_years <= 3 {
        fit.push_str(&format!(
            " Avec seulement {} années observées avant l’adhésion, un bon ajustement est facile à obtenir : il ne \
             garantit pas que la commune synthétique aurait évolué comme la commune sans le programme.",
            sc.pre_years
        ));
    }
    out.push(fit);
    let post: Vec<(i32, f64)> = sc.points.iter().filter(|x| x.post).filter_map(|x| Some((x.year, x.gap?))).collect();
    if let Some(&(last_year, last_gap)) = post.last() {
        let mean = post.iter().map(|(_, g)| g).sum::<f64>() / post.len() as f64;
        out.push(format!(
            "Depuis {g}, la commune compte en moyenne {} {} que sa commune synthétique ; en {last_year}, \
             l’écart est de {} {}.",
            fr_decimal(mean.abs(), 0),
            if mean < 0.0 { inhabitants(mean, "de moins") } else { inhabitants(mean, "de plus") },
            signed(last_gap),
            inhabitants(last_gap, ""),
        ));
    }
    match &sc.placebo {
        Some(pl) => {
            let n = pl.placebos + 1;
            out.push(format!(
                "Test placebo : la même méthode, appliquée à {} comme si elle était entrée dans \
                 le programme en {g}, donne pour chacune le rapport entre son écart après et son écart avant cette \
                 date. Celui de {commune} se classe au rang {} sur {n} (du plus grand au plus petit), soit une \
                 p-valeur de permutation de {} (la plus petite possible ici est 1/{n}, soit {}). {}",
                if pl.placebos < 2 {
                    "la voisine".to_owned()
                } else {
                    format!("chacune des {} voisines", fr_number(pl.placebos as u64))
                },
                pl.rank,
                fr_decimal(pl.p_value, 2),
                fr_decimal(1.0 / n as f64, 2),
                if pl.p_value <= 0.1 {
                    "Peu de communes hors du programme s’écartent autant de leur comparaison : l’évolution de la \
                     commune sort de l’ordinaire."
                } else {
                    "Autant ou davantage de communes hors du programme s’écartent de leur comparaison : l’évolution de \
                     la commune ne se distingue pas des variations ordinaires."
                }
            ));
        }
        None => out.push("Trop peu de voisines pour un test placebo : l’écart ne peut pas être situé.".into()),
    }
    out.push(
        "Cette comparaison est descriptive et ne porte que sur une commune : elle ne mesure pas à elle seule l’effet \
         du programme, que seule une évaluation de l’ensemble de ses membres peut estimer."
            .into(),
    );
    out
}

fn estimate_sentence(e: Option<&ProgrammeEstimate>, programme: &str, cohort: Option<i32>) -> (String, Option<String>) {
    let Some(e) = e else {
        return (
            format!(
                "Aucune évaluation d’ensemble du programme {programme} sur la population n’est encore terminée ; une \
                 personne habilitée peut en demander une."
            ),
            None,
        );
    };
    let unit = match e.transform {
        Transform::Level => " habitants",
        Transform::Log => " (en logarithme)",
        Transform::Growth => " point de pourcentage par an",
    };
    let cohorts: Vec<String> = e
        .cohorts
        .iter()
        .map(|c| format!("{} en {}", plural(c.members, "membre", "membres"), c.adoption_year))
        .collect();
    let decimals = if e.transform == Transform::Level { 1 } else { 3 };
    let mut s = format!(
        "Estimation d’ensemble du programme (dernière évaluation terminée, {} sur le {} de la population, toutes \
         cohortes confondues{}) : effet moyen de {}{unit}, intervalle de confiance à 95 % [{} ; {}], sur {} et {} de \
         comparaison.",
        method_label(e.method).to_lowercase(),
        e.transform.label_fr(),
        if cohorts.is_empty() { String::new() } else { format!(" : {}", cohorts.join(", ")) },
        fr_decimal(e.estimate, decimals),
        fr_decimal(e.ci_low, decimals),
        fr_decimal(e.ci_high, decimals),
        plural(e.n_treated_units, "territoire traité", "territoires traités"),
        plural(e.n_control_units, "territoire", "territoires"),
    );
    if let Some(p) = e.placebo_p_value {
        s.push_str(&format!(" Placebo dans l’espace : p-valeur de {}.", fr_decimal(p, 2)));
    }
    if let Some(g) = cohort {
        s.push(' ');
        s.push_str(&cohort_sentence(e, g, unit, decimals));
    }
    (s, Some(format!("/evaluations/{}", e.evaluation_id)))
}

/// The estimate for the commune's own cohort (its members entering the same year), or
/// why there is none.
fn cohort_sentence(e: &ProgrammeEstimate, g: i32, unit: &str, decimals: usize) -> String {
    if !matches!(e.method, cohesion_core::impact::Method::Cs | cohesion_core::impact::Method::Imputation) {
        return format!(
            "L’effet propre à la cohorte de {g} (les membres entrés la même année que la commune) n’est estimé que par \
             les méthodes de Callaway et Sant’Anna et d’imputation, que cette évaluation n’a pas employées."
        );
    }
    match e.by_cohort.iter().find(|c| c.cohort == g) {
        Some(c) => format!(
            "Pour la cohorte de la commune ({} en {g}) : effet moyen de {}{unit} sur {} après l’entrée, intervalle de \
             confiance à 95 % [{} ; {}].",
            plural(c.n_units, "territoire entré", "territoires entrés"),
            fr_decimal(c.estimate, decimals),
            plural(c.n_years, "année", "années"),
            fr_decimal(c.ci_low, decimals),
            fr_decimal(c.ci_high, decimals),
        ),
        None => format!(
            "Cette évaluation ne donne pas d’effet propre à la cohorte de {g} (les membres entrés la même année que la \
             commune) : aucune année après leur entrée n’y est comparable, ou elle précède l’ajout de ces estimations."
        ),
    }
}

fn chart(sc: &SyntheticControl, commune: &str) -> Option<Chart> {
    let pts = &sc.points;
    let (first, last) = (pts.first()?.year, pts.last()?.year);
    let values: Vec<f64> = pts.iter().flat_map(|x| [x.treated, x.synthetic]).flatten().collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return None;
    }
    let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.01).max(1.0);
    let (lo, hi) = (lo - pad, hi + pad);
    let (width, height) = (640u32, 300u32);
    let (left, right, top, bottom) = (80.0, 620.0, 16.0, 256.0);
    let (x0, x1) = (f64::from(first) - 0.5, f64::from(last) + 0.5);
    let x = |year: f64| left + (year - x0) / (x1 - x0) * (right - left);
    let y = |v: f64| bottom - (v - lo) / (hi - lo) * (bottom - top);
    let line = |get: &dyn Fn(&TrajectoryPoint) -> Option<f64>| {
        pts.iter()
            .filter_map(|p| get(p).map(|v| format!("{:.1},{:.1}", x(f64::from(p.year)), y(v))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let raw = (hi - lo) / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let tick = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    let mut y_ticks = Vec::new();
    let mut v = (lo / tick).ceil() * tick;
    while v <= hi && y_ticks.len() < 12 {
        y_ticks.push((y(v), fr_decimal(v, 0)));
        v += tick;
    }
    Some(Chart {
        width,
        height,
        left,
        right,
        top,
        bottom,
        adoption_x: x(f64::from(sc.adoption_year) - 0.5),
        own: line(&|p: &TrajectoryPoint| p.treated),
        synthetic: line(&|p: &TrajectoryPoint| p.synthetic),
        own_points: pts.iter().filter_map(|p| Some((x(f64::from(p.year)), y(p.treated?)))).collect(),
        x_ticks: pts
            .iter()
            .filter(|p| p.treated.is_some() || p.synthetic.is_some())
            .map(|p| (x(f64::from(p.year)), p.year.to_string()))
            .collect(),
        y_ticks,
        summary: format!(
            "Population de {commune} (trait plein) et de sa commune synthétique (tirets), de {first} à {last}, \
             adhésion en {} ; les valeurs sont dans le tableau qui suit.",
            sc.adoption_year
        ),
    })
}
