import json, os, re, subprocess, sys

try:
    import tomllib
except ImportError:  # Python < 3.11: no TOML reader, so no lock-file or plugin detection
    tomllib = None

packages = json.loads(os.environ["PACKAGES"])

def toml(path):
    if tomllib is None or not os.path.isfile(path):
        return {}
    with open(path, "rb") as f:
        return tomllib.load(f)

def text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""

# The pytest configuration the repository has (root and each package) names the plugins
# it needs: a `--strict-config` run fails on its first line without them.
config = ""
for d in ["."] + [p["dir"] for p in packages]:
    config += json.dumps(toml(os.path.join(d, "pyproject.toml")).get("tool", {}).get("pytest", {}))
    for name in ("pytest.ini", "tox.ini", "setup.cfg"):
        config += text(os.path.join(d, name))
PLUGINS = [
    (r"--cov\b|\bcov[-_]", "pytest-cov"),
    (r"asyncio_mode|asyncio_default", "pytest-asyncio"),
    (r"(^|[\s\"'])(-n|--numprocesses)[\s=]|--dist\b", "pytest-xdist"),
    (r"\btimeout\b", "pytest-timeout"),
    (r"--reruns\b", "pytest-rerunfailures"),
    (r"--benchmark", "pytest-benchmark"),
    (r"\bmocker\b|mock_use_standalone", "pytest-mock"),
    (r"--randomly|-p\s*randomly", "pytest-randomly"),
    (r"\benv\s*=", "pytest-env"),
]
wanted = ["pytest"] + sorted({dist for pattern, dist in PLUGINS if re.search(pattern, config)})

def run(cmd):
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)

root = toml("pyproject.toml")
if os.path.isfile("uv.lock"):
    # Exactly the versions the repository locked, with its test dependencies.
    cmd = ["uv", "sync", "--locked", "--all-packages"]
    groups = root.get("dependency-groups", {})
    extras = root.get("project", {}).get("optional-dependencies", {})
    for name in ("test", "tests", "testing", "dev"):
        if name in groups:
            cmd += ["--group", name]
            break
        if name in extras:
            cmd += ["--extra", name]
            break
    run(cmd)
    python = os.path.abspath(os.path.join(".venv", "Scripts" if os.name == "nt" else "bin", "python"))
    have = subprocess.run([python, "-c", "import sys, importlib.metadata as m\n"
                           "for n in sys.argv[1:]:\n"
                           "    try: m.version(n); print(n)\n"
                           "    except m.PackageNotFoundError: pass"] + wanted,
                          check=True, capture_output=True, text=True).stdout.split()
    missing = [w for w in wanted if w not in have]
    if missing:
        run(["uv", "pip", "install", "--python", python] + missing)
else:
    python = sys.executable
    targets = []
    for p in packages:
        extras = toml(os.path.join(p["dir"], "pyproject.toml")).get("project", {}).get("optional-dependencies", {})
        extra = next((e for e in ("test", "tests", "testing") if e in extras), None)
        target = os.path.join(".", p["dir"])
        targets.append(target + ("[%s]" % extra if extra else ""))
    run([python, "-m", "pip", "install", "--disable-pip-version-check"] + wanted + targets)
with open(os.environ["GITHUB_ENV"], "a", encoding="utf-8") as f:
    f.write("TEST_PYTHON=%s\n" % python)
