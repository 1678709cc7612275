//! One definition of what pyrel wants on GitHub: the requests docs/RELEASING.md tells a
//! maintainer to send are exactly the ones `pyrel github apply` sends to a fresh
//! repository (method, path and JSON body), so following the guide and then running
//! apply changes nothing and leaves no second ruleset.

use crate::common;
use crate::fake;

use std::path::Path;

use common::{fixture, git, pyrel};
use fake::github::TOKEN;
use fake::live::Live;
use serde_json::Value;

fn repo(fixture_name: &str, extra: &[&str]) -> tempfile::TempDir {
    let dir = fixture(fixture_name);
    let mut args = vec![
        "init",
        "--yes",
        "--set",
        "required-checks=[\"build\"]",
        "--set",
        "repository=\"octocat/Hello-World\"",
    ];
    for e in extra {
        args.extend(["--set", e]);
    }
    pyrel(dir.path()).args(&args).assert().success();
    git(
        dir.path(),
        &[
            "remote",
            "set-url",
            "origin",
            "https://github.com/octocat/Hello-World.git",
        ],
    );
    dir
}

type Request = (String, String, Value);

/// The `gh api` requests of the guide, with their bodies: `--input - <<'JSON'` bodies
/// inline, `--input tag-ruleset.json` the JSON block shown before it, `--input FILE` a
/// file of the repository.
fn guide_requests(dir: &Path) -> Vec<Request> {
    let guide = std::fs::read_to_string(dir.join("docs/RELEASING.md")).unwrap();
    let lines: Vec<&str> = guide.lines().collect();
    let mut last_json_block: Option<Value> = None;
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim() == "```json" {
            let end = lines[i + 1..]
                .iter()
                .position(|l| l.trim() == "```")
                .unwrap()
                + i
                + 1;
            last_json_block = Some(serde_json::from_str(&lines[i + 1..end].join("\n")).unwrap());
            i = end + 1;
            continue;
        }
        if let Some(rest) = line.strip_prefix("gh api -X ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let (method, target) = (words[0].to_owned(), words[1]);
            let path = format!("/{target}");
            let input = words
                .iter()
                .position(|w| *w == "--input")
                .map(|p| words[p + 1]);
            let body = match input {
                Some("-") => {
                    let end = lines[i + 1..].iter().position(|l| *l == "JSON").unwrap() + i + 1;
                    let body = serde_json::from_str(&lines[i + 1..end].join("\n")).unwrap();
                    i = end;
                    body
                }
                Some("tag-ruleset.json") => last_json_block.clone().expect("the ruleset block"),
                Some(file) => {
                    serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
                }
                None => panic!("a guide request without a body: {line}"),
            };
            out.push((method, path, body));
        }
        i += 1;
    }
    out
}

/// The writes `pyrel github apply` sends to a fresh repository.
fn apply_requests(dir: &Path) -> Vec<Request> {
    let live = Live::fresh();
    let server = live.routes().start();
    let out = pyrel(dir)
        .args(["github", "apply"])
        .envs(server.github_env(TOKEN))
        .env("PYREL_HTTP_TIMEOUT_MS", "2000")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    server
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| {
            let body = serde_json::from_str(&r.body).unwrap();
            (r.method.clone(), r.path().to_owned(), body)
        })
        .collect()
}

fn sorted(mut v: Vec<Request>) -> Vec<Request> {
    v.sort_by_key(|r| format!("{} {} {}", r.0, r.1, r.2));
    v
}

#[test]
fn the_guides_requests_are_the_ones_apply_sends() {
    for (name, extra) in [
        ("uv-workspace", vec![]),
        ("single-flat", vec!["dev-builds=true"]),
        (
            "uv-workspace",
            vec![
                "versioning=\"independent\"",
                "tag-format=\"{name}-v{version}\"",
                "testpypi=\"never\"",
            ],
        ),
    ] {
        let dir = repo(name, &extra);
        let guide = guide_requests(dir.path());
        let apply = apply_requests(dir.path());
        // Environments, their rules, the protection and the tag ruleset.
        assert!(guide.len() >= 4, "{name} {extra:?}: {guide:#?}");
        assert!(
            guide.iter().any(|r| r.1.ends_with("/rulesets")),
            "{name} {extra:?}"
        );
        assert_eq!(
            sorted(guide),
            sorted(apply),
            "{name} {extra:?}: the guide and apply disagree"
        );
    }
}
