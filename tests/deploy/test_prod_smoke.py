"""The production stack on one machine, end to end over HTTPS: scripts/prod_smoke/run.py (`make
prod-smoke`) as a test, so that CI's PostgreSQL pass runs it. It needs the PostgreSQL server the suite
runs on (a throw-away database of its own is made there), nginx, redis-server and openssl; without them it
is skipped, or fails under REQUIRE_SERVICES=1."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.services import require_postgres, unavailable

pytestmark = [pytest.mark.prod_smoke, pytest.mark.integration]

ROOT = Path(settings.BASE_DIR)
BUDGET_SECONDS = 840


def postgres_server_url() -> str:
    """The suite's PostgreSQL server, by its maintenance database (where databases are created)."""
    require_postgres()
    params = connection.settings_dict
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    return f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/postgres"


@pytest.mark.timeout(BUDGET_SECONDS + 60)
def test_production_stack_serves_a_learner_end_to_end_over_https():
    """Every step holds: HTTPS only, log-in with Secure cookies, single sign-on into JupyterLab with the
    hub's token calls answered by gunicorn directly, a solved notebook submitted from JupyterLab graded at
    full marks by the grading worker, /readyz ok with an isolated sandbox, the image's health check, and
    nothing left running afterwards."""
    admin_url = os.environ.get("PROD_SMOKE_POSTGRES") or postgres_server_url()
    for tool in ("nginx", "redis-server", "openssl"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            unavailable(f"needs {tool} (apt-get install nginx-light redis-server openssl)")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "prod_smoke" / "run.py")],
        env={**os.environ, "PROD_SMOKE_POSTGRES": admin_url, "PROD_SMOKE_TIMEOUT": str(BUDGET_SECONDS)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUDGET_SECONDS + 30,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-12000:]}"
    assert "prod-smoke: OK" in done.stdout
