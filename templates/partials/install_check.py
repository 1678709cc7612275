import json, os, subprocess, sys, time

# verify(name), defined just above, is the code `pyrel check` runs too.

version = os.environ["VERSION"]
packages = [p["name"] for p in json.loads(os.environ["PACKAGES"])]
if os.environ["ON_PYPI"] == "true":
    label, steps = "PyPI", [(os.environ["PYPI_SIMPLE"], packages, [])]
else:
    # One index per pip call, never two indexes mixed (dependency confusion): the released
    # packages alone from TestPyPI, in dependency order, then their dependencies from PyPI.
    label = "TestPyPI"
    steps = [(os.environ["TESTPYPI_SIMPLE"], [p], ["--no-deps"]) for p in packages]
    steps.append((os.environ["PYPI_SIMPLE"], packages, []))

def install(index, names, extra):
    reqs = ["%s==%s" % (n, version) for n in names]
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-cache-dir",
           "--index-url", index] + extra + reqs
    # A new upload takes a while to reach the index's simple API and CDN.
    for attempt in range(1, 11):
        if subprocess.run(cmd).returncode == 0:
            return
        print("attempt %d: %s not installable yet from %s; retrying in 30s" % (attempt, " ".join(reqs), index), flush=True)
        time.sleep(30)
    sys.exit("::error::could not install %s from %s" % (" ".join(reqs), label))

for index, names, extra in steps:
    install(index, names, extra)

lines = ["## Install check (%s)" % label, ""]
for name in packages:
    how = verify(name)
    lines.append("- %s %s %s" % (name, version, how))
with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
