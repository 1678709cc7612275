#!/usr/bin/env bash
# Adds a released pyrel version to .github/action-requirements.txt: the line
# `pyrel-cli==VERSION --hash=sha256:...` with the sha256 of every wheel PyPI serves for it
# (Linux x86_64/aarch64, macOS x86_64/arm64, Windows x86_64), which the action installs
# with pip --require-hashes. Run it after the release is published, review the diff, commit.
set -euo pipefail
version="${1:?usage: $0 VERSION}"
[[ "$version" =~ ^[0-9]+(\.[0-9]+){1,3}((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?$ ]] \
  || { echo "not an exact release: $version" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${PYREL_TOOLS_DIR:-$HOME/.cache/pyrel-tools}/venv/bin"
list="$root/.github/action-requirements.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for plat in manylinux_2_17_x86_64 manylinux_2_17_aarch64 macosx_10_12_x86_64 macosx_11_0_arm64 win_amd64; do
  "$tools/python" -m pip download --quiet --no-deps --only-binary=:all: \
    --python-version 3.12 --platform "$plat" -d "$work" "pyrel-cli==$version"
done
hashes="$(cd "$work" && sha256sum -- *.whl | awk '{print "--hash=sha256:" $1}' | sort -u | tr '\n' ' ')"
[ -n "$hashes" ] || { echo "no wheels downloaded for pyrel-cli $version" >&2; exit 1; }
awk -v v="pyrel-cli==$version" '$1 != v' "$list" > "$work/list"
printf 'pyrel-cli==%s %s\n' "$version" "${hashes% }" >> "$work/list"
cp "$work/list" "$list"
echo "listed pyrel-cli $version in .github/action-requirements.txt"
