//! Shared by the portal tests: a finished sample batch, a portal database
//! with invitations, the real server on an ephemeral loopback port with a
//! clock the test moves, and a small HTTP/1.1 client over a TCP socket
//! (raw, so the tests control every header: cookies, Origin, forwarded
//! addresses).
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use superbill::findings::Findings;
use superbill::input::Inputs;
use superbill::portal::documents::read_batch;
use superbill::portal::http::{self, ServeOptions};
use superbill::portal::invite::{invite, InviteOptions, InviteReport, Invitee};
use superbill::portal::store::{AuditEntry, PracticeInfo, Store};
use superbill::portal::Clock;

// The CLI tests' helpers (the crate root, the binary, running it, copying
// a folder), shared rather than written again.
#[path = "../common/mod.rs"]
mod common;
pub use common::{copy_dir, root, run, superbill};

pub fn sample() -> PathBuf {
    root().join("samples/cedar-ridge")
}

/// Runs `superbill batch` on a practice for a month into `out`.
pub fn batch(practice: &Path, period: &str, as_of: &str, out: &Path) {
    let (code, stdout, stderr) = run(superbill()
        .args([
            "batch",
            "--period",
            period,
            "--as-of",
            as_of,
            "--no-progress",
        ])
        .arg("--practice")
        .arg(practice)
        .arg("--out")
        .arg(out));
    assert_eq!(code, 0, "batch {period}: {stdout}{stderr}");
}

/// The sample clinic's September batch, made once per test binary.
fn pristine_batch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        batch(&sample(), "2026-09", "2026-10-05", &tmp.path().join("out"));
        tmp
    })
    .path()
}

/// A clock the test sets; starts at 2026-10-06 09:00 UTC.
#[derive(Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn new() -> TestClock {
        let t0 = Utc.with_ymd_and_hms(2026, 10, 6, 9, 0, 0).unwrap();
        TestClock(Arc::new(AtomicI64::new(t0.timestamp())))
    }
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.0.load(Ordering::SeqCst), 0).unwrap()
    }
    pub fn advance(&self, d: Duration) {
        self.0.fetch_add(d.num_seconds(), Ordering::SeqCst);
    }
    pub fn as_clock(&self) -> Arc<dyn Clock> {
        let c = self.clone();
        Arc::new(move || c.now())
    }
}

/// A batch folder, a practice and a portal database with every patient
/// invited, in one temp folder.
pub struct Fixture {
    pub tmp: tempfile::TempDir,
    pub out: PathBuf,
    pub db: PathBuf,
    pub clock: TestClock,
    pub report: InviteReport,
    /// patient_id -> date of birth as in patients.csv (YYYY-MM-DD).
    pub dobs: HashMap<String, String>,
}

pub const BASE_URL: &str = "http://portal.test";

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::with_days(30)
    }

    pub fn with_days(days: i64) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        copy_dir(pristine_batch().join("out").as_path(), &out);
        let db = tmp.path().join("portal.sqlite");
        let clock = TestClock::new();
        let dobs = invitees()
            .values()
            .map(|p| (p.patient_id.clone(), p.dob.to_string()))
            .collect();
        let report = invite_folder(&db, &out, clock.now(), days);
        Fixture {
            tmp,
            out,
            db,
            clock,
            report,
            dobs,
        }
    }

    /// (link path `/i/...`, code) of a patient's invitation.
    pub fn invitation(&self, patient: &str) -> (String, String) {
        let row = self
            .report
            .rows
            .iter()
            .find(|r| r.patient_id == patient)
            .unwrap_or_else(|| panic!("{patient} invited"));
        let path = row.link.strip_prefix(BASE_URL).unwrap().to_string();
        (path, row.code.clone().unwrap())
    }

    /// The patient's date of birth typed the US way (MM/DD/YYYY).
    pub fn dob_us(&self, patient: &str) -> String {
        let iso = &self.dobs[patient];
        format!("{}/{}/{}", &iso[5..7], &iso[8..10], &iso[0..4])
    }

    pub fn serve(&self) -> Server {
        self.serve_with(ServeOptions::default())
    }

    pub fn serve_with(&self, opts: ServeOptions) -> Server {
        Server::start(&self.db, self.clock.as_clock(), opts)
    }

    pub fn audit(&self, patient: Option<&str>) -> Vec<AuditEntry> {
        Store::open_existing(&self.db)
            .unwrap()
            .audit_log(patient)
            .unwrap()
    }
}

/// The sample's patients as `invite` takes them.
fn invitees() -> HashMap<String, Invitee> {
    let mut findings = Findings::default();
    let inputs = Inputs::load(&sample(), &mut findings).unwrap();
    superbill::portal::invite::invitees(&inputs.patients)
}

/// Runs `superbill statement` on the sample for 2026 (as of January 10,
/// 2027) into `out`.
pub fn statements(out: &Path) {
    let (code, stdout, stderr) = run(superbill()
        .args(["statement", "--year", "2026", "--as-of", "2027-01-10"])
        .arg("--practice")
        .arg(sample())
        .arg("--out")
        .arg(out));
    assert_eq!(code, 0, "{stdout}{stderr}");
}

/// Registers the documents of output folder `out` (a batch's, or
/// `superbill statement`'s) in the portal database `db` at `now`, as
/// `portal invite` does: a patient with an active invitation keeps it.
pub fn invite_folder(db: &Path, out: &Path, now: DateTime<Utc>, days: i64) -> InviteReport {
    let docs = read_batch(out).unwrap();
    let mut store = Store::open_or_create(db).unwrap();
    invite(
        &mut store,
        &practice(),
        &docs,
        &invitees(),
        &InviteOptions {
            base_url: BASE_URL.into(),
            valid_for: Duration::days(days),
            new_codes: false,
        },
        now,
    )
    .unwrap()
}

pub fn practice() -> PracticeInfo {
    PracticeInfo {
        name: "Cedar Ridge Ketamine & Wellness, LLC".into(),
        phone: "(303) 555-0142".into(),
    }
}

/// The portal on 127.0.0.1, port chosen by the system; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<String>>>,
    rt: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    pub fn start(db: &Path, clock: Arc<dyn Clock>, mut opts: ServeOptions) -> Server {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        opts.log = Some(Arc::new(move |l: &str| {
            sink.lock().unwrap().push(l.to_string())
        }));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let store = Store::open_existing(db).unwrap();
        let router = http::router(store, clock, opts).unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(http::serve(listener, router, async {
            let _ = rx.await;
        }));
        Server {
            addr,
            log,
            rt: Some(rt),
            stop: Some(tx),
        }
    }

    pub fn client(&self) -> Client {
        Client {
            addr: self.addr,
            cookies: Default::default(),
            headers: Vec::new(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(std::time::Duration::from_secs(5));
        }
    }
}

#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The hidden CSRF field of a page's form.
    pub fn csrf(&self) -> String {
        let t = self.text();
        let start = t.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
        t[start..start + 64].to_string()
    }
}

/// A cookie-keeping client, like a browser (no redirects followed).
pub struct Client {
    pub addr: SocketAddr,
    pub cookies: HashMap<String, String>,
    /// Extra headers sent with every request.
    pub headers: Vec<(String, String)>,
}

pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Client {
    pub fn get(&mut self, path: &str) -> Resp {
        self.request("GET", path, &[], None)
    }

    pub fn post(&mut self, path: &str, body: &str) -> Resp {
        self.request(
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            Some(body),
        )
    }

    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<&str>,
    ) -> Resp {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req += &format!("Cookie: {}\r\n", c.join("; "));
        }
        for (k, v) in self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(extra.iter().copied())
        {
            req += &format!("{k}: {v}\r\n");
        }
        if let Some(b) = body {
            req += &format!("Content-Length: {}\r\n", b.len());
        }
        req += "\r\n";
        if let Some(b) = body {
            req += b;
        }
        let resp = raw(self.addr, req.as_bytes());
        for c in resp.all("set-cookie") {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        resp
    }

    /// Opens the invitation link and submits the form.
    pub fn login(&mut self, link: &str, dob: &str, code: &str) -> Resp {
        let page = self.get(link);
        assert_eq!(page.status, 200, "{}", page.text());
        let csrf = page.csrf();
        self.post(
            link,
            &form(&[("dob", dob), ("code", code), ("csrf", &csrf)]),
        )
    }
}

/// Sends raw request bytes and reads the whole response.
pub fn raw(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    s.write_all(request).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8(buf[..split].to_vec()).unwrap();
    let mut body = buf[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").expect("chunk size");
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        b = &b[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

/// Signs `patient` in and returns the client holding the session.
pub fn signed_in(fx: &Fixture, server: &Server, patient: &str) -> Client {
    let (link, code) = fx.invitation(patient);
    let mut c = server.client();
    let r = c.login(&link, &fx.dob_us(patient), &code);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/documents"));
    c
}

pub fn events(fx: &Fixture, patient: &str) -> Vec<String> {
    fx.audit(Some(patient))
        .into_iter()
        .map(|e| e.event)
        .collect()
}
