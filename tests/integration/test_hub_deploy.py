"""The many-machines kit in docker/: the start scripts run for real without Docker, the compose file and
the Zero to JupyterHub values parse and point at files that exist, and the one hub configuration loads
for each spawner."""

from __future__ import annotations

import os
import runpy
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import jupyterhub
import pytest
import requests
import yaml
from django.conf import settings
from traitlets.config import Config

from tests.services import redis_url

# The start scripts run for real against Redis: CI's PostgreSQL pass, which has every service, runs these.
pytestmark = pytest.mark.integration

ROOT = Path(settings.BASE_DIR)
DOCKER = ROOT / "docker"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def rsa_key() -> str:
    from lms.settings._local_secrets import local_rsa_key

    return local_rsa_key(Path(settings.VAR_DIR) / "oidc_rsa_key.pem")


def production_env(tmp_path: Path, rsa_key: str) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "OIDC_RSA_PRIVATE_KEY": rsa_key,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "JUPYTERHUB_OAUTH_CLIENT_SECRET": secrets.token_hex(16),
        "JUPYTERHUB_OAUTH_REDIRECT_URI": "https://hub.example/hub/oauth_callback",
        # Production requires the shared cache and a way to send e-mail (nothing is sent here).
        "REDIS_URL": redis_url(),
        "EMAIL_URL": "smtp+tls://portal@mail.example:587",
    }


def start(script: str, env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(DOCKER / "bin" / script)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_for(predicate, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            pytest.fail(f"process did not come up:\n{log.read_text()[-4000:]}")
        time.sleep(0.3)


def test_web_start_script_serves_production_settings_with_gunicorn(tmp_path, rsa_key):
    """start-web.sh with MIGRATE=1 migrates, registers the hub client and serves /healthz, /readyz and the
    OpenID discovery document through gunicorn under the production settings."""
    port = free_port()
    env = {
        **production_env(tmp_path, rsa_key),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "MIGRATE": "1",
    }
    log = tmp_path / "web.log"
    process = start("start-web.sh", env, log)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(up, process, log, timeout=180)
        assert requests.get(f"{base}/healthz", timeout=5).json()["status"] == "ok"
        ready = requests.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        discovery = requests.get(f"{base}/oauth/.well-known/openid-configuration", timeout=10)
        assert discovery.status_code == 200
        assert "RS256" in discovery.json()["id_token_signing_alg_values_supported"]
        assert "Registered the JupyterHub OAuth client" in log.read_text()
        assert "gunicorn" in log.read_text().lower()
    finally:
        stop(process)


def test_production_refuses_to_start_without_the_oidc_key(tmp_path, rsa_key):
    """Production settings demand OIDC_RSA_PRIVATE_KEY instead of inventing one."""
    env = {**production_env(tmp_path, rsa_key), "OIDC_RSA_PRIVATE_KEY": ""}
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "OIDC_RSA_PRIVATE_KEY" in result.stderr


def test_worker_start_script_consumes_the_grading_queue(tmp_path, rsa_key):
    """start-worker.sh with QUEUES=grading starts a Celery worker bound to the grading queue only."""
    env = {**production_env(tmp_path, rsa_key), "QUEUES": "grading", "CONCURRENCY": "1"}
    log = tmp_path / "worker.log"
    process = start("start-worker.sh", env, log)
    try:
        wait_for(lambda: "ready." in log.read_text(), process, log)
        text = log.read_text()
        assert "grading@" in text
        assert ".> grading" in text
        assert ".> default" not in text
    finally:
        stop(process)


def test_compose_file_parses_and_runs_the_start_scripts():
    """compose.yaml is valid YAML with every service of the stack, and the scripts it runs exist."""
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker-default", "worker-grading", "beat", "hub", "proxy"} <= set(
        services
    )
    assert services["worker-grading"]["environment"]["QUEUES"] == "grading"
    assert services["worker-default"]["environment"]["QUEUES"] == "default"
    assert services["hub"]["environment"]["JUPYTERHUB_SPAWNER"] == "docker"
    for name in ("web", "worker-default", "worker-grading", "beat"):
        script = services[name]["command"][0]
        assert (ROOT / script).exists(), script
        assert os.access(ROOT / script, os.X_OK)
    assert "FROM portal AS hub" in (DOCKER / "Dockerfile").read_text()


def test_z2jh_values_parse_and_load_the_platform_config():
    """The Zero to JupyterHub values are valid YAML: KubeSpawner via the chart, the platform's hub config
    loaded from hub.extraConfig, the idle culler on, per-user limits and one profile per track image."""
    values = yaml.safe_load((DOCKER / "k8s" / "z2jh-values.yaml").read_text())
    assert values["hub"]["extraEnv"]["JUPYTERHUB_SPAWNER"] == "kubernetes"
    assert "jupyterhub_config.py" in values["hub"]["extraConfig"]["lyceum"]
    assert values["cull"]["enabled"] is True
    assert values["singleuser"]["memory"]["limit"]
    assert values["singleuser"]["cpu"]["limit"]
    assert len(values["singleuser"]["profileList"]) >= 2


def load_hub_config(monkeypatch, tmp_path, **env) -> Config:
    base = {
        "JUPYTERHUB_OAUTH_CLIENT_SECRET": "s",
        "JUPYTERHUB_API_TOKEN": "t",
        "JUPYTERHUB_DATA_DIR": str(tmp_path),
        "PORTAL_URL": "https://portal.example",
        "PORTAL_INTERNAL_URL": "http://web:8000",
        "JUPYTERHUB_PUBLIC_URL": "https://hub.example",
    }
    for key, value in {**base, **env}.items():
        monkeypatch.setenv(key, value)
    config = Config()
    runpy.run_path(
        str(DOCKER / "jupyterhub" / "jupyterhub_config.py"), init_globals={"get_config": lambda: config}
    )
    return config


@pytest.mark.parametrize("spawner", ["local", "docker", "kubernetes"])
def test_hub_config_loads_for_each_spawner(monkeypatch, tmp_path, spawner):
    """One configuration for every runtime: the portal login with PKCE and the narrow portal role are the
    same whichever spawner is chosen; Kubernetes leaves addresses and proxy to the chart."""
    c = load_hub_config(monkeypatch, tmp_path, JUPYTERHUB_SPAWNER=spawner)
    oauth = c.GenericOAuthenticator
    assert oauth.enable_pkce is True
    assert oauth.authorize_url == "https://portal.example/oauth/authorize/"
    assert oauth.token_url == "http://web:8000/oauth/token/"
    assert oauth.userdata_url == "http://web:8000/oauth/userinfo/"
    assert oauth.oauth_callback_url == "https://hub.example/hub/oauth_callback"
    assert oauth.username_claim == "preferred_username"
    assert oauth.admin_groups == set()
    assert c.Authenticator.enable_auth_state is False
    (role,) = c.JupyterHub.load_roles
    # No access:servers: the portal reaches a student's server only with a token of that student.
    start = "start:servers" if jupyterhub.version_info >= (6,) else "servers"
    assert set(role["scopes"]) == {"admin:users", "read:users", "read:servers", start, "tokens"}
    assert c.JupyterHub.tornado_settings["cookie_options"]["secure"] is True
    if spawner == "kubernetes":
        assert "hub_bind_url" not in c.JupyterHub
    else:
        assert "hub_bind_url" in c.JupyterHub
    # Deleting a user from the hub (an anonymised person) removes their files too.
    spawner_class = {
        "local": "lyceum_spawners.HomeRemovingLocalSpawner",
        "docker": "lyceum_spawners.VolumeRemovingDockerSpawner",
    }
    if spawner == "kubernetes":
        assert c.KubeSpawner.delete_pvc is True
    else:
        assert c.JupyterHub.spawner_class == spawner_class[spawner]
