//! Signing in: the invitation's form and its answer.

use super::pages::{
    redirect, same_origin, token_ok, with_cookie, Reply, LOGIN_COOKIE, SESSION_COOKIE,
};
use super::App;
use crate::portal::auth::{self, address_key, Gate};
use crate::portal::secret::{self, ct_eq, CODE_LEN};
use crate::portal::store::{Audit, Event};
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};

const WRONG: &str = "The date of birth or the code does not match this invitation, or the invitation is no longer valid. Check both and try again, or call the clinic for a new invitation.";

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    dob: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}
/// 32 hex digits, as `secret::link_id` makes them.
fn link_ok(link: &str) -> bool {
    link.len() == 32
        && link
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Dates of birth as patients type them: 07/09/1975, 7/9/1975, 07091975
/// (US order) or 1975-07-09.
fn parse_dob(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%m%d%Y").ok();
    }
    crate::input::parse::calendar_date(t).ok()
}

pub async fn login_form(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(link): Path<String>,
    headers: HeaderMap,
) -> Reply {
    if !link_ok(&link) {
        return Ok(app.not_found());
    }
    let client = app.client(peer, &headers).to_string();
    if app.current_session(&headers, client).await?.is_some() {
        return Ok(redirect("/documents", &[]));
    }
    // One token per browser, so two open tabs both work.
    let csrf = match app.cookie(&headers, LOGIN_COOKIE).filter(|t| token_ok(t)) {
        Some(t) => t.to_string(),
        None => secret::token().map_err(|_| app.server_error())?,
    };
    let res = app.login_page(StatusCode::OK, &link, &csrf, None);
    Ok(with_cookie(res, &app.set_cookie(LOGIN_COOKIE, &csrf)))
}

pub async fn login(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(link): Path<String>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Reply {
    if !link_ok(&link) {
        return Ok(app.not_found());
    }
    let form = form.map(|f| f.0).unwrap_or_default();
    let now = app.now();
    let ip = app.client(peer, &headers);
    let (key, client) = (address_key(ip), ip.to_string());
    let csrf = app.cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if !same_origin(&headers) || !token_ok(csrf) || !ct_eq(csrf.as_bytes(), form.csrf.as_bytes()) {
        return Ok(app.html(
            StatusCode::FORBIDDEN,
            app.views.message(
                "Please try again",
                "This form has expired or did not come from this site. Open the link in your invitation again.",
                None,
            ),
        ));
    }
    let csrf = csrf.to_string();
    let blocked = app
        .addresses
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .blocked(&key, now, &app.opts.limits);
    if blocked {
        return Ok(app.html(
            StatusCode::TOO_MANY_REQUESTS,
            app.views.message(
                "Too many attempts",
                "There were too many failed attempts from your network. Wait 15 minutes and try again, or call the clinic.",
                None,
            ),
        ));
    }
    // Input that cannot be right is sent back without counting an attempt:
    // nothing about the invitation is tested.
    let Some(dob) = parse_dob(&form.dob) else {
        return Ok(app.login_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &link,
            &csrf,
            Some("Enter your date of birth as MM/DD/YYYY, for example 07/09/1975."),
        ));
    };
    let code = secret::normalize_code(&form.code);
    if code.len() != CODE_LEN || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(app.login_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &link,
            &csrf,
            Some("The code has 10 letters and digits, like ABCDE-12345: check your invitation."),
        ));
    }
    let limits = app.opts.limits.clone();
    let (l, lim) = (link.clone(), limits.clone());
    let gate = app
        .db(move |s| auth::begin_attempt(s, &l, now, &lim))
        .await?;
    let _permit = app
        .hashing
        .acquire()
        .await
        .map_err(|_| app.server_error())?;
    match gate {
        Gate::Closed(reason, inv) => {
            // As slow as a real check, so timing tells nothing.
            let c = code.clone();
            let _ = tokio::task::spawn_blocking(move || secret::verify_nothing(&c, dob)).await;
            app.audit(
                Audit {
                    patient_id: inv.as_ref().map(|i| i.patient_id.as_str()),
                    invitation_id: inv.as_ref().map(|i| i.id),
                    client: Some(&client),
                    detail: Some(reason.detail()),
                    ..Audit::new(Event::LoginFailed)
                },
                now,
            );
            app.address_failed(&key, &client, now);
            Ok(app.login_page(StatusCode::FORBIDDEN, &link, &csrf, Some(WRONG)))
        }
        Gate::Locked(inv, until) => {
            app.audit(
                Audit {
                    patient_id: Some(&inv.patient_id),
                    invitation_id: Some(inv.id),
                    client: Some(&client),
                    ..Audit::new(Event::LoginWhileLocked)
                },
                now,
            );
            app.address_failed(&key, &client, now);
            Ok(app.locked_page(until, now))
        }
        Gate::Try { invitation, locks } => {
            let stored = invitation.secret.clone();
            let c = code.clone();
            let ok = tokio::task::spawn_blocking(move || secret::verify_secret(&stored, &c, dob))
                .await
                .unwrap_or(false);
            if ok {
                let c = client.clone();
                let (token, _) = app
                    .db(move |s| auth::start_session(s, &invitation, &c, now, &limits))
                    .await?;
                return Ok(redirect(
                    "/documents",
                    &[
                        app.set_cookie(SESSION_COOKIE, &token),
                        app.clear_cookie(LOGIN_COOKIE),
                    ],
                ));
            }
            app.audit(
                Audit {
                    patient_id: Some(&invitation.patient_id),
                    invitation_id: Some(invitation.id),
                    client: Some(&client),
                    detail: Some("wrong code or date of birth"),
                    ..Audit::new(if locks.is_some() {
                        Event::Locked
                    } else {
                        Event::LoginFailed
                    })
                },
                now,
            );
            app.address_failed(&key, &client, now);
            match locks {
                Some(until) => Ok(app.locked_page(until, now)),
                None => Ok(app.login_page(StatusCode::FORBIDDEN, &link, &csrf, Some(WRONG))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth_as_typed() {
        let d = NaiveDate::from_ymd_opt(1975, 7, 9);
        for t in [
            "07/09/1975",
            "7/9/1975",
            "07091975",
            "1975-07-09",
            " 07/09/1975 ",
        ] {
            assert_eq!(parse_dob(t), d, "{t}");
        }
        for t in ["", "1975", "13/45/1975", "09071975x"] {
            assert_eq!(parse_dob(t), None, "{t}");
        }
    }

    #[test]
    fn link_shapes() {
        assert!(link_ok("0123456789abcdef0123456789abcdef"));
        assert!(!link_ok("0123456789ABCDEF0123456789abcdef"));
        assert!(!link_ok("../../etc/passwd"));
    }
}
