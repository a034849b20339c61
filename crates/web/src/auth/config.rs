//! Access settings, read once from the environment (`AuthConfig::from_env`) or
//! given explicitly by tests.

use std::ops::{Deref, DerefMut};

use cohesion_app::access::Settings;
use time::Duration;

use super::mail::Mailer;

/// The access settings of the use cases (sessions, links, throttling, mail:
/// [`Settings`], reached through `Deref`), and what is the HTTP edge's: ProConnect.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub access: Settings,
    /// ProConnect, when `COHESION_PROCONNECT_DISCOVERY_URL`, `…_CLIENT_ID` and
    /// `…_CLIENT_SECRET` are set.
    pub proconnect: Option<std::sync::Arc<super::proconnect::ProConnect>>,
}

impl Deref for AuthConfig {
    type Target = Settings;

    fn deref(&self) -> &Settings {
        &self.access
    }
}

impl DerefMut for AuthConfig {
    fn deref_mut(&mut self) -> &mut Settings {
        &mut self.access
    }
}

impl AuthConfig {
    /// Defaults for `public_url`, mail logged instead of sent.
    pub fn new(public_url: impl Into<String>) -> AuthConfig {
        AuthConfig { access: Settings::new(public_url), proconnect: None }
    }

    /// Reads `COHESION_PUBLIC_URL` (default `http://127.0.0.1:8080`),
    /// `COHESION_SESSION_IDLE_MINUTES`, `COHESION_SESSION_HOURS`, `COHESION_SMTP_URL`
    /// and `COHESION_MAIL_FROM`.
    pub fn from_env() -> Result<AuthConfig, String> {
        let var = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut config = AuthConfig::new(var("COHESION_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into()));
        if !(config.public_url.starts_with("http://") || config.public_url.starts_with("https://")) {
            return Err(format!("COHESION_PUBLIC_URL must start with http:// or https://, not {}", config.public_url));
        }
        let number = |k: &str, default: i64| -> Result<i64, String> {
            var(k).map_or(Ok(default), |v| {
                v.parse::<i64>().ok().filter(|n| *n > 0).ok_or(format!("{k}: not a positive number: {v}"))
            })
        };
        config.session_idle = Duration::minutes(number("COHESION_SESSION_IDLE_MINUTES", 120)?);
        config.session_absolute = Duration::hours(number("COHESION_SESSION_HOURS", 12)?);
        if let Some(url) = var("COHESION_SMTP_URL") {
            let from = var("COHESION_MAIL_FROM").unwrap_or_else(|| "Cohésion <ne-pas-repondre@localhost>".into());
            config.mailer = Mailer::smtp(&url, &from).map_err(|e| e.to_string())?;
        }
        if let Some(discovery) = var("COHESION_PROCONNECT_DISCOVERY_URL") {
            let id = var("COHESION_PROCONNECT_CLIENT_ID")
                .ok_or("COHESION_PROCONNECT_CLIENT_ID is required with ProConnect")?;
            let secret = var("COHESION_PROCONNECT_CLIENT_SECRET")
                .ok_or("COHESION_PROCONNECT_CLIENT_SECRET is required with ProConnect")?;
            config.proconnect =
                Some(std::sync::Arc::new(super::proconnect::ProConnect::new(&discovery, &id, &secret)?));
        }
        Ok(config)
    }

    /// Whether the service is reached over TLS (secure cookies, HSTS).
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The session cookie's name: `__Host-` prefixed over TLS (browsers then refuse it
    /// unless Secure, host-only and on `/`).
    pub fn session_cookie(&self) -> &'static str {
        if self.https() { "__Host-cohesion_session" } else { "cohesion_session" }
    }

    /// The anonymous visitor's CSRF cookie (sign-in and other forms before a session).
    pub fn csrf_cookie(&self) -> &'static str {
        if self.https() { "__Host-cohesion_csrf" } else { "cohesion_csrf" }
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Lax, on `/`, Secure over TLS.
    pub fn cookie(&self, name: &str, value: &str, max_age: Option<Duration>) -> String {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
        if let Some(age) = max_age {
            c.push_str(&format!("; Max-Age={}", age.whole_seconds().max(0)));
        }
        if self.https() {
            c.push_str("; Secure");
        }
        c
    }
}
