//! French formatting of numbers and the plain-French reading of an impact estimate:
//! what the figure means, and what it rests on.

use cohesion_core::evaluation::EvaluationResult;
use cohesion_core::impact::{ControlGroup, ImpactEstimate, Method};

/// A number the French way: decimal comma, narrow no-break space between thousands,
/// `decimals` digits after the comma (trailing zeros kept), true minus sign.
pub fn fr_decimal(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "—".to_owned();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    if v < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('−');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// Whole numbers without decimals, others with two.
pub fn fr_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { fr_decimal(v, 0) } else { fr_decimal(v, 2) }
}

/// `2023-01-01` as "1er janvier 2023"; anything unreadable is returned as given.
pub fn fr_date(iso: &str) -> String {
    use crate::pages::components::MONTHS;
    match cohesion_core::date::iso_or_year(iso) {
        Ok(d) => {
            let day = if d.day() == 1 { "1er".to_owned() } else { d.day().to_string() };
            format!("{day} {} {}", MONTHS[usize::from(u8::from(d.month()) - 1)], d.year())
        }
        Err(_) => iso.to_owned(),
    }
}

pub fn method_label(m: Method) -> &'static str {
    match m {
        Method::Twfe => "Doubles différences à effets fixes (méthode de référence classique)",
        Method::Cs => "Doubles différences échelonnées de Callaway et Sant’Anna",
        Method::Imputation => "Imputation de Borusyak, Jaravel et Spiess",
        Method::SunAbraham => "Étude d’événement pondérée par cohorte de Sun et Abraham",
    }
}

/// Paragraphs explaining the estimate to a person who is not a statistician.
pub fn explain(r: &ImpactEstimate, indicator: &str, unit: &str, anticipation: u32) -> Vec<String> {
    let mut p = Vec::new();
    let (est, lo, hi) = (fr_decimal(r.estimate, 3), fr_decimal(r.ci_low, 3), fr_decimal(r.ci_high, 3));
    let sense = if r.estimate >= 0.0 { "plus élevé" } else { "plus bas" };
    p.push(format!(
        "En moyenne sur les années qui suivent l’adoption, « {indicator} » est {sense} de {} {unit} dans les {} territoires \
         traités que ce qu’il aurait été sans l’intervention, selon cette estimation (estimation : {est} ; intervalle de \
         confiance à 95 % : de {lo} à {hi}).",
        fr_decimal(r.estimate.abs(), 3),
        r.n_treated_units
    ));
    p.push(if r.ci_low > 0.0 || r.ci_high < 0.0 {
        "L’intervalle de confiance ne contient pas zéro : l’effet est statistiquement distinct de zéro au seuil de 5 %. \
         Cela ne dit pas à lui seul s’il est important en pratique."
            .to_owned()
    } else {
        "L’intervalle de confiance contient zéro : ces données ne permettent pas d’exclure que l’intervention n’ait eu \
         aucun effet sur cet indicateur (ni d’affirmer qu’elle n’en a pas eu)."
            .to_owned()
    });
    p.push(match (r.method, r.control) {
        (Method::Cs, Some(ControlGroup::NotYet)) => format!(
            "Comparaison : chaque groupe de territoires adoptant la même année est comparé aux {} territoires jamais \
             traités et à ceux qui ne l’étaient pas encore aux dates comparées.",
            r.n_control_units
        ),
        (Method::Cs, _) => format!(
            "Comparaison : chaque groupe de territoires adoptant la même année est comparé aux {} territoires jamais \
             traités sur la période.",
            r.n_control_units
        ),
        (Method::Imputation, _) => format!(
            "Comparaison : les années non traitées ({} territoires jamais traités, et les années avant l’adoption des \
             autres) servent à prédire, pour chaque territoire traité, la valeur qu’aurait eue l’indicateur sans \
             l’intervention ; l’effet est l’écart moyen entre valeur observée et valeur prédite.",
            r.n_control_units
        ),
        (Method::SunAbraham, _) => format!(
            "Comparaison : chaque cohorte de territoires adoptant la même année est comparée, année par année depuis \
             l’adoption, aux {} territoires jamais traités, par une régression à effets fixes territoire et année \
             où aucune cohorte ne sert de comparaison à une autre ; les effets des cohortes sont ensuite moyennés.",
            r.n_control_units
        ),
        (Method::Twfe, _) => format!(
            "Comparaison : régression à effets fixes territoire et année sur {} territoires non traités et les traités. \
             Cette méthode classique est biaisée quand les adoptions sont échelonnées et que l’effet évolue dans le \
             temps : préférez les deux autres méthodes.",
            r.n_control_units
        ),
    });
    p.push(
        "Hypothèse de tendances parallèles : sans l’intervention, l’indicateur aurait évolué en moyenne de la même façon \
         dans les territoires traités et dans le groupe de comparaison. Elle ne se vérifie pas directement ; les \
         années avant l’adoption permettent seulement de la mettre à l’épreuve."
            .to_owned(),
    );
    p.push(if anticipation == 0 {
        "Hypothèse d’absence d’anticipation : les territoires n’ont pas changé de trajectoire avant l’année d’adoption \
         (par exemple en préparant leur candidature)."
            .to_owned()
    } else {
        format!(
            "Anticipation admise : les territoires ont pu réagir jusqu’à {} avant l’adoption ; ces \
             années ne servent pas de référence.",
            crate::pages::layout::plural(anticipation as usize, "an", "ans")
        )
    });
    p.push(match &r.pretrend {
        Some(t) if t.p_value >= 0.05 => format!(
            "Test de pré-tendance : avant l’adoption, les écarts entre traités et comparaison ne diffèrent pas \
             significativement de zéro (p = {}). C’est rassurant, sans prouver l’hypothèse.",
            fr_decimal(t.p_value, 3)
        ),
        Some(t) => format!(
            "Test de pré-tendance : avant l’adoption, les territoires traités évoluaient déjà différemment du groupe de \
             comparaison (p = {}). L’hypothèse de tendances parallèles est douteuse : lisez l’estimation avec prudence.",
            fr_decimal(t.p_value, 3)
        ),
        None => "Test de pré-tendance : pas assez d’années avant l’adoption pour le réaliser.".to_owned(),
    });
    p
}

/// Paragraphs reading the checks run around the estimate: placebo in time, placebo in
/// space and the sensitivity to parallel trends, in plain French.
pub fn explain_checks(r: &EvaluationResult, unit: &str) -> Vec<String> {
    let mut p = Vec::new();
    if let Some(t) = &r.placebo_time {
        let years = crate::pages::layout::plural(t.shift as usize, "an", "ans");
        let range = format!("de {} à {}", fr_decimal(t.ci_low, 3), fr_decimal(t.ci_high, 3));
        p.push(if t.ci_low > 0.0 || t.ci_high < 0.0 {
            format!(
                "Placebo dans le temps : en faisant comme si l’adoption avait eu lieu {years} plus tôt, sur les seules \
                 années d’avant, on trouve déjà un « effet » de {} {unit} (intervalle {range}). Les territoires traités \
                 s’écartaient donc déjà du groupe de comparaison avant l’intervention : l’estimation principale est \
                 fragile.",
                fr_decimal(t.estimate, 3)
            )
        } else {
            format!(
                "Placebo dans le temps : en faisant comme si l’adoption avait eu lieu {years} plus tôt, sur les seules \
                 années d’avant, on ne trouve pas d’effet distinct de zéro ({} {unit}, intervalle {range}). C’est \
                 ce qu’on attend si l’estimation principale ne reflète pas une différence préexistante.",
                fr_decimal(t.estimate, 3)
            )
        });
    }
    if let Some(ri) = &r.placebo_space {
        let share = fr_decimal(ri.rejection_rate * 100.0, 1);
        p.push(format!(
            "Placebo dans l’espace : {} fois, l’intervention a été attribuée au hasard à autant de territoires jamais \
             traités, avec les mêmes années d’adoption. {} Sur ces tirages, {share} % des estimations placebo \
             paraissent « significatives » au seuil de 5 %{}.",
            ri.completed,
            if ri.p_value <= 0.05 {
                format!(
                    "L’effet estimé est plus grand, en valeur absolue, que presque tous les effets placebo \
                     (p = {}) : il est peu probable qu’il soit dû au hasard du choix des territoires.",
                    fr_decimal(ri.p_value, 3)
                )
            } else {
                format!(
                    "L’effet estimé ne se distingue pas des effets placebo (p = {}) : un effet de cette taille \
                     apparaît souvent quand on choisit les territoires au hasard.",
                    fr_decimal(ri.p_value, 3)
                )
            },
            if ri.rejection_rate > 0.10 {
                " : c’est nettement plus que 5 %, les intervalles de confiance sont sans doute trop étroits"
            } else {
                " (environ 5 % sont attendus si les intervalles de confiance sont justes)"
            }
        ));
    }
    if let Some(s) = &r.sensitivity {
        let change = fr_decimal(s.max_pre_change, 3);
        p.push(match s.breakdown {
            Some(b) => format!(
                "Sensibilité aux tendances parallèles : avant l’adoption, l’écart entre traités et comparaison a varié \
                 d’au plus {change} {unit} d’une année à l’autre. L’effet moyen après adoption ({} {unit}) reste \
                 distinct de zéro tant que l’écart de tendance après l’adoption ne varie pas, d’une année à l’autre, \
                 de plus de {} fois cette variation (valeur de rupture M̄ = {}). {}",
                fr_decimal(s.effect, 3),
                fr_decimal(b, 2),
                fr_decimal(b, 2),
                if b >= 1.0 {
                    "Il faudrait donc une déviation plus forte que tout ce qui a été observé avant pour l’annuler."
                } else {
                    "Une déviation plus faible que celles observées avant l’adoption suffirait à l’annuler : \
                     l’effet est fragile."
                }
            ),
            None => format!(
                "Sensibilité aux tendances parallèles : avant l’adoption, l’écart entre traités et comparaison a varié \
                 d’au plus {change} {unit} d’une année à l’autre. L’effet moyen après adoption ({} {unit}) n’est pas \
                 distinct de zéro même si la tendance reste parfaitement parallèle : il n’y a pas de valeur de rupture.",
                fr_decimal(s.effect, 3)
            ),
        });
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers() {
        assert_eq!(fr_decimal(1234567.891, 2), "1\u{202f}234\u{202f}567,89");
        assert_eq!(fr_decimal(-0.5, 3), "−0,500");
        assert_eq!(fr_decimal(-0.0001, 2), "0,00");
        assert_eq!(fr_value(42.0), "42");
        assert_eq!(fr_decimal(f64::NAN, 2), "—");
        assert_eq!(fr_date("2023-01-01"), "1er janvier 2023");
        assert_eq!(fr_date("2024-06-30"), "30 juin 2024");
    }
}
