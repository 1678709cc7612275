//! Discovery on every fixture repository, from nested directories, with exact spans;
//! and the errors a user can hit.

use crate::common;

use std::path::{Path, PathBuf};

use pyrel::testing::project::{
    discover, Layout, Package, Project, SourceKind, VcsTool, VersionScheme,
};
use pyrel::testing::Error;

/// Discovers a fresh copy of the fixture from `nested` (relative) and from the root;
/// both must agree.
fn disc(name: &str, nested: &str) -> (tempfile::TempDir, Project) {
    let tmp = common::fixture(name);
    let inner = tmp.path().join(nested);
    assert!(inner.is_dir(), "{}", inner.display());
    let p = discover(&inner).unwrap_or_else(|e| panic!("{name}: {e}"));
    let q = discover(tmp.path()).unwrap();
    assert_eq!(p.root, tmp.path().canonicalize().unwrap());
    assert_eq!(p.root, q.root);
    assert_eq!(names(&p), names(&q));
    let remote = p.remote.as_ref().expect("origin remote");
    assert_eq!(
        (remote.owner.as_str(), remote.repo.as_str()),
        ("acme", "widgets")
    );
    assert!(p.workflows.is_empty());
    (tmp, p)
}

fn names(p: &Project) -> Vec<&str> {
    p.packages.iter().map(|p| p.name.as_str()).collect()
}

fn pkg<'a>(p: &'a Project, name: &str) -> &'a Package {
    p.packages
        .iter()
        .find(|x| x.name == name)
        .unwrap_or_else(|| panic!("no package {name}"))
}

fn text(p: &Project, rel: &Path) -> String {
    std::fs::read_to_string(p.root.join(rel)).unwrap()
}

/// Every version source and sibling span slices to exactly its value.
fn check_spans(p: &Project) {
    for pkg in &p.packages {
        for s in &pkg.version_sources {
            let t = text(p, &s.path);
            assert_eq!(&t[s.span.clone()], s.value, "{} {:?}", pkg.name, s);
            let line = t[..s.span.start].matches('\n').count() + 1;
            assert_eq!(line, s.line, "{} {:?}", pkg.name, s);
        }
        for d in &pkg.siblings {
            let t = text(p, &d.path);
            assert_eq!(&t[d.span.clone()], d.requirement, "{} {:?}", pkg.name, d);
            let line = t[..d.span.start].matches('\n').count() + 1;
            assert_eq!(line, d.line, "{} {:?}", pkg.name, d);
        }
    }
}

/// (kind, path, line, value) of every version source.
fn sources(p: &Package) -> Vec<(SourceKind, PathBuf, usize, &str)> {
    p.version_sources
        .iter()
        .map(|s| (s.kind, s.path.clone(), s.line, s.value.as_str()))
        .collect()
}

/// (sibling, section, specifier, file) of every sibling dependency.
fn siblings(p: &Package) -> Vec<(&str, &str, &str, PathBuf)> {
    p.siblings
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.section.as_str(),
                d.specifier.as_str(),
                d.path.clone(),
            )
        })
        .collect()
}

fn pb(s: &str) -> PathBuf {
    PathBuf::from(s)
}

#[test]
fn single_flat() {
    let (_t, p) = disc("single-flat", "widgets");
    check_spans(&p);
    assert_eq!(p.layout, Layout::Single);
    assert_eq!(p.root_pyproject, Some(pb("pyproject.toml")));
    assert_eq!(names(&p), ["widgets"]);
    let w = &p.packages[0];
    assert_eq!(
        (w.dir.clone(), w.manifest.clone()),
        (pb(""), pb("pyproject.toml"))
    );
    assert_eq!(w.import_name.as_deref(), Some("widgets"));
    assert_eq!(w.scheme, VersionScheme::Static);
    assert_eq!(w.version(), Some("1.4.0"));
    assert_eq!(
        sources(w),
        [
            (SourceKind::Project, pb("pyproject.toml"), 7, "1.4.0"),
            (
                SourceKind::DunderVersion,
                pb("widgets/__init__.py"),
                7,
                "1.4.0"
            ),
        ]
    );
    assert!(w.siblings.is_empty());
}

#[test]
fn single_src_hatch_path() {
    let (_t, p) = disc("single-src", "src/acme_tool");
    check_spans(&p);
    assert_eq!(p.layout, Layout::Single);
    let a = pkg(&p, "acme-tool");
    assert_eq!(a.normalized, "acme-tool");
    assert_eq!(a.import_name.as_deref(), Some("acme_tool"));
    assert_eq!(a.scheme, VersionScheme::Static);
    // The __about__.py literal is the hatch source and is not listed twice.
    assert_eq!(
        sources(a),
        [(
            SourceKind::HatchPath,
            pb("src/acme_tool/__about__.py"),
            2,
            "0.3.1"
        )]
    );
}

#[test]
fn uv_workspace() {
    let (_t, p) = disc("uv-workspace", "libs/api/src/dashboard_api");
    check_spans(&p);
    assert_eq!(p.layout, Layout::UvWorkspace);
    assert_eq!(p.root_pyproject, Some(pb("pyproject.toml")));
    // The virtual root is not a package; libs/experimental is excluded.
    assert_eq!(names(&p), ["dashboard-core", "dashboard-api", "dashboard"]);
    for pk in &p.packages {
        assert_eq!(pk.version(), Some("2.0.0"));
        assert_eq!(pk.scheme, VersionScheme::Static);
        assert_eq!(pk.manifest, pk.dir.join("pyproject.toml"));
    }
    let core = pkg(&p, "dashboard-core");
    assert_eq!(core.dir, pb("libs/core"));
    assert_eq!(core.import_name.as_deref(), Some("dashboard_core"));
    assert_eq!(
        sources(core),
        [
            (
                SourceKind::Project,
                pb("libs/core/pyproject.toml"),
                7,
                "2.0.0"
            ),
            (
                SourceKind::DunderVersion,
                pb("libs/core/src/dashboard_core/__init__.py"),
                3,
                "2.0.0"
            ),
        ]
    );
    assert!(core.siblings.is_empty());
    let api = pkg(&p, "dashboard-api");
    assert_eq!(
        siblings(api),
        [(
            "dashboard-core",
            "dependencies",
            "==2.0.0",
            pb("libs/api/pyproject.toml")
        )]
    );
    assert_eq!(api.siblings[0].requirement, "dashboard-core==2.0.0");
    assert_eq!(api.siblings[0].line, 13);
    let dash = pkg(&p, "dashboard");
    // ruff==2.0.0 in the dev extra is not a sibling, though it has the same version.
    assert_eq!(
        siblings(dash),
        [
            (
                "dashboard-api",
                "dependencies",
                ">=2.0.0",
                pb("libs/dashboard/pyproject.toml")
            ),
            (
                "dashboard-core",
                "dependencies",
                "",
                pb("libs/dashboard/pyproject.toml")
            ),
        ]
    );
    assert_eq!(dash.siblings[1].requirement, "dashboard_core");
}

#[test]
fn setup_py_multi() {
    let (_t, p) = disc("setup-py-multi", "packages/beta/beta");
    check_spans(&p);
    assert_eq!(p.layout, Layout::Multi);
    assert_eq!(p.root_pyproject, None);
    // alpha before its dependents; the fixture under alpha/tests is not a package.
    assert_eq!(names(&p), ["alpha", "beta", "gamma", "suite"]);
    for pk in &p.packages {
        assert_eq!(pk.version(), Some("0.9.0"), "{}", pk.name);
    }
    let alpha = pkg(&p, "alpha");
    assert_eq!(alpha.manifest, pb("packages/alpha/setup.py"));
    assert_eq!(alpha.import_name.as_deref(), Some("alpha"));
    assert_eq!(
        sources(alpha),
        [
            (
                SourceKind::SetupPy,
                pb("packages/alpha/setup.py"),
                6,
                "0.9.0"
            ),
            (
                SourceKind::DunderVersion,
                pb("packages/alpha/alpha/__init__.py"),
                1,
                "0.9.0"
            ),
        ]
    );
    let beta = pkg(&p, "beta");
    // version=VERSION: the source is the module-level literal.
    assert_eq!(
        sources(beta)[0],
        (
            SourceKind::SetupPy,
            pb("packages/beta/setup.py"),
            3,
            "0.9.0"
        )
    );
    assert_eq!(
        siblings(beta),
        [(
            "alpha",
            "install_requires",
            ">=0.9.0,<1",
            pb("packages/beta/setup.py")
        )]
    );
    let gamma = pkg(&p, "gamma");
    assert_eq!(gamma.manifest, pb("packages/gamma/setup.cfg"));
    assert_eq!(
        sources(gamma),
        [(
            SourceKind::SetupCfg,
            pb("packages/gamma/setup.cfg"),
            3,
            "0.9.0"
        )]
    );
    let suite = pkg(&p, "suite");
    assert_eq!(
        (suite.dir.clone(), suite.manifest.clone()),
        (pb(""), pb("setup.py"))
    );
    assert_eq!(
        siblings(suite),
        [
            ("alpha", "extras_require.all", "==0.9.0", pb("setup.py")),
            ("beta", "extras_require.all", "==0.9.0", pb("setup.py")),
        ]
    );
    assert_eq!(suite.siblings[0].line, 10);
}

#[test]
fn poetry() {
    let (_t, p) = disc("poetry", "poetic");
    check_spans(&p);
    let pk = pkg(&p, "poetic");
    assert_eq!(pk.scheme, VersionScheme::Static);
    assert_eq!(
        sources(pk),
        [
            (SourceKind::Poetry, pb("pyproject.toml"), 3, "3.2.0"),
            (
                SourceKind::DunderVersion,
                pb("poetic/__init__.py"),
                3,
                "3.2.0"
            ),
        ]
    );
}

#[test]
fn vcs_schemes_have_no_literal_sources() {
    for (fixture, nested, name, tool) in [
        ("hatch-vcs", "src/sparkle", "sparkle", VcsTool::HatchVcs),
        (
            "setuptools-scm",
            "scmtool",
            "scmtool",
            VcsTool::SetuptoolsScm,
        ),
    ] {
        let (_t, p) = disc(fixture, nested);
        let pk = pkg(&p, name);
        assert_eq!(pk.scheme, VersionScheme::Vcs { tool }, "{fixture}");
        assert!(
            pk.version_sources.is_empty(),
            "{fixture}: {:?}",
            pk.version_sources
        );
        assert_eq!(pk.version(), None);
    }
}

#[test]
fn setuptools_attr() {
    let (_t, p) = disc("setuptools-attr", "attrpkg");
    check_spans(&p);
    let pk = pkg(&p, "attrpkg");
    assert_eq!(pk.scheme, VersionScheme::Static);
    // The attr target is the same literal as the __version__: listed once.
    assert_eq!(
        sources(pk),
        [(SourceKind::Attr, pb("attrpkg/__init__.py"), 3, "0.5.2")]
    );
}

#[test]
fn computed_dunder_version_is_not_a_source() {
    let (_t, p) = disc("dunder-metadata", "src/metapkg");
    check_spans(&p);
    let pk = pkg(&p, "metapkg");
    assert_eq!(pk.import_name.as_deref(), Some("metapkg"));
    assert_eq!(
        sources(pk),
        [(SourceKind::Project, pb("pyproject.toml"), 7, "0.7.0")]
    );
}

#[test]
fn workflows_and_pyrel_toml_are_listed() {
    let tmp = common::fixture("single-flat");
    let wf = tmp.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    for f in ["test.yml", "docs.yaml", "notes.txt"] {
        std::fs::write(wf.join(f), "on: push\n").unwrap();
    }
    std::fs::write(tmp.path().join("pyrel.toml"), "").unwrap();
    let p = discover(tmp.path()).unwrap();
    assert_eq!(
        p.workflows,
        [
            pb(".github/workflows/docs.yaml"),
            pb(".github/workflows/test.yml")
        ]
    );
    assert_eq!(p.pyrel_toml, Some(pb("pyrel.toml")));
}

#[test]
fn without_git_the_outermost_manifest_directory_is_the_root() {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/setup-py-multi"),
        tmp.path(),
    );
    let p = discover(&tmp.path().join("packages/gamma/gamma")).unwrap();
    assert_eq!(p.root, tmp.path().canonicalize().unwrap());
    assert_eq!(names(&p), ["alpha", "beta", "gamma", "suite"]);
    assert!(p.remote.is_none());
}

// ---- errors ----------------------------------------------------------------

fn repo(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }
    common::git(tmp.path(), &["init", "-q", "-b", "main"]);
    tmp
}

#[test]
fn malformed_pyproject_is_a_parse_error_with_line_and_column() {
    let t = repo(&[(
        "pyproject.toml",
        b"[project]\nname = \"x\"\nversion = \"1.0\n",
    )]);
    match discover(t.path()) {
        Err(Error::Parse {
            path, line, column, ..
        }) => {
            assert!(path.ends_with("pyproject.toml"));
            assert_eq!(line, Some(3));
            assert!(column.is_some_and(|c| c > 1), "{column:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_utf8_setup_cfg_is_not_utf8() {
    let t = repo(&[
        (
            "pkg/setup.cfg",
            b"[metadata]\nname = caf\xe9\nversion = 1.0\n",
        ),
        ("pkg/setup.py", b"from setuptools import setup\nsetup()\n"),
    ]);
    match discover(t.path()) {
        Err(Error::NotUtf8 { path, .. }) => assert!(path.ends_with("pkg/setup.cfg")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn computed_setup_py_version_is_a_problem_of_that_package_with_line() {
    let t = repo(&[(
        "setup.py",
        b"import os\nfrom setuptools import setup\n\nsetup(\n    name='x',\n    version=os.environ['V'],\n)\n",
    )]);
    let p = discover(t.path()).unwrap();
    assert_eq!(names(&p), ["x"]);
    assert_eq!(pkg(&p, "x").scheme, VersionScheme::Missing);
    assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
    let pr = &p.problems[0];
    assert_eq!(
        (pr.package.as_deref(), pr.path.as_path(), pr.line),
        (Some("x"), Path::new("setup.py"), Some(6))
    );
    assert!(pr.hint.as_deref().unwrap().contains("literal"));
}

#[test]
fn empty_directory_is_not_a_python_project() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(matches!(
        discover(tmp.path()),
        Err(Error::NotPythonProject { .. })
    ));
    let t = repo(&[("README.md", b"# hi\n"), ("src/main.rs", b"fn main() {}\n")]);
    assert!(matches!(
        discover(&t.path().join("src")),
        Err(Error::NotPythonProject { .. })
    ));
}

#[test]
fn dependency_cycle_is_named() {
    let pp = |name: &str, dep: &str| {
        format!("[project]\nname = \"{name}\"\nversion = \"1.0\"\ndependencies = [\"{dep}>=1\"]\n")
    };
    let (a, b, c) = (pp("a", "b"), pp("b", "c"), pp("c", "a"));
    let t = repo(&[
        ("a/pyproject.toml", a.as_bytes()),
        ("b/pyproject.toml", b.as_bytes()),
        ("c/pyproject.toml", c.as_bytes()),
    ]);
    match discover(t.path()) {
        Err(Error::DependencyCycle { cycle }) => assert_eq!(cycle, ["a", "b", "c", "a"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn crafted_name_is_refused() {
    let t = repo(&[(
        "pyproject.toml",
        b"[project]\nname = \"evil\\\"; x\"\nversion = \"1.0\"\n",
    )]);
    match discover(t.path()) {
        Err(Error::Parse {
            path,
            line,
            message,
            ..
        }) => {
            assert!(path.ends_with("pyproject.toml"));
            assert_eq!(line, Some(2));
            assert!(message.contains("evil\"; x"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let t = repo(&[("setup.py", b"setup(name='evil; x', version='1')\n")]);
    assert!(matches!(
        discover(t.path()),
        Err(Error::Parse { line: Some(1), .. })
    ));
}

#[test]
fn fifty_packages_in_a_chain_are_ordered_topologically() {
    let mut files = Vec::new();
    for i in 0..50 {
        let dep = if i > 0 {
            format!("\"pkg{}=={}.0\"", i - 1, i - 1)
        } else {
            String::new()
        };
        files.push((
            format!("packages/pkg{i}/pyproject.toml"),
            format!("[project]\nname = \"pkg{i}\"\nversion = \"{i}.0\"\ndependencies = [{dep}]\n"),
        ));
        files.push((
            format!("packages/pkg{i}/src/pkg{i}/__init__.py"),
            format!("__version__ = \"{i}.0\"\n"),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_bytes()))
        .collect();
    let t = repo(&refs);
    let p = discover(t.path()).unwrap();
    assert_eq!(p.packages.len(), 50);
    // Topological, not alphabetical: pkg10 after pkg9.
    let order: Vec<String> = (0..50).map(|i| format!("pkg{i}")).collect();
    assert_eq!(names(&p), order);
    check_spans(&p);
    // Speed is measured by `cargo bench --bench pipeline`, not asserted here.
}

#[test]
fn setup_cfg_attr_resolves_through_a_reexport() {
    let t = repo(&[
        (
            "setup.cfg",
            b"[metadata]\nname = cfgattr\nversion = attr: cfgattr.__version__\n\n[options]\npackage_dir =\n    = src\n",
        ),
        ("setup.py", b"from setuptools import setup\nsetup()\n"),
        ("src/cfgattr/__init__.py", b"from ._version import __version__\n"),
        ("src/cfgattr/_version.py", b"# generated by hand\n__version__ = \"4.0.1\"\n"),
    ]);
    let p = discover(t.path()).unwrap();
    check_spans(&p);
    let pk = pkg(&p, "cfgattr");
    assert_eq!(pk.manifest, pb("setup.cfg"));
    assert_eq!(
        sources(pk),
        [(SourceKind::Attr, pb("src/cfgattr/_version.py"), 2, "4.0.1")]
    );
}

#[test]
fn uv_workspace_root_package_and_poetry_siblings() {
    let t = repo(&[
        (
            "pyproject.toml",
            b"[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n[project]\nname = \"meta\"\nversion = \"1.0\"\ndependencies = [\"lib-one[extra]>=1.0 ; python_version >= '3.9'\"]\n\n[tool.uv.workspace]\nmembers = [\"packages/**\"]\nexclude = [\"packages/skip\"]\n",
        ),
        (
            "packages/lib-one/pyproject.toml",
            b"[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n[project]\nname = \"Lib_One\"\nversion = \"1.0\"\n",
        ),
        ("packages/skip/pyproject.toml", b"[project]\nname = \"skip\"\nversion = \"1.0\"\n"),
        (
            "packages/nested/app/pyproject.toml",
            b"[build-system]\nrequires = [\"poetry-core\"]\nbuild-backend = \"poetry.core.masonry.api\"\n[tool.poetry]\nname = \"app\"\nversion = \"1.0\"\n[tool.poetry.dependencies]\npython = \"^3.9\"\nlib-one = { version = \"^1.0\", extras = [\"x\"] }\nmeta = { path = \"../../..\" }\n",
        ),
    ]);
    let p = discover(t.path()).unwrap();
    check_spans(&p);
    assert_eq!(p.layout, Layout::UvWorkspace);
    assert_eq!(names(&p), ["Lib_One", "meta", "app"]);
    let meta = pkg(&p, "meta");
    assert_eq!(meta.dir, pb(""));
    assert_eq!(
        siblings(meta),
        [("lib-one", "dependencies", ">=1.0", pb("pyproject.toml"))]
    );
    let app = pkg(&p, "app");
    assert_eq!(
        siblings(app),
        [
            (
                "lib-one",
                "tool.poetry.dependencies",
                "^1.0",
                pb("packages/nested/app/pyproject.toml")
            ),
            (
                "meta",
                "tool.poetry.dependencies",
                "",
                pb("packages/nested/app/pyproject.toml")
            ),
        ]
    );
}

#[test]
fn duplicate_names_without_evidence_are_one_problem_and_released_by_neither() {
    let t = repo(&[
        (
            "a/pyproject.toml",
            b"[project]\nname = \"same\"\nversion = \"1\"\n",
        ),
        ("b/setup.py", b"setup(name='Same', version='1')\n"),
        (
            "c/pyproject.toml",
            b"[project]\nname = \"other\"\nversion = \"1\"\n",
        ),
    ]);
    let p = discover(t.path()).unwrap();
    assert_eq!(names(&p), ["other"]);
    assert_eq!(p.problems.len(), 1);
    assert_eq!(p.problems[0].path, pb("a/pyproject.toml"));
    assert!(p.problems[0].message.contains("b/setup.py"));
}

#[test]
fn hatch_path_outside_the_package_is_refused() {
    let t = repo(&[(
        "pyproject.toml",
        b"[project]\nname = \"x\"\ndynamic = [\"version\"]\n[tool.hatch.version]\npath = \"../outside.py\"\n",
    )]);
    assert!(matches!(discover(t.path()), Err(Error::Parse { .. })));
}

// ---------------------------------------------------------------------------------------
// Real repository shapes (issue 9), through the real binary. Each fixture is our own
// small reproduction of a pattern read in public repositories.
// ---------------------------------------------------------------------------------------

/// `pyrel version --format json`: (name, version, dir) of every released package, in
/// release order.
fn cli_versions(dir: &Path) -> Vec<(String, Option<String>, String)> {
    let out = common::pyrel(dir)
        .args(["version", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "version: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().map(str::to_owned),
                p["dir"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn rows(r: &[(&str, Option<&str>, &str)]) -> Vec<(String, Option<String>, String)> {
    r.iter()
        .map(|(n, v, d)| (n.to_string(), v.map(str::to_owned), d.to_string()))
        .collect()
}

/// `doctor --offline --format json`: (severity, path, message) of every finding.
fn cli_doctor(dir: &Path) -> (Vec<(String, String, String)>, i32) {
    let out = common::pyrel(dir)
        .args(["doctor", "--offline", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let findings = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or("").to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    (findings, out.status.code().unwrap_or(-1))
}

/// `init --yes`, then `generate --check` exits 0; the changelog gets an entry so a
/// release would have notes; everything is committed.
fn init_and_check(dir: &Path) -> String {
    let out = common::pyrel(dir).args(["init", "--yes"]).output().unwrap();
    assert!(
        out.status.success(),
        "init: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    common::pyrel(dir)
        .args(["generate", "--check"])
        .assert()
        .success();
    let log = dir.join("CHANGELOG.md");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(
        &log,
        text.replacen(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n### Added\n\n- Everything.\n",
            1,
        ),
    )
    .unwrap();
    common::git(dir, &["add", "-A"]);
    common::git(dir, &["commit", "-qm", "init"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `pyrel bump ARGS` and checks that exactly the `expected` files changed, each
/// only by `from` → `to` replacements (besides the changelog and pyrel's own files).
fn bump_moves_exactly(dir: &Path, args: &[&str], from: &str, to: &str, expected: &[&str]) {
    let before = common::snapshot_tree(dir);
    let out = common::pyrel(dir).arg("bump").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "bump: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let after = common::snapshot_tree(dir);
    let mut changed: Vec<String> = after
        .iter()
        .filter(|(p, b)| before.get(*p) != Some(*b))
        .map(|(p, _)| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| p != "CHANGELOG.md" && !p.starts_with(".github/"))
        .collect();
    changed.sort();
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(changed, want);
    for p in expected {
        let old = String::from_utf8(before[Path::new(p)].clone()).unwrap();
        let new = String::from_utf8(after[Path::new(p)].clone()).unwrap();
        assert_eq!(new, old.replace(from, to), "{p}");
    }
}

#[test]
fn uv_virtual_root_and_members_are_not_released() {
    let d = common::fixture("real-uv-virtual");
    let p = discover(d.path()).unwrap();
    let skipped: Vec<(&str, &str)> = p
        .skipped
        .iter()
        .map(|s| (s.name.as_str(), s.reason.describe()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("acme-workspace", "virtual project (not built)"),
            ("acme-internal", "classifier `Private :: Do Not Upload`"),
            (
                "acme-sandbox",
                "excluded from the uv workspace (name its directory in the policy's `packages.include` to release it)"
            ),
            ("acme-scripts", "virtual project (not built)"),
            ("acme-tooling", "virtual project (not built)"),
        ]
    );
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("acme-core", Some("1.4.0"), "packages/core"),
            ("acme-cli", Some("1.4.0"), "packages/cli"),
            ("acme-web", Some("1.4.0"), "apps/web"),
        ])
    );
    let summary = init_and_check(d.path());
    // One shared version among the released packages: lockstep.
    let policy = std::fs::read_to_string(d.path().join("pyproject.toml")).unwrap();
    assert!(policy.contains("versioning = \"lockstep\""), "{policy}");
    assert!(summary.contains("acme-internal"), "{summary}");
    let (findings, code) = cli_doctor(d.path());
    assert_eq!(code, 0, "{findings:?}");
    let planted: Vec<_> = findings
        .iter()
        .filter(|f| f.0 != "info" || f.1.contains("internal"))
        .collect();
    assert_eq!(
        planted,
        [&(
            "info".to_string(),
            "packages/internal/pyproject.toml".to_string(),
            "package acme-internal is marked `Private :: Do Not Upload`: pyrel does not release it"
                .to_string()
        )]
    );
    bump_moves_exactly(
        d.path(),
        &["minor"],
        "1.4.0",
        "1.5.0",
        &[
            "apps/web/pyproject.toml",
            "packages/cli/pyproject.toml",
            "packages/core/pyproject.toml",
            "packages/core/src/acme_core/__init__.py",
        ],
    );
}

#[test]
fn standalone_project_without_build_system_is_released() {
    let d = common::fixture("real-standalone-nobuild");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[("plainpkg", Some("0.3.0"), "")])
    );
    init_and_check(d.path());
    let (findings, code) = cli_doctor(d.path());
    assert_eq!(code, 0, "{findings:?}");
    bump_moves_exactly(
        d.path(),
        &["minor"],
        "0.3.0",
        "0.4.0",
        &["plainpkg/__init__.py", "pyproject.toml"],
    );
}

#[test]
fn packages_are_found_wherever_they_live() {
    let d = common::fixture("real-deep-layout");
    // Material a build never ships, planted where a careless walk would look.
    for (path, text) in [
        (
            "node_modules/pkg/setup.py",
            "setup(name='nm', version='1')\n",
        ),
        ("build/lib/setup.py", "setup(name='built', version='1')\n"),
        (
            ".venv/lib/site/pyproject.toml",
            "[project]\nname='venv'\nversion='1'\n",
        ),
        ("env2/pyvenv.cfg", "home = /usr\n"),
        (
            "env2/lib/x/pyproject.toml",
            "[project]\nname='venv2'\nversion='1'\n",
        ),
        (
            "generated/pyproject.toml",
            "[project]\nname='ignored'\nversion='1'\n",
        ),
        (".gitignore", "generated/\n"),
    ] {
        let p = d.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("deep-core", Some("0.3.0"), "core"),
            ("deep-aws", Some("0.3.0"), "vendors/aws"),
            ("deep-plugin-host", Some("0.3.0"), "plugins"),
            (
                "deep-plugin-metrics",
                Some("0.3.0"),
                "plugins/contrib/metrics"
            ),
            ("deep-slack", Some("0.3.0"), "src/integrations/slack"),
            ("deep-teams", Some("0.3.0"), "src/integrations/teams"),
        ])
    );
    init_and_check(d.path());
    bump_moves_exactly(
        d.path(),
        &["minor"],
        "0.3.0",
        "0.4.0",
        &[
            "core/pyproject.toml",
            "plugins/contrib/metrics/pyproject.toml",
            "plugins/setup.py",
            "src/integrations/slack/pyproject.toml",
            "src/integrations/teams/pyproject.toml",
            "vendors/aws/setup.py",
        ],
    );
}

#[test]
fn uv_workspace_in_a_subdirectory_is_found_from_the_repository_root() {
    let d = common::fixture("real-ws-subdir");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("sub-alpha", Some("2.1.0"), "python/packages/alpha"),
            ("sub-beta", Some("2.1.0"), "python/packages/beta"),
        ])
    );
    let p = discover(d.path()).unwrap();
    assert_eq!(p.layout, Layout::UvWorkspace);
    // The virtual workspace root is the workspace; `scratch` is not a member.
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].name, "sub-workspace");
    init_and_check(d.path());
    bump_moves_exactly(
        d.path(),
        &["patch"],
        "2.1.0",
        "2.1.1",
        &[
            "python/packages/alpha/pyproject.toml",
            "python/packages/beta/pyproject.toml",
        ],
    );
}

#[test]
fn package_include_exclude_globs_are_honoured_everywhere() {
    let d = common::fixture("real-deep-layout");
    std::fs::write(
        d.path().join("pyrel.toml"),
        "packages = { include = [\"core\", \"src/integrations/*\"], exclude = [\"src/integrations/teams\"] }\n",
    )
    .unwrap();
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("deep-core", Some("0.3.0"), "core"),
            ("deep-slack", Some("0.3.0"), "src/integrations/slack"),
        ])
    );
    bump_moves_exactly(
        d.path(),
        &["minor"],
        "0.3.0",
        "0.4.0",
        &[
            "core/pyproject.toml",
            "src/integrations/slack/pyproject.toml",
        ],
    );
    // A malformed key is refused naming the file and line, nothing written.
    std::fs::write(d.path().join("pyrel.toml"), "\npackages = [\"core\"]\n").unwrap();
    let out = common::pyrel(d.path()).arg("version").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pyrel.toml") && err.contains('2'), "{err}");
}

#[test]
fn extras_that_close_a_cycle_add_no_order_and_meta_package_comes_last() {
    let d = common::fixture("real-extras-cycle");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("crew", Some("1.2.0"), "lib/crew"),
            ("crew-tools", Some("1.2.0"), "lib/crew-tools"),
            ("crew-suite", Some("1.2.0"), "lib/suite"),
        ])
    );
    init_and_check(d.path());
    bump_moves_exactly(
        d.path(),
        &["minor"],
        "1.2.0",
        "1.3.0",
        &[
            "lib/crew-tools/pyproject.toml",
            "lib/crew/pyproject.toml",
            "lib/suite/pyproject.toml",
        ],
    );
}

#[test]
fn hard_cycle_names_every_package_of_the_cycle() {
    let pp = |name: &str, dep: &str| {
        format!("[project]\nname = \"{name}\"\nversion = \"1.0\"\ndependencies = [\"{dep}>=1\"]\n")
    };
    let (a, b, c) = (pp("ca", "cb"), pp("cb", "cc"), pp("cc", "ca"));
    let t = repo(&[
        ("a/pyproject.toml", a.as_bytes()),
        ("b/pyproject.toml", b.as_bytes()),
        ("c/pyproject.toml", c.as_bytes()),
    ]);
    let out = common::pyrel(t.path()).arg("version").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ca -> cb -> cc -> ca"), "{err}");
}

#[test]
fn every_common_version_source_is_read_and_one_unreadable_package_is_named() {
    let d = common::fixture("real-version-sources");
    let tags = Some("(tags)");
    let got: Vec<_> = cli_versions(d.path())
        .into_iter()
        .map(|(n, v, _)| (n, v))
        .collect();
    let want: Vec<(String, Option<String>)> = [
        ("aliased", Some("1.2.3")),
        ("attrlib", Some("1.5.0")),
        ("computed", None),
        ("dnm", tags),
        ("filever", Some("4.4.0")),
        ("findwhere", Some("0.9.2")),
        ("flitmod", Some("2.1.0")),
        ("hvcs", tags),
        ("pdmfile", Some("3.0.1")),
        ("pdmscm", tags),
        ("pdv", tags),
        ("rusty", Some("0.7.0")),
        ("scmpkg", tags),
        ("standalone-rs", Some("0.2.5")),
        ("udv", tags),
        ("vit", tags),
    ]
    .iter()
    .map(|(n, v)| {
        (
            n.to_string(),
            v.filter(|v| *v != "(tags)").map(str::to_owned),
        )
    })
    .collect();
    assert_eq!(got, want);
    let p = discover(d.path()).unwrap();
    check_spans(&p);
    type Row<'a> = (&'a str, Vec<(SourceKind, PathBuf, usize, &'a str)>);
    let kinds: Vec<Row> = [
        "aliased",
        "attrlib",
        "filever",
        "findwhere",
        "flitmod",
        "pdmfile",
        "rusty",
        "standalone-rs",
    ]
    .iter()
    .map(|n| (*n, sources(pkg(&p, n))))
    .collect();
    assert_eq!(
        kinds,
        [
            (
                "aliased",
                vec![(
                    SourceKind::HatchPath,
                    pb("aliased/aliased/__about__.py"),
                    1,
                    "1.2.3"
                )]
            ),
            (
                "attrlib",
                vec![(
                    SourceKind::Attr,
                    pb("attrlib/lib/attrlib/__init__.py"),
                    1,
                    "1.5.0"
                )]
            ),
            (
                "filever",
                vec![(SourceKind::VersionFile, pb("filever/VERSION"), 1, "4.4.0")]
            ),
            (
                "findwhere",
                vec![(
                    SourceKind::Attr,
                    pb("findwhere/code/findwhere/about.py"),
                    1,
                    "0.9.2"
                )]
            ),
            (
                "flitmod",
                vec![(SourceKind::FlitModule, pb("flitmod/flitmod.py"), 3, "2.1.0")]
            ),
            (
                "pdmfile",
                vec![(
                    SourceKind::PdmPath,
                    pb("pdmfile/src/pdmfile/__init__.py"),
                    3,
                    "3.0.1"
                )]
            ),
            (
                "rusty",
                vec![(SourceKind::CargoWorkspace, pb("Cargo.toml"), 5, "0.7.0")]
            ),
            (
                "standalone-rs",
                vec![(
                    SourceKind::Cargo,
                    pb("standalone-rs/Cargo.toml"),
                    3,
                    "0.2.5"
                )]
            ),
        ]
    );
    let tools: Vec<_> = ["dnm", "hvcs", "pdmscm", "pdv", "scmpkg", "udv", "vit"]
        .iter()
        .map(|n| pkg(&p, n).scheme.clone())
        .collect();
    let vcs = |tool| VersionScheme::Vcs { tool };
    assert_eq!(
        tools,
        [
            vcs(VcsTool::Dunamai),
            vcs(VcsTool::HatchVcs),
            vcs(VcsTool::PdmScm),
            vcs(VcsTool::PoetryDynamic),
            vcs(VcsTool::SetuptoolsScm),
            vcs(VcsTool::UvDynamicVersioning),
            vcs(VcsTool::Versioningit),
        ]
    );
    // The one unreadable package is a finding naming file:line, not an exit 2.
    let (findings, _) = cli_doctor(d.path());
    let unreadable: Vec<_> = findings
        .iter()
        .filter(|f| f.2.contains("unreadable"))
        .collect();
    assert_eq!(unreadable.len(), 1, "{findings:?}");
    assert_eq!(unreadable[0].1, "computed/setup.py");
    assert!(unreadable[0]
        .2
        .starts_with("package computed: version unreadable"));
}

#[test]
fn bump_moves_pdm_maturin_file_and_alias_sources() {
    let d = common::fixture("real-version-sources");
    std::fs::write(
        d.path().join("pyrel.toml"),
        "versioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n",
    )
    .unwrap();
    for (pkg, from, to, files) in [
        (
            "pdmfile",
            "3.0.1",
            "3.1.0",
            &["pdmfile/src/pdmfile/__init__.py"][..],
        ),
        ("rusty", "0.7.0", "0.8.0", &["Cargo.toml"][..]),
        (
            "standalone-rs",
            "0.2.5",
            "0.3.0",
            &["standalone-rs/Cargo.toml"][..],
        ),
        ("filever", "4.4.0", "4.5.0", &["filever/VERSION"][..]),
        (
            "aliased",
            "1.2.3",
            "1.3.0",
            &["aliased/aliased/__about__.py"][..],
        ),
        (
            "findwhere",
            "0.9.2",
            "0.10.0",
            &["findwhere/code/findwhere/about.py"][..],
        ),
        ("flitmod", "2.1.0", "2.2.0", &["flitmod/flitmod.py"][..]),
    ] {
        bump_moves_exactly(
            d.path(),
            &["minor", "--package", pkg, "--no-changelog"],
            from,
            to,
            files,
        );
    }
}

#[test]
fn only_the_distributions_own_import_package_carries_its_version() {
    let d = common::fixture("real-sub-dunder");
    let p = discover(d.path()).unwrap();
    assert_eq!(
        sources(pkg(&p, "acme-tool")),
        [
            (SourceKind::Project, pb("pyproject.toml"), 8, "0.4.0"),
            (
                SourceKind::DunderVersion,
                pb("src/tool_core/__init__.py"),
                3,
                "0.4.0"
            ),
        ]
    );
    init_and_check(d.path());
    let (findings, code) = cli_doctor(d.path());
    assert_eq!(code, 0, "{findings:?}");
    bump_moves_exactly(
        d.path(),
        &["minor"],
        "0.4.0",
        "0.5.0",
        &["pyproject.toml", "src/tool_core/__init__.py"],
    );
}

#[test]
fn setup_py_shim_next_to_a_static_pyproject_is_never_read_as_the_version() {
    let d = common::fixture("real-setup-shim");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[("shimmed", Some("3.2.1"), "")])
    );
    let p = discover(d.path()).unwrap();
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    init_and_check(d.path());
    bump_moves_exactly(
        d.path(),
        &["patch"],
        "3.2.1",
        "3.2.2",
        &["pyproject.toml", "shimmed/__init__.py"],
    );
}

#[test]
fn doctor_before_init_judges_as_init_would_and_never_hints_generate() {
    // Two packages at 2.0.0 and one whose pyproject.toml says 2.1.0 while its own
    // __version__ says 2.0.0: init keeps lockstep and names the drift, and doctor without
    // a policy reports the same file as init would have it.
    let d = common::fixture("doctor-workspace-drift");
    let (findings, _) = cli_doctor(d.path());
    let drift = |findings: &[(String, String, String)]| {
        findings
            .iter()
            .any(|f| f.1 == "libs/core/pyproject.toml" && f.2.contains("(lockstep) is at 2.0.0"))
    };
    assert!(drift(&findings), "{findings:?}");
    let out = common::pyrel(d.path())
        .args(["doctor", "--offline"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("pyrel init"), "{text}");
    assert!(!text.contains("pyrel generate"), "{text}");
    // init chooses the same: lockstep, the drift named.
    let out = common::pyrel(d.path())
        .args(["init", "--yes"])
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{summary}");
    assert!(
        summary.contains("version drift: dashboard-core is 2.1.0 in libs/core/pyproject.toml"),
        "{summary}"
    );
    let policy = std::fs::read_to_string(d.path().join("pyproject.toml")).unwrap();
    assert!(policy.contains("versioning = \"lockstep\""), "{policy}");
    let (findings, _) = cli_doctor(d.path());
    assert!(drift(&findings), "{findings:?}");
}

#[test]
fn unreadable_package_is_named_by_init_and_the_rest_still_works() {
    let d = common::fixture("setup-py-multi");
    std::fs::write(
        d.path().join("packages/alpha/setup.py"),
        "from setuptools import setup\nimport os\nsetup(name=\"alpha\", version=os.environ[\"V\"])\n",
    )
    .unwrap();
    let out = common::pyrel(d.path())
        .args(["init", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("version unreadable: packages/alpha/setup.py:3"),
        "{text}"
    );
    let versions = cli_versions(d.path());
    assert!(versions.iter().any(|(n, v, _)| n == "alpha" && v.is_none()));
    assert!(versions.iter().any(|(n, v, _)| n == "beta" && v.is_some()));
}

#[test]
fn credential_placeholders_are_quiet_and_real_token_shapes_are_errors() {
    let d = common::fixture("real-env-placeholders");
    let (findings, _) = cli_doctor(d.path());
    let creds: Vec<_> = findings
        .iter()
        .filter(|f| f.2.contains("token") || f.2.contains("credential") || f.2.contains("password"))
        .collect();
    assert!(creds.is_empty(), "{creds:?}");
    // Planted real shapes (fake values): each an error, the value never printed.
    let gh = format!("ghp_{}", "FAKEfake0123456789FAKEfake0123456789");
    let pypi = format!("pypi-AgEIcHlwaS5vcmc{}", "FAKEFAKEFAKEFAKEFAKE");
    std::fs::write(d.path().join("deploy.env"), format!("GH_TOKEN={gh}\n")).unwrap();
    std::fs::write(
        d.path().join(".pypirc"),
        format!("[pypi]\nusername = __token__\npassword = {pypi}\n"),
    )
    .unwrap();
    let out = common::pyrel(d.path())
        .args(["doctor", "--offline", "--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("FAKE"), "{text}");
    let (findings, code) = cli_doctor(d.path());
    assert_eq!(code, 1);
    let mut creds: Vec<(String, String)> = findings
        .iter()
        .filter(|f| f.0 == "error" && (f.2.contains("token") || f.2.contains("password")))
        .map(|f| (f.1.clone(), f.2.clone()))
        .collect();
    creds.sort();
    assert_eq!(
        creds,
        [
            (
                ".pypirc".to_string(),
                "a PyPI API token (pypi-AgE…) is in .pypirc".to_string()
            ),
            (
                "deploy.env".to_string(),
                "a GitHub token (ghp_…) is in deploy.env".to_string()
            ),
        ]
    );
}

/// A fixture committed as it is, so git can tell whether a file was modified.
fn committed_fixture(name: &str) -> tempfile::TempDir {
    let d = common::fixture(name);
    common::git(d.path(), &["add", "-A"]);
    common::git(d.path(), &["commit", "-qm", "existing"]);
    d
}

#[test]
fn init_gates_on_existing_test_checks_and_replaces_a_named_publisher() {
    let d = committed_fixture("real-test-suite");
    let out = common::pyrel(d.path())
        .args([
            "init",
            "--yes",
            "--replace",
            ".github/workflows/publish.yml",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    let policy = std::fs::read_to_string(d.path().join("pyproject.toml")).unwrap();
    assert!(policy.contains("tests = \"existing\""), "{policy}");
    assert!(
        policy.contains(
            "required-checks = [\"Test Suite (3.9)\", \"Test Suite (3.10)\", \"Test Suite (3.11)\"]"
        ),
        "{policy}"
    );
    assert!(
        policy.contains("release-workflow = \".github/workflows/publish.yml\""),
        "{policy}"
    );
    // Replaced at its path, said plainly; the token secret it used is named.
    assert!(
        summary.contains(".github/workflows/publish.yml already publishes to PyPI: pyrel's release workflow replaces it at that path"),
        "{summary}"
    );
    assert!(summary.contains("PYPI_API_TOKEN"), "{summary}");
    assert!(!d.path().join(".github/workflows/release.yml").exists());
    assert!(!d.path().join(".github/workflows/test.yml").exists());
    let publish = std::fs::read_to_string(d.path().join(".github/workflows/publish.yml")).unwrap();
    assert!(publish.starts_with("# Generated by pyrel"), "{publish}");
    common::pyrel(d.path())
        .args(["generate", "--check"])
        .assert()
        .success();
    // Python matrix inside requires-python (>=3.9,<3.12), both bounds, lowest kept.
    let line = policy
        .lines()
        .find(|l| l.starts_with("python-versions"))
        .unwrap()
        .to_string();
    assert!(line.contains("\"3.9\""), "{line}");
    for v in ["3.12", "3.13", "3.14", "3.8"] {
        assert!(!line.contains(&format!("\"{v}\"")), "{line}");
    }
}

#[test]
fn init_refuses_to_join_a_publisher_and_names_the_ways_out() {
    let d = committed_fixture("real-test-suite");
    let wf = d.path().join(".github/workflows/publish.yml");
    let text = std::fs::read_to_string(&wf).unwrap();
    std::fs::write(&wf, text.replace("Publish", "Publish to PyPI")).unwrap();
    let before = common::snapshot_tree(d.path());
    let out = common::pyrel(d.path())
        .args(["init", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(".github/workflows/publish.yml already publishes to PyPI"),
        "{text}"
    );
    assert!(
        text.contains("pyrel init --yes --replace .github/workflows/publish.yml")
            && text.contains("remove the upload from .github/workflows/publish.yml"),
        "{text}"
    );
    assert_eq!(before, common::snapshot_tree(d.path()), "nothing written");
}

#[test]
fn init_keeps_the_tag_format_of_existing_tags() {
    for (tags, versions, want) in [
        (
            &["v1.7.0", "v1.8.0"][..],
            ["1.8.0", "1.8.0"],
            "tag-format = \"v{version}\"",
        ),
        (
            &["1.7.0", "1.8.0"][..],
            ["1.8.0", "1.8.0"],
            "tag-format = \"{version}\"",
        ),
        (
            &["alpha-v1.0.0", "beta-v2.0.0", "alpha-v1.1.0"][..],
            ["1.1.0", "2.0.0"],
            "tag-format = \"{name}-v{version}\"",
        ),
        (
            &["integrations/alpha-v1.1.0", "integrations/beta-v2.0.0"][..],
            ["1.1.0", "2.0.0"],
            "tag-format = \"integrations/{name}-v{version}\"",
        ),
    ] {
        let pp = |n: &str, v: &str| {
            format!("[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n[project]\nname = \"{n}\"\nversion = \"{v}\"\n")
        };
        let (a, b) = (pp("alpha", versions[0]), pp("beta", versions[1]));
        let t = repo(&[
            ("pkgs/alpha/pyproject.toml", a.as_bytes()),
            ("pkgs/beta/pyproject.toml", b.as_bytes()),
        ]);
        common::git(t.path(), &["add", "-A"]);
        common::git(t.path(), &["commit", "-qm", "c"]);
        for tag in tags {
            common::git(t.path(), &["tag", tag]);
        }
        common::pyrel(t.path())
            .args(["init", "--yes"])
            .assert()
            .success();
        let policy = std::fs::read_to_string(t.path().join("pyrel.toml")).unwrap();
        assert!(policy.contains(want), "{tags:?}: {policy}");
        common::pyrel(t.path())
            .args(["generate", "--check"])
            .assert()
            .success();
    }
}

#[test]
fn init_dry_run_shows_the_policy_it_would_write() {
    let d = common::fixture("real-uv-virtual");
    let before = common::snapshot_tree(d.path());
    let out = common::pyrel(d.path())
        .args(["init", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("versioning = \"lockstep\""), "{text}");
    assert!(text.contains("python-versions = ["), "{text}");
    assert_eq!(before, common::snapshot_tree(d.path()));
}

#[test]
fn odd_old_changelog_headings_never_block_a_bump() {
    let d = common::fixture("real-sub-dunder");
    let old = "## Changed\n\n- From the old days.\n\n## 0.15.x\n\n- A series.\n\n## Version 1.44.0/0.65b0 (2026-05-01)\n\n- Two versions at once.\n";
    let log = d.path().join("CHANGELOG.md");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, format!("{text}\n{old}")).unwrap();
    common::git(d.path(), &["add", "-A"]);
    common::git(d.path(), &["commit", "-qm", "c"]);
    let out = common::pyrel(d.path())
        .args(["bump", "minor"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&log).unwrap();
    assert!(after.contains("## [0.5.0] - "), "{after}");
    assert!(after.contains(old), "{after}");
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings
            .iter()
            .any(|f| f.1 == "CHANGELOG.md" && f.0 == "error"),
        "{findings:?}"
    );
}

#[test]
fn doctor_names_both_files_when_two_workflows_publish() {
    let d = common::fixture("single-src");
    common::pyrel(d.path())
        .args(["init", "--yes"])
        .assert()
        .success();
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings.iter().any(|f| f.2.contains("publish to PyPI")),
        "{findings:?}"
    );
    let wf = d.path().join(".github/workflows/upload.yml");
    std::fs::write(
        &wf,
        "name: Upload\non:\n  push:\n    tags: ['v*']\njobs:\n  up:\n    runs-on: ubuntu-latest\n    steps:\n      - run: uv build && uv publish\n",
    )
    .unwrap();
    let (findings, code) = cli_doctor(d.path());
    assert_eq!(code, 1);
    let two: Vec<_> = findings
        .iter()
        .filter(|f| f.2.contains("workflows publish to PyPI"))
        .collect();
    assert_eq!(two.len(), 1, "{findings:?}");
    assert_eq!(
        two[0].2,
        format!(
            "2 workflows publish to PyPI: .github/workflows/release.yml ({}) and .github/workflows/upload.yml (job `up` (lines 6-9), on tags `v*`)",
            // pyrel's own upload jobs, named with their lines like the other's.
            two[0]
                .2
                .split_once(".github/workflows/release.yml (")
                .and_then(|(_, rest)| rest.split_once(") and "))
                .map(|(jobs, _)| jobs)
                .filter(|jobs| jobs.starts_with("job `publish-"))
                .unwrap_or("pyrel's jobs not named")
        )
    );
}

#[test]
fn publishers_on_other_events_are_named_and_reported_unless_acknowledged() {
    let d = common::fixture("single-src");
    let wf = |name: &str, on: &str| {
        let dir = d.path().join(".github/workflows");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(name),
            format!("name: {name}\non:\n{on}jobs:\n  up:\n    runs-on: ubuntu-latest\n    steps:\n      - run: uv build && uv publish\n"),
        )
        .unwrap();
    };
    // A manual upload and a nightly one can upload what a release tag does.
    wf("manual.yml", "  workflow_dispatch:\n");
    wf("nightly.yml", "  schedule:\n    - cron: '0 3 * * *'\n");
    common::git(d.path(), &["add", "-A"]);
    common::git(d.path(), &["commit", "-qm", "publishers"]);
    // The manual one is a pure release workflow: replaced only when named, or kept when
    // acknowledged. The nightly one runs on a schedule (CI): kept, its job named.
    let out = common::pyrel(d.path())
        .args(["init", "--yes"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("refused: .github/workflows/manual.yml already publishes to PyPI"),
        "{stdout}"
    );
    let out = common::pyrel(d.path())
        .args([
            "init",
            "--yes",
            "--set",
            "other-publishers=[\".github/workflows/manual.yml\"]",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            ".github/workflows/manual.yml also publishes to PyPI, acknowledged in other-publishers"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("remove job `up` (lines 6-9) from .github/workflows/nightly.yml"),
        "{stdout}"
    );
    assert!(d.path().join(".github/workflows/release.yml").is_file());
    let (findings, code) = cli_doctor(d.path());
    assert_eq!(code, 1);
    let named: Vec<_> = findings
        .iter()
        .filter(|f| f.2.contains("publish to PyPI"))
        .collect();
    assert_eq!(named.len(), 1, "{findings:?}");
    assert!(
        named[0]
            .2
            .contains(".github/workflows/nightly.yml (job `up` (lines 6-9), on a schedule)"),
        "{findings:?}"
    );
    std::fs::remove_file(d.path().join(".github/workflows/nightly.yml")).unwrap();
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings.iter().any(|f| f.2.contains("publish to PyPI")),
        "{findings:?}"
    );
    // Tags of another package (`docs-v*`) do not overlap `v*`; a GitHub release does.
    wf("docs.yml", "  push:\n    tags: ['docs-v*']\n");
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings.iter().any(|f| f.2.contains("publish to PyPI")),
        "{findings:?}"
    );
    wf("on-release.yml", "  release:\n    types: [published]\n");
    let (findings, _) = cli_doctor(d.path());
    assert!(
        findings.iter().any(|f| f
            .2
            .contains("and .github/workflows/on-release.yml (job `up`")
            && f.2
                .contains("2 workflows publish to PyPI: .github/workflows/release.yml")),
        "{findings:?}"
    );
}

#[test]
fn a_project_template_deep_in_a_package_is_not_released_and_never_fatal() {
    let t = repo(&[
        (
            "libs/cli/pyproject.toml",
            b"[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n[project]\nname = \"acme-cli\"\nversion = \"0.3.0\"\n",
        ),
        (
            "libs/cli/acme_cli/project_scaffold/pyproject.toml",
            b"[project]\nname = \"__package_name__\"\nversion = \"0.0.1\"\n",
        ),
        (
            "libs/cli/acme_cli/integration_template/pyproject.toml",
            b"[project]\nname = \"__module_name__\"\nversion = \"0.0.1\"\n",
        ),
    ]);
    assert_eq!(
        cli_versions(t.path()),
        rows(&[("acme-cli", Some("0.3.0"), "libs/cli")])
    );
    let p = discover(t.path()).unwrap();
    let named: Vec<_> = p
        .problems
        .iter()
        .map(|pr| (pr.path.clone(), pr.line))
        .collect();
    assert_eq!(
        named,
        [(
            pb("libs/cli/acme_cli/project_scaffold/pyproject.toml"),
            Some(2)
        )]
    );
}

#[test]
fn uv_workspace_members_are_exactly_what_the_globs_say() {
    let hatch = "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n";
    let pp = |n: &str| format!("{hatch}[project]\nname = \"{n}\"\nversion = \"1.0.0\"\n");
    let (a, b, c, d) = (
        pp("ws-testing"),
        pp("ws-kit"),
        pp("ws-skip"),
        pp("ws-outside"),
    );
    let t = repo(&[
        (
            "pyproject.toml",
            b"[tool.uv.workspace]\nmembers = [\"packages/*\"]\nexclude = [\"packages/skip\"]\n",
        ),
        // A member named like test material is still a member: the globs decide.
        ("packages/testing/pyproject.toml", a.as_bytes()),
        ("packages/kit/pyproject.toml", b.as_bytes()),
        ("packages/skip/pyproject.toml", c.as_bytes()),
        // Not matched by the globs: not a member, not released.
        ("tools/outside/pyproject.toml", d.as_bytes()),
        // A directory without pyproject.toml is no member.
        ("packages/notes/README.md", b"notes\n"),
    ]);
    assert_eq!(
        cli_versions(t.path()),
        rows(&[
            ("ws-kit", Some("1.0.0"), "packages/kit"),
            ("ws-testing", Some("1.0.0"), "packages/testing"),
        ])
    );
}

#[test]
fn setup_py_and_setup_cfg_python_requires_bound_the_matrix() {
    let d = common::fixture("setup-py-multi");
    common::pyrel(d.path())
        .args(["init", "--yes"])
        .assert()
        .success();
    let policy = std::fs::read_to_string(d.path().join("pyrel.toml")).unwrap();
    let line = policy
        .lines()
        .find(|l| l.starts_with("python-versions"))
        .unwrap();
    // `python_requires=">=3.8"`: the lowest supported version is tested.
    assert!(line.starts_with("python-versions = [\"3.8\", "), "{line}");
    common::pyrel(d.path())
        .args(["generate", "--check"])
        .assert()
        .success();
}

#[test]
fn setup_py_version_read_from_a_file_it_names_is_that_files_literal() {
    let d = common::fixture("real-setup-reads");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("cloud-storage-blob", Some("12.26.0"), "cloud-storage-blob"),
            ("grabber", Some("3.4.1"), "grabber"),
            ("lowver", Some("3.1.0"), "lowver"),
            ("opaque", None, "opaque"),
            ("scanner", Some("0.12.0"), "scanner"),
            ("pathread", Some("1.0.0"), "pathread"),
        ])
    );
    let p = discover(d.path()).unwrap();
    check_spans(&p);
    assert_eq!(
        sources(pkg(&p, "grabber"))[0],
        (
            SourceKind::Attr,
            pb("grabber/grabber/__meta__.py"),
            2,
            "3.4.1"
        )
    );
    // A version setup.py computes from nothing it names stays unreadable, with its line.
    let (findings, _) = cli_doctor(d.path());
    let opaque: Vec<_> = findings
        .iter()
        .filter(|(_, _, m)| m.contains("opaque"))
        .collect();
    assert_eq!(opaque.len(), 1, "{findings:?}");
    assert!(opaque[0].2.contains("version unreadable"), "{opaque:?}");
    assert!(opaque[0].1.starts_with("opaque/setup.py"), "{opaque:?}");
    std::fs::write(
        d.path().join("pyrel.toml"),
        "versioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n",
    )
    .unwrap();
    for (name, from, to, file) in [
        ("grabber", "3.4.1", "3.5.0", "grabber/grabber/__meta__.py"),
        ("scanner", "0.12.0", "0.13.0", "scanner/scanner/__init__.py"),
        ("pathread", "1.0.0", "1.1.0", "pathread/pathread/version.py"),
        ("lowver", "3.1.0", "3.2.0", "lowver/lowver/_version.py"),
        (
            "cloud-storage-blob",
            "12.26.0",
            "12.27.0",
            "cloud-storage-blob/cloud/storage/blob/_version.py",
        ),
    ] {
        bump_moves_exactly(
            d.path(),
            &["minor", "--package", name, "--no-changelog"],
            from,
            to,
            &[file],
        );
    }
}

#[test]
fn name_eq_eq_tags_give_the_tag_format_and_test_group_siblings_need_no_pin() {
    let d = common::fixture("real-libs-eqtags");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("corekit", Some("0.4.0"), "libs/corekit"),
            ("testkit", Some("0.2.1"), "libs/testkit"),
            ("alpha-plug", Some("0.1.3"), "libs/partners/alpha"),
        ])
    );
    common::git(d.path(), &["add", "-A"]);
    common::git(d.path(), &["commit", "-qm", "libs"]);
    for tag in ["corekit==0.3.0", "testkit==0.2.0", "alpha-plug==0.1.2"] {
        common::git(d.path(), &["tag", tag]);
    }
    // `name==1.2.3` tags (git allows `=`) give the tag format `{name}=={version}`.
    let summary = init_and_check(d.path());
    assert!(summary.contains("tags `{name}=={version}`"), "{summary}");
    // `testkit` in the test groups is used from the workspace, never published: no
    // "without a version constraint" warning.
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings.iter().any(|f| f.2.contains("version constraint")),
        "{findings:?}"
    );
}

#[test]
fn dependencies_from_the_uv_dynamic_versioning_hook_order_the_release() {
    let d = common::fixture("real-hook-deps");
    // hub-core's extra on hub-evals closes a cycle (hub-evals needs hub-core): no order.
    // hub's extra on hub-cli closes one too (hub-cli needs hub).
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("hub-graph", None, "hub_graph"),
            ("hub-core", None, "hub_core"),
            ("hub-evals", None, "hub_evals"),
            ("hub", None, ""),
            ("hub-cli", None, "hub_cli"),
        ])
    );
    init_and_check(d.path());
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings.iter().any(|f| f.2.contains("constraint")),
        "{findings:?}"
    );
}

#[test]
fn a_tools_sample_projects_crate_resources_and_docs_sources_are_not_released() {
    let d = common::fixture("real-tool-repo");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("quickfmt", Some("0.4.2"), ""),
            ("quickfmt-backend", Some("0.4.2"), "crates/quickfmt-backend"),
        ])
    );
    let summary = init_and_check(d.path());
    assert!(summary.contains("lockstep"), "{summary}");
    bump_moves_exactly(
        d.path(),
        &["minor", "--no-changelog"],
        "0.4.2",
        "0.5.0",
        &[
            "crates/quickfmt/Cargo.toml",
            "crates/quickfmt-backend/pyproject.toml",
        ],
    );
}

#[test]
fn init_with_nothing_to_release_is_refused_naming_why_and_writes_nothing() {
    // The one project's name is computed: exit 2 naming setup.py:3, nothing written.
    let t = repo(&[(
        "setup.py",
        b"import os\nfrom setuptools import setup\nsetup(name=os.environ['N'], version='1.0')\n",
    )]);
    let before = common::snapshot_tree(t.path());
    let out = common::pyrel(t.path())
        .args(["init", "--yes"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("setup.py:3: no package to release"), "{err}");
    assert!(!err.contains("internal error"), "{err}");
    assert_eq!(common::snapshot_tree(t.path()), before);
    // Every project virtual: refused too, with a hint naming a real command.
    let t = repo(&[(
        "pyproject.toml",
        b"[project]\nname = \"tools-only\"\nversion = \"0.1.0\"\n\n[tool.uv]\npackage = false\n",
    )]);
    let out = common::pyrel(t.path())
        .args(["init", "--yes"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no package to release here"), "{err}");
    assert!(err.contains("`pyrel init`"), "{err}");
    assert!(!t.path().join(".github").exists());
}

#[test]
fn version_json_lists_skipped_projects_and_unreadable_packages_with_why() {
    let json = |dir: &Path| -> serde_json::Value {
        let out = common::pyrel(dir)
            .args(["version", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let d = common::fixture("real-uv-virtual");
    let v = json(d.path());
    let skipped: Vec<(&str, &str, &str)> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["dir"].as_str().unwrap(),
                s["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("acme-workspace", "", "virtual"),
            ("acme-internal", "packages/internal", "private"),
            ("acme-sandbox", "packages/sandbox", "workspace-excluded"),
            ("acme-scripts", "packages/scripts", "virtual"),
            ("acme-tooling", "packages/tooling", "virtual"),
        ]
    );
    assert_eq!(v["problems"], serde_json::json!([]));
    let d = common::fixture("real-setup-reads");
    let v = json(d.path());
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["package"], "opaque");
    assert_eq!(problems[0]["path"], "opaque/setup.py");
    assert_eq!(problems[0]["line"], 6);
}

#[test]
fn meson_python_versions_are_read_from_meson_build() {
    let d = common::fixture("real-meson");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("mlit", Some("2.3.0"), "mlit"),
            ("mfile", Some("0.5.0"), "mfile"),
            ("mscript", Some("1.1.dev0"), "mscript"),
        ])
    );
    let p = discover(d.path()).unwrap();
    check_spans(&p);
    assert_eq!(
        sources(pkg(&p, "mlit")),
        [(SourceKind::MesonBuild, pb("mlit/meson.build"), 6, "2.3.0")]
    );
    std::fs::write(
        d.path().join("pyrel.toml"),
        "versioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n",
    )
    .unwrap();
    for (name, from, to, file) in [
        ("mlit", "2.3.0", "2.4.0", "mlit/meson.build"),
        ("mfile", "0.5.0", "0.6.0", "mfile/VERSION"),
    ] {
        bump_moves_exactly(
            d.path(),
            &["minor", "--package", name, "--no-changelog"],
            from,
            to,
            &[file],
        );
    }
}

/// Runs the generated bump script as the release workflow does.
fn script(dir: &Path, args: &[&str]) -> (bool, String) {
    let Some(python) = common::require_tools_python() else {
        unreachable!()
    };
    let out = std::process::Command::new(python)
        .arg("scripts/bump_version.py")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_release_scripts_check_tag_reads_meson_cargo_and_version_file_sources() {
    let d = common::fixture("real-meson");
    init_and_check(d.path());
    for tag in ["mlit-v2.3.0", "mfile-v0.5.0"] {
        let (ok, out) = script(d.path(), &["check-tag", tag]);
        assert!(ok, "{tag}: {out}");
    }
    let (ok, out) = script(d.path(), &["check-tag", "mlit-v2.4.0"]);
    assert!(!ok && out.contains("2.3.0"), "{out}");
    let d = common::fixture("real-tool-repo");
    init_and_check(d.path());
    let (ok, out) = script(d.path(), &["check-tag", "v0.4.2"]);
    assert!(ok, "{out}");
    let d = common::fixture("real-version-sources");
    init_and_check(d.path());
    for tag in ["filever-v4.4.0", "rusty-v0.7.0", "standalone-rs-v0.2.5"] {
        let (ok, out) = script(d.path(), &["check-tag", tag]);
        assert!(ok, "{tag}: {out}");
    }
}

#[test]
fn pbr_and_versioneer_versions_come_from_git_tags() {
    let d = common::fixture("real-tag-tools");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("mvneer", None, "mvneer"),
            ("pbrpkg", None, "pbrpkg"),
            ("vneer", None, "vneer"),
        ])
    );
    assert_eq!(
        pkg(&discover(d.path()).unwrap(), "mvneer").scheme,
        VersionScheme::Vcs {
            tool: VcsTool::Versioneer
        }
    );
    let p = discover(d.path()).unwrap();
    assert_eq!(
        pkg(&p, "pbrpkg").scheme,
        VersionScheme::Vcs { tool: VcsTool::Pbr }
    );
    assert_eq!(
        pkg(&p, "vneer").scheme,
        VersionScheme::Vcs {
            tool: VcsTool::Versioneer
        }
    );
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    let summary = init_and_check(d.path());
    assert!(
        summary.contains("vneer (version from git tags)"),
        "{summary}"
    );
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings.iter().any(|f| f.2.contains("unreadable")),
        "{findings:?}"
    );
}

#[test]
fn hatch_code_source_with_the_default_expression_reads_the_literal() {
    let hatch = |name: &str, extra: &str| {
        format!(
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"{name}\"\ndynamic = [\"version\"]\n\n[tool.hatch.version]\nsource = \"code\"\npath = \"src/{name}/__init__.py\"\n{extra}"
        )
    };
    let a = hatch("codeok", "");
    let b = hatch("codeexpr", "expression = \"get_version()\"\n");
    let t = repo(&[
        ("codeok/pyproject.toml", a.as_bytes()),
        (
            "codeok/src/codeok/__init__.py",
            b"\"\"\"Doc.\"\"\"\n\n__version__ = \"0.7.2\"\n",
        ),
        ("codeexpr/pyproject.toml", b.as_bytes()),
        (
            "codeexpr/src/codeexpr/__init__.py",
            b"def get_version():\n    return \"1.0\"\n",
        ),
    ]);
    assert_eq!(
        cli_versions(t.path()),
        rows(&[
            ("codeexpr", None, "codeexpr"),
            ("codeok", Some("0.7.2"), "codeok"),
        ])
    );
    let p = discover(t.path()).unwrap();
    assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
    assert_eq!(p.problems[0].package.as_deref(), Some("codeexpr"));
    assert!(p.problems[0].message.contains("source = \"code\""));
}

#[test]
fn hatch_toml_configures_the_version_and_its_lowercase_version_literal_is_read() {
    let d = common::fixture("real-hatch-toml");
    let v: serde_json::Value = serde_json::from_slice(
        &common::pyrel(d.path())
            .args(["version", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let sources: Vec<(&str, &str, &str)> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["sources"].as_array().unwrap().iter().map(move |s| {
                (
                    p["name"].as_str().unwrap(),
                    s["path"].as_str().unwrap(),
                    s["value"].as_str().unwrap(),
                )
            })
        })
        .collect();
    // hatch.toml's `[version] path` wins over a `[tool.hatch.version]` in pyproject.toml.
    assert_eq!(
        sources,
        [
            (
                "acme-adapters",
                "acme-adapters/src/acme/adapters/__about__.py",
                "1.4.0"
            ),
            (
                "acme-postgres",
                "acme-postgres/src/acme/adapters/postgres/__version__.py",
                "1.2.0a1"
            ),
        ]
    );
    // A version hatch.toml computes with code is named in hatch.toml, at its line.
    assert_eq!(
        v["problems"],
        serde_json::json!([{
            "package": "acme-codever",
            "path": "acme-codever/hatch.toml",
            "line": 4,
            "message": "[version] source = \"code\" runs Python to get the version",
        }])
    );
    std::fs::write(
        d.path().join("pyrel.toml"),
        "versioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n",
    )
    .unwrap();
    bump_moves_exactly(
        d.path(),
        &["minor", "--package", "acme-postgres", "--no-changelog"],
        "1.2.0a1",
        "1.3.0",
        &["acme-postgres/src/acme/adapters/postgres/__version__.py"],
    );
}

#[test]
fn a_poetry_root_in_non_package_mode_is_not_released() {
    let d = common::fixture("real-poetry-mono");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("acme-core", Some("0.2.5"), "libs/core"),
            ("acme-kit", Some("0.1.8"), "libs/kit"),
        ])
    );
    let out = common::pyrel(d.path())
        .args(["version", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["skipped"],
        serde_json::json!([{
            "name": "acme-monorepo",
            "dir": "",
            "reason": "virtual",
            "why": "virtual project (not built)",
        }])
    );
    let out = common::pyrel(d.path())
        .args(["init", "--yes", "--dry-run"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("not released: acme-monorepo (pyproject.toml): virtual project (not built)"),
        "{text}"
    );
}

#[test]
fn a_publisher_at_pyrels_own_workflow_path_is_replaced_only_when_named() {
    // The most common name of a publishing workflow is pyrel's own default path.
    let d = committed_fixture("real-test-suite");
    common::git(
        d.path(),
        &[
            "mv",
            ".github/workflows/publish.yml",
            ".github/workflows/release.yml",
        ],
    );
    common::git(d.path(), &["commit", "-qm", "rename"]);
    let wf = d.path().join(".github/workflows/release.yml");

    // --yes (committed or not, with --force or not) is no consent: refused, nothing written.
    for args in [&["init", "--yes"][..], &["init", "--yes", "--force"][..]] {
        let before = common::snapshot_tree(d.path());
        let out = common::pyrel(d.path()).args(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(
            text.contains(".github/workflows/release.yml already publishes to PyPI")
                && text.contains("--replace .github/workflows/release.yml"),
            "{text}"
        );
        assert_eq!(before, common::snapshot_tree(d.path()), "nothing written");
    }

    // Named: replaced at its path.
    let out = common::pyrel(d.path())
        .args([
            "init",
            "--yes",
            "--replace",
            ".github/workflows/release.yml",
        ])
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{summary}");
    assert!(
        summary.contains(".github/workflows/release.yml already publishes to PyPI: pyrel's release workflow replaces it at that path"),
        "{summary}"
    );
    let release = std::fs::read_to_string(&wf).unwrap();
    assert!(release.starts_with("# Generated by pyrel"), "{release}");
    common::pyrel(d.path())
        .args(["generate", "--check"])
        .assert()
        .success();
    // pyrel's own workflow at that path is no second publisher for doctor either.
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings
            .iter()
            .any(|(_, p, _)| p.starts_with(".github/workflows/")),
        "{findings:?}"
    );
}

#[test]
fn tags_naming_the_package_directory_make_vcs_versioned_packages_independent() {
    let d = committed_fixture("real-vcs-dirtags");
    for tag in [
        "integrations/alpha-v1.0.0",
        "integrations/beta-v0.3.1",
        "integrations/gamma_db-v2.0.0",
        "integrations/alpha-v1.1.0",
    ] {
        common::git(d.path(), &["tag", tag]);
    }
    let out = common::pyrel(d.path())
        .args(["init", "--yes"])
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{summary}");
    assert!(
        summary.contains("independent versions, tags `integrations/{dir}-v{version}`"),
        "{summary}"
    );
    let policy = std::fs::read_to_string(d.path().join("pyrel.toml")).unwrap();
    assert!(
        policy.contains("tag-format = \"integrations/{dir}-v{version}\"")
            && policy.contains("versioning = \"independent\""),
        "{policy}"
    );
    common::pyrel(d.path())
        .args(["generate", "--check"])
        .assert()
        .success();
    // The format gives back each package's own tags.
    for (tag, ok) in [
        ("integrations/gamma_db-v2.0.0", true),
        ("integrations/gamma-v2.0.0", false),
    ] {
        let out = common::pyrel(d.path())
            .args(["version", "--check-tag", tag])
            .output()
            .unwrap();
        assert_eq!(
            out.status.success(),
            ok,
            "{tag}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn pdm_pep517_versions_from_scm_and_from_a_file_are_read() {
    let d = common::fixture("real-pdm-legacy");
    let v: serde_json::Value = serde_json::from_slice(
        &common::pyrel(d.path())
            .args(["version", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(v["problems"], serde_json::json!([]));
    let got: Vec<(&str, &str, Option<&str>)> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["scheme"]["kind"].as_str().unwrap(),
                p["version"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("fromold", "static", Some("0.4.2")),
            ("scmold", "vcs", None)
        ]
    );
    std::fs::write(
        d.path().join("pyrel.toml"),
        "versioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n",
    )
    .unwrap();
    bump_moves_exactly(
        d.path(),
        &["patch", "--package", "fromold", "--no-changelog"],
        "0.4.2",
        "0.4.3",
        &["fromold/fromold/__init__.py"],
    );
}

#[test]
fn projects_a_uv_workspace_excludes_are_named_and_released_only_when_the_policy_includes_them() {
    let d = common::fixture("real-uv-exclude");
    let json = |dir: &Path| -> serde_json::Value {
        let out = common::pyrel(dir)
            .args(["version", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(
        cli_versions(d.path()),
        rows(&[("acme-core", Some("2.3.0"), "packages/core")])
    );
    let skipped: Vec<(String, String)> = json(d.path())["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("acme-dev".to_string(), "virtual".to_string()),
            ("acme-legacy".to_string(), "workspace-excluded".to_string()),
            ("acme-sandbox".to_string(), "workspace-excluded".to_string()),
        ]
    );
    let out = common::pyrel(d.path())
        .args(["init", "--yes", "--dry-run"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("not released: acme-legacy (packages/legacy/pyproject.toml): excluded from the uv workspace"),
        "{text}"
    );
    // Named by the policy: released, after the workspace package it pins.
    std::fs::write(
        d.path().join("pyrel.toml"),
        "packages = { include = [\"packages/core\", \"packages/legacy\"] }\n",
    )
    .unwrap();
    assert_eq!(
        cli_versions(d.path()),
        rows(&[
            ("acme-core", Some("2.3.0"), "packages/core"),
            ("acme-legacy", Some("2.3.0"), "packages/legacy"),
        ])
    );
    bump_moves_exactly(
        d.path(),
        &["minor", "--no-changelog"],
        "2.3.0",
        "2.4.0",
        &[
            "packages/core/pyproject.toml",
            "packages/legacy/pyproject.toml",
        ],
    );
}

#[test]
fn flit_modules_inside_a_namespace_package_carry_the_version() {
    let d = common::fixture("real-flit-namespace");
    let v: serde_json::Value = serde_json::from_slice(
        &common::pyrel(d.path())
            .args(["version", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let sources: Vec<(&str, &str, &str)> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["sources"].as_array().unwrap().iter().map(move |s| {
                (
                    p["name"].as_str().unwrap(),
                    s["path"].as_str().unwrap(),
                    s["value"].as_str().unwrap(),
                )
            })
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("acme-ns-gadgets", "gadgets/src/acme_ns/gadgets.py", "0.9.1"),
            (
                "acme-ns-widgets",
                "widgets/acme_ns/widgets/__init__.py",
                "2.0.0"
            ),
        ]
    );
    // A module name that is no dotted identifier is that package's problem, read nowhere.
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["package"], "acme-dotty");
    std::fs::write(
        d.path().join("pyrel.toml"),
        "versioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n",
    )
    .unwrap();
    bump_moves_exactly(
        d.path(),
        &["minor", "--package", "acme-ns-widgets", "--no-changelog"],
        "2.0.0",
        "2.1.0",
        &["widgets/acme_ns/widgets/__init__.py"],
    );
}

#[test]
fn changelog_headings_that_are_tags_name_their_version_for_pyrel_and_the_script() {
    let d = committed_fixture("real-vcs-dirtags");
    for tag in ["integrations/alpha-v1.0.0", "integrations/alpha-v1.1.0"] {
        common::git(d.path(), &["tag", tag]);
    }
    common::pyrel(d.path())
        .args(["init", "--yes"])
        .assert()
        .success();
    common::git(d.path(), &["add", "-A"]);
    common::git(d.path(), &["commit", "-qm", "init"]);
    let log = d.path().join("integrations/alpha/CHANGELOG.md");
    let before = std::fs::read_to_string(&log).unwrap();
    // Doctor reads the tag-headed sections as releases 1.1.0 and 1.0.0.
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings
            .iter()
            .any(|f| f.1 == "integrations/alpha/CHANGELOG.md"),
        "{findings:?}"
    );
    // The next version gets its section above them, the same from both tools.
    let bump = |args: &[&str]| {
        common::git(d.path(), &["checkout", "-q", "--", "."]);
        let out = common::pyrel(d.path())
            .args(["bump", "patch", "--package", "acme-alpha-ext"])
            .env("PYREL_TODAY", "2026-01-02")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let by_pyrel = std::fs::read_to_string(&log).unwrap();
        common::git(d.path(), &["checkout", "-q", "--", "."]);
        let python = common::require_tools_python().unwrap();
        let out = std::process::Command::new(python)
            .arg("scripts/bump_version.py")
            .args(args)
            .env("PYREL_TODAY", "2026-01-02")
            .current_dir(d.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (by_pyrel, std::fs::read_to_string(&log).unwrap())
    };
    let (by_pyrel, by_script) = bump(&["bump", "patch", "--package", "acme-alpha-ext"]);
    assert_eq!(by_pyrel, by_script);
    assert!(by_pyrel.contains("## [1.1.1] - 2026-01-02"), "{by_pyrel}");
    let old = &before[before.find("## [integrations").unwrap()..];
    assert!(by_pyrel.contains(old), "{by_pyrel}");
    assert!(
        by_pyrel.find("## [1.1.1]").unwrap() < by_pyrel.find(old).unwrap(),
        "{by_pyrel}"
    );
}

#[test]
fn a_distributions_package_inside_a_namespace_package_carries_its_version() {
    let d = committed_fixture("real-namespace-dunder");
    let v: serde_json::Value = serde_json::from_slice(
        &common::pyrel(d.path())
            .args(["version", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let sources: Vec<(&str, &str, &str)> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["sources"].as_array().unwrap().iter().map(move |s| {
                (
                    p["name"].as_str().unwrap(),
                    s["path"].as_str().unwrap(),
                    s["value"].as_str().unwrap(),
                )
            })
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("acme-ns-gears", "gears/pyproject.toml", "1.0.0"),
            (
                "acme-ns-gears",
                "gears/src/acme_ns/gears/__init__.py",
                "0.9.0"
            ),
            ("acme-ns-widgets", "widgets/pyproject.toml", "3.1.0"),
            (
                "acme-ns-widgets",
                "widgets/acme_ns/widgets/__init__.py",
                "3.1.0"
            ),
        ]
    );
    // The stale one is found before a release ships it.
    let (findings, _) = cli_doctor(d.path());
    assert!(
        findings
            .iter()
            .any(|(sev, path, _)| sev == "error" && path == "gears/src/acme_ns/gears/__init__.py"),
        "{findings:?}"
    );
    std::fs::write(
        d.path().join("pyrel.toml"),
        "versioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n",
    )
    .unwrap();
    bump_moves_exactly(
        d.path(),
        &["minor", "--package", "acme-ns-widgets", "--no-changelog"],
        "3.1.0",
        "3.2.0",
        &[
            "widgets/pyproject.toml",
            "widgets/acme_ns/widgets/__init__.py",
        ],
    );
}

#[test]
fn setup_py_f_string_requirements_order_the_release_and_plain_ones_beside_them_are_read() {
    let d = common::fixture("real-setup-fstring");
    let dirs =
        |dir: &Path| -> Vec<String> { cli_versions(dir).into_iter().map(|(n, _, _)| n).collect() };
    // Each package after the ones its f-strings name (alphabetical would be reversed).
    assert_eq!(
        dirs(d.path()),
        ["acme-d-pipes", "acme-c-core", "acme-b-graph", "acme-a-web"]
    );
    // The plain sibling requirement next to an f-string is read: a bump moves its pin.
    std::fs::write(
        d.path().join("pyrel.toml"),
        "versioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n",
    )
    .unwrap();
    bump_moves_exactly(
        d.path(),
        &["minor", "--package", "acme-d-pipes", "--no-changelog"],
        "1.4.0",
        "1.5.0",
        &[
            "acme-d-pipes/acme_d_pipes/version.py",
            "acme-a-web/setup.py",
        ],
    );
    // A computed pin is no unpinned sibling.
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings
            .iter()
            .any(|(_, _, m)| m.contains("without a version constraint")),
        "{findings:?}"
    );
}

#[test]
fn setup_py_naming_the_package_leaves_python_requires_to_setup_cfg() {
    // setuptools merges the two files: setup.py names the package and its requirements,
    // setup.cfg holds `python_requires` (a common split in older setuptools projects).
    let d = common::fixture("real-setup-cfg-split");
    common::pyrel(d.path())
        .args(["init", "--yes"])
        .assert()
        .success();
    let policy = std::fs::read_to_string(d.path().join("pyrel.toml")).unwrap();
    let line = policy
        .lines()
        .find(|l| l.starts_with("python-versions"))
        .unwrap();
    // `python_requires = >= 3.9` in setup.cfg: the lowest supported version is tested.
    assert!(line.starts_with("python-versions = [\"3.9\", "), "{line}");
    assert_eq!(
        cli_versions(d.path()),
        rows(&[("acme-cli", Some("2.0.4"), "")])
    );
}

#[test]
fn format_and_percent_pins_order_the_meta_package_last() {
    let d = common::fixture("real-setup-format");
    let names =
        |dir: &Path| -> Vec<String> { cli_versions(dir).into_iter().map(|(n, _, _)| n).collect() };
    assert_eq!(names(d.path()), ["acme-core", "acme-pg", "acme"]);
    // The computed pins follow the version variable the bump moves: no unpinned sibling.
    let (findings, _) = cli_doctor(d.path());
    assert!(
        !findings
            .iter()
            .any(|(_, _, m)| m.contains("without a version constraint")),
        "{findings:?}"
    );
    // The rendered script releases in the same order.
    common::pyrel(d.path())
        .args(["init", "--yes"])
        .assert()
        .success();
    let out = std::process::Command::new("python3")
        .args(["scripts/bump_version.py", "packages", "--json"])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let order: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["acme-core", "acme-pg", "acme"]);
}

#[test]
fn a_version_heading_marked_unreleased_is_the_unreleased_section() {
    let d = common::fixture("real-changelog-next-unreleased");
    common::pyrel(d.path())
        .args(["init", "--yes"])
        .assert()
        .success();
    common::git(d.path(), &["add", "-A"]);
    common::git(d.path(), &["commit", "-qm", "init"]);
    let script_dir = tempfile::tempdir().unwrap();
    common::copy_dir(d.path(), script_dir.path());
    let out = common::pyrel(d.path())
        .args(["bump", "minor"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Its entries were no empty release: no "released without notes" warning.
    assert!(!stderr.contains("without notes"), "{stderr}");
    let ours = std::fs::read_to_string(d.path().join("CHANGELOG.md")).unwrap();
    // The draft heading of the next release becomes the release, in the file's style
    // (issue 23): `## 1.32.1 (Unreleased)` is released as `## 1.33.0 (DATE)`.
    assert!(!ours.contains("(Unreleased)"), "{ours}");
    let notes = ours
        .split_once("## 1.33.0 (")
        .unwrap_or_else(|| panic!("{ours}"))
        .1
        .split_once("## 1.32.0")
        .unwrap()
        .0;
    assert!(notes.contains("- Fixed a retry bug."), "{ours}");
    // 1.32.1 was never released: nothing compares from it.
    assert!(!ours.contains("1.32.1..."), "{ours}");
    // The rendered script reads the heading the same way and writes the same file.
    let out = std::process::Command::new("python3")
        .args(["scripts/bump_version.py", "bump", "minor", "--allow-dirty"])
        .current_dir(script_dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = std::fs::read_to_string(script_dir.path().join("CHANGELOG.md")).unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn a_version_file_shared_through_a_symlink_is_an_error_before_any_bump() {
    let d = common::fixture("real-shared-version-link");
    for p in ["acme-env", "acme-repl"] {
        std::os::unix::fs::symlink(
            "../../src/VERSION.txt",
            d.path().join("pkgs").join(p).join("VERSION.txt"),
        )
        .unwrap();
    }
    let (findings, code) = cli_doctor(d.path());
    assert_eq!(code, 1, "{findings:?}");
    for p in ["acme-env", "acme-repl"] {
        let path = format!("pkgs/{p}/VERSION.txt");
        assert!(
            findings
                .iter()
                .any(|(sev, at, m)| sev == "error" && *at == path && m.contains("symbolic link")),
            "{p}: {findings:?}"
        );
    }
    // What doctor announces is what bump does: it refuses and writes nothing.
    common::pyrel(d.path())
        .args(["bump", "patch", "--no-changelog", "--allow-dirty"])
        .assert()
        .failure();
    let shared = std::fs::read_to_string(d.path().join("src/VERSION.txt")).unwrap();
    assert_eq!(shared, "10.5\n");
}
