//! Hostile input, round 3 (issue 21 items 5 and 7), through the real binary: policy
//! environment names the runner reserves or the workflow sets, temp files of a killed
//! run, a default branch pyrel cannot use, a version that is not PEP 440 at `init`, a
//! symlinked workspace member. Each refusal: exit 2, the file and line or the value named,
//! nothing written.

use crate::common;

use std::path::Path;

use common::{fixture, pyrel, snapshot_tree};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    pyrel(dir).args(args).output().unwrap()
}

/// Appends `text` to the fixture's pyproject.toml and returns the 1-based line of the
/// `test-env` key in it.
fn append_policy(dir: &Path, text: &str) -> usize {
    let path = dir.join("pyproject.toml");
    let mut body = std::fs::read_to_string(&path).unwrap();
    body.push_str(text);
    std::fs::write(&path, &body).unwrap();
    body.lines()
        .position(|l| l.starts_with("test-env"))
        .unwrap()
        + 1
}

#[test]
fn test_env_refuses_runner_control_names_and_the_workflows_own() {
    for name in [
        "ACTIONS_ALLOW_UNSECURE_COMMANDS",
        "ACTIONS_RUNNER_DEBUG",
        "ACTIONS_STEP_DEBUG",
        "actions_id_token_request_url",
        "GITHUB_ENV",
        "GITHUB_PATH",
        "RUNNER_TEMP",
        "CI",
        "BASH_ENV",
        "NODE_OPTIONS",
        "PACKAGES",
        "UV_PYTHON",
    ] {
        let dir = fixture("single-flat");
        let line = append_policy(
            dir.path(),
            &format!(
                "\n[tool.pyrel]\ntest-env = {{ DATABASE_URL = \"sqlite://\", {name} = \"1\" }}\n"
            ),
        );
        let before = snapshot_tree(dir.path());
        for args in [
            &["generate"][..],
            &["generate", "--check"],
            &["generate", "--dry-run"],
        ] {
            let out = run(dir.path(), args);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{name} {args:?}:\n{}{}",
                stdout(&out),
                stderr(&out)
            );
            let err = stderr(&out);
            assert!(
                err.contains(&format!("pyproject.toml:{line}"))
                    && err.contains("`test-env`")
                    && err.contains(&format!("`{name}`")),
                "{name} {args:?}: {err}"
            );
            assert!(!err.contains("panicked"), "{err}");
            assert_eq!(
                snapshot_tree(dir.path()),
                before,
                "{name} {args:?}: something was written"
            );
        }
        // doctor names it too, as a policy error at that line.
        let out = run(dir.path(), &["doctor", "--offline"]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(
            text.contains(&format!("pyproject.toml:{line}")) && text.contains(name),
            "{text}"
        );
    }
    // Names that only look alike are the user's to set.
    let dir = fixture("single-flat");
    append_policy(
        dir.path(),
        "\n[tool.pyrel]\ntest-env = { CIRCLE = \"1\", PACKAGES_DIR = \"x\", MY_GITHUB_URL = \"u\" }\n",
    );
    let out = run(dir.path(), &["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let wf = std::fs::read_to_string(dir.path().join(".github/workflows/test.yml")).unwrap();
    assert!(wf.contains("  PACKAGES_DIR: \"x\""), "{wf}");
}

/// Temp files as a `generate` killed between creating and renaming them leaves them.
#[test]
fn the_next_generate_sweeps_what_a_killed_one_left_and_nothing_else() {
    let dir = fixture("single-flat");
    let root = dir.path();
    let out = run(root, &["init", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Really killed runs first: whatever they leave, the last run below sweeps.
    let bin = assert_cmd::cargo::cargo_bin("pyrel");
    for i in 0..8u64 {
        std::fs::remove_file(root.join(".github/workflows/release.yml")).ok();
        std::fs::remove_file(root.join("docs/RELEASING.md")).ok();
        let mut child = std::process::Command::new(&bin)
            .arg("generate")
            .current_dir(root)
            .env("NO_COLOR", "1")
            .env("PYREL_NO_GH", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(i * 3));
        let _ = child.kill();
        let _ = child.wait();
    }
    let out = run(root, &["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let ours = [
        ".github/workflows/.pyrel-tmp-Ab3dEf9hIj",
        ".github/.pyrel-tmp-0123456789",
        "docs/.pyrel-tmp-zzzzzzzzzz",
        ".pyrel-tmp-AAAAAAAAAA",
    ];
    // Look-alikes that are the user's: another length, another prefix, a directory, a
    // symlink, and one of ours in a directory pyrel does not manage.
    let users = [
        ".github/workflows/.pyrel-tmp-notes.txt",
        ".github/workflows/.pyrel-tmp-Ab3dEf9hI",
        ".github/workflows/pyrel-tmp-Ab3dEf9hIj",
        "docs/.pyrel-tmp-zzzzzzzzzzz",
        "widgets/.pyrel-tmp-AAAAAAAAAA",
    ];
    for f in ours.iter().chain(&users) {
        std::fs::write(root.join(f), "left over\n").unwrap();
    }
    std::fs::create_dir(root.join("docs/.pyrel-tmp-dirdirdird")).unwrap();
    std::os::unix::fs::symlink("../README.md", root.join("docs/.pyrel-tmp-linklinkli")).unwrap();
    // Everything is current: the run writes nothing, and still sweeps.
    let out = run(root, &["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for f in ours {
        assert!(!root.join(f).exists(), "{f} was not swept");
    }
    for f in users {
        assert!(root.join(f).is_file(), "{f} (the user's) was removed");
    }
    assert!(root.join("docs/.pyrel-tmp-dirdirdird").is_dir());
    assert!(root.join("docs/.pyrel-tmp-linklinkli").is_symlink());
    // No other temp file of ours is left anywhere in the tree.
    let left: Vec<_> = walk(root)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.len() == ".pyrel-tmp-".len() + 10
                && name.starts_with(".pyrel-tmp-")
                && p.is_file()
                && !p.is_symlink()
        })
        .filter(|p| !p.starts_with(root.join("widgets")))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // A check or a dry run writes nothing, and removes nothing either.
    std::fs::write(root.join(ours[0]), "left over\n").unwrap();
    for args in [
        &["generate", "--check"][..],
        &["generate", "--dry-run"],
        &["doctor", "--offline"],
    ] {
        run(root, args);
        assert!(root.join(ours[0]).exists(), "{args:?} removed a file");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            if e.file_name() != ".git" {
                out.extend(walk(&p));
            }
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn init_refuses_a_default_branch_it_cannot_use_and_names_the_way_out() {
    // Names git accepts (`git check-ref-format --branch`) that pyrel's branch grammar does not.
    for branch in ["rel$(id)", "développement", "main;x", "trunk,x"] {
        let dir = fixture("single-flat");
        common::git(
            dir.path(),
            &["symbolic-ref", "HEAD", &format!("refs/heads/{branch}")],
        );
        let before = snapshot_tree(dir.path());
        let out = run(dir.path(), &["init", "--yes"]);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{branch}: {}{err}",
            stdout(&out)
        );
        assert!(err.contains(&format!("`{branch}`")), "{branch}: {err}");
        assert!(err.contains("--set default-branch="), "{branch}: {err}");
        assert_eq!(
            snapshot_tree(dir.path()),
            before,
            "{branch}: something was written"
        );
        // Named, it is used.
        let out = run(
            dir.path(),
            &["init", "--yes", "--set", "default-branch=main"],
        );
        assert_eq!(out.status.code(), Some(0), "{branch}: {}", stderr(&out));
        let pyproject = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
        assert!(
            pyproject.contains("default-branch = \"main\""),
            "{pyproject}"
        );
    }
    // A usable one is taken as it is.
    let dir = fixture("single-flat");
    common::git(dir.path(), &["symbolic-ref", "HEAD", "refs/heads/trunk"]);
    let out = run(dir.path(), &["init", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pyproject = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
    assert!(
        pyproject.contains("default-branch = \"trunk\""),
        "{pyproject}"
    );
}

fn script(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let python = common::require_tool("python3").expect("python3");
    let mut c = std::process::Command::new(python);
    c.arg("scripts/bump_version.py")
        .args(args)
        .current_dir(dir)
        .env("PYREL_TODAY", "2024-05-01")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GITHUB_REF_TYPE")
        .env_remove("GITHUB_REF_NAME")
        .env_remove("GITHUB_EVENT_NAME");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn the_scripts_route_answers_a_huge_tag_or_number_with_a_message_never_a_traceback() {
    let dir = fixture("single-flat");
    let out = run(dir.path(), &["init", "--yes", "--set", "dev-builds=true"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tag_env = |tag: &str| {
        vec![
            ("GITHUB_EVENT_NAME", "push".to_string()),
            ("GITHUB_REF_TYPE", "tag".to_string()),
            ("GITHUB_REF_NAME", tag.to_string()),
        ]
    };
    let route = |env: Vec<(&str, String)>| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        script(dir.path(), &["route"], &env)
    };
    // Longer than any ref name pyrel accepts: an input error.
    for tag in [
        format!("v1.{}", "0".repeat(5000)),
        format!("v1.{}", "9".repeat(100_000)),
        format!("v{}", "1.".repeat(3000) + "1"),
    ] {
        let out = route(tag_env(&tag));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}", &err[..err.len().min(400)]);
        assert!(!err.contains("Traceback"), "{}", &err[..err.len().min(400)]);
        assert!(
            err.contains("characters long; a release tag has at most 255"),
            "{}",
            &err[..err.len().min(400)]
        );
        assert!(
            err.len() < 400,
            "the message quotes the whole tag: {} bytes",
            err.len()
        );
    }
    // A number above 64 bits in a tag of ordinary length: not a version, as for pyrel.
    for tag in [
        "v1.99999999999999999999999",
        "v1.4.0.post999999999999999999999",
    ] {
        let out = route(tag_env(tag));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{tag}: {err}");
        assert!(
            !err.contains("Traceback") && err.starts_with("error: "),
            "{tag}: {err}"
        );
    }
    // A dev build with a run number of thousands of digits.
    let huge = "7".repeat(5000);
    let out = route(vec![
        ("GITHUB_EVENT_NAME", "push".to_string()),
        ("GITHUB_REF_TYPE", "branch".to_string()),
        ("GITHUB_REF_NAME", "main".to_string()),
        ("GITHUB_RUN_NUMBER", huge),
        ("GITHUB_RUN_ATTEMPT", "1".to_string()),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("must be numbers for a dev build") && !err.contains("Traceback"),
        "{err}"
    );
    // And a version of thousands of digits in the project file: refused by the bump, no traceback.
    let pyproject = dir.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).unwrap();
    std::fs::write(
        &pyproject,
        text.replace(
            "version = \"1.4.0\"",
            &format!("version = \"1.{}\"", "4".repeat(5000)),
        ),
    )
    .unwrap();
    let out = script(dir.path(), &["bump", "patch", "--dry-run"], &[]);
    let err = stderr(&out);
    assert!(!err.contains("Traceback"), "{}", &err[..err.len().min(600)]);
    assert_ne!(out.status.code(), Some(0));
    let out = run(dir.path(), &["bump", "patch", "--dry-run"]);
    assert_ne!(
        out.status.code(),
        Some(0),
        "pyrel and the script agree: no bump"
    );
}

/// A rewrite of a pyproject.toml's text.
type Edit = Box<dyn Fn(&str) -> String>;

/// The single-flat fixture set up by `init`, with `[project]`'s version line rewritten by
/// `edit` (given the file, returns the new file).
fn with_pyproject(edit: &dyn Fn(&str) -> String) -> tempfile::TempDir {
    let dir = fixture("single-flat");
    let out = run(dir.path(), &["init", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = dir.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit changed nothing");
    std::fs::write(&path, edited).unwrap();
    dir
}

#[test]
fn pyrel_and_the_script_agree_on_unusual_pyproject_versions() {
    let line = "version = \"1.4.0\"\n";
    let replace = |new: &'static str| move |t: &str| t.replacen(line, new, 1);
    // A table the script does not find by its header, or a version that is none: both refuse.
    let refused: Vec<(&str, Edit)> = vec![
        (
            "an escape that decodes to a control character",
            Box::new(replace("version = \"1.4.0\\u0007\"\n")),
        ),
        (
            "dotted keys at the root",
            Box::new(|t: &str| {
                // Every key of [project] written `project.KEY = ...` at the top of the file.
                let start = t.find("[project]\n").unwrap();
                let end = start + t[start..].find("\n[").unwrap() + 1;
                let body: String = t[start + "[project]\n".len()..end]
                    .lines()
                    .map(|l| {
                        let key_line = l.starts_with(|c: char| c.is_ascii_alphabetic());
                        format!("{}{l}\n", if key_line { "project." } else { "" })
                    })
                    .collect();
                format!("{body}{}{}", &t[..start], &t[end..])
            }),
        ),
        (
            "inline table",
            Box::new(|t: &str| {
                // [project] and its sub-tables become `project = { ... }` at the root.
                let start = t.find("[project]\n").unwrap();
                let end = t.find("[tool.pyrel]").unwrap();
                format!(
                    "project = {{ name = \"widgets\", version = \"1.4.0\", requires-python = \">=3.9\" }}\n{}{}",
                    &t[..start],
                    &t[end..]
                )
            }),
        ),
    ];
    for (what, edit) in &refused {
        let a = with_pyproject(edit);
        let before = snapshot_tree(a.path());
        let by_pyrel = run(a.path(), &["bump", "patch"]);
        let by_script = script(a.path(), &["bump", "patch"], &[]);
        let (pe, se) = (stderr(&by_pyrel), stderr(&by_script));
        assert_eq!(
            by_pyrel.status.code(),
            Some(2),
            "{what}: pyrel: {}{pe}",
            stdout(&by_pyrel)
        );
        assert_eq!(
            by_script.status.code(),
            Some(2),
            "{what}: script: {}{se}",
            stdout(&by_script)
        );
        assert!(
            !se.contains("Traceback") && !pe.contains("panicked"),
            "{what}: {pe}{se}"
        );
        let why = [
            "not in a table of its own",
            "is not a valid PEP 440 version",
        ];
        assert!(
            pe.contains("pyproject.toml:") && why.iter().any(|w| pe.contains(w)),
            "{what}: {pe}"
        );
        if pe.contains(why[0]) {
            // The script says the same.
            assert!(
                se.contains("not a dotted key or an inline table"),
                "{what}: {se}"
            );
        }
        assert_eq!(
            snapshot_tree(a.path()),
            before,
            "{what}: something was written"
        );
    }
    // Any string form, escapes decoded (hatchling reads 1.4.0 or 1.4.0a0): both bump, to
    // the same file (the token, escapes and all, replaced by the new version).
    let bumped: Vec<(&str, Edit)> = vec![
        ("literal string", Box::new(replace("version = '1.4.0'\n"))),
        ("quoted key", Box::new(replace("\"version\" = \"1.4.0\"\n"))),
        (
            "spaces and a comment",
            Box::new(replace("version   =   \"1.4.0\"   # the release\n")),
        ),
        (
            "multi-line basic",
            Box::new(replace("version = \"\"\"1.4.0\"\"\"\n")),
        ),
        (
            "multi-line literal",
            Box::new(replace("version = '''1.4.0'''\n")),
        ),
        (
            "multi-line, newline first",
            Box::new(replace("version = \"\"\"\n1.4.0\"\"\"\n")),
        ),
        (
            "unicode escape",
            Box::new(replace("version = \"1.4.\\u0030\"\n")),
        ),
        (
            "escaped letter",
            Box::new(replace("version = \"1.4.0\\u0061\"\n")),
        ),
        (
            "multi-line, line-ending backslash",
            Box::new(replace("version = \"\"\"1.4.\\\n   0\"\"\"\n")),
        ),
        (
            "long unicode escape",
            Box::new(replace("version = \"\\U00000031.4.0\"\n")),
        ),
    ];
    for (what, edit) in &bumped {
        let a = with_pyproject(edit);
        let b = with_pyproject(edit);
        let by_pyrel = run(a.path(), &["bump", "patch"]);
        let by_script = script(b.path(), &["bump", "patch"], &[]);
        assert_eq!(
            by_pyrel.status.code(),
            Some(0),
            "{what}: pyrel: {}",
            stderr(&by_pyrel)
        );
        assert_eq!(
            by_script.status.code(),
            Some(0),
            "{what}: script: {}",
            stderr(&by_script)
        );
        let read = |d: &Path| std::fs::read_to_string(d.join("pyproject.toml")).unwrap();
        assert_eq!(
            read(a.path()),
            read(b.path()),
            "{what}: pyrel and the script wrote different files"
        );
        assert!(read(a.path()).contains("1.4.1"), "{what}");
    }
}

#[test]
fn init_refuses_a_version_that_is_not_pep_440_as_bump_does() {
    for bad in ["1.0$(id)", "1.0;rm", "1.0 ::x", "latest"] {
        let dir = fixture("single-flat");
        let path = dir.path().join("pyproject.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replacen("version = \"1.4.0\"", &format!("version = \"{bad}\""), 1),
        )
        .unwrap();
        let before = snapshot_tree(dir.path());
        let out = run(dir.path(), &["init", "--yes"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}{err}", stdout(&out));
        assert!(
            err.contains("pyproject.toml:7:") && err.contains("is not a valid PEP 440 version"),
            "{bad}: {err}"
        );
        assert_eq!(
            snapshot_tree(dir.path()),
            before,
            "{bad}: something was written"
        );
        // The same answer as bump's.
        let out = run(dir.path(), &["bump", "patch", "--dry-run"]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains("is not a valid PEP 440 version"),
            "{bad}"
        );
    }
}

#[test]
fn a_symlinked_workspace_member_is_refused_with_a_hint_about_the_link() {
    // libs/api is a link to a directory elsewhere in the repository (a vendored checkout).
    let dir = fixture("uv-workspace");
    let root = dir.path();
    std::fs::create_dir_all(root.join("vendor")).unwrap();
    std::fs::rename(root.join("libs/api"), root.join("vendor/api")).unwrap();
    std::os::unix::fs::symlink("../vendor/api", root.join("libs/api")).unwrap();
    let before = snapshot_tree(root);
    for args in [
        &["init", "--yes"][..],
        &["version"],
        &["bump", "patch", "--dry-run"],
    ] {
        let out = run(root, args);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}{err}",
            stdout(&out)
        );
        assert!(
            err.contains("libs/api") && err.contains("symbolic link"),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("rename the directory"),
            "{args:?}: the hint is about names: {err}"
        );
        assert!(
            err.contains("instead of a symbolic link"),
            "{args:?}: {err}"
        );
        assert_eq!(
            snapshot_tree(root),
            before,
            "{args:?}: something was written"
        );
    }
}
