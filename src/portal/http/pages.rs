//! The handlers (sign-in in `login`, PDFs in `download`). Each state
//! change (sign in, sign out) is a POST carrying a CSRF token; downloads
//! are GETs that change nothing but the audit log.

use super::App;
use crate::portal::auth;
use crate::portal::secret::{self, ct_eq};
use crate::portal::store::{Audit, Event, Session};
use axum::body::Body;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Form;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};

pub(super) type Reply = Result<Response, Response>;

pub(super) const SESSION_COOKIE: &str = "superbill";
pub(super) const LOGIN_COOKIE: &str = "superbill-login";

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(super) fn redirect(to: &'static str, cookies: &[String]) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::SEE_OTHER;
    res.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

pub(super) fn with_cookie(mut res: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(super) fn token_ok(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A form post must come from this site, as far as the browser says:
/// `Sec-Fetch-Site`, when sent, must be `same-origin`, and `Origin`, when
/// it names a site, must be this host. (`Referrer-Policy: no-referrer`
/// makes browsers send `Origin: null` even for this site's own forms, so
/// `null` says nothing.) With SameSite=Strict cookies and the CSRF token
/// this is a third, independent check.
pub(super) fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.to_str(), Ok("same-origin" | "none")) {
            return false;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, h)| h);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

impl App {
    /// The signed-in session of this request, if any and still valid.
    pub(super) async fn current_session(
        self: &Arc<Self>,
        headers: &HeaderMap,
        client: String,
    ) -> Result<Option<(String, Session)>, Response> {
        let Some(token) = self.cookie(headers, SESSION_COOKIE).filter(|t| token_ok(t)) else {
            return Ok(None);
        };
        let token = token.to_string();
        let now = self.now();
        let limits = self.opts.limits.clone();
        let t = token.clone();
        let s = self
            .db(move |s| auth::session(s, &t, &client, now, &limits))
            .await?;
        Ok(s.map(|s| (token, s)))
    }

    pub(super) fn audit(self: &Arc<Self>, a: Audit<'_>, now: DateTime<Utc>) {
        let store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(e) = store.audit(a, now) {
            self.log(&format!("error: audit log: {e}"));
        }
    }

    /// Counts a failed attempt against the client's address; the failure
    /// that reaches the limit is audited.
    pub(super) fn address_failed(self: &Arc<Self>, key: &str, client: &str, now: DateTime<Utc>) {
        let reached = self
            .addresses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fail(key, now, &self.opts.limits);
        if reached {
            self.audit(
                Audit {
                    client: Some(client),
                    ..Audit::new(Event::AddressLimited)
                },
                now,
            );
        }
    }

    pub(super) fn login_page(
        &self,
        status: StatusCode,
        link: &str,
        csrf: &str,
        error: Option<&str>,
    ) -> Response {
        self.html(status, self.views.login(link, csrf, error))
    }

    pub(super) fn locked_page(&self, until: DateTime<Utc>, now: DateTime<Utc>) -> Response {
        let minutes = ((until - now).num_seconds() + 59) / 60;
        self.html(
            StatusCode::TOO_MANY_REQUESTS,
            self.views.message(
                "Too many attempts",
                &format!(
                    "This invitation is locked after too many attempts. Try again in {minutes} minute{}, or call the clinic.",
                    if minutes == 1 { "" } else { "s" }
                ),
                None,
            ),
        )
    }
}

pub async fn index(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Reply {
    let client = app.client(peer, &headers).to_string();
    if app.current_session(&headers, client).await?.is_some() {
        return Ok(redirect("/documents", &[]));
    }
    Ok(app.html(
        StatusCode::OK,
        app.views
            .page("index", "Patient documents", &serde_json::json!({})),
    ))
}
pub async fn documents(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Reply {
    let client = app.client(peer, &headers).to_string();
    let Some((_, session)) = app.current_session(&headers, client).await? else {
        return Ok(redirect("/", &[app.clear_cookie(SESSION_COOKIE)]));
    };
    let patient = session.patient_id.clone();
    let docs = app.db(move |s| s.documents(&patient)).await?;
    Ok(app.html(
        StatusCode::OK,
        app.views
            .documents(&docs, &session.csrf, app.opts.limits.idle.num_minutes()),
    ))
}
pub async fn logout(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Reply {
    let client = app.client(peer, &headers).to_string();
    let Some((token, session)) = app.current_session(&headers, client.clone()).await? else {
        return Ok(redirect("/", &[app.clear_cookie(SESSION_COOKIE)]));
    };
    let csrf = form.map(|f| f.0.csrf).unwrap_or_default();
    if !same_origin(&headers) || !ct_eq(csrf.as_bytes(), session.csrf.as_bytes()) {
        return Ok(app.html(
            StatusCode::FORBIDDEN,
            app.views.message(
                "Please try again",
                "This form has expired or did not come from this site.",
                Some(("/documents", "Back to your documents")),
            ),
        ));
    }
    let now = app.now();
    let hash = secret::token_hash(&token);
    app.db(move |s| {
        s.delete_session(&hash)?;
        s.audit(
            Audit {
                patient_id: Some(&session.patient_id),
                invitation_id: Some(session.invitation_id),
                client: Some(&client),
                ..Audit::new(Event::Logout)
            },
            now,
        )
    })
    .await?;
    Ok(redirect("/", &[app.clear_cookie(SESSION_COOKIE)]))
}

pub async fn stylesheet() -> Response {
    let mut res = Response::new(Body::from(super::views::STYLESHEET));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    res
}

pub async fn fallback(State(app): State<Arc<App>>, req: axum::extract::Request) -> Response {
    app.log(&format!("{} (no route) 404", req.method()));
    app.not_found()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn origin_must_be_this_host() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h));
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        // What a browser sends for this site's own form under no-referrer.
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(!same_origin(&h));
    }

    #[test]
    fn token_shapes() {
        assert!(token_ok(&"a".repeat(64)));
        assert!(!token_ok(&"g".repeat(64)));
    }
}
