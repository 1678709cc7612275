import glob, hashlib, json, os, subprocess, sys, urllib.error, urllib.request

attest = os.environ["ATTEST"] == "true"
version, base, index = os.environ["VERSION"], os.environ["INDEX_BASE"], os.environ["INDEX"]
summary = ["## Published to %s" % index, ""]


def on_index(name):
    """The sha256 of each file the index already has for this version, by file name; {} when
    it has none. Every path of a release may meet files an earlier attempt uploaded: a re-run,
    a dispatch on a published tag, `pyrel release --resume`."""
    url = "%s/pypi/%s/%s/json" % (base, name, version)
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return {u["filename"]: u["digests"]["sha256"] for u in json.load(r).get("urls", [])}
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return {}
        print("::warning::%s answered %d for %s: uploading every file" % (index, e.code, url))
    except (OSError, ValueError, KeyError) as e:
        print("::warning::cannot read %s (%s): uploading every file" % (url, e))
    return {}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# One package after the other, in dependency order: a package is on the index before
# anything that depends on it.
for p in json.loads(os.environ["PACKAGES"]):
    dists = sorted(glob.glob(os.path.join("dist", p["name"], "*.whl"))) + sorted(
        glob.glob(os.path.join("dist", p["name"], "*.tar.gz")))
    if not dists:
        sys.exit("::error::no distributions of %s in dist/%s" % (p["name"], p["name"]))
    print("::group::upload %s" % p["name"], flush=True)
    # Builds are reproducible: a file the index has is skipped when it is the same file,
    # byte for byte; a different file under the same name is an error (PyPI never replaces
    # a file, and the release would not be what was built).
    have = on_index(p["name"])
    differ = [d for d in dists if os.path.basename(d) in have and have[os.path.basename(d)] != sha256(d)]
    if differ:
        sys.exit("::error::%s already has %s with different contents (sha256 %s there): rebuild from "
                 "the tag's commit with its SOURCE_DATE_EPOCH, or release a new version"
                 % (index, ", ".join(os.path.basename(d) for d in differ),
                    ", ".join(have[os.path.basename(d)] for d in differ)))
    for d in dists:
        if os.path.basename(d) in have:
            print("%s is on %s already, the same file: skipped" % (os.path.basename(d), index), flush=True)
    dists = [d for d in dists if os.path.basename(d) not in have]
    if dists:
        # The comparison above is the --skip-existing of every index: twine refuses that
        # flag for any index but PyPI's own, and it would hide a different file.
        upload = [sys.executable, "-m", "twine", "upload", "--non-interactive", "--verbose"]
        if attest:
            # PEP 740: one attestation per file, signed with this job's OIDC identity.
            subprocess.run([sys.executable, "-m", "pypi_attestations", "sign"] + dists, check=True)
            upload += ["--attestations"] + [d + ".publish.attestation" for d in dists]
        subprocess.run(upload + dists, check=True)
    print("::endgroup::", flush=True)
    summary.append("- [%s %s](%s/project/%s/%s/)" % (p["name"], version, base, p["name"], version))
with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
    f.write("\n".join(summary) + "\n")
