"""Server-to-server calls under the production settings: the hub fetches its OAuth tokens and the user's
claims from gunicorn directly (`PORTAL_INTERNAL_URL`, http://web:8000 in compose), and the image's health
check asks gunicorn from inside the container. Both used to fail: the internal name was not an allowed
host (400) and plain HTTP was redirected to HTTPS (301). The whole stack is proven by scripts/prod_smoke;
these pin each fix on its own."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings

from tests.lms.production import production_env

ROOT = Path(settings.BASE_DIR)
DOCKER = ROOT / "docker"

# Run under the production settings: each request goes through SecurityMiddleware (the HTTPS redirect)
# and CommonMiddleware (which validates the host, as the real stack does before any view).
PROBE = """
import json, sys
import django
django.setup()
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
from oauth2_provider.settings import oauth2_settings

chain = SecurityMiddleware(CommonMiddleware(lambda request: HttpResponse("reached")))
factory = RequestFactory()
answers = {}
for method, path, host, proto in json.loads(sys.argv[1]):
    headers = {"HTTP_X_FORWARDED_PROTO": proto} if proto else {}
    request = getattr(factory, method)(path, HTTP_HOST=host, **headers)
    try:
        response = chain(request)
        answers[f"{method} {host}{path}"] = [response.status_code, response.get("Location", "")]
    except DisallowedHost:
        answers[f"{method} {host}{path}"] = [400, ""]
issuer = oauth2_settings.oidc_issuer(factory.post("/oauth/token/", HTTP_HOST="web:8000"))
print(json.dumps({"answers": answers, "issuer": issuer}))
"""


def probe(requests: list[tuple[str, str, str, str]], **env: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(requests)],
        env=production_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


COMPOSE_ENV = {
    "ALLOWED_HOSTS": "lyceum.example",
    "INTERNAL_HOSTS": "web",
    "SITE_URL": "https://lyceum.example",
}


def test_the_hub_reaches_the_oauth_endpoints_under_the_internal_name_over_plain_http():
    """compose's hub calls http://web:8000/oauth/token/ and /oauth/userinfo/ (and may read the discovery
    documents): with `web` among INTERNAL_HOSTS they reach the view, neither refused nor redirected."""
    calls = [
        ("post", "/oauth/token/", "web:8000", ""),
        ("get", "/oauth/userinfo/", "web:8000", ""),
        ("post", "/oauth/userinfo/", "web:8000", ""),
        ("get", "/oauth/.well-known/openid-configuration", "web:8000", ""),
        ("get", "/oauth/.well-known/jwks.json", "web:8000", ""),
    ]
    answers = probe(calls, **COMPOSE_ENV)["answers"]
    assert all(status == 200 for status, _ in answers.values()), answers


def test_browsers_are_still_sent_to_https_and_unknown_names_refused():
    """The exemptions are for the server-to-server endpoints only: a page or the authorize endpoint over
    plain HTTP is redirected to HTTPS, through the proxy (X-Forwarded-Proto: https) it is served, and a
    name that is neither public nor internal is refused."""
    calls = [
        ("get", "/", "lyceum.example", ""),
        ("get", "/oauth/authorize/", "web:8000", ""),
        ("get", "/accounts/login/", "lyceum.example", "https"),
        ("get", "/oauth/token/", "evil.example", ""),
    ]
    answers = probe(calls, **COMPOSE_ENV)["answers"]
    assert answers["get lyceum.example/"] == [301, "https://lyceum.example/"]
    assert answers["get web:8000/oauth/authorize/"][0] == 301
    assert answers["get lyceum.example/accounts/login/"][0] == 200
    assert answers["get evil.example/oauth/token/"][0] == 400


def test_id_tokens_name_the_public_issuer_whichever_name_the_hub_used():
    """Tokens fetched under the internal name still carry the portal's public issuer (SITE_URL/oauth),
    the one its discovery document publishes."""
    assert probe([], **COMPOSE_ENV)["issuer"] == "https://lyceum.example/oauth"
    custom = probe([], **COMPOSE_ENV, OIDC_ISS_ENDPOINT="https://id.lyceum.example/oauth")
    assert custom["issuer"] == "https://id.lyceum.example/oauth"


def test_loopback_is_internal_by_default_for_probes_inside_the_container():
    """Without INTERNAL_HOSTS, requests to 127.0.0.1 and localhost (a probe inside the container) are
    allowed; a list given replaces that default."""
    calls = [("get", "/healthz", "127.0.0.1:8000", ""), ("get", "/healthz", "localhost", "")]
    answers = probe(calls)["answers"]
    assert answers["get 127.0.0.1:8000/healthz"][0] == 200
    assert answers["get localhost/healthz"][0] == 200
    # An operator may name the internal names exhaustively (none at all, even).
    answers = probe(calls, INTERNAL_HOSTS="web")["answers"]
    assert answers["get 127.0.0.1:8000/healthz"][0] == 400


class _Recorder(http.server.BaseHTTPRequestHandler):
    hosts: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).hosts.append(self.headers["Host"])
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def run_healthcheck(port: int, **env: str) -> int:
    return subprocess.run(
        [str(DOCKER / "bin" / "healthcheck.sh")],
        env={**os.environ, "PORT": str(port), "PYTHON": sys.executable, **env},
        capture_output=True,
        timeout=60,
        check=False,
    ).returncode


def test_the_image_health_check_asks_gunicorn_under_an_internal_name():
    """The image's HEALTHCHECK runs docker/bin/healthcheck.sh, which asks http://127.0.0.1:$PORT/healthz
    with the first INTERNAL_HOSTS name as Host (127.0.0.1 by default): a name the production settings
    allow (the old one-liner sent no allowed name and got 400). It fails when nothing answers."""
    assert (
        'HEALTHCHECK --interval=30s --timeout=5s CMD ["docker/bin/healthcheck.sh"]'
        in (DOCKER / "Dockerfile").read_text()
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _Recorder.hosts.clear()
        assert run_healthcheck(port, INTERNAL_HOSTS="") == 0
        assert run_healthcheck(port, INTERNAL_HOSTS="web,lyceum-web") == 0
        assert _Recorder.hosts == ["127.0.0.1", "web"]
    finally:
        server.shutdown()
        server.server_close()
    assert run_healthcheck(port) != 0


def test_the_image_collects_static_files_for_the_production_storage():
    """Production serves static files through a manifest (hashed names): the image must collect them with
    the production settings' storage, not the development one, or every page fails for a missing
    manifest entry."""
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "docker/bin/collect-static.sh" in dockerfile
    assert "lms.settings.dev" not in dockerfile
    script = (DOCKER / "bin" / "collect-static.sh").read_text()
    assert "DJANGO_SETTINGS_MODULE=lms.settings.production" in script
    assert "collectstatic" in script
