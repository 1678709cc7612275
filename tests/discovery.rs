//! Discovery on every fixture repository, from nested directories, with exact spans;
//! and the errors a user can hit.

mod common;

use std::path::{Path, PathBuf};

use pyrel::project::{discover, Layout, Package, Project, SourceKind, VcsTool, VersionScheme};
use pyrel::Error;

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
fn computed_setup_py_version_is_a_parse_error_with_line() {
    let t = repo(&[(
        "setup.py",
        b"import os\nfrom setuptools import setup\n\nsetup(\n    name='x',\n    version=os.environ['V'],\n)\n",
    )]);
    match discover(t.path()) {
        Err(e @ Error::Parse { .. }) => {
            let Error::Parse { path, line, .. } = &e else {
                unreachable!()
            };
            assert!(path.ends_with("setup.py"));
            assert_eq!(*line, Some(6));
            assert!(e.hint().unwrap().contains("literal"));
        }
        other => panic!("{other:?}"),
    }
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
fn fifty_packages_are_discovered_quickly() {
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
    let started = std::time::Instant::now();
    let p = discover(t.path()).unwrap();
    let took = started.elapsed();
    assert_eq!(p.packages.len(), 50);
    // Topological, not alphabetical: pkg10 after pkg9.
    let order: Vec<String> = (0..50).map(|i| format!("pkg{i}")).collect();
    assert_eq!(names(&p), order);
    check_spans(&p);
    // Generous for a debug build on a loaded CI machine; typically a few milliseconds.
    eprintln!("discovered 50 packages in {took:?}");
    assert!(took.as_millis() < 500, "{took:?}");
}
