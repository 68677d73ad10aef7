"""The production stack on one machine, proven end to end over HTTPS (`make prod-smoke`).

Starts, on loopback ports of its own and from the start scripts compose and Kubernetes run
(docker/bin/), with the production settings: PostgreSQL (a throw-away database on the machine's server),
Redis with a password (a private redis-server), the release step, gunicorn, a default and a grading
Celery worker, beat, JupyterHub with configurable-http-proxy, and nginx in front with TLS
(docker/nginx/lyceum.conf.template; the certificate comes from a throw-away CA made here with openssl).
Then, as a browser would and over HTTPS only (trusting that CA), the seeded learner logs in, opens an
exercise in JupyterLab (single sign-on: the hub logs in through the portal's OpenID Connect provider and
fetches its tokens from gunicorn directly, under an internal name), solves and saves it there, submits it
from JupyterLab and waits for the grade; /readyz and the image's health check must pass. Everything is
stopped at the end, or on Ctrl-C, and no process of the run may be left.

Environment: PROD_SMOKE_POSTGRES (postgres://postgres@127.0.0.1:5432/postgres: a server where this user
may create databases), PROD_SMOKE_TIMEOUT (900 seconds for the whole run). `--keep` keeps the run's
directory (logs, configuration). Exit status 0 when everything held; otherwise the failing step and the
logs' last lines are printed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "docker" / "bin"
PORTAL_HOST = "portal.lyceum.test"
HUB_HOST = "hub.lyceum.test"
PUBLIC_SUFFIX = ".lyceum.test"
RUN_MARKER = "LYCEUM_PROD_SMOKE_RUN"
STATIC_CACHE = ROOT / "var" / "prod-smoke-static"


class SmokeFailure(Exception):
    """A step of the smoke did not hold."""


def step(message: str) -> None:
    print(f"prod-smoke: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def wait_until(predicate, what: str, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SmokeFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- processes -------------------------------------------------------------------------------------------
class Stack:
    """The run's processes, each in a session of its own with its output in logs/<name>.log."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.logs = workdir / "logs"
        self.logs.mkdir()
        self.marker = secrets.token_hex(8)
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def _popen(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        with self.log(name).open("ab") as out:
            return subprocess.Popen(
                argv,
                cwd=ROOT,
                env={**env, RUN_MARKER: self.marker},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        process = self._popen(name, argv, env)
        self.processes.append((name, process))
        return process

    def run(self, name: str, argv: list[str], env: dict, timeout: float) -> str:
        """Run a one-shot command to completion; its output, or SmokeFailure with the log's tail."""
        process = self._popen(name, argv, env)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._terminate(process)
            raise SmokeFailure(f"{name} did not finish in {timeout:.0f} s:\n{self.tail(name)}") from None
        if code != 0:
            raise SmokeFailure(f"{name} exited with {code}:\n{self.tail(name)}")
        return self.log(name).read_text(errors="replace")

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.log(name)
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(f"  {name}| {line}" for line in text.splitlines()[-lines:])

    def alive(self, process: subprocess.Popen, name: str) -> None:
        if process.poll() is not None:
            raise SmokeFailure(f"{name} exited with {process.returncode}:\n{self.tail(name)}")

    @staticmethod
    def _terminate(process: subprocess.Popen, grace: float = 20) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop(self) -> None:
        """Stop in reverse order of start; the hub (started late) stops its proxy and servers itself."""
        for _name, process in reversed(self.processes):
            self._terminate(process)
        # A process group may outlive its leader (a Celery pool child, say).
        for _name, process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def strays(self) -> list[str]:
        """Processes of this run still alive: those carrying its marker in their environment (everything
        started here and their children, configurable-http-proxy included) or working in its directory
        (the single-user servers, which JupyterHub starts with an environment of their own)."""
        found = []
        marker = f"{RUN_MARKER}={self.marker}".encode()
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                environ = (proc / "environ").read_bytes()
                cwd = os.readlink(proc / "cwd")
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in environ.split(b"\0") or cwd.startswith(str(self.workdir)):
                found.append(f"{proc.name}: {cmdline.strip()}")
        return found


# --- the pieces of the stack -----------------------------------------------------------------------------
def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(directory: Path) -> dict[str, Path]:
    """A throw-away CA and a server certificate it signs for the two public names."""
    directory.mkdir(mode=0o755)
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=IT-Lyceum smoke CA",
        "-keyout", "ca.key", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={PORTAL_HOST}",
        "-keyout", "server.key", "-out", "server.csr", cwd=directory,
    )  # fmt: skip
    (directory / "server.ext").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        f"extendedKeyUsage=serverAuth\nsubjectAltName=DNS:{PORTAL_HOST},DNS:{HUB_HOST}\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "1", "-extfile", "server.ext", "-out", "server.pem", cwd=directory,
    )  # fmt: skip
    return {"ca": directory / "ca.pem", "cert": directory / "server.pem", "key": directory / "server.key"}


def rsa_private_key() -> str:
    return subprocess.run(
        ["openssl", "genrsa", "2048"], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def nginx_config(directory: Path, values: dict[str, str]) -> Path:
    """docker/nginx/lyceum.conf.template rendered with *values*, inside a main configuration that keeps
    every file nginx writes in *directory*."""
    directory.mkdir(mode=0o755)
    template = (ROOT / "docker" / "nginx" / "lyceum.conf.template").read_text()
    # The image's envsubst replaces only the variables it is given; so does this (nginx's own $vars stay).
    site = string.Template(template).safe_substitute(values)
    missing = sorted(set(re.findall(r"\$\{(\w+)\}", site)))
    check(not missing, f"nginx template variables without a value: {missing}")
    (directory / "lyceum.conf").write_text(site)
    temp = directory / "temp"
    temp.mkdir(mode=0o755)
    main = f"""
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    access_log {directory / "access.log"};
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {directory / "lyceum.conf"};
}}
"""
    (directory / "nginx.conf").write_text(main)
    return directory / "nginx.conf"


def static_files(stack: Stack, env: dict) -> Path:
    """docker/bin/collect-static.sh into a directory named after what goes into it, reused by later runs
    (collecting and compressing takes a minute; the image, likewise, collects once at build time)."""
    digest = hashlib.sha256()
    for lock in ("uv.lock", "package-lock.json"):
        digest.update((ROOT / lock).read_bytes())
    for app in sorted(ROOT.glob("*/static")):
        for path in sorted(app.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    target = STATIC_CACHE / digest.hexdigest()[:16]
    if (target / "staticfiles.json").exists():
        return target
    shutil.rmtree(STATIC_CACHE, ignore_errors=True)
    partial = STATIC_CACHE / f"{target.name}.partial"
    stack.run("collect-static", [str(BIN / "collect-static.sh")], {**env, "STATIC_ROOT": str(partial)}, 600)
    partial.rename(target)
    return target


@contextlib.contextmanager
def throwaway_database(admin_url: str):
    """A fresh database on the PostgreSQL server of *admin_url*, dropped afterwards."""
    name = f"lyceum_smoke_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin_url)
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def public_names_on_loopback():
    """The public names resolve to 127.0.0.1 in this process only (the browser's view; the servers reach
    each other by internal addresses and never look these names up)."""
    original = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(PUBLIC_SUFFIX):
            host = "127.0.0.1"
        return original(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.getaddrinfo = original


# --- the learner's side: a browser over HTTPS ----------------------------------------------------------
class Browser:
    """A requests session that behaves like a browser where the portal looks: it trusts the smoke's CA
    only, and sends Origin and Referer with form posts."""

    def __init__(self, ca: Path) -> None:
        self.session = requests.Session()
        # Only the smoke's CA: REQUESTS_CA_BUNDLE and the like would otherwise win over `verify`.
        self.session.trust_env = False
        self.session.verify = str(ca)

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.session.get(url, timeout=kwargs.pop("timeout", 30), **kwargs)

    def post_form(self, url: str, data: dict, **kwargs) -> requests.Response:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        csrf = self.session.cookies.get("csrftoken", domain=urlsplit(url).hostname)
        headers = {"Origin": origin, "Referer": url}
        return self.session.post(
            url, data={"csrfmiddlewaretoken": csrf, **data}, headers=headers, timeout=30, **kwargs
        )


def cookie(browser: Browser, name: str, host: str):
    return next((c for c in browser.session.cookies if c.name == name and c.domain.endswith(host)), None)


def solved(release: dict, source: dict) -> dict:
    """The release notebook with every solution cell replaced by the instructor's solution."""
    answers = {
        cell["metadata"]["nbgrader"]["grade_id"]: cell["source"]
        for cell in source["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    for cell in release["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return release


def learner_flow(urls: dict, ca: Path, seed: dict, password: str, stack: Stack) -> dict:
    portal, hub = urls["portal"], urls["hub"]
    browser = Browser(ca)

    step("HTTPS only: plain HTTP is redirected, names that are not ours get no answer")
    plain = requests.get(f"{urls['http']}/", headers={"Host": PORTAL_HOST}, allow_redirects=False, timeout=10)
    check(plain.status_code == 301, f"plain HTTP answered {plain.status_code}")
    check(plain.headers["Location"].startswith(f"{portal}/"), plain.headers.get("Location"))
    for name in ("127.0.0.1", "web"):
        with contextlib.suppress(requests.ConnectionError):
            answer = browser.get(f"{portal}/healthz", headers={"Host": name}, timeout=10)
            # 421 Misdirected Request is nginx's own refusal; anything else came from behind it.
            check(answer.status_code == 421, f"the proxy forwarded Host: {name} ({answer.status_code})")

    step("the learner logs in on the portal")
    form = browser.get(f"{portal}/accounts/login/")
    check(form.status_code == 200, f"log-in page: {form.status_code}")
    done = browser.post_form(form.url, {"login": seed["email"], "password": password})
    check(done.status_code == 200, f"log-in: {done.status_code} {done.url}")
    check(not done.url.startswith(f"{portal}/accounts/login/"), f"log-in refused: {done.url}")
    session = cookie(browser, "sessionid", PORTAL_HOST)
    check(session is not None and session.secure, "the session cookie is missing or not Secure")
    check(session.has_nonstandard_attr("HttpOnly"), "the session cookie is not HttpOnly")
    check(cookie(browser, "csrftoken", PORTAL_HOST).secure, "the CSRF cookie is not Secure")
    check(done.headers.get("Strict-Transport-Security"), "no HSTS header")

    step("Open in JupyterLab: the server starts, single sign-on through the portal, the notebook opens")
    exercise = seed["exercise_id"]
    opened = browser.post_form(f"{portal}/hub/exercises/{exercise}/open/", {}, allow_redirects=False)
    check(opened.status_code == 302, f"open: {opened.status_code} {opened.text[-500:]}")

    def ready():
        fragment = browser.get(f"{portal}/hub/exercises/{exercise}/status/")
        check(fragment.status_code == 200, f"progress: {fragment.status_code}")
        return fragment.headers.get("HX-Redirect")

    launch_path = (
        opened.headers["Location"]
        if "/launch/" in opened.headers["Location"]
        else wait_until(ready, "the JupyterLab server", 90)
    )
    launch = browser.get(urljoin(portal, launch_path), allow_redirects=False)
    check(launch.status_code == 302, f"launch: {launch.status_code}")
    lab_url = launch.headers["Location"]
    check(lab_url.startswith(f"{hub}/user/"), f"launch goes to {lab_url}")
    lab = browser.get(lab_url)
    check(
        lab.status_code == 200 and lab.url.startswith(f"{hub}/user/"),
        f"JupyterLab: {lab.status_code} {lab.url}",
    )
    check("jupyter" in lab.text.lower(), "the JupyterLab page is not JupyterLab")
    check(cookie(browser, "jupyterhub-session-id", HUB_HOST).secure, "the hub's cookie is not Secure")
    web_log = stack.log("web").read_text(errors="replace")
    check(
        re.search(r'"POST /oauth/token/ HTTP/1\.[01]" 200', web_log),
        "the hub's token call did not reach gunicorn directly with 200",
    )
    check(re.search(r'"GET /oauth/userinfo/ HTTP/1\.[01]" 200', web_log), "no direct userinfo call with 200")

    step("the learner solves the exercise in JupyterLab and saves it")
    user_path = urlsplit(lab_url).path.split("/lab/tree/", 1)
    api = f"{hub}{user_path[0]}/api/contents/{user_path[1]}"
    model = browser.get(api)
    check(model.status_code == 200, f"contents API: {model.status_code}")
    source = json.loads((ROOT / "demo" / "notebooks" / f"{seed['notebook']}.ipynb").read_text())
    content = solved(model.json()["content"], source)
    xsrf = cookie(browser, "_xsrf", HUB_HOST)
    saved = browser.session.put(
        api,
        json={"type": "notebook", "format": "json", "content": content},
        headers={"X-XSRFToken": xsrf.value if xsrf else "", "Referer": lab_url},
        timeout=30,
    )
    check(saved.status_code == 200, f"saving in JupyterLab: {saved.status_code} {saved.text[:300]}")

    step("Submit from JupyterLab, then wait for the grade")
    submitted = browser.post_form(f"{portal}/hub/exercises/{exercise}/submit/", {}, allow_redirects=False)
    check(submitted.status_code == 302, f"submit: {submitted.status_code}")
    match = re.search(r"/exercises/submissions/(\d+)/", submitted.headers["Location"])
    check(match, f"submit did not lead to a submission: {submitted.headers['Location']}")
    status_url = f"{portal}/exercises/submissions/{match.group(1)}/status/"

    def graded():
        fragment = browser.get(status_url)
        check(fragment.status_code == 200, f"submission status: {fragment.status_code}")
        return None if "hx-get=" in fragment.text else fragment.text

    fragment = wait_until(graded, "the grade", 120, interval=1)
    check("text-bg-success" in fragment, f"the submission was not graded:\n{fragment[:1500]}")
    score = re.search(r'class="h4">[^:]*:\s*([\d.,]+)\s*/\s*([\d.,]+)', fragment)
    check(score and score.group(1) == score.group(2), f"not full marks: {score and score.groups()}")

    step("/readyz: database, broker and an isolated grading sandbox")
    ready_body = browser.get(f"{portal}/readyz").json()
    check(ready_body["status"] == "ok", f"/readyz: {ready_body}")
    check(ready_body["grading_isolation"] == "ok", f"/readyz grading_isolation: {ready_body}")
    return {"score": f"{score.group(1)} / {score.group(2)}", "readyz": ready_body}


# --- the run ---------------------------------------------------------------------------------------------
def base_env() -> dict:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
    return {k: os.environ[k] for k in keep if k in os.environ} | {"PYTHON": sys.executable}


def smoke(workdir: Path, stack: Stack) -> dict:
    admin_url = os.environ.get("PROD_SMOKE_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    check(nginx, "nginx is not installed (apt-get install nginx-light)")
    check(shutil.which("redis-server"), "redis-server is not installed (apt-get install redis-server)")
    check(shutil.which("openssl"), "openssl is not installed")

    step(f"throw-away CA and certificate for {PORTAL_HOST} and {HUB_HOST}")
    tls = make_certificates(workdir / "tls")
    ports = {name: free_port() for name in ("tls", "http", "web", "redis", "chp", "hub_api", "chp_api")}
    tls_port = ports["tls"]
    portal_url, hub_url = f"https://{PORTAL_HOST}:{tls_port}", f"https://{HUB_HOST}:{tls_port}"
    web_internal = f"127.0.0.1:{ports['web']}"
    secrets_ = {
        "redis": secrets.token_urlsafe(24),
        "api_token": secrets.token_hex(32),
        "client_secret": secrets.token_urlsafe(32),
        "proxy": secrets.token_hex(32),
        "demo_password": secrets.token_urlsafe(16),
    }

    step("Redis with a password")
    redis_dir = workdir / "redis"
    redis_dir.mkdir()
    redis_argv = ["redis-server", "--bind", "127.0.0.1", "--port", str(ports["redis"])]
    redis_argv += [
        "--requirepass",
        secrets_["redis"],
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(redis_dir),
    ]
    stack.start("redis", redis_argv, base_env())
    redis_url = f"redis://:{secrets_['redis']}@127.0.0.1:{ports['redis']}/0"
    wait_until(lambda: _redis_answers(redis_url), "Redis", 20)
    with contextlib.suppress(redis.AuthenticationError, redis.ResponseError):
        redis.Redis(port=ports["redis"]).ping()
        raise SmokeFailure("Redis answered without its password")

    with throwaway_database(admin_url) as database_url:
        portal_env = base_env() | {
            "DJANGO_SETTINGS_MODULE": "lms.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            # Nothing listens there: the smoke sends no e-mail, and production needs a way to send it.
            "EMAIL_URL": f"smtp://127.0.0.1:{free_port()}",
            "ALLOWED_HOSTS": PORTAL_HOST,
            "INTERNAL_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": portal_url,
            "SITE_URL": portal_url,
            "OIDC_RSA_PRIVATE_KEY": rsa_private_key(),
            "JUPYTERHUB_URL": f"http://127.0.0.1:{ports['chp']}",
            "JUPYTERHUB_PUBLIC_URL": hub_url,
            "JUPYTERHUB_API_TOKEN": secrets_["api_token"],
            "JUPYTERHUB_OAUTH_CLIENT_SECRET": secrets_["client_secret"],
            "MEDIA_ROOT": str(workdir / "media"),
            "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
            "DEMO_PASSWORD": secrets_["demo_password"],  # the demo accounts' password, this run's own
        }
        step("JupyterHub with configurable-http-proxy, and nginx in front (neither needs the database)")
        hub_env = base_env() | {
            "JUPYTERHUB_PUBLIC_URL": hub_url,
            "JUPYTERHUB_BIND_URL": f"http://127.0.0.1:{ports['chp']}/",
            "JUPYTERHUB_HUB_BIND_URL": f"http://127.0.0.1:{ports['hub_api']}",
            "JUPYTERHUB_PROXY_API_URL": f"http://127.0.0.1:{ports['chp_api']}",
            "CONFIGPROXY_AUTH_TOKEN": secrets_["proxy"],
            "JUPYTERHUB_DATA_DIR": str(workdir / "hub"),
            "PORTAL_URL": portal_url,
            "PORTAL_INTERNAL_URL": f"http://{web_internal}",
            "JUPYTERHUB_OAUTH_CLIENT_SECRET": secrets_["client_secret"],
            "JUPYTERHUB_API_TOKEN": secrets_["api_token"],
        }
        hub = stack.start("hub", [str(BIN / "start-hub.sh")], hub_env)
        conf = nginx_config(
            workdir / "nginx",
            {
                "PORTAL_HOST": PORTAL_HOST,
                "HUB_HOST": HUB_HOST,
                "TLS_LISTEN": f"127.0.0.1:{tls_port}",
                "HTTP_LISTEN": f"127.0.0.1:{ports['http']}",
                "TLS_PORT": str(tls_port),
                "TLS_CERTIFICATE": str(tls["cert"]),
                "TLS_CERTIFICATE_KEY": str(tls["key"]),
                "PORTAL_UPSTREAM": web_internal,
                "HUB_UPSTREAM": f"127.0.0.1:{ports['chp']}",
            },
        )
        proxy = stack.start(
            "nginx", [nginx, "-e", "stderr", "-c", str(conf), "-g", "daemon off;"], base_env()
        )

        step("release (migrations, the hub's OAuth client) and static files, side by side")
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            release = pool.submit(stack.run, "release", [str(BIN / "release.sh")], portal_env, 600)
            static = pool.submit(static_files, stack, portal_env)
            release.result()
            portal_env["STATIC_ROOT"] = str(static.result())

        step("gunicorn, the default and grading workers and beat (they start while the seed loads)")
        web = stack.start(
            "web",
            [str(BIN / "start-web.sh")],
            portal_env | {"BIND": web_internal, "WEB_CONCURRENCY": "2", "PORT": str(ports["web"])},
        )
        workers = {
            queue: stack.start(
                f"worker-{queue}",
                [str(BIN / "start-worker.sh")],
                portal_env | {"QUEUES": queue, "CONCURRENCY": "1"},
            )
            for queue in ("default", "grading")
        }
        beat = stack.start(
            "beat",
            [str(BIN / "start-beat.sh")],
            portal_env | {"BEAT_SCHEDULE_FILE": str(workdir / "beat" / "schedule")},
        )
        step("seed: the demo learner, catalogue and exercises")
        seed_output = stack.run(
            "seed",
            [sys.executable, str(Path(__file__).with_name("seed.py"))],
            portal_env | {"LOG_LEVEL": "WARNING"},
            300,
        )
        seed = json.loads(seed_output.strip().splitlines()[-1])

        health_env = base_env() | {"PORT": str(ports["web"]), "INTERNAL_HOSTS": "127.0.0.1"}

        def web_healthy() -> bool:
            stack.alive(web, "web")
            return (
                subprocess.run([str(BIN / "healthcheck.sh")], env=health_env, capture_output=True).returncode
                == 0
            )

        wait_until(web_healthy, "gunicorn (the image's health check)", 120, interval=1)
        for queue, worker in workers.items():
            name = f"worker-{queue}"
            wait_until(
                lambda w=worker, n=name: stack.alive(w, n) or "ready." in stack.log(n).read_text(), name, 120
            )
        stack.alive(beat, "beat")
        wait_until(
            lambda: stack.alive(hub, "hub") or _answers(f"http://127.0.0.1:{ports['chp']}/hub/api/"),
            "JupyterHub",
            90,
        )
        stack.alive(proxy, "nginx")

        with public_names_on_loopback():
            browser = Browser(tls["ca"])
            wait_until(
                lambda: _answers(f"{portal_url}/healthz", session=browser.session),
                "the portal over HTTPS",
                30,
            )
            wait_until(
                lambda: _answers(f"{hub_url}/hub/api/", session=browser.session), "the hub over HTTPS", 30
            )
            urls = {"portal": portal_url, "hub": hub_url, "http": f"http://127.0.0.1:{ports['http']}"}
            result = learner_flow(urls, tls["ca"], seed, secrets_["demo_password"], stack)
        for name, process in stack.processes:
            stack.alive(process, name)
        return result


def _answers(url: str, session: requests.Session | None = None) -> bool:
    try:
        return (session or requests).get(url, timeout=3).status_code == 200
    except requests.RequestException:
        return False


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the run's directory (logs, configuration)")
    args = parser.parse_args(argv)
    timeout = float(os.environ.get("PROD_SMOKE_TIMEOUT", "900"))

    def interrupted(signum, _frame):
        raise SmokeFailure(f"interrupted by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGALRM, lambda *_: interrupted("SIGALRM (PROD_SMOKE_TIMEOUT)", None))
    signal.alarm(int(timeout))
    workdir = Path(tempfile.mkdtemp(prefix="lyceum-prod-smoke-"))
    workdir.chmod(0o755)  # nginx's workers (another user when run as root) read their files under it
    stack = Stack(workdir)
    started = time.monotonic()
    failure: str | None = None
    try:
        result = smoke(workdir, stack)
    except (SmokeFailure, subprocess.CalledProcessError, psycopg.Error, requests.RequestException) as error:
        failure = str(error)
    except KeyboardInterrupt:
        failure = "interrupted"
    finally:
        signal.alarm(0)
        step("stopping everything")
        stack.stop()
        strays = wait_until_none(stack)
    if strays:
        failure = (failure or "") + "\nprocesses left running:\n" + "\n".join(strays)
    if failure:
        print(f"prod-smoke: FAILED: {failure}", file=sys.stderr)
        for name, _process in stack.processes:
            print(stack.tail(name, 25), file=sys.stderr)
    if args.keep or failure:
        step(f"the run's directory is kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    if failure:
        return 1
    step(f"OK in {time.monotonic() - started:.0f} s: graded {result['score']}, /readyz {result['readyz']}")
    return 0


def wait_until_none(stack: Stack) -> list[str]:
    """The run's processes still alive a few seconds after the stop (exiting ones get the time to)."""
    deadline = time.monotonic() + 10
    while (strays := stack.strays()) and time.monotonic() < deadline:
        time.sleep(0.5)
    return strays


if __name__ == "__main__":
    sys.exit(main())
