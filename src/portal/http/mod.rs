//! The portal's HTTP side: routes, cookies, the client's address and the
//! headers every response carries.
//!
//! Routes (no patient data in any of them; document numbers are ids):
//! - `GET /`: how to sign in
//! - `GET /i/{link}`, `POST /i/{link}`: the sign-in form of an invitation
//! - `GET /documents`: the patient's documents
//! - `GET /documents/{number}`: one PDF, as an attachment
//! - `POST /logout`
//! - `GET /portal.css`: the only stylesheet
//!
//! Anything a patient may not see answers exactly like a page that does not
//! exist.

mod download;
mod login;
mod pages;
pub mod views;

use super::auth::{AddressLimiter, Limits};
use super::store::{PracticeInfo, Store};
use super::Clock;
use crate::error::Result;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use axum::middleware::{self, Next};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Semaphore;
use views::Views;

/// Every response: nothing cached, no scripts, no inline styles, no
/// framing, no referrer, no sniffing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A log line sink (one line per request: method, route, status).
pub type LogFn = Arc<dyn Fn(&str) + Send + Sync>;

#[derive(Clone)]
pub struct ServeOptions {
    pub limits: Limits,
    /// Served through a TLS reverse proxy: cookies are `Secure` with the
    /// `__Host-` prefix, responses carry Strict-Transport-Security, and the
    /// client address comes from the proxy's `X-Forwarded-For`.
    pub behind_tls: bool,
    /// Peers whose `X-Forwarded-For` is believed (only with `behind_tls`).
    pub trusted_proxies: Vec<IpAddr>,
    pub log: Option<LogFn>,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            limits: Limits::default(),
            behind_tls: false,
            trusted_proxies: vec![
                IpAddr::from(std::net::Ipv4Addr::LOCALHOST),
                IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
            ],
            log: None,
        }
    }
}

pub(crate) struct App {
    store: Mutex<Store>,
    clock: Arc<dyn Clock>,
    opts: ServeOptions,
    views: Views,
    addresses: Mutex<AddressLimiter>,
    /// Argon2id checks run at most this many at once (19 MiB each).
    hashing: Semaphore,
}

/// The portal as a router, ready for [`serve`].
pub fn router(store: Store, clock: Arc<dyn Clock>, opts: ServeOptions) -> Result<Router> {
    let practice = store.practice()?.unwrap_or(PracticeInfo {
        name: "Patient documents".into(),
        phone: String::new(),
    });
    let app = Arc::new(App {
        store: Mutex::new(store),
        clock,
        views: Views::new(practice)?,
        opts,
        addresses: Mutex::new(AddressLimiter::default()),
        hashing: Semaphore::new(4),
    });
    Ok(Router::new()
        .route("/", get(pages::index))
        .route("/i/{link}", get(login::login_form).post(login::login))
        .route("/documents", get(pages::documents))
        .route("/documents/{number}", get(download::download))
        .route("/logout", axum::routing::post(pages::logout))
        .route("/portal.css", get(pages::stylesheet))
        .route_layer(middleware::from_fn_with_state(app.clone(), log_request))
        .fallback(pages::fallback)
        .layer(axum::extract::DefaultBodyLimit::max(8 * 1024))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            security_headers,
        ))
        .with_state(app))
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

async fn security_headers(
    State(app): State<Arc<App>>,
    req: Request,
    next: Next,
) -> axum::response::Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, header::CACHE_CONTROL, "no-store");
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    if app.opts.behind_tls {
        set(h, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    res
}

async fn log_request(
    State(app): State<Arc<App>>,
    req: Request,
    next: Next,
) -> axum::response::Response {
    // The route's pattern, never the path: no ids in the server's log.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let method = req.method().clone();
    let res = next.run(req).await;
    app.log(&format!("{method} {route} {}", res.status().as_u16()));
    res
}

impl App {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn log(&self, line: &str) {
        if let Some(log) = &self.opts.log {
            log(line);
        }
    }

    /// Runs `f` on the database off the async threads.
    async fn db<T, F>(self: &Arc<Self>, f: F) -> std::result::Result<T, axum::response::Response>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        let app = Arc::clone(self);
        let out = tokio::task::spawn_blocking(move || {
            let store = app.store.lock().unwrap_or_else(PoisonError::into_inner);
            f(&store)
        })
        .await;
        match out {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                self.log(&format!("error: {e}"));
                Err(self.server_error())
            }
            Err(e) => {
                self.log(&format!("error: database task failed: {e}"));
                Err(self.server_error())
            }
        }
    }

    /// The client's address: the peer, or the last address a trusted proxy
    /// appended to `X-Forwarded-For`.
    fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let peer_ip = peer.ip().to_canonical();
        if self.opts.behind_tls && self.opts.trusted_proxies.contains(&peer_ip) {
            let forwarded = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|s| s.trim().parse::<IpAddr>().ok());
            if let Some(ip) = forwarded {
                return ip.to_canonical();
            }
        }
        peer_ip
    }

    fn cookie_name(&self, base: &str) -> String {
        if self.opts.behind_tls {
            format!("__Host-{base}")
        } else {
            base.to_string()
        }
    }

    /// A browser-session cookie (no Max-Age: it ends when the browser closes).
    fn set_cookie(&self, base: &str, value: &str) -> String {
        format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Strict{}",
            self.cookie_name(base),
            if self.opts.behind_tls { "; Secure" } else { "" }
        )
    }

    fn clear_cookie(&self, base: &str) -> String {
        format!("{}; Max-Age=0", self.set_cookie(base, ""))
    }

    fn cookie<'h>(&self, headers: &'h HeaderMap, base: &str) -> Option<&'h str> {
        let name = self.cookie_name(base);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    fn html(&self, status: StatusCode, body: String) -> axum::response::Response {
        let mut res = Response::new(axum::body::Body::from(body));
        *res.status_mut() = status;
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        res
    }

    /// The one "not found" page: a document of another patient, a number
    /// that does not exist and an unknown address all look the same.
    fn not_found(&self) -> axum::response::Response {
        self.html(
            StatusCode::NOT_FOUND,
            self.views.message(
                "Not found",
                "There is no page here. Your documents are listed after you sign in.",
                Some(("/documents", "Go to your documents")),
            ),
        )
    }

    fn server_error(&self) -> axum::response::Response {
        self.html(
            StatusCode::INTERNAL_SERVER_ERROR,
            self.views.message(
                "Something went wrong",
                "The portal could not complete this request. Please try again later, or call the clinic.",
                None,
            ),
        )
    }
}
