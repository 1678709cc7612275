import os, subprocess, sys
from importlib import metadata


def verify(name):
    """Runs an installed package's own command (`--version`, else `--help`) or imports its
    real top-level modules, read from what its wheel installed; says which. A failure
    raises CalledProcessError. `pyrel check` runs this same function."""
    dist = metadata.distribution(name)
    scripts = [e for e in dist.entry_points if e.group == "console_scripts"]
    if scripts:
        exe = os.path.join(os.path.dirname(sys.executable), scripts[0].name)
        if subprocess.run([exe, "--version"], stdin=subprocess.DEVNULL).returncode != 0:
            subprocess.run([exe, "--help"], stdin=subprocess.DEVNULL, check=True)
        return "runs `%s`" % scripts[0].name
    top = (dist.read_text("top_level.txt") or "").split()
    if not top:
        files = dist.files or []
        top = sorted({f.parts[0] for f in files if len(f.parts) == 2 and f.parts[1] == "__init__.py"}
                     | {f.stem for f in files if len(f.parts) == 1 and f.suffix == ".py"})
    top = [t for t in top if t.isidentifier()]
    for module in top:
        subprocess.run([sys.executable, "-c", "import " + module], stdin=subprocess.DEVNULL, check=True)
    return "imports %s" % ", ".join("`%s`" % m for m in top) if top else "installs (no module to import)"
