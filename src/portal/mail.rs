//! Sending invitations by SMTP (`portal invite --send`).
//!
//! The mail holds the link, the code and the expiry date, and no patient
//! data: no name, no date of birth, no amounts. Errors name the patient id
//! only: a mail server's reply can quote the recipient's address, so only
//! its status code is kept.

use super::config::{SmtpConfig, SmtpTls};
use super::invite::InviteRow;
use super::store::PracticeInfo;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use handlebars::Handlebars;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use serde::Serialize;

const NEW_INVITATION: &str = include_str!("../../templates/portal/invitation.txt.hbs");
const NEW_DOCUMENTS: &str = include_str!("../../templates/portal/new_documents.txt.hbs");

pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    templates: Handlebars<'static>,
}

#[derive(Serialize)]
struct MailContext<'a> {
    practice_name: &'a str,
    practice_phone: &'a str,
    link: &'a str,
    code: Option<&'a str>,
    /// The expiry date in the practice's time zone, e.g. `November 4, 2026`.
    expires: String,
    documents: usize,
}

impl Mailer {
    /// A mailer for `cfg`; `password` is the value of `password_env`.
    pub fn new(cfg: &SmtpConfig, password: Option<String>) -> Result<Mailer> {
        let bad = |msg: String| Error::Usage(format!("[portal.smtp] in practice.toml: {msg}"));
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| bad(format!("from '{}' is not a mail address ({e})", cfg.from)))?;
        let reply_to = match &cfg.reply_to {
            Some(r) => Some(
                r.parse()
                    .map_err(|e| bad(format!("reply_to '{r}' is not a mail address ({e})")))?,
            ),
            None => None,
        };
        let builder = match cfg.tls {
            SmtpTls::Starttls => SmtpTransport::starttls_relay(&cfg.host),
            SmtpTls::Tls => SmtpTransport::relay(&cfg.host),
            SmtpTls::None => {
                if !is_loopback(&cfg.host) {
                    return Err(bad(format!(
                        "tls = \"none\" sends codes in the clear: it is only allowed to a relay on this machine (localhost), not '{}'; use tls = \"starttls\" or \"tls\"",
                        cfg.host
                    )));
                }
                Ok(SmtpTransport::builder_dangerous(&cfg.host))
            }
        }
        .map_err(|e| bad(format!("host '{}': {e}", cfg.host)))?;
        let mut builder = builder
            .port(cfg.port())
            .timeout(Some(std::time::Duration::from_secs(30)));
        match (&cfg.username, password) {
            (Some(user), Some(pw)) => {
                builder = builder.credentials(Credentials::new(user.clone(), pw));
            }
            (Some(_), None) => {
                return Err(bad(format!(
                    "username is set but no password: set password_env to the name of an environment variable holding it{}",
                    cfg.password_env
                        .as_deref()
                        .map(|v| format!(" (is {v} set?)"))
                        .unwrap_or_default()
                )))
            }
            (None, _) => {}
        }
        let mut templates = Handlebars::new();
        templates.set_strict_mode(true);
        templates.register_escape_fn(handlebars::no_escape);
        for (name, text) in [("new", NEW_INVITATION), ("documents", NEW_DOCUMENTS)] {
            templates
                .register_template_string(name, text)
                .map_err(|e| Error::Template {
                    template: name.into(),
                    message: e.to_string(),
                })?;
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            reply_to,
            templates,
        })
    }

    /// Sends one invitation (a new code) or notice (new documents, same
    /// code). The error says why without quoting the address.
    pub fn send(
        &self,
        practice: &PracticeInfo,
        row: &InviteRow,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> std::result::Result<(), String> {
        let to_text = row.email.as_deref().ok_or("no email in patients.csv")?;
        let to: Mailbox = to_text
            .parse()
            .map_err(|_| "the email in patients.csv is not a valid address".to_string())?;
        let ctx = MailContext {
            practice_name: &practice.name,
            practice_phone: &practice.phone,
            link: &row.link,
            code: row.code.as_deref(),
            expires: row
                .expires
                .with_timezone(&tz)
                .format("%B %-d, %Y")
                .to_string(),
            documents: row.new_documents.len(),
        };
        let (template, subject) = match row.code {
            Some(_) => (
                "new",
                format!("Your documents from {} are ready", practice.name),
            ),
            None => (
                "documents",
                format!("A new document from {}", practice.name),
            ),
        };
        let body = self
            .templates
            .render(template, &ctx)
            .map_err(|e| format!("template {template}: {e}"))?;
        let mut msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .date(now.into())
            .header(ContentType::TEXT_PLAIN);
        if let Some(r) = &self.reply_to {
            msg = msg.reply_to(r.clone());
        }
        let msg = msg
            .body(body)
            .map_err(|e| format!("could not build the message: {e}"))?;
        self.transport
            .send(&msg)
            .map(drop)
            .map_err(|e| describe(&e))
    }
}

/// A send error without the server's text (which may quote the address).
fn describe(e: &lettre::transport::smtp::Error) -> String {
    let code = e
        .status()
        .map(|c| format!(" (SMTP {c})"))
        .unwrap_or_default();
    if e.is_permanent() {
        format!("the mail server refused it{code}")
    } else if e.is_transient() {
        format!("the mail server refused it for now{code}: try again later")
    } else if e.is_timeout() {
        "the mail server did not answer in time".into()
    } else if e.is_tls() {
        "the TLS connection to the mail server failed".into()
    } else if e.is_response() {
        format!("the mail server's reply was not understood{code}")
    } else {
        format!("could not talk to the mail server: {e}")
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(host: &str, tls: SmtpTls) -> SmtpConfig {
        SmtpConfig {
            host: host.into(),
            port: None,
            tls,
            username: None,
            password_env: None,
            from: "Clinic <portal@clinic.example>".into(),
            reply_to: None,
        }
    }

    #[test]
    fn plain_smtp_only_to_this_machine() {
        assert!(Mailer::new(&cfg("127.0.0.1", SmtpTls::None), None).is_ok());
        assert!(Mailer::new(&cfg("localhost", SmtpTls::None), None).is_ok());
        let err = Mailer::new(&cfg("smtp.example.org", SmtpTls::None), None)
            .err()
            .unwrap();
        assert!(err.to_string().contains("only allowed"), "{err}");
        assert!(Mailer::new(&cfg("smtp.example.org", SmtpTls::Starttls), None).is_ok());
    }

    #[test]
    fn a_username_needs_a_password() {
        let mut c = cfg("smtp.example.org", SmtpTls::Starttls);
        c.username = Some("u".into());
        c.password_env = Some("SMTP_PW".into());
        let err = Mailer::new(&c, None).err().unwrap();
        assert!(err.to_string().contains("SMTP_PW"), "{err}");
    }
}
