//! Error pages in the DSFR: 404 for any unknown address (the router's fallback) or
//! territory, 500 when a page cannot be produced. The cause of a 500 goes to the
//! log, never to the page.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

use super::PagesConfig;
use super::layout::{Layout, Nav};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    lead: &'static str,
    detail: String,
}

/// Why a page could not be shown.
#[derive(Debug)]
pub struct PageError {
    config: Arc<PagesConfig>,
    status: StatusCode,
    /// For a refused input: the field at fault.
    field: Option<String>,
}

impl PageError {
    pub fn not_found(config: &Arc<PagesConfig>) -> PageError {
        PageError { config: config.clone(), status: StatusCode::NOT_FOUND, field: None }
    }

    /// A form without its CSRF token, or a page beyond the visitor's roles.
    pub fn forbidden(config: &Arc<PagesConfig>) -> PageError {
        PageError { config: config.clone(), status: StatusCode::FORBIDDEN, field: None }
    }

    pub fn internal(config: &Arc<PagesConfig>, cause: impl std::fmt::Display) -> PageError {
        tracing::error!(error = %cause, "page failed");
        PageError { config: config.clone(), status: StatusCode::INTERNAL_SERVER_ERROR, field: None }
    }

    /// A form or an address holding characters no text accepts (`crate::input`).
    pub fn bad_input(config: &Arc<PagesConfig>, field: &str) -> PageError {
        PageError { config: config.clone(), status: StatusCode::BAD_REQUEST, field: Some(field.to_owned()) }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (title, lead, detail) = if self.status == StatusCode::NOT_FOUND {
            (
                "Page non trouvée",
                "La page que vous cherchez est introuvable. Excusez-nous pour la gêne occasionnée.",
                "Si vous avez tapé l’adresse web dans le navigateur, vérifiez qu’elle est correcte. \
                 La page n’est peut-être plus disponible : vous pouvez repartir de la page d’accueil \
                 ou rechercher un territoire.",
            )
        } else if self.status == StatusCode::FORBIDDEN {
            (
                "Accès refusé",
                "Vous n’avez pas accès à cette page, ou le formulaire envoyé a expiré.",
                "Rechargez la page du formulaire puis envoyez-le à nouveau. Si vous pensez devoir y accéder, \
                 adressez-vous à la personne qui vous a invité(e).",
            )
        } else if self.status == StatusCode::BAD_REQUEST {
            (
                "Saisie refusée",
                "Le formulaire ou l’adresse contient des caractères invisibles (caractères de contrôle) qui ne sont \
                 acceptés dans aucun champ. Rien n’a été enregistré.",
                "Retirez ces caractères (souvent collés depuis un autre logiciel) puis envoyez à nouveau le formulaire.",
            )
        } else {
            (
                "Erreur inattendue",
                "Désolé, le service rencontre un problème, nous travaillons pour le résoudre le plus rapidement possible.",
                "Essayez de rafraîchir la page ou réessayez un peu plus tard.",
            )
        };
        let page = ErrorPage {
            layout: Layout::new(&self.config, title, Nav::None),
            status: self.status.as_u16(),
            lead,
            detail: match &self.field {
                Some(f) => format!("{detail} Champ concerné : « {f} »."),
                None => detail.to_owned(),
            },
        };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page failed");
                (self.status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], title).into_response()
            }
        }
    }
}

/// The router's fallback. Unknown addresses under `/api/` answer in the API's own
/// format (RFC 9457) rather than in HTML.
pub async fn not_found(Extension(config): Extension<Arc<PagesConfig>>, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError::NotFound(format!("no route {}", uri.path())).into_response();
    }
    PageError::not_found(&config).into_response()
}

/// Renders a page template, or the 500 page.
pub fn render(config: &Arc<PagesConfig>, page: &impl Template) -> Result<Html<String>, PageError> {
    page.render().map(Html).map_err(|e| PageError::internal(config, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failure_answers_the_dsfr_500_page_without_its_cause() {
        let config = Arc::new(PagesConfig::default());
        let response = PageError::internal(&config, "secret detail").into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
        let html = String::from_utf8(body.to_vec()).expect("utf-8");
        assert!(html.contains("<h1>Erreur inattendue</h1>") && html.contains("Erreur 500"));
        assert!(!html.contains("secret detail"));
    }
}
