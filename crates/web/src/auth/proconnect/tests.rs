//! The checks of tokens, without a provider: a P-256 key made for these tests
//! signs the tokens; the JWKS and the discovery document are given directly.

use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;

use super::*;

const PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgwt2LA7cFB1ypLRGNzhj+pKPluOL6gznfjTLCeGPnXX6hRANCAATadZJXTA/ZQ7VmLJi504KQ23hkrBpJ0EZZPZbbQxcpqwjNdsFdaHsyDI53O3my5u4lt8xdCtWRKeVBrMWWvA9S";
const X: &str = "2nWSV0wP2UO1ZiyYudOCkNt4ZKwaSdBGWT2W20MXKas";
const Y: &str = "CM12wV1oezIMjnc7ebLm7iW3zF0K1ZEp5UGsxZa8D1I";

fn provider() -> ProConnect {
    let pc = ProConnect::new("http://127.0.0.1:9/.well-known/openid-configuration", "cohesion", "s").expect("client");
    let meta = Metadata {
        issuer: "https://proconnect.test".into(),
        authorization_endpoint: "https://proconnect.test/authorize".into(),
        token_endpoint: "https://proconnect.test/token".into(),
        userinfo_endpoint: "https://proconnect.test/userinfo".into(),
        // Unreachable: an unknown key cannot be fetched.
        jwks_uri: "http://127.0.0.1:9/jwks".into(),
        end_session_endpoint: None,
    };
    let jwks =
        json!({"keys": [{"kty": "EC", "crv": "P-256", "x": X, "y": Y, "kid": "k1", "alg": "ES256", "use": "sig"}]});
    ProConnect {
        metadata: tokio::sync::OnceCell::new_with(Some(meta)),
        jwks: Mutex::new(Some(serde_json::from_value(jwks).expect("jwks"))),
        ..pc
    }
}

fn sign(claims: serde_json::Value, kid: &str) -> String {
    let der = base64::engine::general_purpose::STANDARD.decode(PKCS8).expect("der");
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.into());
    encode(&header, &claims, &EncodingKey::from_ec_der(&der)).expect("sign")
}

fn claims() -> serde_json::Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"iss": "https://proconnect.test", "aud": "cohesion", "sub": "agent", "exp": now + 60, "iat": now,
           "nonce": "n0nce", "acr": "eidas1"})
}

async fn check(claims: serde_json::Value, kid: &str) -> Result<IdClaims, String> {
    provider().verify::<IdClaims>(&sign(claims, kid), &["exp", "iss", "aud", "sub"]).await
}

#[tokio::test]
async fn a_good_id_token_passes_every_check() {
    let id = check(claims(), "k1").await.expect("valid");
    assert_eq!(id.sub, "agent");
    assert!(check_id(&id, "n0nce").is_ok());
}

#[tokio::test]
async fn wrong_audience_issuer_expiry_key_or_signature_are_refused() {
    let mut c = claims();
    c["aud"] = json!("someone-else");
    assert!(check(c, "k1").await.is_err(), "audience");
    let mut c = claims();
    c["iss"] = json!("https://evil.test");
    assert!(check(c, "k1").await.is_err(), "issuer");
    let mut c = claims();
    c["exp"] = json!(time::OffsetDateTime::now_utc().unix_timestamp() - 3600);
    assert!(check(c, "k1").await.is_err(), "expired");
    let mut c = claims();
    c.as_object_mut().expect("object").remove("exp");
    assert!(check(c, "k1").await.is_err(), "exp is required in an ID token");
    assert!(check(claims(), "unknown").await.is_err(), "unknown key");
    let token = sign(claims(), "k1");
    let (head, rest) = token.split_once('.').expect("jwt");
    let (_, sig) = rest.split_once('.').expect("jwt");
    let forged = format!("{head}.{}.{sig}", URL_SAFE_NO_PAD.encode(claims().to_string().replace("agent", "admin")));
    assert!(provider().verify::<IdClaims>(&forged, &["exp"]).await.is_err(), "payload changed after signing");
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"k1"}"#),
        URL_SAFE_NO_PAD.encode(claims().to_string())
    );
    assert!(provider().verify::<IdClaims>(&none, &["exp"]).await.is_err(), "alg none");
}

#[tokio::test]
async fn nonce_and_acr_are_checked() {
    let id = check(claims(), "k1").await.expect("valid");
    assert!(check_id(&id, "another").is_err(), "nonce");
    let mut c = claims();
    c["acr"] = json!("weak");
    let id = check(c, "k1").await.expect("signature fine");
    assert!(check_id(&id, "n0nce").is_err(), "acr");
    let mut c = claims();
    c.as_object_mut().expect("object").remove("nonce");
    let id = check(c, "k1").await.expect("signature fine");
    assert!(check_id(&id, "n0nce").is_err(), "no nonce");
}
