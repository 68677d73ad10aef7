"""The compose file and the Kubernetes manifests are valid by their schemas (checked offline: the Compose
Specification's JSON schema as check-jsonschema ships it, Kubernetes' own schemas as kubernetes-validate
ships them), and every service runs a start script with the variables and volumes that script and the
settings expect: a misspelt variable, a worker on the wrong queue, a portal without its media or a hub
calling the portal under a name the portal refuses fails here, not on a cluster."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
PORTAL_K8S = DOCKER / "k8s" / "portal"
KUBERNETES_VERSION = "1.33.0"
# Which start script each portal role runs, in compose (service) and on Kubernetes (workload).
ROLES = {
    "migrate": ("migrate", "lyceum-migrate", "release.sh"),
    "web": ("web", "lyceum-web", "start-web.sh"),
    "worker-default": ("worker-default", "lyceum-worker-default", "start-worker.sh"),
    "worker-grading": ("worker-grading", "lyceum-worker-grading", "start-worker.sh"),
    "beat": ("beat", "lyceum-beat", "start-beat.sh"),
}
NEEDS_MEDIA = {"web", "worker-default", "worker-grading"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def manifests() -> list[dict]:
    documents = []
    for path in sorted(PORTAL_K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def workload(manifests: list[dict], name: str) -> dict:
    """The pod template's spec of the Deployment or Job *name*."""
    (found,) = [m for m in manifests if m["kind"] in {"Deployment", "Job"} and m["metadata"]["name"] == name]
    return found["spec"]["template"]["spec"]


def k8s_env(manifests: list[dict], pod: dict) -> dict[str, str]:
    """A container's environment: its ConfigMaps' data, its secrets' keys (value None) and its own env."""
    (container,) = pod["containers"]
    env: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            (config,) = [
                m
                for m in manifests
                if m["kind"] == "ConfigMap" and m["metadata"]["name"] == source["configMapRef"]["name"]
            ]
            env.update(config["data"])
        else:
            (secret,) = [
                m
                for m in manifests
                if m["kind"] == "Secret" and m["metadata"]["name"] == source["secretRef"]["name"]
            ]
            env.update(dict.fromkeys(secret["stringData"]))
    env.update({item["name"]: item.get("value") for item in container.get("env", [])})
    return env


def settings_variables() -> set[str]:
    """The environment variables the Django settings read."""
    names = set()
    for path in (ROOT / "lms" / "settings").glob("*.py"):
        names |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', path.read_text()))
    return names


def script_documented(script: str) -> set[str]:
    """The variables a start script names in its comments (its documented knobs)."""
    lines = (DOCKER / "bin" / script).read_text().splitlines()
    comments = "\n".join(line for line in lines if line.lstrip().startswith("#"))
    return set(re.findall(r"\b([A-Z][A-Z0-9_]{2,})\b", comments))


def script_reads(script: str) -> set[str]:
    """The variables a start script reads and does not assign itself."""
    body = (DOCKER / "bin" / script).read_text()
    assigned = set(re.findall(r"^\s*([A-Z][A-Z0-9_]*)=", body, flags=re.MULTILINE))
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", body)) - assigned


# --- schemas ---------------------------------------------------------------------------------------------
def test_compose_file_is_valid_by_the_compose_specification(compose):
    """docker/compose.yaml against the Compose Specification's JSON schema (vendored by check-jsonschema)."""
    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_a_broken_compose_file_is_caught():
    """The compose check can fail: an unknown service key and a wrongly typed value are reported."""
    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    broken = {"services": {"web": {"image": "x", "comand": ["a"], "ports": "8000"}}}
    assert len(list(validator.iter_errors(broken))) >= 2


def test_kubernetes_manifests_are_valid_by_the_kubernetes_schemas(manifests):
    """Every portal manifest (and the example secret) against Kubernetes' schemas, strictly: no unknown
    field. A misspelt field fails too."""
    kinds = {m["kind"] for m in manifests}
    expected = {"ConfigMap", "Secret", "PersistentVolumeClaim", "Job", "Deployment", "Service", "Ingress"}
    assert expected <= kinds
    for manifest in manifests:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    broken = {**manifests[0], "metdata": {"name": "x"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_example_secret():
    kustomization = yaml.safe_load((PORTAL_K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in PORTAL_K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == on_disk


# --- what the start scripts expect -----------------------------------------------------------------------
SCRIPTS = sorted(p.name for p in (DOCKER / "bin").glob("*.sh") if p.name != "_env.sh")


@pytest.mark.parametrize("script", SCRIPTS)
def test_start_scripts_document_every_variable_they_read(script):
    """A start script's comments name each variable it reads (the knobs operators set), so the checks
    below can trust them."""
    inherent = {"ROOT", "BIN", "PYTHON", "CORES", "JUPYTERHUB", "BASH_SOURCE", "DJANGO_SETTINGS_MODULE"}
    undocumented = script_reads(script) - script_documented(script) - inherent
    assert not undocumented, f"{script} reads {sorted(undocumented)} without documenting them"


@pytest.mark.parametrize("role", sorted(ROLES))
def test_compose_and_kubernetes_run_the_same_start_script_with_known_variables(compose, manifests, role):
    """Compose and Kubernetes run the same script for each role, with the same script knobs (the queues
    above all), and every variable they set is one the settings or that script read."""
    service_name, workload_name, script = ROLES[role]
    service = compose["services"][service_name]
    pod = workload(manifests, workload_name)
    assert service["command"][0] == f"docker/bin/{script}"
    assert pod["containers"][0]["command"] == [f"docker/bin/{script}"]
    assert (DOCKER / "bin" / script).stat().st_mode & 0o111

    known = settings_variables() | script_documented(script) | {"DJANGO_SETTINGS_MODULE"}
    compose_env, kube_env = service.get("environment", {}), k8s_env(manifests, pod)
    assert set(compose_env) <= known, set(compose_env) - known
    assert set(kube_env) <= known, set(kube_env) - known
    common = (script_documented(script) - settings_variables()) & set(compose_env) & set(kube_env)
    assert {k: compose_env[k] for k in common} == {k: kube_env[k] for k in common}
    if script == "start-worker.sh":
        assert "QUEUES" in common
        assert compose_env["QUEUES"] == role.removeprefix("worker-")
    for env in (compose_env, kube_env):
        assert env["DJANGO_SETTINGS_MODULE"] == "lms.settings.production"


@pytest.mark.parametrize("role", sorted(NEEDS_MEDIA))
def test_portal_processes_that_touch_files_mount_the_media_volume(compose, manifests, role):
    """MEDIA_ROOT and PRIVATE_MEDIA_ROOT lie on a shared volume in every process that reads or writes
    them (uploads on web, submitted notebooks on the graders)."""
    service_name, workload_name, _ = ROLES[role]
    service = compose["services"][service_name]
    mounts = [volume.split(":")[1] for volume in service["volumes"]]
    pod = workload(manifests, workload_name)
    kube_mounts = [m["mountPath"] for m in pod["containers"][0]["volumeMounts"]]
    claims = {v["name"] for v in pod["volumes"] if "persistentVolumeClaim" in v}
    assert {m["name"] for m in pod["containers"][0]["volumeMounts"]} <= {v["name"] for v in pod["volumes"]}
    for env, paths in ((service["environment"], mounts), (k8s_env(manifests, pod), kube_mounts)):
        for name in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT"):
            assert any(env[name].startswith(path.rstrip("/") + "/") for path in paths), (role, name, paths)
    assert claims, role


def test_the_hub_calls_the_portal_under_a_name_the_portal_allows(compose, manifests):
    """The hub's server-to-server address of the portal (PORTAL_INTERNAL_URL) names a host among the
    portal's INTERNAL_HOSTS, in compose and on Kubernetes (where it is also the web Service's name);
    its public address (PORTAL_URL) among ALLOWED_HOSTS."""
    hub_env = compose["services"]["hub"]["environment"]
    web_env = compose["services"]["web"]["environment"]
    assert urlsplit(hub_env["PORTAL_INTERNAL_URL"]).hostname in web_env["INTERNAL_HOSTS"].split(",")
    assert urlsplit(hub_env["PORTAL_INTERNAL_URL"]).port == 8000

    values = yaml.safe_load((DOCKER / "k8s" / "z2jh-values.yaml").read_text())["hub"]["extraEnv"]
    config = k8s_env(manifests, workload(manifests, "lyceum-web"))
    internal = urlsplit(values["PORTAL_INTERNAL_URL"])
    assert internal.hostname in config["INTERNAL_HOSTS"].split(",")
    assert urlsplit(values["PORTAL_URL"]).hostname in config["ALLOWED_HOSTS"].split(",")
    (service,) = [m for m in manifests if m["kind"] == "Service"]
    namespace = yaml.safe_load((PORTAL_K8S / "kustomization.yaml").read_text())["namespace"]
    assert internal.hostname == f"{service['metadata']['name']}.{namespace}.svc.cluster.local"
    assert internal.port == service["spec"]["ports"][0]["port"]


def test_web_probes_use_an_internal_name(manifests):
    """kubelet's probes would send the pod's address as Host, which production refuses: liveness runs the
    image's health check script, readiness names the first internal host."""
    (container,) = workload(manifests, "lyceum-web")["containers"]
    config = k8s_env(manifests, workload(manifests, "lyceum-web"))
    assert container["livenessProbe"]["exec"]["command"] == ["docker/bin/healthcheck.sh"]
    headers = {h["name"]: h["value"] for h in container["readinessProbe"]["httpGet"]["httpHeaders"]}
    assert headers["Host"] == config["INTERNAL_HOSTS"].split(",")[0]


def test_the_tls_proxy_gets_every_variable_of_its_template(compose):
    """compose's `tls` service renders docker/nginx/lyceum.conf.template: it sets exactly the variables
    the template uses (the image substitutes only those it is given) and mounts the template."""
    template = (DOCKER / "nginx" / "lyceum.conf.template").read_text()
    body = "\n".join(line for line in template.splitlines() if not line.lstrip().startswith("#"))
    service = compose["services"]["tls"]
    assert set(service["environment"]) == set(re.findall(r"\$\{(\w+)\}", body))
    assert any(v.startswith("./nginx/lyceum.conf.template:/etc/nginx/templates/") for v in service["volumes"])
    assert service["environment"]["PORTAL_UPSTREAM"] == "web:8000"
    assert service["environment"]["HUB_UPSTREAM"] == "proxy:8000"


def test_only_the_grading_worker_gets_what_the_sandbox_needs(compose, manifests):
    """The grading worker's pod adds SYS_ADMIN to a dropped set, unconfined AppArmor, an unmasked /proc in
    a user-namespaced pod and no privilege escalation, as its compose service does (cap_add, security_opt);
    no other workload adds any capability or relaxes any of that."""
    grading = workload(manifests, "lyceum-worker-grading")
    security = grading["containers"][0]["securityContext"]
    assert security["capabilities"] == {"drop": ["ALL"], "add": ["SYS_ADMIN"]}
    assert security["allowPrivilegeEscalation"] is False
    assert security["appArmorProfile"] == {"type": "Unconfined"}
    assert security["procMount"] == "Unmasked"
    assert grading["hostUsers"] is False
    assert grading["securityContext"]["runAsNonRoot"] is True
    service = compose["services"]["worker-grading"]
    assert service["cap_add"] == ["SYS_ADMIN"]
    assert "no-new-privileges:true" in service["security_opt"]
    for name in ("lyceum-migrate", "lyceum-web", "lyceum-worker-default", "lyceum-beat"):
        (container,) = workload(manifests, name)["containers"]
        assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert "procMount" not in container["securityContext"], name
    others = {n: s for n, s in compose["services"].items() if n != "worker-grading"}
    assert not any(s.get("cap_add") or s.get("security_opt") for s in others.values())


def test_one_beat_and_a_release_job(manifests):
    """Exactly one beat, never two during an update; the release step runs once as a Job."""
    (beat,) = [m for m in manifests if m["kind"] == "Deployment" and m["metadata"]["name"] == "lyceum-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    assert workload(manifests, "lyceum-migrate")["restartPolicy"] == "Never"


@pytest.mark.parametrize("role", sorted(NEEDS_MEDIA))
def test_web_and_workers_serve_metrics_to_the_cluster_only(compose, manifests, role):
    """Web nodes and workers set METRICS_PORT and a PROMETHEUS_MULTIPROC_DIR of their own (gunicorn's and
    Celery's processes add up there), open the port to the internal network (compose's `expose`, a
    container port Prometheus' annotations name) and never publish it: no compose `ports`, no Service
    port, no ingress backend."""
    service_name, workload_name, _ = ROLES[role]
    service = compose["services"][service_name]
    pod_template = next(
        m for m in manifests if m["kind"] == "Deployment" and m["metadata"]["name"] == workload_name
    )["spec"]["template"]
    (container,) = pod_template["spec"]["containers"]
    for env in (service["environment"], k8s_env(manifests, pod_template["spec"])):
        assert env["METRICS_PORT"] == "9464", role
        assert env["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/"), role
    assert "9464" in service["expose"]
    assert "ports" not in service
    assert {"name": "metrics", "containerPort": 9464} in container["ports"]
    annotations = pod_template["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == "9464"
    assert annotations["prometheus.io/path"] == "/metrics"
    for service_manifest in (m for m in manifests if m["kind"] == "Service"):
        assert all(
            p["targetPort"] != "metrics" and p["port"] != 9464 for p in service_manifest["spec"]["ports"]
        )
    for ingress in (m for m in manifests if m["kind"] == "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["port"] != {"name": "metrics"}
    published = {name for name, s in compose["services"].items() if s.get("ports")}
    assert published == {"tls"}
