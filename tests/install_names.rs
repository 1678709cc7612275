//! Every install line pyrel's own documents give users names pyrel's distribution (the
//! `[project] name` of the root `pyproject.toml`, `pyrel-cli`), never the unrelated
//! project that holds the name `pyrel` on PyPI. Scanned: the README, docs/, the action,
//! the pre-commit hooks, the root pyproject.toml and the self-release workflow; each
//! `pip install`, `uv pip install`, `uvx`, `uv tool install|run`, `pipx install|run`.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Our distribution name, from the one place it is declared.
fn dist_name() -> String {
    let text = std::fs::read_to_string(root().join("pyproject.toml")).unwrap();
    let doc: toml_edit::DocumentMut = text.parse().unwrap();
    doc["project"]["name"].as_str().unwrap().to_string()
}

fn normalized(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// Whether an install command starts at `words[j]`.
fn is_verb(words: &[&str], j: usize) -> bool {
    let w = |k: usize| words.get(k).map(|n| n.trim_matches(['"', '\'']));
    matches!(
        (w(j), w(j + 1)),
        (Some("uvx"), _)
            | (Some("pip" | "pip3" | "pipx"), Some("install" | "run"))
            | (Some("uv"), Some("tool"))
    )
}

/// The packages the install commands in `line` name, as written.
fn installed(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    // Prose quotes commands in backticks; a shell line ends a command at these.
    for piece in line.split(['`', ';', '|', '&', '(', ')']) {
        let words: Vec<&str> = piece.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let w = words[i].trim_matches(['"', '\'']);
            let next = words.get(i + 1).map(|n| n.trim_matches(['"', '\'']));
            let (runs, skip) = match (w, next) {
                ("uvx", _) => (true, 1),
                ("pip" | "pip3", Some("install")) => (false, 2),
                ("uv", Some("tool")) => match words.get(i + 2).map(|n| n.trim_matches(['"', '\'']))
                {
                    Some("install") => (false, 3),
                    Some("run") => (true, 3),
                    _ => {
                        i += 1;
                        continue;
                    }
                },
                ("pipx", Some("install")) => (false, 2),
                ("pipx", Some("run")) => (true, 2),
                _ => {
                    i += 1;
                    continue;
                }
            };
            // Arguments up to a comment; options skipped with their values.
            let mut j = i + skip;
            let mut from = None;
            let mut positional = Vec::new();
            while j < words.len() && !words[j].starts_with('#') {
                if j > i + skip && is_verb(&words, j) {
                    break;
                }
                let a = words[j].trim_matches(['"', '\'']);
                match a {
                    "--from" | "--spec" => {
                        from = words
                            .get(j + 1)
                            .map(|v| v.trim_matches(['"', '\'']).to_string());
                        j += 2;
                        continue;
                    }
                    "-r" | "--requirement" | "-c" | "--constraint" | "-e" | "--editable"
                    | "--python" | "-p" | "--index-url" | "-i" | "--extra-index-url"
                    | "--find-links" | "-f" | "--with" | "-w" => {
                        j += 2;
                        continue;
                    }
                    _ if a.starts_with('-') => {}
                    // Prose after a command: `pipx install pyrel, or: …` ends at the comma.
                    _ if a.ends_with([',', '.', ':']) && a.len() > 1 => {
                        positional.push(a.trim_end_matches([',', '.', ':']).to_string());
                        j += 1;
                        break;
                    }
                    _ => positional.push(a.to_string()),
                }
                j += 1;
            }
            match (runs, from) {
                (true, Some(f)) => found.push(f),
                (true, None) => found.extend(positional.into_iter().take(1)),
                (false, _) => found.extend(positional),
            }
            i = j;
        }
    }
    // The distribution name a requirement starts with; paths, variables and URLs are not names.
    found
        .into_iter()
        .filter_map(|req| {
            let end = req
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(req.len());
            let name = req[..end].trim_end_matches('.');
            let is_name = !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_alphabetic())
                && !req[end..].starts_with(['/', ':']);
            is_name.then(|| name.to_string())
        })
        .collect()
}

/// (file:line, name) of every install line naming a pyrel-like distribution other than ours.
fn wrong_names(files: &[PathBuf], ours: &str) -> (Vec<String>, usize) {
    let mut wrong = Vec::new();
    let mut ours_seen = 0;
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            for name in installed(line) {
                let norm = normalized(&name);
                if norm == normalized(ours) {
                    ours_seen += 1;
                } else if norm.starts_with("pyrel") {
                    wrong.push(format!(
                        "{}:{}: `{name}` in: {}",
                        rel(f),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    (wrong, ours_seen)
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

fn documents() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = [
        "README.md",
        "action.yml",
        ".pre-commit-hooks.yaml",
        "pyproject.toml",
    ]
    .iter()
    .map(|f| root().join(f))
    .collect();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p
                .extension()
                .is_some_and(|x| x == "md" || x == "yml" || x == "yaml" || x == "1")
            {
                out.push(p);
            }
        }
    }
    walk(&root().join("docs"), &mut files);
    walk(&root().join(".github/workflows"), &mut files);
    files
}

#[test]
fn the_scanner_reads_install_commands_as_pip_uv_and_pipx_do() {
    for (line, want) in [
        ("uvx pyrel doctor", vec!["pyrel"]),
        (
            "uvx --from pyrel-cli pyrel doctor  # once",
            vec!["pyrel-cli"],
        ),
        (
            "uv tool install pyrel             # or: pipx install pyrel, or: pip install pyrel",
            vec!["pyrel", "pyrel", "pyrel"],
        ),
        (
            "run `pipx install pyrel_cli==0.1.0` then `pip install -r req.txt build`",
            vec!["pyrel_cli", "build"],
        ),
        (
            "\"$py\" -m pip install --quiet --require-hashes -r \"$req\"",
            vec![],
        ),
        ("pip install . && uv pip install ./dist/x.whl", vec![]),
        (
            "uv tool run --from 'pyrel-cli==1.0' pyrel",
            vec!["pyrel-cli"],
        ),
        ("pipx run pyrel version", vec!["pyrel"]),
        ("the pip tool is used to install things", vec![]),
    ] {
        assert_eq!(installed(line), want, "{line}");
    }
    // A document telling users to install `pyrel` is caught.
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("guide.md");
    std::fs::write(
        &doc,
        "Install:\n\n    uvx pyrel doctor\n    uv tool install pyrel-cli\n",
    )
    .unwrap();
    let (wrong, ours) = wrong_names(&[doc], "pyrel-cli");
    assert_eq!((wrong.len(), ours), (1, 1), "{wrong:?}");
}

#[test]
fn every_document_installs_our_distribution_and_not_the_unrelated_pyrel() {
    let ours = dist_name();
    // `pyrel` on PyPI is an unrelated project's.
    assert_ne!(normalized(&ours), "pyrel");
    let (wrong, ours_seen) = wrong_names(&documents(), &ours);
    assert!(
        wrong.is_empty(),
        "install lines naming a distribution that is not ours ({ours}):\n{}",
        wrong.join("\n")
    );
    // The README does tell users how to install it (the scan is not vacuous).
    let (_, in_readme) = wrong_names(&[root().join("README.md")], &ours);
    assert!(
        in_readme >= 3,
        "the README names {ours} {in_readme} time(s)"
    );
    assert!(ours_seen >= in_readme);
}
