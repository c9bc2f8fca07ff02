//! The `[portal]` section of `practice.toml`:
//!
//! ```toml
//! [portal]
//! base_url = "https://portal.cedar-ridge.example"   # what invitation links start with
//! expires_days = 30                                  # optional, default 30
//!
//! [portal.smtp]                                      # optional: `portal invite --send`
//! host = "smtp.example.org"
//! port = 587                                         # default: 587 starttls, 465 tls, 25 none
//! tls = "starttls"                                   # "starttls", "tls", or "none" (a relay on this machine only)
//! username = "portal@cedar-ridge.example"            # optional
//! password_env = "SUPERBILL_SMTP_PASSWORD"           # the password comes from this variable, never the file
//! from = "Cedar Ridge Ketamine & Wellness <portal@cedar-ridge.example>"
//! reply_to = "front-desk@cedar-ridge.example"        # optional
//! ```

use serde::Deserialize;

pub const DEFAULT_EXPIRES_DAYS: u32 = 30;

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PortalConfig {
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub expires_days: Option<u32>,
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: SmtpTls,
    #[serde(default)]
    pub username: Option<String>,
    /// Name of the environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    pub from: String,
    #[serde(default)]
    pub reply_to: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// No encryption: only to a mail relay on this machine (loopback).
    None,
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }
}

/// A `base_url` the links can start with: http(s), a host, no query.
pub fn check_base_url(url: &str) -> Result<String, String> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ', '"', '<', '>']) => {
            Ok(trimmed.to_string())
        }
        _ => Err(format!(
            "'{url}' is not a portal address: use the address patients open, e.g. https://portal.example.org"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_example() {
        let text = include_str!("config.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//! "))
            .skip_while(|l| !l.starts_with("[portal]"))
            .take_while(|l| !l.starts_with("```"))
            .collect::<Vec<_>>()
            .join("\n");
        #[derive(Deserialize)]
        struct Doc {
            portal: PortalConfig,
        }
        let doc: Doc = toml::from_str(&text).unwrap();
        let smtp = doc.portal.smtp.unwrap();
        assert_eq!(smtp.tls, SmtpTls::Starttls);
        assert_eq!(smtp.port(), 587);
        assert_eq!(doc.portal.expires_days, Some(30));
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            check_base_url("https://portal.example.org/").unwrap(),
            "https://portal.example.org"
        );
        assert!(check_base_url("http://127.0.0.1:8080").is_ok());
        assert!(check_base_url("portal.example.org").is_err());
        assert!(check_base_url("https://x?y=1").is_err());
    }
}
