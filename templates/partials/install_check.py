import json, os, subprocess, sys, time
from importlib import metadata

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
    dist = metadata.distribution(name)
    scripts = [e for e in dist.entry_points if e.group == "console_scripts"]
    if scripts:
        # The package's own command: --version, else --help.
        exe = os.path.join(os.path.dirname(sys.executable), scripts[0].name)
        if subprocess.run([exe, "--version"]).returncode != 0:
            subprocess.run([exe, "--help"], check=True)
        how = "runs `%s`" % scripts[0].name
    else:
        # Its real top-level modules, read from what the wheel installed.
        top = (dist.read_text("top_level.txt") or "").split()
        if not top:
            files = dist.files or []
            top = sorted({f.parts[0] for f in files if len(f.parts) == 2 and f.parts[1] == "__init__.py"}
                         | {f.stem for f in files if len(f.parts) == 1 and f.suffix == ".py"})
        top = [t for t in top if t.isidentifier()]
        for module in top:
            subprocess.run([sys.executable, "-c", "import " + module], check=True)
        how = "imports %s" % ", ".join("`%s`" % m for m in top) if top else "installs (no module to import)"
    lines.append("- %s %s %s" % (name, version, how))
with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
