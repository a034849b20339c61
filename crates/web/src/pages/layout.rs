//! What every page shares: the layout's data (title, operator, navigation,
//! breadcrumb, asset addresses) and small French formatting helpers.

use std::fmt::Write;

use cohesion_core::territory::{Territory, TerritoryKind};

use super::PagesConfig;
use super::assets;

/// The main navigation's entries; `Layout::nav` says which one is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Home,
    Territories,
    Programmes,
    Projects,
    Pacts,
    Engineering,
    Indicators,
    Api,
    None,
}

/// One step of the breadcrumb; the last one is the current page and has no link.
pub struct Crumb {
    pub label: String,
    pub href: String,
}

/// A choice of the display settings.
pub struct Theme {
    pub value: &'static str,
    pub label: &'static str,
    /// DSFR pictogram, under `artwork/pictograms/`.
    pub picto: &'static str,
}

pub const THEMES: [Theme; 3] = [
    Theme { value: "light", label: "Thème clair", picto: "environment/sun" },
    Theme { value: "dark", label: "Thème sombre", picto: "environment/moon" },
    Theme { value: "system", label: "Système", picto: "system/system" },
];

/// The layout's data, a field of every page's template.
pub struct Layout {
    /// The page's own title; the `<title>` adds the service name.
    pub title: String,
    pub operator: String,
    pub nav: Nav,
    /// Ancestors of the current page (Accueil is added by the template).
    pub crumbs: Vec<Crumb>,
    pub dsfr: &'static str,
    pub app_css: &'static str,
    pub app_js: &'static str,
    pub nojs_css: &'static str,
    /// Who is browsing (header links, the CSRF field of forms): see `auth::visitor`.
    pub visitor: crate::auth::Visitor,
}

impl Layout {
    pub fn new(config: &PagesConfig, title: impl Into<String>, nav: Nav) -> Layout {
        let urls = assets::urls();
        Layout {
            title: title.into(),
            operator: config.operator_name.clone(),
            nav,
            crumbs: Vec::new(),
            dsfr: &urls.dsfr,
            app_css: &urls.app_css,
            app_js: &urls.app_js,
            nojs_css: &urls.nojs_css,
            visitor: crate::auth::visitor(),
        }
    }

    pub fn crumb(mut self, label: impl Into<String>, href: impl Into<String>) -> Layout {
        self.crumbs.push(Crumb { label: label.into(), href: href.into() });
        self
    }

    /// `aria-current` value for a navigation entry: "home", "territories", "programmes",
    /// "projects", "pacts", "engineering" or "indicators".
    pub fn current(&self, entry: &str) -> &'static str {
        let nav = match entry {
            "home" => Nav::Home,
            "territories" => Nav::Territories,
            "programmes" => Nav::Programmes,
            "projects" => Nav::Projects,
            "pacts" => Nav::Pacts,
            "engineering" => Nav::Engineering,
            "indicators" => Nav::Indicators,
            "api" => Nav::Api,
            _ => Nav::None,
        };
        if nav != Nav::None && self.nav == nav { "page" } else { "false" }
    }

    pub fn themes(&self) -> &'static [Theme] {
        &THEMES
    }

    pub fn is_home(&self) -> bool {
        self.nav == Nav::Home
    }
}

/// "1 234 567", with the narrow no-break space French typography uses.
/// A count with its noun in French: the singular for 0 and 1 ("0 demande", "1 ajout",
/// "2 ajouts"), the number grouped by thousands.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", fr_number(n as u64), if n < 2 { one } else { many })
}

pub fn fr_number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// A population for display, or a dash when unknown.
pub fn population(p: Option<u64>) -> String {
    p.map(fr_number).unwrap_or_else(|| "—".to_owned())
}

/// The kind as a person reads it.
pub fn kind_label(kind: TerritoryKind) -> &'static str {
    match kind {
        TerritoryKind::Commune => "Commune",
        TerritoryKind::ArrondissementMunicipal => "Arrondissement municipal",
        TerritoryKind::Epci => "Intercommunalité (EPCI)",
        TerritoryKind::Departement => "Département",
        TerritoryKind::Region => "Région",
    }
}

/// The kind in the plural, for lists and key figures.
pub fn kind_plural(kind: TerritoryKind) -> &'static str {
    match kind {
        TerritoryKind::Commune => "Communes",
        TerritoryKind::ArrondissementMunicipal => "Arrondissements municipaux",
        TerritoryKind::Epci => "Intercommunalités (EPCI)",
        TerritoryKind::Departement => "Départements",
        TerritoryKind::Region => "Régions",
    }
}

/// The page of a territory.
pub fn territory_href(t: &Territory) -> String {
    format!("/territoires/{}/{}", t.kind.as_str(), t.code)
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters kept).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A link of the pagination.
pub struct PageLink {
    pub number: usize,
    pub href: String,
    pub current: bool,
}

/// DSFR pagination: first, previous, a window of pages around the current one, next, last.
pub struct Pagination {
    pub first: Option<String>,
    pub prev: Option<String>,
    pub pages: Vec<Option<PageLink>>,
    pub next: Option<String>,
    pub last: Option<String>,
}

impl Pagination {
    /// `None` when everything fits on one page. `page` counts from 1.
    pub fn new(total: usize, per_page: usize, page: usize, href: impl Fn(usize) -> String) -> Option<Pagination> {
        let count = total.div_ceil(per_page);
        if count <= 1 {
            return None;
        }
        let page = page.clamp(1, count);
        let mut pages = Vec::new();
        let mut previous = 0;
        for n in 1..=count {
            if n == 1 || n == count || n.abs_diff(page) <= 1 {
                if n > previous + 1 {
                    pages.push(None);
                }
                pages.push(Some(PageLink { number: n, href: href(n), current: n == page }));
                previous = n;
            }
        }
        Some(Pagination {
            first: (page > 1).then(|| href(1)),
            prev: (page > 1).then(|| href(page - 1)),
            pages,
            next: (page < count).then(|| href(page + 1)),
            last: (page < count).then(|| href(count)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(fr_number(0), "0");
        assert_eq!(fr_number(999), "999");
        assert_eq!(fr_number(1000), "1\u{202f}000");
        assert_eq!(fr_number(68_373_433), "68\u{202f}373\u{202f}433");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("Saint-Étienne d'été"), "Saint-%C3%89tienne%20d%27%C3%A9t%C3%A9");
    }

    #[test]
    fn pagination_shows_a_window_and_gaps() {
        let p = Pagination::new(200, 20, 5, |n| format!("?page={n}")).expect("several pages");
        let shown: Vec<Option<usize>> = p.pages.iter().map(|l| l.as_ref().map(|l| l.number)).collect();
        assert_eq!(shown, [Some(1), None, Some(4), Some(5), Some(6), None, Some(10)]);
        assert_eq!(p.prev.as_deref(), Some("?page=4"));
        assert!(Pagination::new(20, 20, 1, |n| n.to_string()).is_none());
    }
}
