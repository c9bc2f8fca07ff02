//! The portal's limits over HTTP: invitations that lock after failures,
//! the per-address limit, and sessions that end (idle, expired or revoked
//! invitations). The real server on a loopback port, a real SQLite file,
//! and a clock the test moves instead of sleeping.

mod portal_support;

use chrono::Duration;
use portal_support::*;
use superbill::portal::auth::Limits;
use superbill::portal::http::ServeOptions;

const P1: &str = "P0001";
const P2: &str = "P0002";

#[test]
fn five_failures_lock_the_invitation_for_a_growing_time() {
    let fx = Fixture::new();
    let server = fx.serve();
    let (link, code) = fx.invitation(P1);
    let dob = fx.dob_us(P1);
    let mut c = server.client();
    for i in 1..=4 {
        assert_eq!(
            c.login(&link, "01/01/1970", &code).status,
            403,
            "attempt {i}"
        );
    }
    let fifth = c.login(&link, "01/01/1970", &code);
    assert_eq!(fifth.status, 429);
    assert!(
        fifth.text().contains("Try again in 5 minutes"),
        "{}",
        fifth.text()
    );
    // Locked: even the right answer is refused.
    let right = c.login(&link, &dob, &code);
    assert_eq!(right.status, 429);
    assert!(!right
        .all("set-cookie")
        .iter()
        .any(|c| c.starts_with("superbill=")));
    fx.clock.advance(Duration::minutes(5));
    // Five more failures lock it for twice as long.
    for _ in 1..=4 {
        assert_eq!(c.login(&link, "01/01/1970", &code).status, 403);
    }
    let again = c.login(&link, "01/01/1970", &code);
    assert!(
        again.text().contains("Try again in 10 minutes"),
        "{}",
        again.text()
    );
    fx.clock.advance(Duration::minutes(9));
    assert_eq!(c.login(&link, &dob, &code).status, 429, "still locked");
    fx.clock.advance(Duration::minutes(1));
    assert_eq!(c.login(&link, &dob, &code).status, 303, "unlocked");
    let ev = events(&fx, P1);
    assert_eq!(ev.iter().filter(|e| *e == "locked").count(), 2);
    assert_eq!(ev.iter().filter(|e| *e == "login-while-locked").count(), 2);
    assert_eq!(ev.last().map(String::as_str), Some("login"));
    // Another patient's invitation was never affected.
    let mut other = server.client();
    let (l2, c2) = fx.invitation(P2);
    assert_eq!(other.login(&l2, &fx.dob_us(P2), &c2).status, 303);
}

#[test]
fn one_address_may_fail_only_so_often_across_invitations() {
    let fx = Fixture::new();
    let limits = Limits {
        address_failures: 6,
        ..Limits::default()
    };
    // Behind a TLS proxy on this machine: the client is the address the
    // proxy forwards.
    let server = fx.serve_with(ServeOptions {
        limits: limits.clone(),
        behind_tls: true,
        ..ServeOptions::default()
    });
    let mut attacker = server.client();
    attacker
        .headers
        .push(("X-Forwarded-For".into(), "203.0.113.7".into()));
    // Wrong answers spread over several invitations, and unknown links.
    for (i, p) in ["P0003", "P0004", "P0005"].iter().enumerate() {
        let (link, code) = fx.invitation(p);
        assert_eq!(
            attacker.login(&link, "01/01/1970", &code).status,
            403,
            "{i}"
        );
        let unknown = format!("/i/{:032x}", i + 1);
        assert_eq!(attacker.login(&unknown, "01/01/1970", &code).status, 403);
    }
    // The address is now blocked, even with a right answer.
    let (link, code) = fx.invitation(P1);
    let r = attacker.login(&link, &fx.dob_us(P1), &code);
    assert_eq!(r.status, 429);
    assert!(r.text().contains("from your network"), "{}", r.text());
    // Another client of the same proxy is not.
    let mut patient = server.client();
    patient
        .headers
        .push(("X-Forwarded-For".into(), "198.51.100.20".into()));
    let ok = patient.login(&link, &fx.dob_us(P1), &code);
    assert_eq!(ok.status, 303);
    // Behind TLS: Secure cookies with the __Host- prefix, and HSTS.
    let cookie = ok
        .all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("__Host-superbill="))
        .unwrap();
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert_eq!(
        ok.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    let limited: Vec<_> = fx
        .audit(None)
        .into_iter()
        .filter(|e| e.event == "address-limited")
        .collect();
    assert_eq!(limited.len(), 1);
    assert_eq!(limited[0].client.as_deref(), Some("203.0.113.7"));
    // The window slides: 15 minutes later the address may try again.
    fx.clock.advance(Duration::minutes(15));
    let mut later = server.client();
    later
        .headers
        .push(("X-Forwarded-For".into(), "203.0.113.7".into()));
    let (l3, c3) = fx.invitation("P0006");
    assert_eq!(later.login(&l3, &fx.dob_us("P0006"), &c3).status, 303);
}

#[test]
fn forwarded_addresses_are_ignored_unless_behind_a_trusted_proxy() {
    let fx = Fixture::new();
    let server = fx.serve_with(ServeOptions {
        limits: Limits {
            address_failures: 2,
            ..Limits::default()
        },
        ..ServeOptions::default()
    });
    let (link, code) = fx.invitation(P1);
    // A client inventing a new X-Forwarded-For each time is still 127.0.0.1.
    for ip in ["192.0.2.1", "192.0.2.2"] {
        let mut c = server.client();
        c.headers.push(("X-Forwarded-For".into(), ip.into()));
        assert_eq!(c.login(&link, "01/01/1970", &code).status, 403);
    }
    let mut c = server.client();
    c.headers
        .push(("X-Forwarded-For".into(), "192.0.2.3".into()));
    assert_eq!(c.login(&link, &fx.dob_us(P1), &code).status, 429);
    assert!(fx
        .audit(None)
        .iter()
        .filter_map(|e| e.client.as_deref())
        .all(|a| a == "127.0.0.1"));
}

#[test]
fn expired_invitations_stop_working_at_once() {
    let fx = Fixture::with_days(2);
    // A long idle time, so only the expiry can end the session.
    let server = fx.serve_with(ServeOptions {
        limits: Limits {
            idle: Duration::days(3),
            longest_session: Duration::days(3),
            ..Limits::default()
        },
        ..ServeOptions::default()
    });
    let mut c = signed_in(&fx, &server, P1);
    fx.clock.advance(Duration::days(2) - Duration::seconds(1));
    assert_eq!(
        c.get("/documents").status,
        200,
        "valid until the last second"
    );
    fx.clock.advance(Duration::seconds(1));
    let r = c.get("/documents");
    assert_eq!((r.status, r.header("location")), (303, Some("/")));
    assert_eq!(c.get("/documents/SB-202609-P0001").status, 303);
    let (link, code) = fx.invitation(P1);
    let again = c.login(&link, &fx.dob_us(P1), &code);
    assert_eq!(again.status, 403);
    assert!(again.text().contains("no longer valid"));
    let log = fx.audit(Some(P1));
    assert!(log
        .iter()
        .any(|e| e.event == "session-ended" && e.detail.as_deref() == Some("invitation expired")));
    assert!(log
        .iter()
        .any(|e| e.event == "login-failed" && e.detail.as_deref() == Some("invitation expired")));
}

#[test]
fn idle_sessions_end() {
    let fx = Fixture::new();
    let server = fx.serve();
    let mut c = signed_in(&fx, &server, P1);
    fx.clock.advance(Duration::minutes(14));
    assert_eq!(c.get("/documents").status, 200);
    fx.clock.advance(Duration::minutes(14));
    assert_eq!(
        c.get("/documents").status,
        200,
        "each request restarts the idle time"
    );
    fx.clock.advance(Duration::minutes(16));
    assert_eq!(c.get("/documents").status, 303);
    assert!(fx
        .audit(Some(P1))
        .iter()
        .any(|e| e.event == "session-ended" && e.detail.as_deref() == Some("idle")));
}

#[test]
fn revoking_ends_sessions_and_stops_the_code_at_once() {
    let fx = Fixture::new();
    let server = fx.serve();
    let mut c = signed_in(&fx, &server, P1);
    let mut other = signed_in(&fx, &server, P2);
    assert_eq!(c.get("/documents").status, 200);
    // The clinic revokes from the command line while the server runs.
    let (code, stdout, stderr) = run(superbill()
        .args(["portal", "revoke", "--patient", P1, "--db"])
        .arg(&fx.db));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("Revoked 1 invitation(s) of P0001 and ended 1 session(s)"),
        "{stdout}"
    );
    assert_eq!(c.get("/documents").status, 303, "session ended at once");
    assert_eq!(c.get("/documents/SB-202609-P0001").status, 303);
    let (link, code) = fx.invitation(P1);
    assert_eq!(c.login(&link, &fx.dob_us(P1), &code).status, 403);
    assert_eq!(
        other.get("/documents").status,
        200,
        "other patients unaffected"
    );
    let (code, _, stderr) = run(superbill()
        .args(["portal", "revoke", "--patient", "P9999", "--db"])
        .arg(&fx.db));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no invitation for patient P9999"),
        "{stderr}"
    );
    assert!(fx
        .audit(Some(P1))
        .iter()
        .any(|e| e.event == "login-failed" && e.detail.as_deref() == Some("invitation revoked")));
}
