//! pyrel's PEP 440 model against the reference implementations:
//! - Python's `packaging.version.Version` (validity, normalized string, ordering and equality)
//!   on thousands of generated spellings, in one Python process;
//! - the real `uv version --bump ... --dry-run --frozen --short` on hundreds of
//!   (version, bump combination) cases, including the refusals.
//!
//! Deliberate differences, asserted as such below:
//! - a number larger than u64::MAX is refused by pyrel (pep440_rs) and accepted by `packaging`;
//! - pyrel refuses to bump a local version (`1.0+abc`), which uv bumps keeping the local part.

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use pyrel::testing::version::{self, BumpError, BumpPart, Version};

/// A small deterministic PRNG (xorshift64*), so the generated cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const EPOCHS: &[&str] = &["", "", "", "0!", "1!", "12!", "007!"];
const LEADING: &[&str] = &["", "", "", "v", "V"];
const RELEASES: &[&str] = &[
    "1",
    "1.0",
    "1.2.3",
    "0.0.1",
    "01.002",
    "2024.10.1",
    "1.2.3.4.5",
    "10.0.0",
    "0",
    "1.0.0.0",
    "3.11",
    "0.9.10",
    "1.2.03",
];
const PRES: &[&str] = &[
    "",
    "",
    "",
    "a1",
    "alpha2",
    "b",
    "beta.3",
    "c1",
    "rc.4",
    "RC5",
    "pre6",
    "preview",
    "-alpha-7",
    "_b_8",
    ".rc",
    "A9",
    "-c.10",
    ".Beta_0",
    "-PREVIEW.11",
    "alpha",
    "_rc",
];
const POSTS: &[&str] = &[
    "", "", "", ".post1", "-post2", "_post_3", "post", "-1", ".rev4", "r5", "-r", "POST6",
    ".post.7", "-REV", "_r_8", "-0",
];
const DEVS: &[&str] = &[
    "", "", "", ".dev1", "-dev", "_dev_2", "dev3", ".DEV4", "-dev.0",
];
const LOCALS: &[&str] = &[
    "",
    "",
    "",
    "",
    "+abc",
    "+1",
    "+ABC.1-x_y",
    "+01",
    "+a.b.c.d",
    "+ubuntu-1",
    "+0",
    "+a1b2",
    "+1.a",
    "+Z_9",
];
const SPACES: &[&str] = &[
    "", "", "", "", " ", "\t", "\n", "\r\n", "\u{a0}", "\u{b}", "\u{c}", "\u{1c}", "\u{1f}",
    "\u{85}", "\u{3000}", "\u{2009}",
];

/// Strings `packaging` and pyrel must agree on: valid spellings and their mutations.
fn generate_versions() -> Vec<String> {
    let mut rng = Rng(0x5EED_CAFE_F00D_1234);
    let mut out = Vec::new();
    let mut valid_like = Vec::new();
    for _ in 0..1800 {
        let s = format!(
            "{}{}{}{}{}{}{}{}",
            rng.pick(LEADING),
            rng.pick(EPOCHS),
            rng.pick(RELEASES),
            rng.pick(PRES),
            rng.pick(POSTS),
            rng.pick(DEVS),
            rng.pick(LOCALS),
            "",
        );
        let s = format!("{}{}{}", rng.pick(SPACES), s, rng.pick(SPACES));
        valid_like.push(s);
    }
    // Many equal versions in different spellings, so equality classes are exercised.
    for rel in RELEASES {
        for pre in ["a1", "-ALPHA.1", "_a_1", ".alpha1"] {
            valid_like.push(format!("{rel}{pre}"));
        }
        for post in [".post1", "-1", "_r1", "rev.1"] {
            valid_like.push(format!("{rel}{post}"));
        }
    }
    // Mutations: most become invalid, some stay valid by luck; `packaging` decides.
    const NOISE: &[&str] = &[
        "*", "..", "+", "-", "x", "é", " ", "!", "_", "1", ".", "a", "post", "dev", "++", "٣",
        "\u{200b}", "K", "ı",
    ];
    let mut mutated = Vec::new();
    for _ in 0..700 {
        let base: Vec<char> = valid_like[rng.below(valid_like.len())].chars().collect();
        let pos = rng.below(base.len() + 1);
        let m: String = match rng.below(4) {
            0 => {
                let mut c = base.clone();
                let noise: Vec<char> = rng.pick(NOISE).chars().collect();
                c.splice(pos..pos, noise);
                c.into_iter().collect()
            }
            1 if !base.is_empty() => {
                let mut c = base.clone();
                c.remove(pos.min(base.len() - 1));
                c.into_iter().collect()
            }
            2 => base[..pos].iter().collect(),
            _ => {
                let mut c = base.clone();
                let noise: Vec<char> = rng.pick(NOISE).chars().collect();
                if pos < c.len() {
                    c.splice(pos..pos + 1, noise);
                }
                c.into_iter().collect()
            }
        };
        mutated.push(m);
    }
    let hand = [
        "",
        " ",
        "v",
        "vv1",
        "1.0.*",
        "1.0+",
        "1.0+a..b",
        "1.0+-a",
        "1.0+a-",
        "!1.0",
        "1!",
        "1.0-",
        "1.0a-1",
        "1.0 1",
        "1,0",
        "1.0.post-",
        "1.0-r-",
        "1.0_",
        "1.0a1b1",
        "1.0.dev1.post1",
        "1.0+a_",
        "١.٠",
        "1.0\u{200b}",
        "1.0a1-1",
        "1.0-1-1",
        "1.0-post1-1",
        "1.0.post",
        "1.0.r",
        "1!2!3",
        "1.0c",
        "1.0rc1.dev",
        "1.0+ubuntu..1",
        "1.0+é",
        "-1.0",
        "1.0.",
        ".1.0",
        "1..0",
        "1.0+1.-2",
        "v 1.0",
        " v1.0 ",
        "V1!1.0",
        "1.0-dev-1",
        "1.0dev-",
        "1.0preview-",
        "0000000000000000001",
        "1.0a18446744073709551615",
        "18446744073709551615",
        "1.0+18446744073709551615",
        "18446744073709551616",
        "1.0.post99999999999999999999",
    ];
    out.extend(valid_like);
    out.extend(mutated);
    out.extend(hand.iter().map(|s| s.to_string()));
    out.sort();
    out.dedup();
    out
}

/// Reads JSON `[str, ...]` on stdin; answers `{"results": [[valid, normalized|null], ...],
/// "ranks": [rank|null, ...]}` where the ranks of the valid ones give their order and
/// equality classes (equal versions share a rank).
const PACKAGING_SCRIPT: &str = r#"
import json, sys
from packaging.version import Version, InvalidVersion
items = json.load(sys.stdin)
results, parsed = [], []
for s in items:
    try:
        v = Version(s)
        results.append([True, str(v)])
        parsed.append(v)
    except InvalidVersion:
        results.append([False, None])
        parsed.append(None)
valid = sorted((v, i) for i, v in enumerate(parsed) if v is not None)
ranks = [None] * len(items)
rank, prev = -1, None
for v, i in valid:
    if prev is None or v != prev:
        rank += 1
    prev = v
    ranks[i] = rank
json.dump({"results": results, "ranks": ranks}, sys.stdout)
"#;

fn run_packaging(python: &Path, items: &[String]) -> serde_json::Value {
    let mut child = Command::new(python)
        .args(["-c", PACKAGING_SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python");
    let input = serde_json::to_vec(items).expect("json");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write");
    let out = child.wait_with_output().expect("python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python json")
}

/// A number too large for u64 appears in the string: the one documented difference.
fn has_huge_number(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_digit())
        .any(|run| !run.is_empty() && run.parse::<u64>().is_err())
}

#[test]
fn parsing_normalization_and_ordering_match_packaging() {
    let Some(python) = common::require_tools_python() else {
        return;
    };
    let items = generate_versions();
    assert!(
        items.len() >= 2000,
        "only {} strings generated",
        items.len()
    );
    let answer = run_packaging(&python, &items);
    let results = answer["results"].as_array().expect("results");
    let ranks = answer["ranks"].as_array().expect("ranks");
    assert_eq!(results.len(), items.len());

    let mut mismatches = Vec::new();
    let mut ours: Vec<(Version, usize)> = Vec::new();
    let (mut n_valid, mut n_invalid, mut n_huge) = (0, 0, 0);
    for (i, s) in items.iter().enumerate() {
        let py_valid = results[i][0].as_bool().expect("bool");
        let py_norm = results[i][1].as_str();
        let mine = version::parse(s);
        if has_huge_number(s) {
            // Documented difference: pep440_rs stores numbers as u64.
            if py_valid {
                n_huge += 1;
                assert!(mine.is_err(), "{s:?}: expected the u64 limit to refuse it");
                continue;
            }
        }
        match (&mine, py_valid) {
            (Ok(v), true) => {
                n_valid += 1;
                let norm = v.to_string();
                if Some(norm.as_str()) != py_norm {
                    mismatches.push(format!("{s:?}: normalized {norm:?}, packaging {py_norm:?}"));
                }
                assert_eq!(version::normalize(s).ok().as_deref(), py_norm);
                assert_eq!(
                    version::is_normalized(s),
                    py_norm == Some(s.as_str()),
                    "{s:?}"
                );
                ours.push((v.clone(), i));
            }
            (Err(_), false) => {
                n_invalid += 1;
                assert!(!version::is_normalized(s));
            }
            (Ok(v), false) => {
                mismatches.push(format!("{s:?}: pyrel accepts as {v}, packaging refuses"))
            }
            (Err(e), true) => mismatches.push(format!(
                "{s:?}: pyrel refuses ({e}), packaging gives {py_norm:?}"
            )),
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );

    // Order and equality classes: walk the valid versions in pyrel's order; packaging's ranks
    // must stay equal exactly where pyrel sees equal versions and rise everywhere else. (The
    // ranks are compared relative to each other because packaging also ranked the versions
    // beyond u64 that pyrel refuses.)
    ours.sort();
    let py_rank = |i: usize| ranks[i].as_i64().expect("rank");
    let mut order_mismatches = Vec::new();
    let mut classes = 1;
    for w in ours.windows(2) {
        let ((a, ia), (b, ib)) = (&w[0], &w[1]);
        let (ra, rb) = (py_rank(*ia), py_rank(*ib));
        let ok = if a == b { ra == rb } else { ra < rb };
        if a != b {
            classes += 1;
        }
        if !ok {
            order_mismatches.push(format!(
                "{:?} vs {:?}: pyrel {:?}, packaging ranks {ra} {rb}",
                items[*ia],
                items[*ib],
                a.cmp(b)
            ));
        }
    }
    assert!(
        order_mismatches.is_empty(),
        "{} order mismatches:\n{}",
        order_mismatches.len(),
        order_mismatches
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Sorting descending gives exactly the reverse.
    let mut desc: Vec<&Version> = ours.iter().map(|(v, _)| v).collect();
    desc.sort_by(|a, b| b.cmp(a));
    assert!(desc.windows(2).all(|w| w[0] >= w[1]));
    assert!(
        n_valid >= 1500 && n_invalid >= 300,
        "valid {n_valid}, invalid {n_invalid}"
    );
    assert!(n_huge >= 1, "the u64 difference was not exercised");
    eprintln!(
        "{} strings: {n_valid} valid, {n_invalid} invalid, {n_huge} beyond u64, {} equality classes",
        items.len(),
        classes
    );
}

/// Versions that uv reads from `project.version` in various spellings (none local).
const BUMP_VERSIONS: &[&str] = &[
    "1.2.3",
    "0.1.0",
    "1.0",
    "1",
    "2.0.0.0",
    "1.2.3.4",
    "0.0.0",
    "v1.2.3",
    "1.2.3-rc.1",
    "1.2.3a1",
    "1.2.3a2.dev3",
    "1.2.3b1",
    "1.2.3b7.post2",
    "1.2.3rc2",
    "1.2.3rc1.dev1",
    "1.2.3.dev0",
    "1.2.3.dev4",
    "1.2.3.post1",
    "1.2.3.post1.dev2",
    "1.2.3-1",
    "1!1.2.3",
    "2!0.1a1",
    "1!1.0.post3",
    "2024.10.1",
    "2024.10",
    "0.0.1.dev1",
    "3.0.0-BETA_2",
    "1.0.0-alpha.0",
    "1.2.3c4",
    "4.5.6.preview7",
    "1.2.3rc1.post1.dev1",
    "1.2.3a0",
    "1.2.3.post0",
    "9.9.9b0.dev0",
    "1.2a1",
    "1b2",
    "10",
    "1.2.3.4.5.6",
];

/// Bump combinations: all singles, all unordered pairs (in both orders for some), some triples
/// and duplicates, from a fixed seed.
fn bump_combos(rng: &mut Rng) -> Vec<Vec<BumpPart>> {
    let all = BumpPart::ALL;
    let mut combos: Vec<Vec<BumpPart>> = all.iter().map(|p| vec![*p]).collect();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i..] {
            if rng.below(2) == 0 {
                combos.push(vec![*b, *a]);
            } else {
                combos.push(vec![*a, *b]);
            }
        }
    }
    for _ in 0..15 {
        combos.push((0..3).map(|_| all[rng.below(all.len())]).collect());
    }
    combos.push(vec![BumpPart::Dev, BumpPart::Beta, BumpPart::Patch]);
    combos.push(vec![BumpPart::Minor, BumpPart::Rc]);
    combos
}

struct UvProject {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl UvProject {
    fn new() -> Self {
        UvProject {
            dir: tempfile::tempdir().expect("tempdir"),
            cache: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// `Ok(stdout)` or `Err(stderr)` of `uv version --bump ...` on a project at `version`.
    fn bump(&self, uv: &Path, version: &str, parts: &[BumpPart]) -> Result<String, String> {
        std::fs::write(
            self.dir.path().join("pyproject.toml"),
            format!("[project]\nname = \"x\"\nversion = \"{version}\"\n"),
        )
        .expect("write pyproject");
        let mut cmd = Command::new(uv);
        cmd.current_dir(self.dir.path())
            .args(["version", "--dry-run", "--frozen", "--short", "--no-config"])
            .env("UV_OFFLINE", "1")
            .env("UV_CACHE_DIR", self.cache.path())
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("NO_COLOR", "1")
            .env_remove("VIRTUAL_ENV")
            .env_remove("UV_PROJECT_ENVIRONMENT");
        for p in parts {
            cmd.args(["--bump", p.as_str()]);
        }
        let out = cmd.output().expect("run uv");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }
}

#[test]
fn bumps_match_uv_version_bump() {
    let Some(uv) = common::require_tool("uv") else {
        return;
    };
    let mut rng = Rng(0xB0B5_1EED_0000_0001);
    let combos = bump_combos(&mut rng);
    // Every version with the singles, a random share of the combinations for the rest.
    let mut cases: Vec<(&str, Vec<BumpPart>)> = Vec::new();
    for v in BUMP_VERSIONS {
        for (k, c) in combos.iter().enumerate() {
            if k < BumpPart::ALL.len() || rng.below(3) == 0 {
                cases.push((v, c.clone()));
            }
        }
    }
    assert!(cases.len() >= 500, "only {} cases", cases.len());

    let start = std::time::Instant::now();
    let threads = 2;
    let results: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let cases = &cases;
                let uv = &uv;
                s.spawn(move || {
                    let project = UvProject::new();
                    let mut failures = Vec::new();
                    let mut refusals = 0usize;
                    for (v, parts) in cases.iter().skip(t).step_by(threads) {
                        let theirs = project.bump(uv, v, parts);
                        let current = version::parse(v).expect("test versions are valid");
                        let ours = version::bump(&current, parts);
                        match (&ours, &theirs) {
                            (Ok(a), Ok(b)) if a.to_string() == *b => {}
                            (Err(e), Err(msg)) => {
                                refusals += 1;
                                // Same wording as uv for the refusals uv and pyrel share.
                                if matches!(
                                    e,
                                    BumpError::NotIncreased { .. } | BumpError::Combination { .. }
                                ) && !msg.contains(&e.to_string())
                                {
                                    failures.push(format!(
                                        "{v} {parts:?}: pyrel says `{e}`, uv says `{msg}`"
                                    ));
                                }
                            }
                            _ => failures
                                .push(format!("{v} {parts:?}: pyrel {ours:?}, uv {theirs:?}")),
                        }
                    }
                    failures.push(format!("#refusals {refusals}"));
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let mut failures = Vec::new();
    let mut refusals = 0;
    for r in results {
        for line in r {
            match line.strip_prefix("#refusals ") {
                Some(n) => refusals += n.parse::<usize>().expect("count"),
                None => failures.push(line),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences from uv:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        refusals >= 100 && refusals < cases.len() - 100,
        "refusals {refusals} of {}",
        cases.len()
    );

    // Local versions bump as uv bumps them: the label is kept.
    let project = UvProject::new();
    for (v, kept) in [
        ("1.2.3+local", "1.2.4+local"),
        ("1.0a1+abc.1", "1.0a2+abc.1"),
    ] {
        let parts: &[BumpPart] = if v.starts_with("1.2.3") {
            &[BumpPart::Patch]
        } else {
            &[BumpPart::Alpha]
        };
        assert_eq!(project.bump(&uv, v, parts).as_deref(), Ok(kept));
        let current = version::parse(v).expect("valid");
        assert_eq!(
            version::bump(&current, parts)
                .map(|v| v.to_string())
                .as_deref(),
            Ok(kept)
        );
    }
    eprintln!(
        "{} bump cases ({refusals} refused by both) in {:?}",
        cases.len(),
        start.elapsed()
    );
}
