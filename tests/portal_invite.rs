//! `superbill portal invite` from the outside: invites.csv for the mail
//! merge, re-inviting after the next month's batch, new codes, a tampered
//! batch, and sending through a real SMTP conversation with a small mail
//! sink this test runs on a loopback port.

mod portal_support;

use portal_support::*;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use superbill::portal::http::ServeOptions;

/// invites.csv as patient_id -> [email, link, code, expires].
fn invites(path: &Path) -> HashMap<String, Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["patient_id", "email", "link", "code", "expires"]
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[0].to_string(),
                rec.iter().skip(1).map(str::to_string).collect(),
            )
        })
        .collect()
}

fn invite_cmd(practice: &Path, out: &Path, db: &Path, extra: &[&str]) -> (i32, String, String) {
    run(superbill()
        .args(["portal", "invite"])
        .arg("--practice")
        .arg(practice)
        .arg("--out")
        .arg(out)
        .arg("--db")
        .arg(db)
        .args(extra))
}

/// A server over `db` on the system clock (invitations made by the
/// command carry real times).
fn serve_real_clock(db: &Path) -> Server {
    Server::start(db, Arc::new(chrono::Utc::now), ServeOptions::default())
}

fn path_of(link: &str) -> String {
    format!("/i/{}", link.rsplit('/').next().unwrap())
}

fn us(dob: &str) -> String {
    format!("{}/{}/{}", &dob[5..7], &dob[8..10], &dob[0..4])
}

fn dobs(practice: &Path) -> HashMap<String, String> {
    let mut r = csv::Reader::from_path(practice.join("patients.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let (id, dob) = (
        h.iter().position(|c| c == "patient_id").unwrap(),
        h.iter().position(|c| c == "dob").unwrap(),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[id].to_string(), rec[dob].to_string())
        })
        .collect()
}

#[test]
fn invites_csv_then_next_months_batch_joins_the_same_list() {
    let tmp = tempfile::tempdir().unwrap();
    let practice = tmp.path().join("practice");
    let (code, stdout, stderr) = run(superbill()
        .args(["samples", "generate", "--patients", "12", "--months", "2"])
        .args(["--start", "2026-09", "--seed", "7", "--out"])
        .arg(&practice));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (sep, oct) = (tmp.path().join("2026-09"), tmp.path().join("2026-10"));
    // Late enough that every generated payment is in the past.
    batch(&practice, "2026-09", "2026-12-31", &sep);
    batch(&practice, "2026-10", "2026-12-31", &oct);
    let db = tmp.path().join("portal.sqlite");
    let base = ["--base-url", "https://portal.clinic.example/"];

    // September: everyone with a superbill gets a new invitation.
    let (code, stdout, stderr) = invite_cmd(&practice, &sep, &db, &base);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let first = invites(&sep.join("invites.csv"));
    let sep_patients = std::fs::read_to_string(sep.join("summary.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(first.len(), sep_patients);
    for (p, row) in &first {
        assert!(
            row[1].starts_with("https://portal.clinic.example/i/"),
            "{p}: {row:?}"
        );
        assert_eq!(row[1].len(), "https://portal.clinic.example/i/".len() + 32);
        assert!(!row[1].contains(p.as_str()), "no patient data in the link");
        assert_eq!(row[2].len(), 11, "{row:?}");
        assert!(row[3].ends_with('Z'), "expires in UTC: {row:?}");
    }
    assert!(stdout.contains("It holds invitation codes"), "{stdout}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [sep.join("invites.csv"), db.clone()] {
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", f.display());
        }
    }

    // The same batch again: nothing new, nobody to write to.
    let (code, stdout, _) = invite_cmd(&practice, &sep, &db, &base);
    assert_eq!(code, 0);
    assert!(stdout.contains(&format!("0 new invitation(s); 0 patient(s) with a valid invitation told of new documents (same code); {sep_patients} unchanged")), "{stdout}");
    assert_eq!(invites(&sep.join("invites.csv")).len(), 0);

    // October: patients invited in September keep their code; the row
    // tells them new documents are ready.
    let (code, stdout, stderr) = invite_cmd(
        &practice,
        &oct,
        &db,
        &["--json", "--expires-days", "40", base[0], base[1]],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let second = invites(&oct.join("invites.csv"));
    let kept: Vec<&String> = second.keys().filter(|p| first.contains_key(*p)).collect();
    assert!(!kept.is_empty());
    for p in &kept {
        let row = &second[*p];
        assert_eq!(row[2], "", "{p} keeps the code it has");
        assert_eq!(row[1], first[*p][1], "{p}: same link");
        assert!(row[3] > first[*p][3], "{p}: expiry moved out");
    }
    for p in second.keys().filter(|p| !first.contains_key(*p)) {
        assert_eq!(second[p][2].len(), 11, "{p} is new in October: a new code");
    }
    assert_eq!(json["new_document_notices"], kept.len());
    for row in first.values() {
        assert!(!stdout.contains(&row[2]), "no codes in --json output");
    }

    // The September code now opens both months.
    let dob = dobs(&practice);
    let p = kept[0].as_str();
    let server = serve_real_clock(&db);
    let mut c = server.client();
    let r = c.login(&path_of(&first[p][1]), &us(&dob[p]), &first[p][2]);
    assert_eq!(r.status, 303, "{}", r.text());
    let list = c.get("/documents").text();
    let (s9, s10) = (format!("SB-202609-{p}"), format!("SB-202610-{p}"));
    assert!(list.contains(&s9) && list.contains(&s10), "{list}");
    assert!(
        list.find(&s10).unwrap() < list.find(&s9).unwrap(),
        "newest first"
    );
    assert_eq!(c.get(&format!("/documents/{s9}")).status, 200);
    assert_eq!(c.get(&format!("/documents/{s10}")).status, 200);

    // --new-codes: every patient gets a new code; the old one stops, and
    // so does the session it opened.
    let (code, stdout, stderr) =
        invite_cmd(&practice, &oct, &db, &["--new-codes", base[0], base[1]]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let third = invites(&oct.join("invites.csv"));
    assert_eq!(c.get("/documents").status, 303, "the old session ended");
    let mut old = server.client();
    assert_eq!(
        old.login(&path_of(&first[p][1]), &us(&dob[p]), &first[p][2])
            .status,
        403
    );
    let mut new = server.client();
    assert_ne!(third[p][1], first[p][1], "a new link too");
    assert_eq!(
        new.login(&path_of(&third[p][1]), &us(&dob[p]), &third[p][2])
            .status,
        303
    );
}

#[test]
fn a_batch_changed_after_the_fact_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    batch(&sample(), "2026-09", "2026-10-05", &out);
    let pdf = out.join("superbills/SB-202609-P0003.pdf");
    let mut bytes = std::fs::read(&pdf).unwrap();
    bytes.push(b'\n');
    std::fs::write(&pdf, bytes).unwrap();
    let db = tmp.path().join("portal.sqlite");
    let (code, stdout, stderr) =
        invite_cmd(&sample(), &out, &db, &["--base-url", "https://p.example"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stderr.contains("SB-202609-P0003.pdf") && stderr.contains("does not match manifest.json"),
        "{stderr}"
    );
    assert!(!out.join("invites.csv").exists());
    // And without an address for the links it says what to pass.
    let (code, _, stderr) = invite_cmd(&sample(), &out, &db, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--base-url"), "{stderr}");
}

/// One message the sink received.
#[derive(Debug, Clone)]
struct Mail {
    to: String,
    data: String,
}

/// A minimal SMTP server: enough of RFC 5321 for one client, one message
/// per connection or several. It refuses recipients listed in `reject`
/// (with the address quoted in its reply, as real servers do).
fn smtp_sink(reject: Vec<String>) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let store = mails.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut w = stream.try_clone().unwrap();
            let mut r = BufReader::new(stream);
            let mut say = |s: &str| w.write_all(s.as_bytes()).is_ok();
            say("220 sink.test ESMTP\r\n");
            let mut to = String::new();
            let mut line = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let cmd = line.trim_end().to_ascii_uppercase();
                if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                    say("250-sink.test\r\n250 8BITMIME\r\n");
                } else if cmd.starts_with("MAIL FROM") || cmd == "RSET" || cmd == "NOOP" {
                    say("250 OK\r\n");
                } else if cmd.starts_with("RCPT TO") {
                    let addr = line.trim_end()[8..]
                        .trim()
                        .trim_matches(['<', '>'])
                        .to_string();
                    if reject.contains(&addr) {
                        say(&format!(
                            "550 5.1.1 <{addr}>: Recipient address rejected\r\n"
                        ));
                    } else {
                        to = addr;
                        say("250 OK\r\n");
                    }
                } else if cmd == "DATA" {
                    say("354 go ahead\r\n");
                    let mut data = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).unwrap_or(0) == 0 || line == ".\r\n" {
                            break;
                        }
                        data.push_str(&line);
                    }
                    store.lock().unwrap().push(Mail {
                        to: to.clone(),
                        data,
                    });
                    say("250 OK queued\r\n");
                } else if cmd == "QUIT" {
                    say("221 bye\r\n");
                    break;
                } else {
                    say("502 not implemented\r\n");
                }
            }
        }
    });
    (port, mails)
}

/// Undoes quoted-printable (soft line breaks and =XX escapes).
fn quoted_printable(data: &str) -> String {
    let joined = data.replace("=\r\n", "");
    let b = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn invitations_are_sent_through_smtp() {
    let tmp = tempfile::tempdir().unwrap();
    let practice = tmp.path().join("practice");
    copy_dir(&sample(), &practice);
    let emails: HashMap<String, String> = {
        let mut r = csv::Reader::from_path(practice.join("patients.csv")).unwrap();
        r.records()
            .map(|x| {
                let x = x.unwrap();
                (x[0].to_string(), x[11].to_string())
            })
            .collect()
    };
    let refused = emails["P0002"].clone();
    let (port, mails) = smtp_sink(vec![refused.clone()]);
    let mut toml = std::fs::read_to_string(practice.join("practice.toml")).unwrap();
    toml += &format!(
        "\n[portal]\nbase_url = \"https://portal.cedar-ridge.example\"\n\n[portal.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"Cedar Ridge Ketamine & Wellness <portal@cedar-ridge.example>\"\n"
    );
    std::fs::write(practice.join("practice.toml"), toml).unwrap();
    let out = tmp.path().join("out");
    // The [portal] section does not disturb the batch.
    batch(&practice, "2026-09", "2026-10-05", &out);
    let db = tmp.path().join("portal.sqlite");
    let (code, stdout, stderr) = invite_cmd(&practice, &out, &db, &["--send"]);
    assert_eq!(code, 1, "one could not be sent: {stdout}{stderr}");
    assert!(stdout.contains("Sent 44 e-mail(s)."), "{stdout}");
    assert!(
        stdout.contains("not sent to P0002: the mail server refused it (SMTP 550)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(&refused) && !stderr.contains(&refused),
        "no address in the output"
    );
    // Only the unsent invitation is left for the clinic to deliver.
    let left = invites(&out.join("invites.csv"));
    assert_eq!(left.keys().collect::<Vec<_>>(), ["P0002"]);

    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 44);
    let m = mails
        .iter()
        .find(|m| m.to == emails["P0001"])
        .expect("P0001's mail");
    assert!(
        m.data.contains("Subject: Your documents from Cedar Ridge"),
        "{}",
        m.data
    );
    assert!(
        m.data
            .lines()
            .any(|l| l.starts_with("From: ") && l.ends_with("<portal@cedar-ridge.example>")),
        "{}",
        m.data
    );
    let body = quoted_printable(&m.data);
    let link = body
        .split_whitespace()
        .find(|w| w.starts_with("https://portal.cedar-ridge.example/i/"))
        .expect("the link")
        .to_string();
    let code = body
        .split_whitespace()
        .find(|w| {
            w.len() == 11
                && w.as_bytes()[5] == b'-'
                && w.chars().all(|c| c == '-' || c.is_ascii_alphanumeric())
        })
        .expect("the code")
        .to_string();
    // No patient data in the mail.
    let patients = std::fs::read_to_string(practice.join("patients.csv")).unwrap();
    let p1: Vec<&str> = patients.lines().nth(1).unwrap().split(',').collect();
    for private in [p1[1], p1[3], p1[4], "1975"] {
        assert!(!body.contains(private), "{private} in the mail");
    }
    // The mailed link and code open the portal.
    let dob = dobs(&practice);
    let server = serve_real_clock(&db);
    let mut c = server.client();
    let r = c.login(&path_of(&link), &us(&dob["P0001"]), &code);
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(c.get("/documents").text().contains("SB-202609-P0001"));

    // Plain SMTP is refused for anything but this machine.
    let toml = std::fs::read_to_string(practice.join("practice.toml"))
        .unwrap()
        .replace("host = \"127.0.0.1\"", "host = \"smtp.example.org\"");
    std::fs::write(practice.join("practice.toml"), toml).unwrap();
    let (code, _, stderr) = invite_cmd(&practice, &out, &db, &["--send"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("only allowed to a relay on this machine"),
        "{stderr}"
    );
}
