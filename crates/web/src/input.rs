//! Text enters the platform only without control characters: a NUL (or any C0/C1
//! control but tab, line feed and carriage return) in a path, a query, a form or a
//! JSON body is refused with a 400 naming the field, before any handler or database
//! sees it (PostgreSQL refuses NUL in text, SQLite stores it: the same answer on both).

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
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

/// Checks the path, the query and a form body of every request.
pub async fn guard(
    axum::extract::State(pages): axum::extract::State<std::sync::Arc<crate::pages::PagesConfig>>,
    req: Request,
    next: Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    if encoded_control(req.uri().path()) || has_control(req.uri().path()) {
        return refuse(api, "path", &pages);
    }
    if let Some(q) = req.uri().query()
        && let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        && let Some((k, _)) = pairs.iter().find(|(k, v)| has_control(k) || has_control(v))
    {
        return refuse(api, k, &pages);
    }
    let form = req.method() == Method::POST
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
        return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, "the form is too large").into_response();
    };
    if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        && let Some((k, _)) = pairs.iter().find(|(k, v)| has_control(k) || has_control(v))
    {
        return refuse(api, k, &pages);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
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
    }
}
