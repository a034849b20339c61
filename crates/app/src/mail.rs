//! Outgoing mail: SMTP through a relay (`COHESION_SMTP_URL=smtp://host:port`), or,
//! when none is configured, the message written to the log (development).
//!
//! No TLS stack is compiled in (it would double the build's dependencies): the relay is
//! expected on the local network or host, which then delivers onwards with TLS.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Clone)]
pub enum Mailer {
    /// Mail is logged (level INFO), not sent: no SMTP relay configured.
    Log,
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Log => f.write_str("Mailer::Log"),
            Mailer::Smtp { from, .. } => write!(f, "Mailer::Smtp(from {from})"),
        }
    }
}

impl Mailer {
    /// `smtp://host[:port]` (port 25 by default).
    pub fn smtp(url: &str, from: &str) -> Result<Mailer, MailError> {
        let bad = |m: String| MailError::Config(m);
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| bad(format!("COHESION_SMTP_URL must be smtp://host:port, not {url}")))?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad(format!("bad SMTP port in {url}")))?),
            None => (rest, 25),
        };
        if host.is_empty() || host.contains('@') {
            return Err(bad(format!("COHESION_SMTP_URL: expected smtp://host:port without credentials, not {url}")));
        }
        let from: Mailbox = from.parse().map_err(|e| bad(format!("COHESION_MAIL_FROM: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port).build();
        Ok(Mailer::Smtp { transport, from })
    }

    /// Sends a plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        match self {
            Mailer::Log => {
                tracing::info!(to, subject, body, "mail not sent (no COHESION_SMTP_URL): logged instead");
                Ok(())
            }
            Mailer::Smtp { transport, from } => {
                let to: Mailbox = to.parse().map_err(|e| MailError::Send(format!("recipient {to}: {e}")))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_owned())
                    .map_err(|e| MailError::Send(e.to_string()))?;
                transport.send(message).await.map(|_| ()).map_err(|e| MailError::Send(e.to_string()))
            }
        }
    }
}

impl Mailer {
    /// Sends a message with its plain-text and HTML parts (`multipart/alternative`).
    pub async fn send_mail(&self, to: &str, mail: &cohesion_core::mail::Mail) -> Result<(), MailError> {
        match self {
            Mailer::Log => {
                tracing::info!(
                    to,
                    subject = mail.subject,
                    body = mail.text,
                    "mail not sent (no COHESION_SMTP_URL): logged instead"
                );
                Ok(())
            }
            Mailer::Smtp { transport, from } => {
                let to: Mailbox = to.parse().map_err(|e| MailError::Send(format!("recipient {to}: {e}")))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(mail.subject.as_str())
                    .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
                    .map_err(|e| MailError::Send(e.to_string()))?;
                transport.send(message).await.map(|_| ()).map_err(|e| MailError::Send(e.to_string()))
            }
        }
    }
}

/// A mailer that cannot be set up (its settings), or a message not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Send(String),
}
