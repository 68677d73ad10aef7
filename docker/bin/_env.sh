# Shared by the start scripts: the project root and the Python of its virtual environment (or the
# image's system Python).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[[ -x "$PYTHON" ]] || PYTHON="$(command -v python3)"
BIN="$(dirname "$PYTHON")"
export PATH="$BIN:$PATH"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-lms.settings.production}"
