//! Concurrency, crashes, output errors and git preconditions through the real binary
//! (issue 8): one writer at a time, all or nothing, the lock file not trusted to
//! delete, a closed pipe or full disk never panics, tokens never shown in a diff.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{fixture, git, pyrel, snapshot_tree};

const FAKE_TOKEN: &str = "ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000";

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    pyrel(dir)
        .env("PYREL_TODAY", "2024-05-01")
        .args(args)
        .output()
        .unwrap()
}

fn init(dir: &Path) {
    let out = run(dir, &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The pyrel binary as a plain `Command` (for spawning and killing).
fn pyrel_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("pyrel"));
    c.current_dir(dir)
        .args(args)
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("PYREL_NO_GH", "1")
        .env("PYREL_TODAY", "2024-05-01");
    c
}

fn versions(dir: &Path) -> Vec<String> {
    let out = run(dir, &["version", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["version"].as_str().unwrap_or("").to_string())
        .collect()
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    snapshot_tree(dir)
        .into_keys()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(".pyrel-"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// 5. One writer at a time

#[cfg(unix)]
#[test]
fn a_second_writer_waits_then_exits_1_writing_nothing() {
    let repo = fixture("single-flat");
    init(repo.path());
    // A policy change, so generate would write.
    let pp = repo.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&pp)
        .unwrap()
        .replace("build-tool = \"uv\"", "build-tool = \"build\"");
    std::fs::write(&pp, text).unwrap();
    let before = snapshot_tree(repo.path());
    // Another writer (the bump script uses the same protocol) holds the lock.
    let lock = repo.path().join(".git/pyrel.lock");
    let mut holder = Command::new("python3")
        .args([
            "-c",
            "import fcntl,sys,time\nf=open(sys.argv[1],'a')\nfcntl.flock(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(20)",
        ])
        .arg(&lock)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    for args in [
        &["generate"][..],
        &["bump", "patch"],
        &["generate", "--force"],
    ] {
        let start = Instant::now();
        let out = run(repo.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("another pyrel is writing"),
            "{}",
            stderr(&out)
        );
        assert!(
            start.elapsed() >= Duration::from_millis(1500),
            "did not wait"
        );
        assert!(snapshot_tree(repo.path()) == before, "{args:?} wrote");
    }
    // Readers do not wait for the lock.
    let out = run(repo.path(), &["generate", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    let _ = holder.kill();
    let _ = holder.wait();
    // Once the holder is gone the lock is free again (the OS released it).
    let out = run(repo.path(), &["generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn concurrent_bumps_never_leave_mixed_versions() {
    let repo = fixture("uv-workspace");
    let mut expected_patch = 0u32;
    for pair in 0..10 {
        let spawn = || {
            pyrel_cmd(repo.path(), &["bump", "patch", "--no-changelog"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        for o in [&a, &b] {
            match o.status.code() {
                Some(0) => expected_patch += 1,
                Some(1) => assert!(stderr(o).contains("another pyrel"), "{}", stderr(o)),
                other => panic!("pair {pair}: exit {other:?}: {}", stderr(o)),
            }
        }
        let v = versions(repo.path());
        let want = format!("2.0.{expected_patch}");
        assert!(
            v.iter().all(|x| *x == want),
            "pair {pair}: {v:?}, want {want}"
        );
    }
    assert!(expected_patch >= 10);
}

// ---------------------------------------------------------------------------------------
// 6. All or nothing

#[test]
fn init_that_fails_halfway_leaves_nothing_and_the_next_init_starts_afresh() {
    let repo = fixture("uv-workspace");
    let before = snapshot_tree(repo.path());
    for at in ["0", "2", "5"] {
        let out = pyrel(repo.path())
            .env("PYREL_SYNC_FAIL_AT", at)
            .args(["init", "--yes"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("every file was restored"),
            "{}",
            stderr(&out)
        );
        assert!(
            snapshot_tree(repo.path()) == before,
            "fail at {at}: tree changed"
        );
        // No directory is left behind either.
        assert!(
            !repo.path().join(".github").exists(),
            "fail at {at}: .github left"
        );
        assert!(
            !repo.path().join("docs").exists(),
            "fail at {at}: docs left"
        );
    }
    let out = run(repo.path(), &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("(policy)"));
}

#[test]
fn generate_that_fails_halfway_restores_every_file() {
    let repo = fixture("single-flat");
    init(repo.path());
    let pp = repo.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&pp)
        .unwrap()
        .replace("publish = \"trusted\"", "publish = \"token\"");
    std::fs::write(&pp, text).unwrap();
    let before = snapshot_tree(repo.path());
    let out = pyrel(repo.path())
        .env("PYREL_SYNC_FAIL_AT", "1")
        .args(["generate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(snapshot_tree(repo.path()) == before);
    assert!(run(repo.path(), &["generate"]).status.success());
}

#[cfg(target_os = "linux")]
#[test]
fn init_with_stdout_on_a_full_disk_is_never_half_done() {
    let repo = fixture("single-flat");
    let before = snapshot_tree(repo.path());
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = pyrel_cmd(repo.path(), &["init", "--yes"])
        .stdout(full)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(101), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_ne!(out.status.code(), Some(0));
    if snapshot_tree(repo.path()) != before {
        // Everything was written: the repository is fully set up.
        let check = run(repo.path(), &["generate", "--check"]);
        assert!(
            check.status.success(),
            "half-initialised: {}",
            stdout(&check)
        );
    }
}

/// Init names a publisher on other events than the release tags (here a manual upload);
/// that line too goes through the never-panicking stdout.
#[test]
fn init_naming_another_publisher_on_a_full_disk_does_not_panic() {
    let repo = fixture("single-src");
    let dir = repo.path().join(".github/workflows");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("manual.yml"),
        "name: manual\non:\n  workflow_dispatch:\njobs:\n  up:\n    runs-on: ubuntu-latest\n    steps:\n      - run: uv build && uv publish\n",
    )
    .unwrap();
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "publisher"]);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = pyrel_cmd(repo.path(), &["init", "--yes"])
        .stdout(full)
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("could not write"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------
// 7. The lock file is not trusted to delete

#[test]
fn generate_deletes_only_its_own_untouched_files() {
    let repo = fixture("single-flat");
    init(repo.path());
    let lock = repo.path().join(".github/pyrel.lock");
    let hash_of = |rel: &str| {
        pyrel::testing::sync::hash(&std::fs::read_to_string(repo.path().join(rel)).unwrap())
    };
    let mut text = std::fs::read_to_string(&lock).unwrap();
    for rel in [
        "pyproject.toml",
        "README.md",
        "widgets/__init__.py",
        ".git/config",
    ] {
        text.push_str(&format!("\"{rel}\" = \"{}\"\n", hash_of(rel)));
    }
    text.push_str("\"../outside.txt\" = \"sha256:00\"\n\"/etc/passwd\" = \"sha256:00\"\n");
    std::fs::write(&lock, text).unwrap();
    // A real orphan: the guide is no longer managed and untouched, so it goes.
    let pp = repo.path().join("pyproject.toml");
    let policy = std::fs::read_to_string(&pp).unwrap().replace(
        "releasing-guide = \"docs/RELEASING.md\"",
        "releasing-guide = false",
    );
    std::fs::write(&pp, &policy).unwrap();
    let kept: Vec<(&str, Vec<u8>)> = [
        "pyproject.toml",
        "README.md",
        "widgets/__init__.py",
        ".git/config",
    ]
    .iter()
    .map(|r| (*r, std::fs::read(repo.path().join(r)).unwrap()))
    .collect();
    let out = run(repo.path(), &["generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for (rel, bytes) in kept {
        assert_eq!(
            std::fs::read(repo.path().join(rel)).unwrap(),
            bytes,
            "{rel} touched"
        );
    }
    assert!(
        !repo.path().join("docs/RELEASING.md").exists(),
        "{}",
        stdout(&out)
    );
}

// ---------------------------------------------------------------------------------------
// 8. Tokens in diffs

#[test]
fn tokens_in_files_are_redacted_in_every_diff() {
    let repo = fixture("single-flat");
    init(repo.path());
    let wf = repo.path().join(".github/workflows/release.yml");
    let mut text = std::fs::read_to_string(&wf).unwrap();
    text.push_str(&format!("# {FAKE_TOKEN}\n"));
    std::fs::write(&wf, text).unwrap();
    let pp = repo.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&pp).unwrap().replace(
        "description = \"Small widgets for dashboards\"",
        &format!("description = \"{FAKE_TOKEN}\""),
    );
    std::fs::write(&pp, text).unwrap();
    for args in [
        &["generate", "--check"][..],
        &["generate", "--dry-run"],
        &["generate"],
        &["bump", "patch", "--dry-run"],
    ] {
        let out = run(repo.path(), args);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(all.contains("***"), "{args:?}: no diff shown: {all}");
        assert!(!all.contains("ghp_FAKE"), "{args:?}: token shown: {all}");
    }
}

// ---------------------------------------------------------------------------------------
// 9. Output errors

#[cfg(target_os = "linux")]
#[test]
fn closed_pipes_and_full_disks_never_panic_for_any_verb() {
    let repo = fixture("single-flat");
    init(repo.path());
    let verbs: &[&[&str]] = &[
        &["doctor", "--explain", "version-sync"],
        &["doctor", "--offline"],
        &["doctor", "--offline", "--format", "json"],
        &["version"],
        &["version", "--format", "json"],
        &["generate", "--check"],
        &["generate", "--dry-run"],
        &["generate"],
        &["init", "--yes"],
        &["bump", "patch", "--dry-run"],
        &["--help"],
        &["bump", "--help"],
    ];
    for args in verbs {
        let normal = pyrel_cmd(repo.path(), args).output().unwrap();
        let code = normal.status.code();
        // Closed pipe (`| head -0`): the reader is gone before pyrel writes.
        let mut child = pyrel_cmd(repo.path(), args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(
            out.status.code(),
            code,
            "{args:?} closed pipe: {}",
            stderr(&out)
        );
        // Full disk.
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = pyrel_cmd(repo.path(), args).stdout(full).output().unwrap();
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_ne!(out.status.code(), Some(101), "{args:?}");
        if code == Some(0) && !normal.stdout.is_empty() {
            assert_eq!(out.status.code(), Some(2), "{args:?} full disk");
            assert!(stderr(&out).contains("could not write"), "{}", stderr(&out));
        }
    }
}

// ---------------------------------------------------------------------------------------
// 10. git preconditions before writing

#[test]
fn bump_commit_without_a_git_identity_writes_nothing() {
    let repo = fixture("single-src");
    init(repo.path());
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "init"]);
    git(repo.path(), &["config", "user.useConfigOnly", "true"]);
    let before = snapshot_tree(repo.path());
    for args in [
        &["bump", "patch", "--commit"][..],
        &["bump", "patch", "--tag"],
    ] {
        let out = pyrel(repo.path())
            .env_remove("GIT_AUTHOR_NAME")
            .env_remove("GIT_AUTHOR_EMAIL")
            .env_remove("GIT_COMMITTER_NAME")
            .env_remove("GIT_COMMITTER_EMAIL")
            .env_remove("EMAIL")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains("identity"), "{}", stderr(&out));
        assert!(snapshot_tree(repo.path()) == before);
    }
}

#[test]
fn init_lists_the_lock_among_what_it_created() {
    let repo = fixture("single-flat");
    let out = run(repo.path(), &["init", "--yes"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains(".github/pyrel.lock"),
        "{}",
        stdout(&out)
    );
}

// ---------------------------------------------------------------------------------------
// 6. kill -9 during generate and bump

#[cfg(unix)]
fn kill_after(mut child: std::process::Child, delay: Duration) {
    std::thread::sleep(delay);
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(unix)]
#[test]
fn kill_9_during_generate_leaves_every_file_old_or_new() {
    let repo = fixture("uv-workspace");
    init(repo.path());
    let pp = repo.path().join("pyproject.toml");
    let policy_a = std::fs::read_to_string(&pp).unwrap();
    let policy_b = policy_a.replace("publish = \"trusted\"", "publish = \"token\"");
    assert_ne!(policy_a, policy_b);
    // Both complete states, from full runs.
    let mut states = Vec::new();
    for policy in [&policy_a, &policy_b] {
        std::fs::write(&pp, policy).unwrap();
        assert!(run(repo.path(), &["generate"]).status.success());
        states.push(snapshot_tree(repo.path()));
    }
    for i in 0..16u64 {
        let policy = if i % 2 == 0 { &policy_a } else { &policy_b };
        std::fs::write(&pp, policy).unwrap();
        let child = pyrel_cmd(repo.path(), &["generate"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        kill_after(child, Duration::from_millis(2 + i * 3));
        let now = snapshot_tree(repo.path());
        for (path, bytes) in &now {
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".pyrel-"))
            {
                continue;
            }
            let known = states.iter().any(|s| s.get(path) == Some(bytes));
            assert!(
                known,
                "iteration {i}: {} is neither old nor new",
                path.display()
            );
        }
        let out = run(repo.path(), &["generate"]);
        assert!(out.status.success(), "iteration {i}: {}", stderr(&out));
        assert!(
            temp_files(repo.path()).is_empty(),
            "{:?}",
            temp_files(repo.path())
        );
    }
}

#[cfg(unix)]
#[test]
fn kill_9_during_bump_leaves_every_file_old_or_new() {
    for i in 0..10u64 {
        let repo = fixture("uv-workspace");
        std::fs::write(
            repo.path().join("CHANGELOG.md"),
            "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- x\n",
        )
        .unwrap();
        let before = snapshot_tree(repo.path());
        let done = fixture("uv-workspace");
        std::fs::write(
            done.path().join("CHANGELOG.md"),
            "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- x\n",
        )
        .unwrap();
        assert!(run(done.path(), &["bump", "patch"]).status.success());
        let after = snapshot_tree(done.path());
        let child = pyrel_cmd(repo.path(), &["bump", "patch"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        kill_after(child, Duration::from_millis(2 + i * 4));
        for (path, bytes) in snapshot_tree(repo.path()) {
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".pyrel-"))
            {
                continue;
            }
            assert!(
                before.get(&path) == Some(&bytes) || after.get(&path) == Some(&bytes),
                "iteration {i}: {} is neither old nor new",
                path.display()
            );
        }
        // The next run cleans up whatever temp file the kill left.
        let _ = run(repo.path(), &["bump", "2.1.0"]);
        assert!(
            temp_files(repo.path()).is_empty(),
            "{:?}",
            temp_files(repo.path())
        );
    }
}

/// A process limit so low that no thread can be started (`ulimit -u`, a container's pids
/// limit): every verb gives the answer it gives without the limit, one thread doing the
/// work. Before, the parallel walk of the credential scan panicked (exit 101) when its
/// second thread could not be started, then waited for it forever. Root ignores the limit,
/// so as root the commands run as `nobody` (setpriv).
#[cfg(target_os = "linux")]
#[test]
fn a_process_limit_that_forbids_threads_changes_no_answer() {
    let Some(prlimit) = common::require_tool("prlimit") else {
        return;
    };
    let id = Command::new("id").arg("-u").output().unwrap();
    let as_root = String::from_utf8_lossy(&id.stdout).trim() == "0";
    let setpriv = if as_root {
        let Some(p) = common::require_tool("setpriv") else {
            return;
        };
        Some(p)
    } else {
        None
    };
    // 130 members: discovery reads them on several threads (from 128 directories).
    let repo = tempfile::tempdir().unwrap();
    let members: Vec<String> = (0..130).map(|i| format!("\"libs/m{i:03}\"")).collect();
    std::fs::write(
        repo.path().join("pyproject.toml"),
        format!("[tool.uv.workspace]\nmembers = [{}]\n", members.join(", ")),
    )
    .unwrap();
    for i in 0..130 {
        let dir = repo.path().join(format!("libs/m{i:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("pyproject.toml"),
            format!("[project]\nname = \"acme-m{i:03}\"\nversion = \"1.0.0\"\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n"),
        )
        .unwrap();
    }
    git(repo.path(), &["init", "-q", "-b", "main"]);
    init(repo.path());
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "init"]);
    // The binary and the repository where `nobody` can run and read them.
    let bin = repo.path().join(".pyrel-under-test");
    std::fs::copy(assert_cmd::cargo::cargo_bin("pyrel"), &bin).unwrap();
    if as_root {
        let chown = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(repo.path())
            .status()
            .unwrap();
        assert!(chown.success());
        let chmod = Command::new("chmod")
            .args(["a+rx"])
            .arg(repo.path())
            .status()
            .unwrap();
        assert!(chmod.success());
    }
    let run = |nproc: Option<u32>, args: &[&str]| {
        let mut argv: Vec<std::ffi::OsString> = vec!["60".into()];
        if let Some(p) = &setpriv {
            argv.push(p.into());
            for a in ["--reuid=65534", "--regid=65534", "--clear-groups"] {
                argv.push(a.into());
            }
        }
        if let Some(n) = nproc {
            argv.push(prlimit.clone().into());
            argv.push(format!("--nproc={n}").into());
        }
        argv.push(bin.clone().into());
        let out = Command::new("timeout")
            .args(&argv)
            .args(args)
            .current_dir(repo.path())
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("PYREL_NO_GH", "1")
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_TOKEN")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (out.status.code(), stdout(&out), stderr(&out))
    };
    for args in [
        &["doctor", "--offline"][..],
        &["doctor", "--offline", "--select", "committed-credential"],
        &["version"],
        &["generate", "--check"],
        &["bump", "minor", "--dry-run"],
    ] {
        let free = run(None, args);
        assert_eq!(free.0, Some(0), "{args:?} without a limit: {free:?}");
        for n in [1, 2, 3] {
            let limited = run(Some(n), args);
            assert!(
                !limited.2.contains("panicked"),
                "{args:?} nproc={n}: {}",
                limited.2
            );
            assert_eq!(limited.0, free.0, "{args:?} nproc={n}: {limited:?}");
            assert_eq!(limited.1, free.1, "{args:?} nproc={n}");
        }
    }
}
// ---------------------------------------------------------------------------------------
// 11. Ignore files the walkers would block on

/// Runs pyrel, killing it after `limit`: `None` when it had not finished by then.
fn output_within(mut cmd: Command, limit: Duration) -> Option<std::process::Output> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    None
}

/// The walkers open every `.gitignore` and `.ignore` they pass without asking what it is:
/// a FIFO blocked the open forever, and a committed link to `/dev/zero` read until memory
/// ran out. Each is now refused (exit 2, naming it) before anything is opened, for every
/// verb that walks the tree.
#[cfg(unix)]
#[test]
fn an_ignore_file_that_is_a_fifo_or_a_link_to_one_is_refused_not_read() {
    let outside = tempfile::tempdir().unwrap();
    let fifo = outside.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (rel, link) in [
        ("sub/.gitignore", false),
        (".ignore", false),
        ("widgets/.gitignore", true),
    ] {
        let repo = fixture("single-flat");
        init(repo.path());
        let path = repo.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if link {
            std::os::unix::fs::symlink(&fifo, &path).unwrap();
        } else {
            assert!(Command::new("mkfifo")
                .arg(&path)
                .status()
                .unwrap()
                .success());
        }
        let before = snapshot_tree_but(repo.path(), rel);
        for args in [
            &["version"][..],
            &["doctor", "--offline"],
            &["bump", "patch"],
            &["generate"],
        ] {
            let out = output_within(pyrel_cmd(repo.path(), args), Duration::from_secs(30))
                .unwrap_or_else(|| panic!("{rel}: pyrel {args:?} blocked on the FIFO"));
            assert_eq!(
                out.status.code(),
                Some(2),
                "{rel} {args:?}: {}",
                stderr(&out)
            );
            assert!(
                stderr(&out).contains(&format!("`{rel}` is not a regular file")),
                "{rel} {args:?}: {}",
                stderr(&out)
            );
        }
        assert!(
            snapshot_tree_but(repo.path(), rel) == before,
            "{rel}: tree changed"
        );
    }
}

/// [`snapshot_tree`] that skips one special file (reading a FIFO would block).
fn snapshot_tree_but(dir: &Path, skip: &str) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if rel == Path::new(".git") || rel == Path::new(skip) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The git index's entry count sized an allocation before any entry was read: a
/// corrupt count (0xffffffff) aborted doctor asking for gigabytes. Now it is read as a
/// truncated index, and doctor answers.
#[test]
fn a_corrupt_index_entry_count_does_not_abort_doctor() {
    let repo = fixture("single-flat");
    init(repo.path());
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "init"]);
    let index = repo.path().join(".git/index");
    let mut data = std::fs::read(&index).unwrap();
    data[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
    std::fs::write(&index, data).unwrap();
    let out = run(repo.path(), &["doctor", "--offline", "--format", "json"]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {}",
        out.status,
        stderr(&out)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema"], "pyrel-doctor/1");
}

/// Files read by path rather than by the walk blocked on a FIFO too (and read a link to
/// `/dev/zero` without end): a script an existing workflow runs, which discovery reads
/// for publish steps, and the `.git` files read without a git process. Each is read only
/// when it is a regular file now, and every verb finishes.
#[cfg(unix)]
#[test]
fn files_read_by_path_that_are_fifos_never_block() {
    let outside = tempfile::tempdir().unwrap();
    let fifo = outside.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for rel in [
        "scripts/acme-ci.sh",
        ".git/packed-refs",
        ".git/HEAD",
        ".git/index",
    ] {
        let repo = fixture("single-flat");
        init(repo.path());
        git(repo.path(), &["add", "-A"]);
        git(repo.path(), &["commit", "-qm", "init"]);
        std::fs::create_dir_all(repo.path().join(".github/workflows")).unwrap();
        std::fs::write(
            repo.path().join(".github/workflows/acme-ci.yml"),
            "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./scripts/acme-ci.sh\n",
        )
        .unwrap();
        let path = repo.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&path);
        std::os::unix::fs::symlink(&fifo, &path).unwrap();
        for args in [
            &["version"][..],
            &["doctor", "--offline"],
            &["init", "--yes", "--dry-run"],
            &["bump", "patch", "--dry-run"],
        ] {
            let out = output_within(pyrel_cmd(repo.path(), args), Duration::from_secs(30))
                .unwrap_or_else(|| panic!("{rel}: pyrel {args:?} blocked on the FIFO"));
            assert!(
                matches!(out.status.code(), Some(0..=2)),
                "{rel} {args:?}: {:?} {}",
                out.status,
                stderr(&out)
            );
        }
    }
}

/// The pack reader decoded an offset delta's base distance without a bound: a corrupt
/// entry whose varint runs past 64 bits overflowed (a panic in a debug build). Such an
/// entry is now unreadable, the reader hands the question to git, and doctor answers.
#[test]
fn a_pack_entry_with_an_overflowing_base_offset_does_not_panic() {
    let repo = fixture("single-flat");
    init(repo.path());
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "init"]);
    git(repo.path(), &["tag", "-a", "v1.4.0", "-m", "release"]);
    git(repo.path(), &["gc", "-q"]);
    // The tag object's offset in its pack.
    let pack_dir = repo.path().join(".git/objects/pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .find(|p| {
            let out = Command::new("git")
                .args(["verify-pack", "-v"])
                .arg(p)
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).contains(" tag ")
        })
        .expect("a pack holding the tag");
    let listing = Command::new("git")
        .args(["verify-pack", "-v"])
        .arg(&idx)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    let line = listing.lines().find(|l| l.contains(" tag ")).unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (oid, offset) = (fields[0].to_string(), fields[4].parse::<usize>().unwrap());
    // An offset delta whose distance reaches 2^64 - 1 and goes on.
    let mut entry = vec![0x60u8];
    let mut digits = Vec::new();
    let (mut target, mut bits) = (u64::MAX, 64u32);
    while bits > 7 {
        digits.push((target & 0x7f) as u8);
        target = ((target >> 7).wrapping_sub(1)) & ((1u64 << (bits - 7)) - 1);
        bits -= 7;
    }
    digits.push(target as u8);
    digits.reverse();
    entry.extend(digits.iter().map(|d| d | 0x80));
    entry.push(0x01);
    let pack = idx.with_extension("pack");
    let mut data = std::fs::read(&pack).unwrap();
    data[offset..offset + entry.len()].copy_from_slice(&entry);
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    std::fs::write(&pack, data).unwrap();
    // The tag as a loose ref without peel information: the reader must open the object.
    let packed = repo.path().join(".git/packed-refs");
    let text = std::fs::read_to_string(&packed).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.contains("refs/tags/") && !l.starts_with('^'))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&packed, kept).unwrap();
    std::fs::create_dir_all(repo.path().join(".git/refs/tags")).unwrap();
    std::fs::write(
        repo.path().join(".git/refs/tags/v1.4.0"),
        format!("{oid}\n"),
    )
    .unwrap();
    let out = run(repo.path(), &["doctor", "--offline"]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {}",
        out.status,
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

/// With an index pyrel cannot read and `git ls-files` failing on it too, the credential
/// scan reported "pass" over the walked files alone (git's exit status was ignored):
/// a token in a tracked file that is now ignored was never looked at. The check now
/// answers `unknown` and says why.
#[test]
fn a_failing_git_ls_files_makes_the_credential_scan_unknown_not_pass() {
    let repo = fixture("single-flat");
    init(repo.path());
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "init"]);
    let index = repo.path().join(".git/index");
    let mut data = std::fs::read(&index).unwrap();
    data[..4].copy_from_slice(b"XXXX");
    std::fs::write(&index, data).unwrap();
    let ls = Command::new("git")
        .args(["ls-files"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(!ls.status.success(), "git must refuse the corrupt index");
    let out = run(repo.path(), &["doctor", "--offline", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "committed-credential")
        .unwrap_or_else(|| panic!("no credential check: {report}"));
    assert_eq!(check["status"], "unknown", "{check}");
    let reason = check["reason"].as_str().unwrap();
    assert!(reason.contains("git index"), "{reason}");
}

/// A `.git` file whose `gitdir:` names a directory that is no git directory (a home, a
/// shared directory) made pyrel and the bump script create and truncate `pyrel.lock`
/// there. The lock goes into a git directory only (the one of a real linked worktree
/// still works); elsewhere it is the lock of a repository without git.
#[test]
fn a_gitdir_naming_a_plain_directory_never_gets_the_lock() {
    let repo = fixture("single-flat");
    init(repo.path());
    let outside = tempfile::tempdir().unwrap();
    std::fs::remove_dir_all(repo.path().join(".git")).unwrap();
    std::fs::write(
        repo.path().join(".git"),
        format!("gitdir: {}\n", outside.path().display()),
    )
    .unwrap();
    let out = run(repo.path(), &["bump", "patch"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let python = Command::new("python3")
        .args(["scripts/bump_version.py", "bump", "patch"])
        .current_dir(repo.path())
        .env("PYREL_TODAY", "2024-05-01")
        .output()
        .unwrap();
    assert!(python.status.success(), "{}", stderr(&python));
    assert_eq!(versions(repo.path()), ["1.4.2"]);
    let left: Vec<_> = std::fs::read_dir(outside.path()).unwrap().collect();
    assert!(left.is_empty(), "written outside the repository: {left:?}");

    // A linked worktree's gitdir is a git directory: the lock is taken there.
    let main = fixture("single-flat");
    init(main.path());
    git(main.path(), &["add", "-A"]);
    git(main.path(), &["commit", "-qm", "init"]);
    let wt = tempfile::tempdir().unwrap();
    let wt = wt.path().join("wt");
    git(
        main.path(),
        &["worktree", "add", "-q", wt.to_str().unwrap(), "-b", "side"],
    );
    let out = run(&wt, &["bump", "patch"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(main.path().join(".git/worktrees/wt/pyrel.lock").is_file());
}

/// `.github/pyrel.lock` was read through a symlink: a link to a TOML file elsewhere
/// showed that file's lines in a parse error (and a valid one would be trusted as
/// pyrel's record). The lock is refused like any managed file; nothing is written.
#[cfg(unix)]
#[test]
fn a_symlinked_lock_is_refused_and_never_read() {
    let repo = fixture("single-flat");
    init(repo.path());
    let outside = tempfile::tempdir().unwrap();
    let elsewhere = outside.path().join("private.toml");
    std::fs::write(&elsewhere, "private_marker_line = = 1\n").unwrap();
    let lock = repo.path().join(".github/pyrel.lock");
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &lock).unwrap();
    let before = snapshot_tree_but(repo.path(), ".github/pyrel.lock");
    for args in [
        &["generate"][..],
        &["generate", "--check"],
        &["generate", "--dry-run"],
    ] {
        let out = run(repo.path(), args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("symbolic link"), "{args:?}: {err}");
        assert!(!err.contains("private_marker"), "{args:?}: {err}");
    }
    let out = run(repo.path(), &["doctor", "--offline"]);
    assert!(
        !stdout(&out).contains("private_marker") && !stderr(&out).contains("private_marker"),
        "{}",
        stdout(&out)
    );
    assert!(std::fs::symlink_metadata(&lock).unwrap().is_symlink());
    assert_eq!(
        std::fs::read_to_string(&elsewhere).unwrap(),
        "private_marker_line = = 1\n"
    );
    assert!(snapshot_tree_but(repo.path(), ".github/pyrel.lock") == before);
}
