#!/usr/bin/env bash
# Prints the path of a uv executable, installing uv into var/uv (from PyPI) when none is on PATH.
set -euo pipefail
if command -v uv >/dev/null 2>&1; then
  command -v uv
  exit 0
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$root/var/uv/bin/uv" ]; then
  python3 -m venv "$root/var/uv" >&2
  "$root/var/uv/bin/pip" install --quiet --disable-pip-version-check "uv>=0.5" >&2
fi
echo "$root/var/uv/bin/uv"
