//! The patient portal over HTTP: the real server on an ephemeral loopback
//! port, a real SQLite file in a temp folder, the sample clinic's real
//! batch: the whole flow, wrong answers, another patient's document, CSRF,
//! headers, a changed PDF and the audit log. Lockouts, limits and session
//! ends are in `portal_limits.rs`.

mod portal_support;

use portal_support::*;
use superbill::manifest::sha256_hex;
use superbill::portal::http::CONTENT_SECURITY_POLICY;

const P1: &str = "P0001";
const P2: &str = "P0002";

#[test]
fn whole_flow_sign_in_list_download_sign_out() {
    let fx = Fixture::new();
    let server = fx.serve();
    let (link, code) = fx.invitation(P1);
    assert_eq!(
        link.len(),
        "/i/".len() + 32,
        "the link holds only a random id"
    );
    let mut c = server.client();

    // The landing page and the invitation's form.
    let home = c.get("/");
    assert_eq!(home.status, 200);
    assert!(home.text().contains("open the link in the invitation"));
    let page = c.get(&link);
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<label for=\"dob\">") && html.contains("name=\"dob\""));
    assert!(html.contains("<label for=\"code\">") && html.contains("name=\"code\""));
    assert!(html.contains("Cedar Ridge Ketamine &amp; Wellness, LLC"));

    // Sign in: the date of birth typed the US way, the code in lower case
    // without its dash.
    let csrf = page.csrf();
    let typed = code.replace('-', "").to_lowercase();
    let r = c.post(
        &link,
        &form(&[("dob", &fx.dob_us(P1)), ("code", &typed), ("csrf", &csrf)]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let cookie = r
        .all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("superbill="))
        .expect("a session cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "ends with the browser: {cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP in this test: {cookie}"
    );
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    assert_eq!(token.len(), 64, "256-bit token");
    // Stored hashed: the database file does not contain the token.
    let db_bytes = [
        std::fs::read(&fx.db).unwrap(),
        std::fs::read(fx.db.with_extension("sqlite-wal")).unwrap_or_default(),
    ]
    .concat();
    assert!(
        !db_bytes.windows(64).any(|w| w == token.as_bytes()),
        "session token stored in the clear"
    );
    assert!(
        !db_bytes.windows(11).any(|w| w == code.as_bytes()),
        "code stored in the clear"
    );

    // The list: only this patient's superbill, with its figures.
    let list = c.get("/documents");
    assert_eq!(list.status, 200);
    let html = list.text();
    assert!(html.contains("SB-202609-P0001"), "{html}");
    assert!(!html.contains("SB-202609-P0002"));
    assert!(html.contains("September 1 – 30, 2026"), "{html}");
    let mut summary = csv::Reader::from_path(fx.out.join("summary.csv")).unwrap();
    let header = summary.headers().unwrap().clone();
    let row = summary
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "SB-202609-P0001")
        .unwrap();
    let amount = |name: &str| {
        let i = header.iter().position(|h| h == name).unwrap();
        superbill::money::Cents::parse(&row[i]).unwrap().display()
    };
    let (charged, paid) = (amount("charged"), amount("paid"));
    assert!(
        html.contains(&charged) && html.contains(&paid),
        "{charged} {paid} in {html}"
    );

    // The PDF: an attachment, byte for byte the batch's file.
    let pdf = c.get("/documents/SB-202609-P0001");
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert_eq!(
        pdf.header("content-disposition"),
        Some("attachment; filename=\"SB-202609-P0001.pdf\"")
    );
    let file = std::fs::read(fx.out.join("superbills/SB-202609-P0001.pdf")).unwrap();
    assert_eq!(pdf.body, file);
    assert_eq!(
        pdf.header("content-length"),
        Some(file.len().to_string().as_str())
    );

    // Sign out: the session is gone.
    let csrf = list.csrf();
    let out = c.post("/logout", &form(&[("csrf", &csrf)]));
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), Some("/"));
    c.cookies.insert("superbill".into(), token.to_string());
    let after = c.get("/documents");
    assert_eq!(after.status, 303, "the old token opens nothing");
    assert_eq!(after.header("location"), Some("/"));

    let log = fx.audit(Some(P1));
    let kinds: Vec<&str> = log.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["invited", "login", "download", "logout"]);
    let dl = &log[2];
    assert_eq!(dl.document.as_deref(), Some("SB-202609-P0001"));
    assert_eq!(dl.client.as_deref(), Some("127.0.0.1"));
    assert_eq!(dl.at, fx.clock.now());
}

/// `superbill statement`'s folder registered after the month's batch: the
/// patient's existing invitation now lists the year-end statement beside
/// the superbill, it downloads byte for byte, and another patient's
/// statement is not found.
#[test]
fn year_end_statements_join_the_patients_documents() {
    let fx = Fixture::new();
    let statements = fx.tmp.path().join("statements");
    portal_support::statements(&statements);
    let report = invite_folder(&fx.db, &statements, fx.clock.now(), 30);
    assert!(report.documents >= 45, "{}", report.documents);
    let p1 = report.rows.iter().find(|r| r.patient_id == P1).unwrap();
    assert!(p1.code.is_none(), "the earlier invitation is kept");
    let server = fx.serve();
    let mut c = signed_in(&fx, &server, P1);
    let html = c.get("/documents").text();
    for want in [
        "SB-202609-P0001",
        "YS-2026-P0001",
        "Year-end statement",
        "January 1 – December 31, 2026",
        "Paid, net of refunds",
        "tax records",
    ] {
        assert!(html.contains(want), "{want} in {html}");
    }
    assert!(!html.contains("YS-2026-P0002"));
    let row = csv::Reader::from_path(statements.join("statements.csv"))
        .unwrap()
        .into_records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "YS-2026-P0001")
        .unwrap();
    let net = superbill::money::Cents::parse(&row[7]).unwrap().display();
    assert!(html.contains(&net), "{net} in {html}");
    let pdf = c.get("/documents/YS-2026-P0001");
    assert_eq!(pdf.status, 200);
    assert_eq!(
        pdf.header("content-disposition"),
        Some("attachment; filename=\"YS-2026-P0001.pdf\"")
    );
    assert_eq!(
        pdf.body,
        std::fs::read(statements.join("YS-2026-P0001.pdf")).unwrap()
    );
    assert_eq!(c.get("/documents/YS-2026-P0002").status, 404);
    let log: Vec<(String, Option<String>)> = fx
        .audit(Some(P1))
        .into_iter()
        .map(|e| (e.event, e.document))
        .collect();
    assert!(
        log.contains(&("download".into(), Some("YS-2026-P0001".into()))),
        "{log:?}"
    );
    assert!(
        !log.iter()
            .any(|(e, d)| e == "download" && d.as_deref() == Some("YS-2026-P0002")),
        "{log:?}"
    );
}

#[test]
fn wrong_date_of_birth_and_wrong_code_are_refused_alike() {
    let fx = Fixture::new();
    let server = fx.serve();
    let (link, code) = fx.invitation(P1);
    let mut c = server.client();
    let wrong_dob = c.login(&link, "01/01/1970", &code);
    // Another patient's real code on this link is just as wrong.
    let (_, other_code) = fx.invitation(P2);
    let wrong_code = c.login(&link, &fx.dob_us(P1), &other_code);
    // And P2's own date of birth with P1's code.
    let swapped = c.login(&link, &fx.dob_us(P2), &code);
    for r in [&wrong_dob, &wrong_code, &swapped] {
        assert_eq!(r.status, 403);
        assert!(r
            .all("set-cookie")
            .iter()
            .all(|c| !c.starts_with("superbill=")));
        assert!(
            r.text().contains("does not match this invitation"),
            "{}",
            r.text()
        );
    }
    // The same page whichever was wrong (nothing tells which).
    assert_eq!(wrong_dob.text(), wrong_code.text());
    assert_eq!(c.get("/documents").status, 303, "not signed in");
    let log = fx.audit(Some(P1));
    let failed: Vec<_> = log.iter().filter(|e| e.event == "login-failed").collect();
    assert_eq!(failed.len(), 3);
    assert!(failed
        .iter()
        .all(|e| e.detail.as_deref() == Some("wrong code or date of birth")));
    // A date that cannot be a date is sent back without counting.
    let typo = c.login(&link, "1975", &code);
    assert_eq!(typo.status, 422);
    assert!(typo.text().contains("MM/DD/YYYY"));
    assert_eq!(events(&fx, P1).len(), 4, "invited + 3 failures, no more");
}

#[test]
fn another_patients_document_is_not_found_like_one_that_does_not_exist() {
    let fx = Fixture::new();
    let server = fx.serve();
    let mut c = signed_in(&fx, &server, P1);
    let others = c.get("/documents/SB-202609-P0002");
    let missing = c.get("/documents/SB-209912-P9999");
    let garbage = c.get("/documents/..%2F..%2Fmanifest.json");
    let nowhere = c.get("/no/such/page");
    for r in [&others, &missing, &garbage, &nowhere] {
        assert_eq!(r.status, 404);
    }
    assert_eq!(others.body, missing.body);
    assert_eq!(others.body, nowhere.body);
    assert_eq!(others.headers.len(), missing.headers.len());
    assert!(!others.text().contains("P0002"));
    // The attempt is in the audit log, under the patient who made it.
    let nf: Vec<_> = fx
        .audit(Some(P1))
        .into_iter()
        .filter(|e| e.event == "not-found")
        .collect();
    assert_eq!(nf.len(), 3);
    assert_eq!(nf[0].document.as_deref(), Some("SB-202609-P0002"));
    assert_eq!(nf[2].document, None, "a malformed number is not recorded");
    // Not signed in: every document address just leads to the start.
    let mut anon = server.client();
    let r = anon.get("/documents/SB-202609-P0001");
    assert_eq!((r.status, r.header("location")), (303, Some("/")));
    assert!(r.body.is_empty());
}

#[test]
fn every_form_needs_its_csrf_token() {
    let fx = Fixture::new();
    let server = fx.serve();
    let (link, code) = fx.invitation(P1);
    let dob = fx.dob_us(P1);
    let mut c = server.client();
    let csrf = c.get(&link).csrf();
    let refused = |r: &Resp| {
        assert_eq!(r.status, 403, "{}", r.text());
        assert!(
            r.text().contains("did not come from this site"),
            "{}",
            r.text()
        );
        assert!(!r
            .all("set-cookie")
            .iter()
            .any(|c| c.starts_with("superbill=")));
    };
    // No token, a wrong token.
    refused(&c.post(&link, &form(&[("dob", &dob), ("code", &code)])));
    refused(&c.post(
        &link,
        &form(&[("dob", &dob), ("code", &code), ("csrf", &"0".repeat(64))]),
    ));
    // The right token without its cookie (another site's form).
    let mut stranger = server.client();
    refused(&stranger.post(
        &link,
        &form(&[("dob", &dob), ("code", &code), ("csrf", &csrf)]),
    ));
    // Right token and cookie, but posted from another origin.
    refused(&c.request(
        "POST",
        &link,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", "https://evil.example"),
        ],
        Some(&form(&[("dob", &dob), ("code", &code), ("csrf", &csrf)])),
    ));
    // Or marked cross-site by the browser (with Origin: null, as under
    // Referrer-Policy: no-referrer).
    refused(&c.request(
        "POST",
        &link,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", "null"),
            ("Sec-Fetch-Site", "cross-site"),
        ],
        Some(&form(&[("dob", &dob), ("code", &code), ("csrf", &csrf)])),
    ));
    // None of these counted as an attempt on the invitation.
    assert_eq!(events(&fx, P1), ["invited"]);
    // With everything right, from this origin, it works.
    let origin = format!("http://{}", server.addr);
    let ok = c.request(
        "POST",
        &link,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", &origin),
        ],
        Some(&form(&[("dob", &dob), ("code", &code), ("csrf", &csrf)])),
    );
    assert_eq!(ok.status, 303);
    // Signing out needs the session's token too.
    refused(&c.post("/logout", ""));
    refused(&c.post("/logout", &form(&[("csrf", &csrf)])));
    assert_eq!(c.get("/documents").status, 200, "still signed in");
}

#[test]
fn every_response_carries_the_security_headers() {
    let fx = Fixture::new();
    let server = fx.serve();
    let (link, _) = fx.invitation(P1);
    let mut c = signed_in(&fx, &server, P1);
    let mut anon = server.client();
    let responses = [
        anon.get("/"),
        anon.get(&link),
        anon.get("/portal.css"),
        anon.get("/nowhere"),
        anon.get("/documents"),
        anon.request("DELETE", "/documents", &[], None),
        c.get("/documents"),
        c.get("/documents/SB-202609-P0001"),
        c.get("/documents/SB-202609-P0002"),
    ];
    for r in &responses {
        assert_eq!(r.header("cache-control"), Some("no-store"), "{r:?}");
        assert_eq!(
            r.header("content-security-policy"),
            Some(CONTENT_SECURITY_POLICY)
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(
            r.header("strict-transport-security"),
            None,
            "plain HTTP here"
        );
    }
    assert!(CONTENT_SECURITY_POLICY.contains("default-src 'none'"));
    assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    assert_eq!(
        responses[2].header("content-type"),
        Some("text/css; charset=utf-8")
    );
    // No scripts and no inline styles anywhere: the policy forbids both.
    for r in responses.iter().filter(|r| {
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    }) {
        let html = r.text().to_lowercase();
        assert!(!html.contains("<script") && !html.contains("style=") && !html.contains("<style"));
        assert!(html.contains("<meta name=\"viewport\""));
    }
    // The server's log has routes and statuses, never ids.
    let log = server.log.lock().unwrap().join("\n");
    assert!(log.contains("GET /documents/{number} 200"), "{log}");
    assert!(
        !log.contains("P0001") && !log.contains("SB-2026") && !log.contains(&link[3..]),
        "{log}"
    );
}

#[test]
fn a_changed_pdf_is_never_served() {
    let fx = Fixture::new();
    let server = fx.serve();
    let mut c = signed_in(&fx, &server, P1);
    let pdf = fx.out.join("superbills/SB-202609-P0001.pdf");
    let mut bytes = std::fs::read(&pdf).unwrap();
    let good = sha256_hex(&bytes);
    bytes.extend_from_slice(b"%tampered\n");
    std::fs::write(&pdf, &bytes).unwrap();
    let r = c.get("/documents/SB-202609-P0001");
    assert_eq!(r.status, 503);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    std::fs::remove_file(&pdf).unwrap();
    assert_eq!(c.get("/documents/SB-202609-P0001").status, 503);
    let bad: Vec<_> = fx
        .audit(Some(P1))
        .into_iter()
        .filter(|e| e.event == "integrity-failed")
        .collect();
    assert_eq!(bad.len(), 2);
    assert_eq!(
        bad[0].detail.as_deref(),
        Some("checksum differs from the manifest")
    );
    assert_eq!(bad[1].detail.as_deref(), Some("file missing"));
    assert_ne!(good, sha256_hex(&bytes));
}

#[test]
fn the_audit_command_shows_who_downloaded_what_when_and_from_where() {
    let fx = Fixture::new();
    let server = fx.serve();
    let mut c = signed_in(&fx, &server, P1);
    assert_eq!(c.get("/documents/SB-202609-P0001").status, 200);
    let (code, stdout, stderr) = run(superbill()
        .args(["portal", "audit", "--patient", P1, "--db"])
        .arg(&fx.db));
    assert_eq!(code, 0, "{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.contains(" download "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.starts_with("2026-10-06T09:00:00Z"), "{line}");
    assert!(
        line.contains("P0001") && line.contains("SB-202609-P0001") && line.contains("127.0.0.1")
    );
    assert!(!stdout.contains("P0002"), "only this patient");
    // No names, dates of birth or e-mail addresses: ids only.
    let patients = std::fs::read_to_string(sample().join("patients.csv")).unwrap();
    let p1: Vec<&str> = patients.lines().nth(1).unwrap().split(',').collect();
    for private in [p1[1], p1[3], p1[4], p1[11]] {
        assert!(
            !private.is_empty() && !stdout.contains(private),
            "{private} in {stdout}"
        );
    }
    let (_, json, _) = run(superbill()
        .args(["portal", "audit", "--json", "--db"])
        .arg(&fx.db));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entries = v.as_array().unwrap();
    assert_eq!(
        entries.iter().filter(|e| e["event"] == "invited").count(),
        45
    );
    assert!(entries.iter().any(|e| e["event"] == "download"
        && e["document"] == "SB-202609-P0001"
        && e["client"] == "127.0.0.1"));
}
