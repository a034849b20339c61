//! Text enters the platform only without control characters: a NUL (or any C0/C1
//! control but tab, line feed and carriage return) in a path, a query, a form or a
//! JSON body is refused with a 400 naming the field, before any handler or database
//! sees it (PostgreSQL refuses NUL in text, SQLite stores it: the same answer on both).

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// The largest form body read here (the pages' limit; larger ones fail later anyway).
const MAX_FORM: usize = 4 * 1024 * 1024;

/// Whether `s` holds a character that no text field accepts.
pub fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The path (`parties[1].name`) of the first string of `v` holding a control
/// character, if any (keys are checked too).
pub fn json_fault(v: &Value) -> Option<String> {
    fn walk(v: &Value, at: &str) -> Option<String> {
        match v {
            Value::String(s) if has_control(s) => Some(if at.is_empty() { "body".into() } else { at.to_owned() }),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| walk(x, &format!("{at}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(k, x)| {
                let here = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                if has_control(k) { Some(here) } else { walk(x, &here) }
            }),
            _ => None,
        }
    }
    walk(v, "")
}

/// The refusal: a problem document under `/api/`, the French error page elsewhere.
fn refuse(api: bool, field: &str, pages: &std::sync::Arc<crate::pages::PagesConfig>) -> Response {
    if api {
        ApiError::BadRequest {
            code: "invalid_parameter",
            detail: format!("{field}: control characters are not accepted"),
            errors: vec![FieldError { field: field.to_owned(), message: "control characters are not accepted".into() }],
        }
        .into_response()
    } else {
        crate::pages::PageError::bad_input(pages, field).into_response()
    }
}

/// `%00`…`%1F` and `%7F` (`%80`…`%9F` are C1 controls only as the second byte of a
/// UTF-8 pair, caught once decoded).
fn encoded_control(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.windows(3).any(|w| {
        w[0] == b'%'
            && std::str::from_utf8(&w[1..])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .is_some_and(|v| (v < 0x20 && !matches!(v, b'\t' | b'\n' | b'\r')) || v == 0x7f)
    })
}

/// The refusal of a request whose path or query holds a control character, if so.
pub(crate) fn refuse_now(pages: &std::sync::Arc<crate::pages::PagesConfig>, req: &Request) -> Option<Response> {
    let api = req.uri().path().starts_with("/api/");
    if encoded_control(req.uri().path()) || has_control(req.uri().path()) {
        return Some(refuse(api, "path", pages));
    }
    // A raw control character cannot reach here (the HTTP parser refuses it): only a
    // percent-encoded one can, so a query without a suspect escape is not decoded.
    if let Some(q) = req.uri().query()
        && suspect_escape(q)
        && let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        && let Some((k, _)) = pairs.iter().find(|(k, v)| has_control(k) || has_control(v))
    {
        return Some(refuse(api, k, pages));
    }
    None
}

/// Whether `q` holds an escape that may decode to a control character: a C0 control
/// or DEL, or the lead byte 0xC2 of a C1 control in UTF-8.
fn suspect_escape(q: &str) -> bool {
    q.split('%').skip(1).any(|rest| {
        rest.get(..2).and_then(|h| u8::from_str_radix(h, 16).ok()).is_none_or(|v| v < 0x20 || v == 0x7f || v == 0xc2)
    })
}

/// Whether the request carries a form body the guard must read.
pub(crate) fn has_form(req: &Request) -> bool {
    req.method() == Method::POST
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Reads a form body and refuses it if a name or value holds a control character;
/// otherwise gives the request back with its body.
pub(crate) async fn check_form(
    pages: &std::sync::Arc<crate::pages::PagesConfig>,
    req: Request,
) -> Result<Request, Response> {
    let api = req.uri().path().starts_with("/api/");
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
        return Err((axum::http::StatusCode::PAYLOAD_TOO_LARGE, "the form is too large").into_response());
    };
    if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        && let Some((k, _)) = pairs.iter().find(|(k, v)| has_control(k) || has_control(v))
    {
        return Err(refuse(api, k, pages));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_where_they_are() {
        assert!(has_control("a\0b") && !has_control("ligne\nsuivante\tet\r"));
        let v: Value = serde_json::json!({"name": "ok", "parties": [{"name": "x"}, {"name": "a\u{0}b"}]});
        assert_eq!(json_fault(&v).as_deref(), Some("parties[1].name"));
        assert_eq!(json_fault(&serde_json::json!({"ok": ["fine"]})), None);
        assert!(encoded_control("/api/v1/projects/a%00b") && encoded_control("/x%1f") && !encoded_control("/x%20y%0A"));
        // Escapes that may decode to a control (C0, DEL, a C1's lead byte, a broken one).
        for q in ["q=a%00", "q=%7F", "q=%c2%85", "q=%", "q=%zz"] {
            assert!(suspect_escape(q), "{q}");
        }
        for q in ["q=saint%20etienne", "q=ecole", "q=%C3%A9", ""] {
            assert!(!suspect_escape(q), "{q}");
        }
    }
}
