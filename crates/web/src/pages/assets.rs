//! Static files embedded in the binary: the vendored DSFR (its version in the
//! address) and our own `app.css` / `app.js` (a hash of their contents in the
//! address). Both kinds of address change whenever the contents do, so they are
//! served as immutable for a year. Text files are gzipped once, on first demand, at
//! the best level (the app's `CompressionLayer`, which leaves alone a response that
//! already has a `Content-Encoding`, would otherwise redo it on every request).

use std::collections::HashMap;
use std::io::Write;
use std::sync::{LazyLock, OnceLock};

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

mod vendored {
    include!("../../assets/vendor/files.rs");
}

const APP_CSS: &[u8] = include_bytes!("../../assets/app.css");
const APP_JS: &[u8] = include_bytes!("../../assets/app.js");
const NOJS_CSS: &[u8] = include_bytes!("../../assets/nojs.css");
const API_DOCS_JS: &[u8] = include_bytes!("../../assets/api-docs.js");
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Addresses of the files the layout links to.
pub struct Urls {
    /// Prefix of the vendored DSFR files, ending with a slash.
    pub dsfr: String,
    pub app_css: String,
    pub app_js: String,
    /// Styles for when scripts are off.
    pub nojs_css: String,
    /// Prefix of the vendored Swagger UI files (the viewer of `/api/docs`), ending
    /// with a slash.
    pub swagger_ui: String,
    /// Our initializer of the viewer.
    pub api_docs_js: String,
}

struct Assets {
    urls: Urls,
    /// Path after `/static/` → contents.
    files: HashMap<String, Asset>,
}

struct Asset {
    raw: &'static [u8],
    /// Gzipped contents, for text files that shrink.
    gzip: OnceLock<Option<Vec<u8>>>,
}

impl Asset {
    fn new(raw: &'static [u8]) -> Asset {
        Asset { raw, gzip: OnceLock::new() }
    }

    fn gzipped(&'static self, content_type: &str) -> Option<&'static [u8]> {
        let compressible = content_type.starts_with("text/") || content_type == "image/svg+xml";
        self.gzip
            .get_or_init(|| {
                if !compressible {
                    return None;
                }
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                encoder.write_all(self.raw).ok()?;
                encoder.finish().ok().filter(|z| z.len() < self.raw.len())
            })
            .as_deref()
    }
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let dsfr = format!("dsfr-{}", vendored::DSFR_VERSION);
    let swagger = format!("swagger-ui-{}", vendored::SWAGGER_UI_VERSION);
    let ours = format!(
        "app-{:08x}",
        fnv1a(APP_CSS)
            ^ fnv1a(APP_JS).rotate_left(7)
            ^ fnv1a(NOJS_CSS).rotate_left(14)
            ^ fnv1a(API_DOCS_JS).rotate_left(21)
    );
    let mut files: HashMap<String, Asset> =
        vendored::DSFR_FILES.iter().map(|(path, bytes)| (format!("{dsfr}/{path}"), Asset::new(bytes))).collect();
    for (path, bytes) in vendored::SWAGGER_UI_FILES {
        files.insert(format!("{swagger}/{path}"), Asset::new(bytes));
    }
    files.insert(format!("{ours}/api-docs.js"), Asset::new(API_DOCS_JS));
    files.insert(format!("{ours}/app.css"), Asset::new(APP_CSS));
    files.insert(format!("{ours}/app.js"), Asset::new(APP_JS));
    files.insert(format!("{ours}/nojs.css"), Asset::new(NOJS_CSS));
    Assets {
        urls: Urls {
            dsfr: format!("/static/{dsfr}/"),
            app_css: format!("/static/{ours}/app.css"),
            app_js: format!("/static/{ours}/app.js"),
            nojs_css: format!("/static/{ours}/nojs.css"),
            swagger_ui: format!("/static/{swagger}/"),
            api_docs_js: format!("/static/{ours}/api-docs.js"),
        },
        files,
    }
});

pub fn urls() -> &'static Urls {
    &ASSETS.urls
}

/// `GET /static/{*path}`.
pub async fn serve(Path(path): Path<String>, request: HeaderMap) -> Response {
    let Some(asset) = ASSETS.files.get(&path) else {
        return (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "Fichier introuvable").into_response();
    };
    let content_type = content_type(&path);
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    match asset.gzipped(content_type).filter(|_| accepts_gzip(&request)) {
        Some(gzip) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            (headers, gzip).into_response()
        }
        None => (headers, asset.raw).into_response(),
    }
}

/// Whether `Accept-Encoding` names gzip (and does not refuse it with `q=0`).
fn accepts_gzip(request: &HeaderMap) -> bool {
    request.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |c| {
            let mut parts = c.split(';').map(str::trim);
            parts.next().is_some_and(|name| name.eq_ignore_ascii_case("gzip") || name == "*")
                && !parts.any(|p| p.replace(' ', "") == "q=0")
        },
    )
}

/// `GET /favicon.ico`, which browsers ask for on their own: an unversioned address,
/// so cached for a day only.
pub async fn favicon() -> Response {
    let path = format!("dsfr-{}/favicon/favicon.ico", vendored::DSFR_VERSION);
    match ASSETS.files.get(&path) {
        Some(asset) => {
            ([(header::CONTENT_TYPE, "image/x-icon"), (header::CACHE_CONTROL, "public, max-age=86400")], asset.raw)
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// A stable 32-bit hash (FNV-1a): enough to tell one build's files from another's.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_linked_file_is_embedded() {
        let urls = urls();
        for url in [&urls.app_css, &urls.app_js, &urls.nojs_css, &urls.api_docs_js] {
            assert!(ASSETS.files.contains_key(url.trim_start_matches("/static/")), "{url}");
        }
        for file in ["dsfr.min.css", "dsfr.module.min.js", "dsfr.nomodule.min.js", "favicon/favicon.svg"] {
            let path = format!("{}{file}", urls.dsfr);
            assert!(ASSETS.files.contains_key(path.trim_start_matches("/static/")), "{path}");
        }
        for file in ["swagger-ui-bundle.js", "swagger-ui.css"] {
            let path = format!("{}{file}", urls.swagger_ui);
            assert!(ASSETS.files.contains_key(path.trim_start_matches("/static/")), "{path}");
        }
    }

    #[test]
    fn fonts_and_icons_the_stylesheet_names_are_embedded() {
        let css = std::str::from_utf8(vendored::DSFR_FILES.iter().find(|(p, _)| *p == "dsfr.min.css").expect("css").1)
            .expect("utf-8");
        let ours = std::str::from_utf8(APP_CSS).expect("utf-8");
        for part in ours.split("url(\"/static/").skip(1) {
            let target = part.split('"').next().unwrap_or_default();
            assert!(ASSETS.files.contains_key(target), "app.css: {target}");
        }
        let dsfr = urls().dsfr.trim_start_matches("/static/");
        for part in css.split("url(").skip(1) {
            let target = part.split(')').next().unwrap_or_default().trim_matches(['"', '\'']);
            if target.starts_with("data:") || target.ends_with(".woff") {
                continue;
            }
            assert!(ASSETS.files.contains_key(&format!("{dsfr}{target}")), "{target}");
        }
    }
}
