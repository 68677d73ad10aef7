#!/usr/bin/env bash
# The web container's health check (the image's HEALTHCHECK): GET /healthz from gunicorn inside the
# container, under the first of INTERNAL_HOSTS (the production settings allow those names; 127.0.0.1 by
# default). Exits 0 when the portal answers 200.
#   PORT (8000), INTERNAL_HOSTS (127.0.0.1,localhost)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
exec "$PYTHON" - <<'PY'
import os
import sys
import urllib.request

host = (os.environ.get("INTERNAL_HOSTS") or "127.0.0.1").split(",")[0].strip()
port = os.environ.get("PORT") or "8000"
request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as error:
    print(f"healthcheck: {error}", file=sys.stderr)
    sys.exit(1)
PY
