//! Every API operation takes exactly the query parameters its OpenAPI operation
//! declares: any other is refused (400 `unknown_parameter`, the parameter named in
//! `errors[].field`) before the handler runs, never silently ignored — a client that
//! misspells a filter (`?externalId=…`, `?territoire=…`) would otherwise read every
//! project as if it had matched. The declared names come from the generated document
//! itself, so what is accepted and what is documented cannot drift apart.

use std::collections::{BTreeSet, HashMap};

use axum::extract::Request;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::{OpenApi, RefOr};

use crate::error::{ApiError, FieldError};

/// The query parameters of each operation, by path template and method, and the
/// templates to match a request's path against (the router's own matcher, `matchit`,
/// with the same templates: the edge runs outside the router, before it matches).
#[derive(Default)]
pub struct Declared {
    operations: HashMap<String, Vec<(Method, BTreeSet<String>)>>,
    templates: matchit::Router<String>,
}

impl std::fmt::Debug for Declared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Declared").field("operations", &self.operations).finish_non_exhaustive()
    }
}

fn query_names(params: Option<&Vec<RefOr<Parameter>>>) -> impl Iterator<Item = String> + '_ {
    params.into_iter().flatten().filter_map(|p| match p {
        RefOr::T(p) if p.parameter_in == ParameterIn::Query => Some(p.name.clone()),
        _ => None,
    })
}

impl Declared {
    /// What `doc` declares, operation by operation (parameters of the path item count
    /// for each of its operations).
    pub fn of(doc: &OpenApi) -> Declared {
        let mut out: HashMap<String, Vec<(Method, BTreeSet<String>)>> = HashMap::new();
        for (path, item) in &doc.paths.paths {
            let ops: [(Method, &Option<Operation>); 5] = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                let names: BTreeSet<String> =
                    query_names(item.parameters.as_ref()).chain(query_names(op.parameters.as_ref())).collect();
                out.entry(path.clone()).or_default().push((method, names));
            }
        }
        let mut templates = matchit::Router::new();
        for path in out.keys() {
            // The router accepted the same templates; one it would refuse is only
            // left unchecked (logged), never a failed start.
            if let Err(e) = templates.insert(path.as_str(), path.clone()) {
                tracing::warn!(path = %path, error = %e, "operation left out of the query check");
            }
        }
        Declared { operations: out, templates }
    }

    /// The parameters `method path` accepts (`path`: the operation's template);
    /// `None` for an operation the document does not describe.
    pub fn accepted(&self, method: &Method, path: &str) -> Option<&BTreeSet<String>> {
        let method = if method == Method::HEAD { &Method::GET } else { method };
        self.operations.get(path)?.iter().find(|(m, _)| m == method).map(|(_, names)| names)
    }

    /// The template of the documented operation path `path` falls under, if any.
    pub fn template(&self, path: &str) -> Option<&str> {
        self.templates.at(path).ok().map(|m| m.value.as_str())
    }
}

/// The names in `query` that `accepted` does not hold, each once, in order of appearance.
pub fn unknown(query: &str, accepted: &BTreeSet<String>) -> Vec<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for (name, _) in pairs {
        if !accepted.contains(&name) && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The refusal of `names`, saying what the operation accepts.
pub fn refusal(names: &[String], accepted: &BTreeSet<String>) -> ApiError {
    let expected = if accepted.is_empty() {
        "this operation takes no query parameter".to_owned()
    } else {
        format!("accepted: {}", accepted.iter().map(String::as_str).collect::<Vec<_>>().join(", "))
    };
    let errors: Vec<FieldError> = names
        .iter()
        .map(|n| FieldError { field: n.clone(), message: format!("unknown query parameter ({expected})") })
        .collect();
    let detail = format!(
        "unknown query parameter{} {} ({expected})",
        if names.len() > 1 { "s" } else { "" },
        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    );
    ApiError::BadRequest { code: "unknown_parameter", detail, errors }
}

/// The refusal of a request to a documented operation whose query holds a parameter
/// the operation does not declare, if so. Run by the edge (`crate::edge`) after
/// authentication, just before the router (it matches the path against the
/// document's templates itself).
pub(crate) fn check(declared: &Declared, req: &Request) -> Option<Response> {
    let query = req.uri().query()?;
    let template = declared.template(req.uri().path())?;
    let accepted = declared.accepted(req.method(), template)?;
    let names = unknown(query, accepted);
    (!names.is_empty()).then(|| refusal(&names, accepted).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn names_each_unknown_parameter_once() {
        let accepted = set(&["q", "limit"]);
        assert_eq!(unknown("q=a&limit=2", &accepted), Vec::<String>::new());
        assert_eq!(unknown("q=a&externalId=x&externalId=y&z", &accepted), vec!["externalId", "z"]);
        assert_eq!(unknown("q=%C3%A9&ext%65rnal=1", &accepted), vec!["external"]);
        assert_eq!(unknown("", &accepted), Vec::<String>::new());
    }

    #[test]
    fn the_refusal_names_the_parameter_and_what_is_accepted() {
        let e = refusal(&["foo".into()], &set(&["q"]));
        match e {
            ApiError::BadRequest { code, detail, errors } => {
                assert_eq!(code, "unknown_parameter");
                assert!(detail.contains("`foo`") && detail.contains("accepted: q"), "{detail}");
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].field, "foo");
            }
            other => panic!("{other:?}"),
        }
        let none = refusal(&["a".into(), "b".into()], &BTreeSet::new());
        assert!(none.to_string().contains("parameters `a`, `b`") && none.to_string().contains("takes no query"));
    }
}
