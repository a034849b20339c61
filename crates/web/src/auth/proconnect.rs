//! ProConnect, the State's OpenID Connect federation for public agents: the
//! authorization code flow (with PKCE) from the provider's discovery document.
//!
//! - `state` and `nonce` are 32 random bytes (43 characters), kept server-side
//!   (`oidc_login`, state hashed) for ten minutes and used once.
//! - The ID token's signature (RS256 or ES256, key from the provider's JWKS by `kid`),
//!   `iss`, `aud`, `exp` and `nonce` are checked; `acr`, when sent, must be an eIDAS level.
//! - Userinfo must come back as a signed JWT (ProConnect's behaviour), checked the same
//!   way (`iss`, `aud`, same `sub`).
//! - Logout goes through the provider's `end_session_endpoint` with the ID token.

use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::secret;
use cohesion_app::App;
use cohesion_app::access::session;

/// Accepted `acr` values (ProConnect's eIDAS levels).
const ACR: [&str; 3] = ["eidas1", "eidas2", "eidas3"];

/// The provider's settings and what was learnt from its discovery document.
pub struct ProConnect {
    pub discovery_url: String,
    pub client_id: String,
    client_secret: String,
    http: reqwest::Client,
    metadata: tokio::sync::OnceCell<Metadata>,
    jwks: Mutex<Option<JwkSet>>,
}

impl std::fmt::Debug for ProConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProConnect({}, client {})", self.discovery_url, self.client_id)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub end_session_endpoint: Option<String>,
}

/// Who ProConnect says signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    pub sub: String,
    pub email: String,
    pub given_name: String,
    pub usual_name: String,
    pub uid: Option<String>,
    pub siret: Option<String>,
    pub acr: Option<String>,
    pub amr: Vec<String>,
    /// Kept for the provider's logout.
    pub id_token: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: String,
    access_token: String,
}

#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    nonce: Option<String>,
    acr: Option<String>,
    #[serde(default)]
    amr: Vec<String>,
}

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    email: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    usual_name: String,
    uid: Option<String>,
    siret: Option<String>,
}

fn fail(what: &str, e: impl std::fmt::Display) -> String {
    format!("ProConnect {what}: {e}")
}

impl ProConnect {
    pub fn new(discovery_url: &str, client_id: &str, client_secret: &str) -> Result<ProConnect, String> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| fail("client", e))?;
        Ok(ProConnect {
            discovery_url: discovery_url.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            http,
            metadata: tokio::sync::OnceCell::new(),
            jwks: Mutex::new(None),
        })
    }

    /// The discovery document, fetched once.
    pub async fn metadata(&self) -> Result<&Metadata, String> {
        self.metadata
            .get_or_try_init(|| async {
                let res = self.http.get(&self.discovery_url).send().await.map_err(|e| fail("discovery", e))?;
                res.error_for_status()
                    .map_err(|e| fail("discovery", e))?
                    .json::<Metadata>()
                    .await
                    .map_err(|e| fail("discovery", e))
            })
            .await
    }

    /// Starts a sign-in: records state, nonce and PKCE verifier; returns the address
    /// to send the browser to.
    pub async fn start(&self, app: &App, redirect_uri: &str) -> Result<String, String> {
        let meta = self.metadata().await?;
        let (state, nonce, verifier) = (random()?, random()?, random()?);
        session::begin_oidc(app, &state, &nonce, &verifier, time::Duration::minutes(10))
            .await
            .map_err(|e| fail("state", e))?;
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let mut url =
            reqwest::Url::parse(&meta.authorization_endpoint).map_err(|e| fail("authorization endpoint", e))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid email given_name usual_name uid siret")
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("acr_values", "eidas1")
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Completes a sign-in from the provider's redirection.
    pub async fn finish(&self, app: &App, redirect_uri: &str, state: &str, code: &str) -> Result<Identity, String> {
        let meta = self.metadata().await?;
        let (nonce, verifier) = session::take_oidc(app, state)
            .await
            .map_err(|e| fail("state", e))?
            .ok_or("ProConnect: unknown, used or expired state")?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("code_verifier", verifier.as_str()),
        ];
        let res = self.http.post(&meta.token_endpoint).form(&form).send().await.map_err(|e| fail("token", e))?;
        let tokens: TokenResponse =
            res.error_for_status().map_err(|e| fail("token", e))?.json().await.map_err(|e| fail("token", e))?;
        let id: IdClaims = self.verify(&tokens.id_token, &["exp", "iss", "aud", "sub"]).await?;
        check_id(&id, &nonce)?;
        let res = self
            .http
            .get(&meta.userinfo_endpoint)
            .bearer_auth(&tokens.access_token)
            .send()
            .await
            .map_err(|e| fail("userinfo", e))?;
        let res = res.error_for_status().map_err(|e| fail("userinfo", e))?;
        let jwt = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/jwt"));
        if !jwt {
            return Err("ProConnect: userinfo must be a signed JWT (application/jwt)".into());
        }
        let body = res.text().await.map_err(|e| fail("userinfo", e))?;
        let info: UserInfo = self.verify(body.trim(), &["iss", "aud", "sub"]).await?;
        if info.sub != id.sub {
            return Err("ProConnect: userinfo is about another subject".into());
        }
        Ok(Identity {
            sub: info.sub,
            email: info.email,
            given_name: info.given_name,
            usual_name: info.usual_name,
            uid: info.uid,
            siret: info.siret,
            acr: id.acr,
            amr: id.amr,
            id_token: tokens.id_token,
        })
    }

    /// Verifies a JWT's signature with the provider's key of its `kid` (refetching
    /// the JWKS once when the key is unknown: keys rotate) and its `iss` and `aud`.
    async fn verify<T: serde::de::DeserializeOwned>(&self, token: &str, required: &[&str]) -> Result<T, String> {
        let meta = self.metadata().await?;
        let header = decode_header(token).map_err(|e| fail("JWT header", e))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(format!("ProConnect: algorithm {:?} refused", header.alg));
        }
        let kid = header.kid.ok_or("ProConnect: JWT without kid")?;
        let key = match self.key(&kid)? {
            Some(k) => k,
            None => {
                let fresh: JwkSet = self
                    .http
                    .get(&meta.jwks_uri)
                    .send()
                    .await
                    .map_err(|e| fail("JWKS", e))?
                    .json()
                    .await
                    .map_err(|e| fail("JWKS", e))?;
                if let Ok(mut cache) = self.jwks.lock() {
                    *cache = Some(fresh);
                }
                self.key(&kid)?.ok_or_else(|| format!("ProConnect: no key {kid} in the JWKS"))?
            }
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&meta.issuer]);
        validation.set_audience(&[&self.client_id]);
        validation.set_required_spec_claims(required);
        decode::<T>(token, &key, &validation).map(|d| d.claims).map_err(|e| fail("JWT", e))
    }

    fn key(&self, kid: &str) -> Result<Option<DecodingKey>, String> {
        let cache = self.jwks.lock().map_err(|_| "ProConnect: JWKS cache poisoned".to_owned())?;
        match cache.as_ref().and_then(|set| set.find(kid)) {
            Some(jwk) => DecodingKey::from_jwk(jwk).map(Some).map_err(|e| fail("JWK", e)),
            None => Ok(None),
        }
    }

    /// The provider's logout address for this ID token, if it has one.
    pub async fn logout_url(&self, id_token: &str, post_logout_redirect_uri: &str) -> Option<String> {
        let meta = self.metadata().await.ok()?;
        let mut url = reqwest::Url::parse(meta.end_session_endpoint.as_deref()?).ok()?;
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("state", &random().ok()?)
            .append_pair("post_logout_redirect_uri", post_logout_redirect_uri);
        Some(url.into())
    }
}

/// The ID token's `nonce` must be ours; its `acr`, when sent, an accepted level.
fn check_id(id: &IdClaims, nonce: &str) -> Result<(), String> {
    if id.nonce.as_deref().is_none_or(|n| !secret::same(n, nonce)) {
        return Err("ProConnect: the ID token's nonce does not match".into());
    }
    if let Some(acr) = &id.acr
        && !ACR.contains(&acr.as_str())
    {
        return Err(format!("ProConnect: acr {acr} is not an accepted level"));
    }
    Ok(())
}

fn random() -> Result<String, String> {
    secret::generate().map_err(|e| fail("randomness", e))
}

#[cfg(test)]
mod tests;
