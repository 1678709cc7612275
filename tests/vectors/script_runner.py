"""The script's functions on the shared version and changelog vectors, in one process.

    python3 tests/vectors/script_runner.py templates/scripts/bump_version.py \
        tests/vectors/versions.json tests/vectors/changelog.json

Prints {"n": cases run, "failures": [...]} as JSON (tests/vectors.rs runs it the same way).
"""
import importlib.util
import json
import sys

spec = importlib.util.spec_from_file_location("bv", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
with open(sys.argv[2]) as f:
    versions = json.load(f)
with open(sys.argv[3]) as f:
    changelog = json.load(f)
failures, n = [], 0


def err(f, *a):
    try:
        return f(*a), None
    except (m.VersionError, m.Refused) as e:
        return None, str(e)


def bump(c):
    kind, parts = m.parse_spec(c["bump"], None)
    return m.bump_parts(c["version"], parts)


for c in versions["parse"]:
    n += 1
    got, e = err(m.normalize, c["input"])
    if "normalized" in c:
        if got != c["normalized"] or m.is_prerelease(c["input"]) != c["prerelease"] or ("+" in got) != c["local"]:
            failures.append("parse %r: got %r %r" % (c, got, e))
    elif e is None or c["error"] not in e:
        failures.append("parse %r: got %r %r" % (c, got, e))
for c in versions["bump"]:
    n += 1
    got, e = err(bump, c)
    if "result" in c and got != c["result"] or "error" in c and (e is None or c["error"] not in e):
        failures.append("bump %r: got %r %r" % (c, got, e))
for c in versions["dev"]:
    n += 1
    got = m.dev_version(c["version"], c["n"])
    if got != c["result"]:
        failures.append("dev %r: got %r" % (c, got))
for c in changelog["roll"]:
    n += 1
    m.REPO_URL = c["repository_url"]
    got, e = err(m.roll_changelog, c["text"], c["version"], c["date"], c["tag_format"])
    want = (c["result"], c["unreleased_was_empty"]) if "result" in c else None
    if "result" in c and got != want or "error" in c and (e is None or c["error"] not in e):
        failures.append("roll %s %s: got %r %r" % (c["name"], c["version"], got, e))
for c in changelog["notes"]:
    n += 1
    got = m.notes(c["text"], c["version"])
    if got != c["notes"]:
        failures.append("notes %s %s: got %r want %r" % (c["name"], c["version"], got, c["notes"]))
print(json.dumps({"n": n, "failures": failures}))
