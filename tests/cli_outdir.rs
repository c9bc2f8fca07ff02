//! The output folder: never overlapping the inputs, never touching a file
//! the tool did not write (not even through a symlink), one practice and
//! one period per folder, one batch at a time, a clean stop on Ctrl-C, and
//! nothing left behind by a run that fails.

mod common;

use common::*;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const AS_OF: &str = "2026-10-05";

fn batch_in(practice: &Path, out: &Path, period: &str, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = on_practice("batch", practice);
    cmd.args(["--period", period, "--as-of", AS_OF, "--no-progress"]);
    run(cmd.args(extra).arg("--out").arg(out))
}

fn batch(practice: &Path, out: &Path, extra: &[&str]) -> (i32, String, String) {
    batch_in(practice, out, "2026-09", extra)
}

/// Every file and folder under `dir`, symlinks not followed.
fn entries(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            out.push(e.path().strip_prefix(base).unwrap().to_path_buf());
            if e.file_type().unwrap().is_dir() {
                walk(base, &e.path(), out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn out_overlapping_the_practice_is_refused_before_anything_is_written() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    let before = bytes_of(tmp.path());
    let mut cases: Vec<PathBuf> = vec![
        practice.clone(),
        practice.join("out"),
        practice.join("out/2026-09"),
        tmp.path().to_path_buf(),
        practice.join("../practice/./out"),
    ];
    #[cfg(unix)]
    {
        let link = tempfile::tempdir().unwrap().keep().join("link");
        std::os::unix::fs::symlink(&practice, &link).unwrap();
        cases.push(link.join("out"));
    }
    for out in &cases {
        let (code, stdout, stderr) = batch(&practice, out, &[]);
        assert_eq!(code, 2, "{}: {stdout}{stderr}", out.display());
        assert!(
            stderr.contains("practice folder") && stderr.contains("--out"),
            "{}: {stderr}",
            out.display()
        );
        assert!(
            bytes_of(tmp.path()) == before,
            "{}: files changed",
            out.display()
        );
        assert_eq!(entries(&practice), entries(&sample("cedar-ridge")));
    }
    // render --out FILE inside the practice folder: refused, input intact.
    for target in ["payments.csv", "P0001.pdf"] {
        let (code, _, stderr) = run(on_practice("render", &practice)
            .args([
                "--patient",
                "P0001",
                "--from",
                "2026-09-01",
                "--to",
                "2026-09-30",
            ])
            .args(["--as-of", AS_OF, "--out"])
            .arg(practice.join(target)));
        assert_eq!(code, 2, "{target}: {stderr}");
        assert!(stderr.contains("inside the practice folder"), "{stderr}");
    }
    assert!(bytes_of(tmp.path()) == before, "render changed files");
}

#[test]
fn a_users_own_files_are_never_deleted_or_overwritten() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    // The user's own files beside ours, one named like ours.
    let signed = out.join("superbills/SB-202609-P0001-signed.pdf");
    std::fs::write(&signed, b"%PDF-1.4 signed by hand").unwrap();
    std::fs::write(out.join("notes.txt"), b"sent to the accountant").unwrap();
    // P0002's superbill is no longer issued (a session with an error):
    // the batch removes its own stale PDF, and only that.
    rewrite_csv(&practice.join("sessions.csv"), |h, rows| {
        let pid = h.iter().position(|c| c == "patient_id").unwrap();
        let dx = h.iter().position(|c| c == "diagnoses").unwrap();
        let r = rows.iter_mut().find(|r| r[pid] == "P0002").unwrap();
        r[dx] = "F33".into();
    });
    let (code, stdout, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(!out.join("superbills/SB-202609-P0002.pdf").exists());
    assert!(stdout.contains("Removed 1 file"), "{stdout}");
    assert_eq!(std::fs::read(&signed).unwrap(), b"%PDF-1.4 signed by hand");
    assert_eq!(
        std::fs::read(out.join("notes.txt")).unwrap(),
        b"sent to the accountant"
    );

    // A folder with a file at one of our names that we did not write: the
    // batch refuses before writing anything.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("summary.csv"), b"my own summary\n").unwrap();
    let before = bytes_of(&other);
    let (code, _, stderr) = batch(&practice, &other, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("did not write") && stderr.contains("summary.csv"),
        "{stderr}"
    );
    assert!(bytes_of(&other) == before, "the user's file was touched");
    assert_eq!(entries(&other), [PathBuf::from("summary.csv")]);
}

#[cfg(unix)]
#[test]
fn no_symlink_is_followed_out_of_the_output_folder() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    // A symlinked superbills/ (say, into a synced folder) holding the
    // user's signed copies: refused, nothing in it touched.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("SB-202609-P0001-signed.pdf"), b"signed").unwrap();
    std::fs::write(elsewhere.join("SB-202609-P0001.pdf"), b"the user's copy").unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("superbills")).unwrap();
    let before = bytes_of(&elsewhere);
    let (code, _, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert!(bytes_of(&elsewhere) == before);
    assert_eq!(entries(&out), [PathBuf::from("superbills")]);

    // One of our PDFs replaced by a symlink to a file elsewhere: neither
    // written through nor removed.
    let out = tmp.path().join("out2");
    let (code, _, _) = batch(&practice, &out, &[]);
    assert_eq!(code, 0);
    let target = elsewhere.join("SB-202609-P0001.pdf");
    let ours = out.join("superbills/SB-202609-P0001.pdf");
    std::fs::remove_file(&ours).unwrap();
    std::os::unix::fs::symlink(&target, &ours).unwrap();
    let (code, _, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("SB-202609-P0001.pdf"), "{stderr}");
    assert!(bytes_of(&elsewhere) == before, "written through a symlink");
    assert!(std::fs::symlink_metadata(&ours)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn one_folder_holds_one_practice_and_one_period() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    let out = tmp.path().join("out");
    assert_eq!(batch(&practice, &out, &[]).0, 0);
    let before = bytes_of(&out);
    let (code, _, stderr) = batch_in(&practice, &out, "2026-10", &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("2026-09")
            && stderr.contains(&format!("--out {}", tmp.path().join("2026-10").display())),
        "{stderr}"
    );
    assert!(bytes_of(&out) == before, "the September batch was touched");
    // Another practice (another EIN) into the same folder.
    let toml = practice.join("practice.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, text.replace("84-1234567", "84-7654321")).unwrap();
    let (code, _, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("another practice"), "{stderr}");
    assert!(bytes_of(&out) == before);
}

#[test]
fn a_run_that_stops_with_exit_2_leaves_no_folder_behind() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    std::fs::write(practice.join("payments.csv"), b"").unwrap();
    let out = tmp.path().join("a/b/out");
    let (code, _, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!tmp.path().join("a").exists(), "empty folders left behind");
    // A folder that was there before stays, empty as it was.
    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    let (code, _, _) = batch(&practice, &mine, &[]);
    assert_eq!(code, 2);
    assert!(mine.is_dir());
    assert_eq!(entries(&mine), Vec::<PathBuf>::new());
}

#[cfg(unix)]
#[test]
fn loosened_permissions_of_unchanged_files_are_restored() {
    use std::os::unix::fs::PermissionsExt;
    let (tmp, practice) = sample_copy("cedar-ridge");
    let out = tmp.path().join("out");
    assert_eq!(batch(&practice, &out, &[]).0, 0);
    let pdf = out.join("superbills/SB-202609-P0003.pdf");
    for f in [&pdf, &out.join("summary.csv")] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let (code, stdout, _) = batch(&practice, &out, &[]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Wrote 0 of"), "{stdout}");
    assert_eq!(mode(&pdf), 0o600);
    assert_eq!(mode(&out.join("summary.csv")), 0o600);
}

/// A practice big enough that its batch is still rendering when the test
/// acts on it.
fn large_practice(tmp: &Path) -> PathBuf {
    let dir = tmp.join("large");
    let (code, _, stderr) = run(superbill()
        .args(["samples", "generate", "--patients", "900", "--months", "1"])
        .args(["--start", "2026-09", "--seed", "7", "--out"])
        .arg(&dir));
    assert_eq!(code, 0, "{stderr}");
    dir
}

/// Starts a batch on one thread, and returns once it is writing superbills
/// (it has printed its first progress line).
fn start_batch(
    practice: &Path,
    out: &Path,
) -> (
    Child,
    std::io::Lines<std::io::BufReader<std::process::ChildStderr>>,
) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("superbill"))
        .current_dir(root())
        .arg("batch")
        .arg("--practice")
        .arg(practice)
        .args([
            "--period",
            "2026-09",
            "--as-of",
            AS_OF,
            "--no-progress",
            "--jobs",
            "1",
        ])
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        let line = lines
            .next()
            .expect("the batch ended before rendering")
            .unwrap();
        if line.starts_with("rendered ") {
            break;
        }
    }
    (child, lines)
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    entries(dir)
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.starts_with(".superbill-") && n.ends_with(".tmp")
        })
        .collect()
}

/// Sends `signal` (e.g. `-STOP`) to a child process.
#[cfg(unix)]
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_second_batch_on_the_same_folder_fails_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let practice = large_practice(tmp.path());
    let out = tmp.path().join("out");
    let (mut first, rest) = start_batch(&practice, &out);
    // The first batch, paused half-way, holds the folder for as long as
    // the second one runs, however fast the machine.
    signal(&first, "-STOP");
    let (code, stdout, stderr) = batch(&practice, &out, &[]);
    signal(&first, "-CONT");
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("another superbill batch is writing to"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "{stdout}");
    // Read to the end: a closed pipe would end the first batch early.
    let rest: Vec<String> = rest.map(|l| l.unwrap()).collect();
    let status = first.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{rest:?}");
    // The first batch's output is whole: its manifest vouches for every file.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let outputs = manifest["outputs"].as_object().unwrap();
    for (name, sha) in outputs {
        let bytes = std::fs::read(out.join(name)).unwrap();
        assert_eq!(sha_hex(&bytes), sha.as_str().unwrap(), "{name}");
    }
    assert!(!out.join(".superbill.lock").exists());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_batch_with_exit_130_and_no_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    let practice = large_practice(tmp.path());
    let out = tmp.path().join("out");
    let (mut child, rest) = start_batch(&practice, &out);
    signal(&child, "-INT");
    let stderr: Vec<String> = rest.map(|l| l.unwrap()).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{stderr:?}");
    let messages: Vec<&String> = stderr
        .iter()
        .filter(|l| !l.starts_with("rendered "))
        .collect();
    assert_eq!(messages.len(), 1, "{stderr:?}");
    assert!(
        messages[0].starts_with("superbill: interrupted"),
        "{stderr:?}"
    );
    assert_eq!(temp_files(&out), Vec::<PathBuf>::new());
    assert!(!out.join(".superbill.lock").exists());
    // Running it again completes the batch.
    let (code, stdout, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(temp_files(&out), Vec::<PathBuf>::new());
    assert!(!out.join(".superbill-pending.json").exists());
}

fn sha_hex(bytes: &[u8]) -> String {
    superbill::manifest::sha256_hex(bytes)
}
