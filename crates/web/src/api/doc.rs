//! What the OpenAPI document says of every operation beyond its own annotations: the
//! answers the layers around every handler can give, so that a client generated from
//! the document knows every status it may receive, each a problem document.
//!
//! - 400 on every operation: the input guard (`input::refuse_now`, `input::check_form`) refuses control characters in the path,
//!   the query and form fields, unreadable path or query parameters are refused
//!   before the handler runs, and so is any query parameter the operation does not
//!   declare (`api::query`, code `unknown_parameter`);
//! - 404 on every operation whose path names something (`{id}`, `{code}`…): it may not
//!   exist;
//! - 413 on every operation with a body: a body over the limit;
//! - 401 and 403 on every operation that takes an identity (it documents either), with
//!   the two security schemes (a bearer token, or the session cookie with its CSRF
//!   token);
//! - 500 everywhere: a failure that is not the client's (logged with its request id).

use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr};

pub struct CommonAnswers;

fn problem(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/problem+json", content).build())
}

fn complete(path: &str, op: &mut Operation) {
    let answers = &mut op.responses.responses;
    let mut add = |status: &str, description: &str| {
        answers.entry(status.to_owned()).or_insert_with(|| problem(description));
    };
    add(
        "400",
        "The request cannot be read: a control character in the path, the query or a field, a parameter of the wrong form, or a query parameter the operation does not declare (`unknown_parameter`)",
    );
    add("500", "A failure that is not the client's (logged with the request id)");
    if path.contains('{') {
        add("404", "Nothing is known by this identifier or code");
    }
    if op.request_body.is_some() {
        add("413", "The body is over the size limit");
    }
    // An operation that refuses some identities (403) refuses no identity (401) too,
    // and the other way round.
    if op.responses.responses.contains_key("401") || op.responses.responses.contains_key("403") {
        op.responses.responses.entry("401".into()).or_insert_with(|| problem("No valid session or API token"));
        op.responses.responses.entry("403".into()).or_insert_with(|| problem("The identity may not do this"));
        if op.security.is_none() {
            let scopes: [&str; 0] = [];
            op.security =
                Some(vec![SecurityRequirement::new("token", scopes), SecurityRequirement::new("session", scopes)]);
        }
    }
}

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for op in ops.into_iter().flatten() {
                complete(path, op);
            }
        }
    }
}
