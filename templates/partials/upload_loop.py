import glob, json, os, subprocess, sys

attest = os.environ["ATTEST"] == "true"
version, base = os.environ["VERSION"], os.environ["INDEX_BASE"]
summary = ["## Published to %s" % os.environ["INDEX"], ""]
# One package after the other, in dependency order: a package is on the index before
# anything that depends on it.
for p in json.loads(os.environ["PACKAGES"]):
    dists = sorted(glob.glob(os.path.join("dist", p["name"], "*.whl"))) + sorted(
        glob.glob(os.path.join("dist", p["name"], "*.tar.gz")))
    if not dists:
        sys.exit("::error::no distributions of %s in dist/%s" % (p["name"], p["name"]))
    print("::group::upload %s" % p["name"], flush=True)
    upload = [sys.executable, "-m", "twine", "upload", "--non-interactive", "--verbose"]
    if attest:
        # PEP 740: one attestation per file, signed with this job's OIDC identity.
        subprocess.run([sys.executable, "-m", "pypi_attestations", "sign"] + dists, check=True)
        upload += ["--attestations"] + [d + ".publish.attestation" for d in dists]
    if os.environ["RERUN"] == "true":
        # Builds are reproducible, so a file an earlier attempt uploaded is the same file.
        upload.append("--skip-existing")
    subprocess.run(upload + dists, check=True)
    print("::endgroup::", flush=True)
    summary.append("- [%s %s](%s/project/%s/%s/)" % (p["name"], version, base, p["name"], version))
with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
    f.write("\n".join(summary) + "\n")
