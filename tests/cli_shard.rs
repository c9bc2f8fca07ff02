//! A batch across machines, on one machine: N shard processes at once
//! (`batch --shard K/N`), `merge`, and every file compared byte for byte
//! with one unsharded run; a missing shard, a shard given twice and shards
//! of other inputs or options refused.

mod common;

use common::*;
use std::path::{Path, PathBuf};

const PERIOD: &str = "2026-09";

/// `batch` of `practice` into `out` with `extra` arguments.
fn batch_cmd(practice: &Path, out: &Path, as_of: &str, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = superbill();
    cmd.arg("batch")
        .arg("--practice")
        .arg(practice)
        .args(["--period", PERIOD, "--as-of", as_of, "--no-progress"])
        .args(extra)
        .arg("--out")
        .arg(out);
    cmd
}

/// Runs shards 1..=n of the batch as n processes at once, each into
/// `<base>/shard-K`; returns their folders. Every shard exits as the
/// whole batch would (`code`).
fn shards(
    practice: &Path,
    base: &Path,
    as_of: &str,
    n: u32,
    extra: &[&str],
    code: i32,
) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = (1..=n).map(|k| base.join(format!("shard-{k}"))).collect();
    let children: Vec<_> = dirs
        .iter()
        .enumerate()
        .map(|(i, dir)| {
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("superbill"));
            cmd.current_dir(root())
                .arg("batch")
                .arg("--practice")
                .arg(practice)
                .args(["--period", PERIOD, "--as-of", as_of, "--no-progress", "-q"])
                .args(extra)
                .arg("--shard")
                .arg(format!("{}/{n}", i + 1))
                .arg("--out")
                .arg(dir)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().expect("shard starts")
        })
        .collect();
    for (k, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "shard {}: {}{}",
            k + 1,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dirs
}

fn merge(out: &Path, dirs: &[PathBuf], extra: &[&str]) -> (i32, String, String) {
    let mut cmd = superbill();
    cmd.args(["merge", "--no-progress"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .args(dirs);
    run(&mut cmd)
}

/// Every file of `a` and `b` (relative paths and bytes) equal.
fn assert_same_folder(a: &Path, b: &Path) {
    let files = files_under(a);
    assert_eq!(files, files_under(b), "different file lists");
    for f in &files {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{} differs", f.display());
    }
}

/// Every file of the batch, as the merge of 3 shard processes, is the
/// single run's, byte for byte: PDFs of both documents, exports, manifest.
/// The messy sample holds rejected rows and held superbills.
#[test]
fn three_shards_merged_are_the_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let practice = sample("cedar-ridge-messy");
    let as_of = "2026-10-15";
    let with = ["--with", "cms1500,guide"];
    let single = tmp.path().join("single");
    let (code, stdout, stderr) = run(&mut batch_cmd(&practice, &single, as_of, &with));
    assert_eq!(code, 1, "{stdout}{stderr}");
    let dirs = shards(&practice, tmp.path(), as_of, 3, &with, 1);

    // Each superbill's documents are in exactly one shard; no shard
    // writes an export.
    let mut rendered: Vec<PathBuf> = Vec::new();
    for d in &dirs {
        let files = files_under(d);
        assert!(
            files.iter().all(|f| f.starts_with("superbills")
                || f.starts_with("cms1500")
                || f == Path::new("manifest.json")),
            "{}: {files:?}",
            d.display()
        );
        assert!(files.len() > 1, "{} issued nothing", d.display());
        rendered.extend(
            files
                .into_iter()
                .filter(|f| f.extension().unwrap() == "pdf"),
        );
    }
    rendered.sort();
    let mut in_single: Vec<PathBuf> = files_under(&single)
        .into_iter()
        .filter(|f| f.extension().unwrap() == "pdf")
        .collect();
    in_single.sort();
    assert_eq!(rendered, in_single);

    let merged = tmp.path().join("merged");
    let (code, out, err) = merge(
        &merged,
        &[dirs[2].clone(), dirs[0].clone(), dirs[1].clone()],
        &[],
    );
    assert_eq!(
        code, 1,
        "the data's errors exit 1 as the batch does: {out}{err}"
    );
    assert_same_folder(&single, &merged);
    // The report is the batch's too.
    let table = |s: &str| {
        s.lines()
            .take_while(|l| !l.is_empty())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(table(&out), table(&stdout));

    // Merging again touches nothing.
    let (code, out, _) = merge(&merged, &dirs, &["--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["command"], "merge");
    assert!(v["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["written"] == false));
}

/// Rows that belong to no patient (a session without a patient id, a
/// payment whose amount is text) are counted and listed once in the
/// merged batch, not once per shard; with --partial every superbill is
/// issued, marked partial, from the shards.
#[test]
fn rows_of_no_patient_appear_once() {
    let tmp = tempfile::tempdir().unwrap();
    let practice = tmp.path().join("practice");
    let mut gen = superbill();
    gen.args(["samples", "generate", "--patients", "45", "--out"])
        .arg(&practice);
    assert_eq!(run(&mut gen).0, 0);
    let append = |file: &str, line: &str| {
        let path = practice.join(file);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(line);
        std::fs::write(&path, text).unwrap();
    };
    append(
        "sessions.csv",
        "S999999,,okafor,2026-09-15,ketamine-iv,,F33.2,40,70,,completed,\n",
    );
    append("payments.csv", "PMT999999,P0001,,2026-09-15,abc,card,x\n");
    let as_of = "2026-10-05";
    let single = tmp.path().join("single");
    let (code, stdout, stderr) = run(&mut batch_cmd(&practice, &single, as_of, &["--partial"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    let dirs = shards(&practice, tmp.path(), as_of, 3, &["--partial"], 1);
    let merged = tmp.path().join("merged");
    let (code, out, err) = merge(&merged, &dirs, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert_same_folder(&single, &merged);
    let rejects = std::fs::read_to_string(merged.join("rejects.csv")).unwrap();
    assert_eq!(rejects.matches("S999999").count(), 1, "{rejects}");
    assert_eq!(rejects.matches("PMT999999").count(), 1, "{rejects}");
    assert!(
        out.contains("rows read 586 = billed 579 + skipped 5 + rejected 2"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_dir(merged.join("superbills"))
            .unwrap()
            .count(),
        45
    );
}

/// A clean sample in 3 shards, for the refusals.
fn three_shards() -> (tempfile::TempDir, Vec<PathBuf>) {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = shards(&sample("cedar-ridge"), tmp.path(), "2026-10-05", 3, &[], 0);
    (tmp, dirs)
}

/// `merge --dry-run` checks the shards and says what it would write, and
/// writes nothing; a missing shard is still an error.
#[test]
fn a_dry_run_merge_writes_nothing() {
    let (tmp, dirs) = three_shards();
    let merged = tmp.path().join("merged");
    let (code, out, err) = merge(&merged, &dirs, &["--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Dry run: would write 58 file(s)") && out.contains("nothing was written"),
        "{out}"
    );
    assert!(
        out.contains("write superbills/SB-202609-P0001.pdf"),
        "{out}"
    );
    assert!(!merged.exists(), "a dry run wrote");
    let (code, out, err) = merge(&merged, &dirs[1..], &["--dry-run"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("shard 1/3 is missing"), "{err}");
    assert!(!merged.exists());
}

#[test]
fn a_missing_shard_is_an_error_that_names_it() {
    let (tmp, dirs) = three_shards();
    let merged = tmp.path().join("merged");
    let (code, out, err) = merge(&merged, &dirs[..2], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("shard 3/3 is missing"), "{err}");
    assert!(err.contains("--shard 3/3"), "the fix: {err}");
    assert!(!merged.exists(), "a refused merge wrote");
}

#[test]
fn a_shard_run_twice_or_a_folder_given_twice_is_an_error() {
    let (tmp, dirs) = three_shards();
    let again = tmp.path().join("shard-2-again");
    let mut cmd = batch_cmd(
        &sample("cedar-ridge"),
        &again,
        "2026-10-05",
        &["--shard", "2/3"],
    );
    assert_eq!(run(&mut cmd).0, 0);
    let merged = tmp.path().join("merged");
    let mut given = dirs.clone();
    given.push(again);
    let (code, _, err) = merge(&merged, &given, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("shard 2/3 is given twice"), "{err}");

    let mut given = dirs.clone();
    given.push(dirs[0].join("superbills/.."));
    let (code, _, err) = merge(&merged, &given, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is given twice"), "{err}");
    assert!(!merged.exists());
}

#[test]
fn shards_of_different_inputs_or_options_are_refused() {
    let (tmp, dirs) = three_shards();
    let merged = tmp.path().join("merged");
    let redo = |k: u32, n: u32, practice: &Path, as_of: &str| {
        let dir = tmp.path().join(format!("other-{k}-{n}-{as_of}"));
        let mut cmd = batch_cmd(practice, &dir, as_of, &["--shard", &format!("{k}/{n}")]);
        let (code, out, err) = run(&mut cmd);
        assert!(code <= 1, "{out}{err}");
        dir
    };
    // Shard 3 of an edited practice.
    let (_keep, edited) = sample_copy("cedar-ridge");
    let path = edited.join("sessions.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen(",45,", ",46,", 1)).unwrap();
    let other = redo(3, 3, &edited, "2026-10-05");
    let (code, _, err) = merge(&merged, &[dirs[0].clone(), dirs[1].clone(), other], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("different inputs (sessions.csv differs)"),
        "{err}"
    );

    // Another N, another --as-of.
    let other = redo(2, 2, &sample("cedar-ridge"), "2026-10-05");
    let (_, _, err) = merge(&merged, &[dirs[0].clone(), other], &[]);
    assert!(err.contains("one of 3 shards, the other of 2"), "{err}");
    let other = redo(3, 3, &sample("cedar-ridge"), "2026-10-06");
    let (_, _, err) = merge(&merged, &[dirs[0].clone(), dirs[1].clone(), other], &[]);
    assert!(err.contains("different --as-of dates"), "{err}");

    // The practice edited after the shards ran.
    let (code, _, err) = merge(&merged, &dirs, &["--practice", edited.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is not what the shards read (sessions.csv differs)"),
        "{err}"
    );
    assert!(!merged.exists());
}

#[test]
fn a_shard_pdf_changed_after_the_shard_or_a_whole_batch_is_refused() {
    let (tmp, dirs) = three_shards();
    let merged = tmp.path().join("merged");
    let pdf = files_under(&dirs[1])
        .into_iter()
        .find(|f| f.extension().unwrap() == "pdf")
        .unwrap();
    let path = dirs[1].join(&pdf);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"%tampered\n");
    std::fs::write(&path, bytes).unwrap();
    let (code, _, err) = merge(&merged, &dirs, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("changed after the shard wrote it"), "{err}");
    assert!(err.contains("--shard 2/3"), "{err}");

    let whole = tmp.path().join("whole");
    let mut cmd = batch_cmd(&sample("cedar-ridge"), &whole, "2026-10-05", &[]);
    assert_eq!(run(&mut cmd).0, 0);
    let (code, _, err) = merge(&merged, &[whole], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("holds a whole batch, not a shard"), "{err}");
    // Nor may the merge write into a shard's folder.
    let (code, _, err) = merge(&dirs[0], &dirs, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("overlaps the shard folder"), "{err}");
}

#[test]
fn shard_syntax_errors_exit_2_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for (arg, says) in [
        ("0/2", "JOB_COMPLETION_INDEX + 1"),
        ("3/2", "K runs from 1 to 2"),
        ("two", "write K/N"),
    ] {
        let mut cmd = batch_cmd(
            &sample("cedar-ridge"),
            &out,
            "2026-10-05",
            &["--shard", arg],
        );
        let (code, _, err) = run(&mut cmd);
        assert_eq!(code, 2, "{arg}: {err}");
        assert!(err.contains(says), "{arg}: {err}");
    }
    assert!(!out.exists());
}

/// The shell a container of `deploy/k8s/NAME` runs (its `args: - |`
/// block), with `/data` moved to `data`.
fn k8s_script(name: &str, data: &Path) -> String {
    let yaml = std::fs::read_to_string(root().join("deploy/k8s").join(name)).unwrap();
    let mut lines = yaml.lines().skip_while(|l| l.trim() != "- |").skip(1);
    let first = lines.next().expect("a script");
    let indent = first.len() - first.trim_start().len();
    let script: Vec<&str> = std::iter::once(first)
        .chain(lines.take_while(|l| l.trim().is_empty() || l.starts_with(&" ".repeat(indent))))
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect();
    script.join("\n").replace("/data", data.to_str().unwrap())
}

/// `PATH` with the built binary first.
fn path_with(dirs: &[&Path]) -> std::ffi::OsString {
    let bin = assert_cmd::cargo::cargo_bin("superbill");
    let mut all: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
    all.push(bin.parent().unwrap().to_path_buf());
    all.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(all).unwrap()
}

/// The Indexed Job's shell, run for each completion index, then the merge
/// Job's: the folder is the single run's.
#[test]
fn the_kubernetes_jobs_run_the_shards_and_the_merge() {
    let yaml = std::fs::read_to_string(root().join("deploy/k8s/batch-indexed-job.yaml")).unwrap();
    assert!(yaml.contains("completionMode: Indexed"));
    let completions = yaml
        .lines()
        .find_map(|l| l.trim().strip_prefix("completions:"))
        .and_then(|v| v.split('#').next())
        .map(|v| v.trim().to_string())
        .unwrap();
    let shards_env = yaml
        .split("name: SHARDS")
        .nth(1)
        .and_then(|rest| rest.lines().nth(1))
        .unwrap();
    assert_eq!(
        shards_env.trim(),
        format!("value: \"{completions}\""),
        "SHARDS must equal completions"
    );

    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&sample("cedar-ridge-messy"), &data.join("practice"));
    let as_of = "2026-10-15";
    let n = 3;
    let shard = k8s_script("batch-indexed-job.yaml", &data);
    for index in 0..n {
        let out = std::process::Command::new("sh")
            .args(["-c", &shard])
            .env("PATH", path_with(&[]))
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("PERIOD", PERIOD)
            .env("AS_OF", as_of)
            .env("SHARDS", n.to_string())
            .output()
            .unwrap();
        // The messy sample's errors exit 1: the pod still succeeds.
        assert!(out.status.success(), "index {index}: {out:?}");
    }
    let merge = k8s_script("merge-job.yaml", &data);
    let out = std::process::Command::new("sh")
        .args(["-c", &merge])
        .env("PATH", path_with(&[]))
        .env("PERIOD", PERIOD)
        .output()
        .unwrap();
    assert!(out.status.success(), "merge: {out:?}");
    let single = tmp.path().join("single");
    let (code, _, err) = run(&mut batch_cmd(&data.join("practice"), &single, as_of, &[]));
    assert_eq!(code, 1, "{err}");
    assert_same_folder(&single, &data.join("out").join(PERIOD));

    // A pod that cannot run (a missing shard for the merge) fails.
    std::fs::remove_dir_all(data.join("work").join(PERIOD).join("shard-2")).unwrap();
    let out = std::process::Command::new("sh")
        .args(["-c", &merge])
        .env("PATH", path_with(&[]))
        .env("PERIOD", PERIOD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// The Slurm script with a stand-in `sbatch` that runs a job at once (an
/// array's tasks one after another, each with its SLURM_ARRAY_TASK_ID).
#[test]
fn the_slurm_script_runs_the_array_and_the_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path().join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let sbatch = fake.join("sbatch");
    std::fs::write(
        &sbatch,
        r#"#!/bin/sh
# Stand-in for sbatch: runs the job now and prints a job id.
array= wrap=
for a in "$@"; do
    case "$a" in
        --array=*) array=${a#--array=} ;;
        --wrap=*) wrap=${a#--wrap=} ;;
    esac
done
if [ -n "$array" ]; then
    for i in $(seq "${array%-*}" "${array#*-}"); do
        SLURM_ARRAY_TASK_ID=$i sh -c "$wrap" >>"$SBATCH_LOG" 2>&1 || exit 1
    done
else
    sh -c "$wrap" >>"$SBATCH_LOG" 2>&1 || exit 1
fi
echo 4242
"#,
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sbatch, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let base = tmp.path().join("shared");
    let practice = tmp.path().join("practice");
    copy_dir(&sample("cedar-ridge"), &practice);
    let out = std::process::Command::new("bash")
        .arg(root().join("deploy/slurm/batch-array.sh"))
        .arg(&practice)
        .args([PERIOD, "2026-10-05", "3"])
        .arg(&base)
        .env("PATH", path_with(&[&fake]))
        .env("SBATCH_LOG", tmp.path().join("sbatch.log"))
        .output()
        .unwrap();
    let log = std::fs::read_to_string(tmp.path().join("sbatch.log")).unwrap_or_default();
    assert!(out.status.success(), "{out:?}\n{log}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "shards: job 4242 (tasks 1-3); merge: job 4242"
    );
    for k in 1..=3 {
        let m = base.join(format!("work/{PERIOD}/shard-{k}/manifest.json"));
        let text = std::fs::read_to_string(&m).unwrap();
        assert!(text.contains(&format!("\"index\": {k}")), "{text}");
    }
    let single = tmp.path().join("single");
    let (code, _, err) = run(&mut batch_cmd(&practice, &single, "2026-10-05", &[]));
    assert_eq!(code, 0, "{err}");
    assert_same_folder(&single, &base.join("out").join(PERIOD));
}

/// A month run again after a fix: the corrected superbill is revision 2
/// in the merged folder as in the single run's, when the shards number
/// revisions against the merged folder (`--merge-into`); shards that did
/// not are refused.
#[test]
fn a_rerun_numbers_corrected_superbills_as_the_single_run() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    let as_of = "2026-10-05";
    let single = tmp.path().join("single");
    let merged = tmp.path().join("merged");
    let into = ["--merge-into", merged.to_str().unwrap()];
    let once = |work: &str, extra: &[&str]| {
        assert_eq!(run(&mut batch_cmd(&practice, &single, as_of, &[])).0, 0);
        let dirs = shards(&practice, &tmp.path().join(work), as_of, 3, extra, 0);
        merge(&merged, &dirs, &[])
    };
    let (code, _, err) = once("work", &into);
    assert_eq!(code, 0, "{err}");
    assert_same_folder(&single, &merged);

    // A payment corrected: that patient's superbill is issued again.
    let path = practice.join("payments.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen(",375.00,", ",370.00,", 1)).unwrap();
    let (code, _, err) = once("fresh", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("run every shard again with --merge-into"),
        "{err}"
    );
    let (code, out, err) = once("work", &into);
    assert_eq!(code, 0, "{out}{err}");
    assert_same_folder(&single, &merged);
    assert!(out.contains("Issued 1 corrected superbill"), "{out}");
    let manifest = std::fs::read_to_string(merged.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"revision\": 2"), "{manifest}");
}
