//! Authentication at the edge: turns a request's credentials into a [`Principal`].
//!
//! Handlers that change something take an [`Actor`] (401 without valid credentials) and
//! ask the use case's `can_…` rule in `cohesion_core` whether the principal may act
//! (403 otherwise). Handlers that read published data take a [`MaybeActor`].
//!
//! Sessions and API tokens are not implemented yet (issue 4): until they are, no request
//! carries credentials, so every `Actor` is refused with 401.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use cohesion_core::access::Principal;

use crate::AppState;
use crate::error::ApiError;

/// An authenticated principal; extraction fails with 401 when there is none.
pub struct Actor(pub Principal);

/// The principal if the request carries valid credentials, `None` for anonymous visitors.
pub struct MaybeActor(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeActor {
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeActor(None))
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match MaybeActor::from_request_parts(parts, state).await?.0 {
            Some(principal) => Ok(Actor(principal)),
            None => Err(ApiError::Unauthenticated),
        }
    }
}
