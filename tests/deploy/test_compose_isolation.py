"""Student servers are kept away from the portal's data: in docker compose they join a network of their
own that only the hub and its proxy share, Redis and PostgreSQL demand credentials from required
variables, and the web port is not published; on Kubernetes the single-user pods may reach only the hub,
the proxy and DNS."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

DOCKER = Path(__file__).resolve().parents[2] / "docker"
# Everything of the portal that holds or reaches its data: none of it may share a network with students.
PORTAL_SERVICES = {"postgres", "redis", "migrate", "web", "worker-default", "worker-grading", "beat"}
REQUIRED_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+):\?[^}]*\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def z2jh() -> dict:
    return yaml.safe_load((DOCKER / "k8s" / "z2jh-values.yaml").read_text())


def service_networks(service: dict) -> set[str]:
    """The compose networks a service joins (`default` when it names none)."""
    networks = service.get("networks") or ["default"]
    return set(networks)


def network_name(compose: dict, key: str) -> str:
    """The Docker name of a compose network: its `name:` or `<project>_<key>`."""
    network = (compose.get("networks") or {}).get(key) or {}
    return network.get("name") or f"{compose['name']}_{key}"


def hub_config(monkeypatch, tmp_path, env: dict) -> Config:
    """jupyterhub_config.py as the compose hub container loads it."""
    base = {
        "JUPYTERHUB_OAUTH_CLIENT_SECRET": "s",
        "JUPYTERHUB_API_TOKEN": "t",
        "JUPYTERHUB_DATA_DIR": str(tmp_path),
        "JUPYTERHUB_PUBLIC_URL": "https://hub.example",
    }
    for key in ("DOCKER_NETWORK_NAME", "JUPYTERHUB_HUB_CONNECT_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in {**base, **env}.items():
        monkeypatch.setenv(key, value)
    config = Config()
    runpy.run_path(
        str(DOCKER / "jupyterhub" / "jupyterhub_config.py"), init_globals={"get_config": lambda: config}
    )
    return config


def test_students_network_is_shared_only_by_the_hub_and_its_proxy(compose):
    """Only the hub (whose API the servers call back to) and configurable-http-proxy (which routes to the
    servers) join the students network; no portal service does, and the network has no way out."""
    services = compose["services"]
    on_students = {name for name, service in services.items() if "students" in service_networks(service)}
    assert on_students == {"hub", "proxy"}
    for name in PORTAL_SERVICES:
        assert "students" not in service_networks(services[name]), name
    # The hub and the proxy still reach the portal on the default network.
    assert "default" in service_networks(services["hub"])
    assert "default" in service_networks(services["proxy"])
    assert compose["networks"]["students"]["internal"] is True
    assert not any(service.get("network_mode") for service in services.values())


def test_docker_spawner_puts_servers_on_the_students_network(compose, monkeypatch, tmp_path):
    """DockerSpawner starts each server on the students network and tells it to call the hub by its
    service name, which resolves there; left unset, both default to the same."""
    hub_env = compose["services"]["hub"]["environment"]
    students = network_name(compose, "students")
    assert hub_env["DOCKER_NETWORK_NAME"] == students
    keys = ("JUPYTERHUB_SPAWNER", "JUPYTERHUB_HUB_CONNECT_URL", "DOCKER_NETWORK_NAME")
    c = hub_config(monkeypatch, tmp_path, {key: hub_env[key] for key in keys})
    assert c.DockerSpawner.network_name == students
    assert c.JupyterHub.hub_connect_url == "http://hub:8081"
    defaults = hub_config(monkeypatch, tmp_path, {"JUPYTERHUB_SPAWNER": "docker"})
    assert defaults.DockerSpawner.network_name == students
    assert defaults.JupyterHub.hub_connect_url == "http://hub:8081"


def test_redis_requires_a_password_from_a_required_variable(compose):
    """Redis refuses clients without the password, which compose demands; the portal's URL carries it."""
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert "--requirepass" in command
    password = command[command.index("--requirepass") + 1]
    match = REQUIRED_VARIABLE.fullmatch(password)
    assert match
    assert match["name"] == "REDIS_PASSWORD"
    for name in ("web", "worker-default", "worker-grading", "beat", "migrate"):
        url = compose["services"][name]["environment"]["REDIS_URL"]
        assert re.fullmatch(r"redis://:\$\{REDIS_PASSWORD(:\?[^}]*)?\}@redis:6379/\d+", url), name


def test_postgres_requires_a_password_from_a_required_variable(compose):
    """PostgreSQL is initialised with a password compose demands and password authentication for every
    connection over the network (never trust)."""
    env = compose["services"]["postgres"]["environment"]
    match = REQUIRED_VARIABLE.fullmatch(env["POSTGRES_PASSWORD"])
    assert match
    assert match["name"] == "POSTGRES_PASSWORD"
    assert env["POSTGRES_HOST_AUTH_METHOD"] == "scram-sha-256"
    assert "trust" not in str(env.get("POSTGRES_INITDB_ARGS", ""))


def test_only_the_tls_proxy_publishes_ports(compose):
    """Neither the web port, the hub's proxy, the database nor Redis is published on the host: the portal
    and the hub are served through the TLS reverse proxy (`tls`) on the default network, which is not on
    the students network."""
    services = compose["services"]
    assert "ports" not in services["web"]
    publishing = {name for name, service in services.items() if service.get("ports")}
    assert publishing == {"tls"}
    assert "students" not in service_networks(services["tls"])


def test_env_example_lists_every_required_variable(compose):
    """Every variable compose refuses to start without is listed in docker/.env.example."""
    text = (DOCKER / "compose.yaml").read_text()
    required = {match["name"] for match in REQUIRED_VARIABLE.finditer(text)}
    example = {
        line.split("=", 1)[0].strip()
        for line in (DOCKER / ".env.example").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert {"REDIS_PASSWORD", "POSTGRES_PASSWORD"} <= required
    assert required <= example


def test_z2jh_single_user_egress_reaches_only_the_hub_proxy_and_dns(z2jh):
    """The single-user network policy is on and allows no private, public or cloud-metadata addresses
    (only the chart's own rules: the hub, the proxy and DNS), and adds no egress rules of its own."""
    policy = z2jh["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True
    rules = policy["egressAllowRules"]
    assert rules.get("privateIPs") is False
    assert rules.get("nonPrivateIPs") is False
    assert rules.get("cloudMetadataServer") is False
    assert not policy.get("egress")
    assert z2jh["hub"]["networkPolicy"]["enabled"] is True
