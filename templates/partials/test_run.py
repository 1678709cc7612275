import json, os, subprocess, sys

python = os.environ["TEST_PYTHON"]
failed = []
for p in json.loads(os.environ["PACKAGES"]):
    d = p["dir"]
    if os.path.isdir(os.path.join(d, "tests")) or os.path.isdir(os.path.join(d, "test")):
        cmd = [python, "-m", "pytest"]
    elif p.get("import"):
        # No test suite in this package: at least prove the installed package imports.
        cmd = [python, "-c", "import " + p["import"]]
    else:
        continue
    print("::group::%s: %s" % (d, " ".join(cmd)), flush=True)
    if subprocess.run(cmd, cwd=d).returncode != 0:
        failed.append(d)
    print("::endgroup::", flush=True)
if failed:
    sys.exit("::error::tests failed in " + ", ".join(failed))
