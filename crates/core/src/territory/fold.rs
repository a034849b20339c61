//! Folding of names for matching: case, accents, ligatures, hyphens and apostrophes
//! disappear, so that "Saint-Étienne", "SAINT ETIENNE" and "saint-etienne" are equal.

/// Folds a territory name: ASCII transliteration (é→e, œ→oe), lower case, every run of
/// non-alphanumeric characters (hyphen, apostrophe, space, slash…) as one space.
pub fn fold(name: &str) -> String {
    let ascii = deunicode::deunicode(name);
    let mut out = String::with_capacity(ascii.len());
    let mut pending_space = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Folds a query like [`fold`], then spells out the usual abbreviations of place
/// names: "st" → "saint", "ste" → "sainte", "sts"/"stes" → "saints"/"saintes".
pub fn fold_query(query: &str) -> String {
    let folded = fold(query);
    let mut out = String::with_capacity(folded.len() + 8);
    for (i, word) in folded.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(match word {
            "st" => "saint",
            "ste" => "sainte",
            "sts" => "saints",
            "stes" => "saintes",
            w => w,
        });
    }
    out
}

/// The articles that start many place names ("Le Havre", "La Rochelle", "Les
/// Herbiers", "L'Haÿ-les-Roses" folded to "l hay…").
const ARTICLES: [&str; 4] = ["le", "la", "les", "l"];

/// The other ways people type a folded name's article and elisions: without its
/// leading article ("le havre" → "havre", "l hay les roses" → "hay les roses"), and
/// with each elided "l" or "d" glued to the word after it ("l hay les roses" →
/// "lhay les roses", "les sables d olonne" → "les sables dolonne"). Empty when the
/// name has neither.
pub fn alternates(folded: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((first, rest)) = folded.split_once(' ')
        && ARTICLES.contains(&first)
        && !rest.is_empty()
    {
        out.push(rest.to_owned());
    }
    let words: Vec<&str> = folded.split(' ').collect();
    if words.len() > 1 && words[..words.len() - 1].iter().any(|w| *w == "l" || *w == "d") {
        let mut glued = String::with_capacity(folded.len());
        let mut pending = false;
        for (i, w) in words.iter().enumerate() {
            if i > 0 && !pending {
                glued.push(' ');
            }
            glued.push_str(w);
            pending = (*w == "l" || *w == "d") && i + 1 < words.len();
        }
        out.push(glued);
    }
    out
}

/// A folded query without its leading article ("la rochelle" → "rochelle"), if it
/// has one: the name searched may be written without it.
pub fn without_article(folded: &str) -> Option<&str> {
    let (first, rest) = folded.split_once(' ')?;
    (ARTICLES.contains(&first) && !rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_ligatures_and_punctuation() {
        assert_eq!(fold("Saint-Étienne"), "saint etienne");
        assert_eq!(fold("L'Haÿ-les-Roses"), "l hay les roses");
        assert_eq!(fold("Œuilly"), "oeuilly");
        assert_eq!(fold("  Île   de  Clipperton "), "ile de clipperton");
        assert_eq!(fold("Marseille 1er Arrondissement"), "marseille 1er arrondissement");
    }

    #[test]
    fn query_abbreviations() {
        assert_eq!(fold_query("ST ETIENNE"), "saint etienne");
        assert_eq!(fold_query("st-étienne"), "saint etienne");
        assert_eq!(fold_query("Ste-Foy"), "sainte foy");
        assert_eq!(fold_query("Stenay"), "stenay");
        assert_eq!(fold_query(""), "");
    }

    #[test]
    fn articles_and_elisions_have_their_alternates() {
        assert_eq!(alternates("l hay les roses"), ["hay les roses", "lhay les roses"]);
        assert_eq!(alternates("les sables d olonne"), ["sables d olonne", "les sables dolonne"]);
        assert_eq!(alternates("le havre"), ["havre"]);
        assert_eq!(alternates("saint etienne"), Vec::<String>::new());
        assert_eq!(alternates("villeneuve d ascq"), ["villeneuve dascq"]);
        assert_eq!(alternates("l"), Vec::<String>::new());
        assert_eq!(without_article("la rochelle"), Some("rochelle"));
        assert_eq!(without_article("lamballe"), None);
    }
}
