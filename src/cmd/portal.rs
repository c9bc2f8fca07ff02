//! `superbill portal invite|serve|revoke|audit`

use crate::cli::{
    PortalAuditArgs, PortalCommand, PortalInviteArgs, PortalRevokeArgs, PortalServeArgs,
};
use crate::error::{Error, Result};
use crate::findings::Findings;
use crate::input::records::check_id;
use crate::input::Inputs;
use crate::portal::config::{check_base_url, DEFAULT_EXPIRES_DAYS};
use crate::portal::http::{self, ServeOptions};
use crate::portal::invite::{self, InviteOptions, InviteRow};
use crate::portal::mail::Mailer;
use crate::portal::store::{Audit, Event, PracticeInfo, Store};
use crate::portal::{auth::Limits, documents, Clock};
use chrono::{DateTime, SecondsFormat, Utc};
use std::io::Write;
use std::sync::Arc;

/// The system clock: the one place the portal's time comes from.
fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn run(cmd: PortalCommand) -> Result<i32> {
    match cmd {
        PortalCommand::Invite(a) => invite(&a),
        PortalCommand::Serve(a) => serve(&a),
        PortalCommand::Revoke(a) => revoke(&a),
        PortalCommand::Audit(a) => audit(&a),
    }
}

fn invite(args: &PortalInviteArgs) -> Result<i32> {
    let mut findings = Findings::default();
    let inputs = Inputs::load(&args.practice, &mut findings)?;
    let config = inputs.practice.portal.clone().unwrap_or_default();
    let base_url = args
        .base_url
        .clone()
        .or(config.base_url.clone())
        .ok_or_else(|| {
            Error::Usage(
                "where is the portal? pass --base-url https://portal.example.org or set base_url under [portal] in practice.toml"
                    .into(),
            )
        })?;
    let base_url = check_base_url(&base_url).map_err(Error::Usage)?;
    let days = args
        .expires_days
        .or(config.expires_days)
        .unwrap_or(DEFAULT_EXPIRES_DAYS);
    if !(1..=366).contains(&days) {
        return Err(Error::Usage(format!(
            "invitations must expire after 1 to 366 days, not {days}"
        )));
    }
    // Check mail settings before anything is written.
    let mailer = if args.send {
        let smtp = config.smtp.as_ref().ok_or_else(|| {
            Error::Usage(
                "--send needs a [portal.smtp] section in practice.toml (host, from, ...; see the README), or leave --send out and mail-merge invites.csv"
                    .into(),
            )
        })?;
        let password = smtp
            .password_env
            .as_deref()
            .and_then(|v| std::env::var(v).ok());
        Some(Mailer::new(smtp, password)?)
    } else {
        None
    };
    let docs = documents::read_batch(&args.out)?;
    let patients = invite::invitees(&inputs.patients);
    let practice = PracticeInfo {
        name: inputs.practice.legal_name.clone(),
        phone: inputs.practice.phone.clone(),
    };
    let mut store = Store::open_or_create(&args.db)?;
    let opts = InviteOptions {
        base_url,
        valid_for: chrono::Duration::days(days.into()),
        new_codes: args.new_codes,
    };
    let report = invite::invite(&mut store, &practice, &docs, &patients, &opts, now())?;

    let mut unsent: Vec<(&InviteRow, Option<String>)> = Vec::new();
    let mut sent = 0usize;
    match &mailer {
        Some(m) => {
            for row in &report.rows {
                match m.send(&practice, row, inputs.tz, now()) {
                    Ok(()) => sent += 1,
                    Err(why) => unsent.push((row, Some(why))),
                }
            }
        }
        None => unsent.extend(report.rows.iter().map(|r| (r, None))),
    }
    let invites_path = args
        .invites
        .clone()
        .unwrap_or_else(|| args.out.join("invites.csv"));
    let to_write: Vec<&InviteRow> = unsent.iter().map(|(r, _)| *r).collect();
    let wrote = if mailer.is_none() || !to_write.is_empty() {
        crate::atomic::write(&invites_path, &invite::invites_csv(&to_write))?;
        true
    } else {
        false
    };

    let new_codes = report.rows.iter().filter(|r| r.code.is_some()).count();
    let notices = report.rows.len() - new_codes;
    let failed: Vec<(&str, &str)> = unsent
        .iter()
        .filter_map(|(r, why)| Some((r.patient_id.as_str(), why.as_deref()?)))
        .collect();
    if args.json {
        let json = serde_json::json!({
            "ok": report.not_invited.is_empty() && failed.is_empty(),
            "documents": report.documents,
            "new_documents": report.new_documents,
            "new_invitations": new_codes,
            "new_document_notices": notices,
            "unchanged": report.unchanged,
            "not_invited": report.not_invited,
            "sent": sent,
            "send_failed": failed.iter().map(|(p, why)| serde_json::json!({"patient_id": p, "reason": why})).collect::<Vec<_>>(),
            "invites_csv": wrote.then(|| invites_path.display().to_string()),
            "invites_csv_rows": if wrote { to_write.len() } else { 0 },
        });
        super::json::print(&json);
    } else {
        println!(
            "Registered {} document(s), {} new, in {}.",
            report.documents,
            report.new_documents,
            args.db.display()
        );
        println!(
            "{new_codes} new invitation(s); {notices} patient(s) with a valid invitation told of new documents (same code); {} unchanged.",
            report.unchanged
        );
        if mailer.is_some() {
            println!("Sent {sent} e-mail(s).");
        }
        for (p, why) in &failed {
            println!("  not sent to {p}: {why}");
        }
        if wrote {
            println!(
                "Wrote {} ({} row(s): patient_id, email, link, code, expires).",
                invites_path.display(),
                to_write.len()
            );
            if to_write.iter().any(|r| r.code.is_some()) {
                println!("It holds invitation codes: delete it once the invitations are sent.");
            }
        }
        if !report.not_invited.is_empty() {
            println!(
                "Not invited (no usable row in patients.csv; `superbill validate` says why): {}",
                report.not_invited.join(", ")
            );
        }
    }
    Ok(if report.not_invited.is_empty() && failed.is_empty() {
        0
    } else {
        1
    })
}

fn serve(args: &PortalServeArgs) -> Result<i32> {
    if args.idle_minutes == 0 || args.idle_minutes > 24 * 60 {
        return Err(Error::Usage(
            "--idle-minutes must be between 1 and 1440".into(),
        ));
    }
    let store = Store::open_existing(&args.db.db)?;
    let practice = store.practice()?;
    let mut trusted = ServeOptions::default().trusted_proxies;
    trusted.extend(args.trusted_proxies.iter().copied());
    let opts = ServeOptions {
        limits: Limits {
            idle: chrono::Duration::minutes(args.idle_minutes.into()),
            ..Limits::default()
        },
        behind_tls: args.behind_tls,
        trusted_proxies: trusted,
        log: Some(Arc::new(|line: &str| {
            eprintln!(
                "{} {line}",
                now().to_rfc3339_opts(SecondsFormat::Secs, true)
            )
        })),
    };
    let clock: Arc<dyn Clock> = Arc::new(now);
    let router = http::router(store, clock, opts)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the server: {e}")))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| {
                Error::Usage(format!(
                    "cannot listen on {}: {e} (is another program using that port? pick another with --listen)",
                    args.listen
                ))
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Other(e.to_string()))?;
        let name = practice.map(|p| p.name).unwrap_or_default();
        println!("Serving the patient portal of {name} on http://{addr}/ (Ctrl-C stops it)");
        if !addr.ip().is_loopback() && !args.behind_tls {
            println!(
                "warning: plain HTTP on a network address: patients' codes would cross the network unencrypted; serve on 127.0.0.1 behind a TLS reverse proxy with --behind-tls (README: Deployment)"
            );
        }
        let _ = std::io::stdout().flush();
        http::serve(listener, router, shutdown_signal())
            .await
            .map_err(|e| Error::Other(format!("server: {e}")))
    })?;
    println!("Stopped.");
    Ok(0)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn revoke(args: &PortalRevokeArgs) -> Result<i32> {
    check_id(&args.patient).map_err(|e| Error::Usage(format!("--patient: {e}")))?;
    let mut store = Store::open_existing(&args.db.db)?;
    if !store.has_invitations(&args.patient)? {
        eprintln!(
            "superbill: no invitation for patient {} in {}",
            args.patient,
            args.db.db.display()
        );
        return Ok(1);
    }
    let t = now();
    let patient = args.patient.as_str();
    let (revoked, sessions) = store.transaction(|s| {
        let sessions = s.sessions_of(patient)?;
        let revoked = s.revoke_patient(patient, t)?;
        s.audit(
            Audit {
                patient_id: Some(patient),
                detail: Some("by the clinic"),
                ..Audit::new(Event::Revoked)
            },
            t,
        )?;
        Ok((revoked, sessions))
    })?;
    println!(
        "Revoked {revoked} invitation(s) of {patient} and ended {sessions} session(s); the link and code stop working now. `superbill portal invite --new-codes` issues a new one."
    );
    Ok(0)
}

fn audit(args: &PortalAuditArgs) -> Result<i32> {
    if let Some(p) = &args.patient {
        check_id(p).map_err(|e| Error::Usage(format!("--patient: {e}")))?;
    }
    let store = Store::open_existing(&args.db.db)?;
    let log = store.audit_log(args.patient.as_deref())?;
    if args.json {
        println!(
            "{:#}",
            serde_json::to_value(&log).map_err(|e| Error::Other(e.to_string()))?
        );
        return Ok(0);
    }
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    println!(
        "{:<20} {:<19} {:<10} {:>4} {:<18} {:<15} detail",
        "time (UTC)", "event", "patient", "inv", "document", "from"
    );
    for e in &log {
        println!(
            "{:<20} {:<19} {:<10} {:>4} {:<18} {:<15} {}",
            e.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            e.event,
            opt(&e.patient_id),
            e.invitation_id.map_or("-".into(), |i| i.to_string()),
            opt(&e.document),
            opt(&e.client),
            e.detail.as_deref().unwrap_or("")
        );
    }
    if log.is_empty() {
        println!("(no entries)");
    }
    Ok(0)
}
