//! Downloads: a patient's own PDF, checked against the batch's manifest.

use super::pages::{redirect, Reply, SESSION_COOKIE};
use super::App;
use crate::input::records::check_id;
use crate::portal::secret::ct_eq;
use crate::portal::store::{Audit, Event};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::io::SeekFrom;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

pub async fn download(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Reply {
    let client = app.client(peer, &headers).to_string();
    let Some((_, session)) = app.current_session(&headers, client.clone()).await? else {
        return Ok(redirect("/", &[app.clear_cookie(SESSION_COOKIE)]));
    };
    let now = app.now();
    let valid = check_id(&number).is_ok();
    let (patient, n) = (session.patient_id.clone(), number.clone());
    let doc = if valid {
        app.db(move |s| s.document(&patient, &n)).await?
    } else {
        None
    };
    let Some(doc) = doc else {
        app.audit(
            Audit {
                patient_id: Some(&session.patient_id),
                invitation_id: Some(session.invitation_id),
                // Only a well-formed number is recorded: the rest is noise
                // an attacker chose.
                document: valid.then_some(number.as_str()),
                client: Some(&client),
                ..Audit::new(Event::NotFound)
            },
            now,
        );
        return Ok(app.not_found());
    };
    let integrity_failed = |detail: &'static str| {
        app.audit(
            Audit {
                patient_id: Some(&session.patient_id),
                invitation_id: Some(session.invitation_id),
                document: Some(&doc.number),
                client: Some(&client),
                detail: Some(detail),
                ..Audit::new(Event::IntegrityFailed)
            },
            now,
        );
        app.log("error: a registered document is missing or changed: see `superbill portal audit`");
        app.html(
            StatusCode::SERVICE_UNAVAILABLE,
            app.views.message(
                "Document unavailable",
                "This document cannot be downloaded right now. Please call the clinic.",
                Some(("/documents", "Back to your documents")),
            ),
        )
    };
    let Ok(mut file) = tokio::fs::File::open(&doc.path).await else {
        return Ok(integrity_failed("file missing"));
    };
    // Hash the open file, then send the same file from the start: a file
    // replaced meanwhile (renamed over) does not affect the open one.
    let Ok((digest, len)) = hash_file(&mut file).await else {
        return Ok(integrity_failed("file unreadable"));
    };
    if !ct_eq(digest.as_bytes(), doc.sha256.as_bytes()) {
        return Ok(integrity_failed("checksum differs from the manifest"));
    }
    if file.seek(SeekFrom::Start(0)).await.is_err() {
        return Ok(integrity_failed("file unreadable"));
    }
    app.audit(
        Audit {
            patient_id: Some(&session.patient_id),
            invitation_id: Some(session.invitation_id),
            document: Some(&doc.number),
            client: Some(&client),
            ..Audit::new(Event::Download)
        },
        now,
    );
    let mut res = Response::new(Body::from_stream(verified_stream(file, doc.sha256.clone())));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    // The number is a validated id: safe in a header and a file name.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}.pdf\"", doc.number)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

async fn hash_file(file: &mut tokio::fs::File) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), len))
}

/// The file in chunks, hashed again on the way: if it changed in place
/// after the check, the download is cut off instead of completed.
fn verified_stream(
    file: tokio::fs::File,
    expected: String,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> {
    futures_util::stream::unfold(Some((file, Sha256::new(), expected)), |state| async move {
        let (mut file, mut hasher, expected) = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => {
                if hex::encode(hasher.finalize()) == expected {
                    None
                } else {
                    Some((
                        Err(std::io::Error::other("document changed while sending")),
                        None,
                    ))
                }
            }
            Ok(n) => {
                buf.truncate(n);
                hasher.update(&buf);
                Some((Ok(Bytes::from(buf)), Some((file, hasher, expected))))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}
