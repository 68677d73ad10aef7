"""The one JupyterHub configuration of the IT-Lyceum platform.

Used unchanged by the one-machine demo, the integration tests, docker compose and Kubernetes (Zero to
JupyterHub loads it from `hub.extraConfig`). Everything that differs between those comes from
environment variables; see docs/hub.md.

Users log in through the portal, which is an OpenID Connect provider: GenericOAuthenticator with PKCE,
the username taken from the stable `preferred_username` claim (`u<user id>`) and hub groups from the
`groups` claim (the user's roles on the portal). The portal talks to the hub REST API as the
`portal` service with the narrowest set of scopes it needs.
"""

import os
import shutil
import sys
from pathlib import Path

import jupyterhub

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

PROJECT_DIR = Path(__file__).resolve().parents[2]


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise SystemExit(f"jupyterhub_config.py: the environment variable {name} must be set")
    return value


# --- Addresses ---------------------------------------------------------------------------------------
# Zero to JupyterHub sets addresses, database and proxy itself (JUPYTERHUB_SPAWNER=kubernetes).
SPAWNER = env("JUPYTERHUB_SPAWNER", "local")
DATA_DIR = Path(env("JUPYTERHUB_DATA_DIR", str(PROJECT_DIR / "var" / "jupyterhub")))
HUB_PUBLIC_URL = env("JUPYTERHUB_PUBLIC_URL", env("JUPYTERHUB_URL", "http://127.0.0.1:8001")).rstrip("/")
if SPAWNER != "kubernetes":
    # Where the proxy listens (the hub's public address) and where the hub's own API listens.
    c.JupyterHub.bind_url = env("JUPYTERHUB_BIND_URL", HUB_PUBLIC_URL + "/")
    c.JupyterHub.hub_bind_url = env("JUPYTERHUB_HUB_BIND_URL", "http://127.0.0.1:8081")
    if env("JUPYTERHUB_HUB_CONNECT_URL"):
        c.JupyterHub.hub_connect_url = env("JUPYTERHUB_HUB_CONNECT_URL")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    c.JupyterHub.db_url = env("JUPYTERHUB_DB_URL", f"sqlite:///{DATA_DIR / 'jupyterhub.sqlite'}")
    c.JupyterHub.cookie_secret_file = str(DATA_DIR / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(DATA_DIR / "jupyterhub.pid")
    # configurable-http-proxy's pid file (written to the working directory unless told otherwise).
    c.ConfigurableHTTPProxy.pid_file = str(DATA_DIR / "jupyterhub-proxy.pid")

    # Proxy: configurable-http-proxy from the project's node_modules unless it runs as its own service.
    if env("JUPYTERHUB_PROXY_EXTERNAL") != "1":
        chp = env("CONFIGPROXY_COMMAND") or str(
            PROJECT_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
        )
        if not Path(chp).exists():
            chp = shutil.which("configurable-http-proxy") or chp
        c.ConfigurableHTTPProxy.command = [chp]
        c.ConfigurableHTTPProxy.should_start = True
    else:
        c.ConfigurableHTTPProxy.should_start = False
    c.ConfigurableHTTPProxy.api_url = env("JUPYTERHUB_PROXY_API_URL", "http://127.0.0.1:8002")
    if env("CONFIGPROXY_AUTH_TOKEN"):
        c.ConfigurableHTTPProxy.auth_token = env("CONFIGPROXY_AUTH_TOKEN")

# --- Authentication: the portal is the OpenID Connect provider ------------------------------------------
# PORTAL_URL is what the browser is sent to; PORTAL_INTERNAL_URL is how the hub reaches the portal
# server-to-server (a service name inside compose or a cluster).
PORTAL_URL = env("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
PORTAL_INTERNAL_URL = env("PORTAL_INTERNAL_URL", PORTAL_URL).rstrip("/")
c.JupyterHub.authenticator_class = "generic-oauth"
c.GenericOAuthenticator.client_id = env("JUPYTERHUB_OAUTH_CLIENT_ID", "jupyterhub")
c.GenericOAuthenticator.client_secret = required("JUPYTERHUB_OAUTH_CLIENT_SECRET")
c.GenericOAuthenticator.oauth_callback_url = env(
    "JUPYTERHUB_OAUTH_CALLBACK_URL", HUB_PUBLIC_URL + "/hub/oauth_callback"
)
c.GenericOAuthenticator.authorize_url = PORTAL_URL + "/oauth/authorize/"
c.GenericOAuthenticator.token_url = PORTAL_INTERNAL_URL + "/oauth/token/"
c.GenericOAuthenticator.userdata_url = PORTAL_INTERNAL_URL + "/oauth/userinfo/"
c.GenericOAuthenticator.scope = ["openid", "profile", "email", "groups"]
c.GenericOAuthenticator.enable_pkce = True
c.GenericOAuthenticator.login_service = env("JUPYTERHUB_LOGIN_SERVICE", "IT-Lyceum")
# No hub login page: a visitor without a hub session goes straight to the portal's authorize endpoint,
# which answers at once for a portal user (the hub's client skips the consent screen, see
# ensure_hub_client) and sends anyone else to the portal's own log-in form. The hub's logout lands on the
# portal (logout_redirect_url below), so it never loops back into a fresh log-in.
c.Authenticator.auto_login = True
# `u<portal user id>`: stable when the e-mail address or the name changes, safe as a Unix user name.
c.GenericOAuthenticator.username_claim = "preferred_username"
c.GenericOAuthenticator.manage_groups = True
c.GenericOAuthenticator.auth_state_groups_key = "oauth_user.groups"
_allowed_groups = {g for g in env("JUPYTERHUB_ALLOWED_GROUPS").split(",") if g}
if _allowed_groups:
    c.GenericOAuthenticator.allowed_groups = _allowed_groups
else:
    c.GenericOAuthenticator.allow_all = True
# No portal role becomes a hub administrator: hub admins could reach every student's server. Teachers
# read student notebooks through the portal, which fetches a copy.
c.GenericOAuthenticator.admin_groups = set()
c.GenericOAuthenticator.admin_users = set()
# Auth state (the portal's access token) is not needed by the servers: keep it off.
c.Authenticator.enable_auth_state = False
# Logging out of the hub sends the user back to the portal (the portal's logout in turn visits
# /hub/logout, see docs/hub.md).
c.GenericOAuthenticator.logout_redirect_url = env("JUPYTERHUB_LOGOUT_REDIRECT_URL", PORTAL_URL + "/")
c.GenericOAuthenticator.validate_server_cert = env("JUPYTERHUB_VALIDATE_PORTAL_CERT", "1") == "1"
c.GenericOAuthenticator.http_request_kwargs = {"request_timeout": 10, "connect_timeout": 5}

# --- The portal's service token: the narrowest scopes the portal needs ----------------------------------
#   admin:users     create the hub user before their first server start (JupyterHub grants user
#                   creation with no narrower scope; it cannot make anyone a hub admin)
#   read:users      is the user there, is their server ready
#   read:servers    spawn progress
#   start:servers   start servers (JupyterHub 6; `servers`, which may stop them too, on JupyterHub 5)
#   tokens          issue a user a short-lived token for their own server only
#                   (`access:servers!user=<name>`): the portal sends that token, never its own, to the
#                   student's server, which the student controls, to place and fetch notebooks
# The service token is used only on the hub's REST API (/hub/api). The service has no OAuth client and no
# URL, so its token is never handed to a browser either.
PORTAL_SERVICE_TOKEN = env("JUPYTERHUB_API_TOKEN")
if PORTAL_SERVICE_TOKEN:
    _start = "start:servers" if jupyterhub.version_info >= (6,) else "servers"
    c.JupyterHub.services = [{"name": "portal", "api_token": PORTAL_SERVICE_TOKEN}]
    c.JupyterHub.load_roles = [
        {
            "name": "portal",
            "description": "The IT-Lyceum portal: users, their servers and notebooks",
            "scopes": ["admin:users", "read:users", "read:servers", _start, "tokens"],
            "services": ["portal"],
        }
    ]

# Idle servers are stopped by the culler that Zero to JupyterHub installs (docker/k8s/z2jh-values.yaml);
# on one machine a server simply runs until its user stops it or the hub stops.

# --- Spawner: local processes on one machine, Docker for compose, Kubernetes for a cluster -------------
# Learners' single-user servers read the Jupyter configuration directory docker/jupyterhub/singleuser/
# before any other (JUPYTER_CONFIG_PATH): it turns off nbgrader's instructor tools, which the portal's
# virtual environment has because grading uses nbgrader. `jupyter_server_config.json` disables the
# formgrader, assignment-list and course-list server extensions; `labconfig/page_config.json` disables
# and locks the JupyterLab plugins for the nbgrader menu, Create Assignment, Formgrader, Course List and
# Assignment List. nbgrader's Validate button stays: it runs the learner's own notebook in the learner's
# own server and reports the visible tests, nothing a learner could not do with "Run All"; grading
# itself happens on the portal. The local spawner points at this directory; Kubernetes mounts the same
# two files (singleuser.extraFiles in docker/k8s/z2jh-values.yaml); the stock docker-stacks images
# used by compose carry no nbgrader, and an image that adds it copies the directory and sets the path.
SINGLEUSER_CONFIG_DIR = Path(__file__).resolve().parent / "singleuser"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = int(env("JUPYTERHUB_START_TIMEOUT", "120"))
c.Spawner.http_timeout = int(env("JUPYTERHUB_HTTP_TIMEOUT", "60"))
c.Spawner.mem_limit = env("JUPYTERHUB_MEM_LIMIT", "1G") or None
c.Spawner.cpu_limit = float(env("JUPYTERHUB_CPU_LIMIT", "1"))
# Deleting a user from the hub (the portal does it when it anonymises a person) removes their files too:
# the spawners of docker/jupyterhub/lyceum_spawners.py, KubeSpawner's `delete_pvc` on Kubernetes.
if SPAWNER in ("local", "docker"):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
if SPAWNER == "local":
    # Every user's files live in a directory of their own; the single-user server is JupyterLab from the
    # same virtual environment as the hub.
    c.JupyterHub.spawner_class = "lyceum_spawners.HomeRemovingLocalSpawner"
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    users_dir = Path(env("JUPYTERHUB_USERS_DIR", str(DATA_DIR / "users")))
    users_dir.mkdir(parents=True, exist_ok=True)
    c.SimpleLocalProcessSpawner.home_dir_template = str(users_dir / "{username}")
    c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
    c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV"]
    # Learners' Jupyter configuration (no nbgrader instructor tools) comes first on the config path.
    c.Spawner.environment = {
        "JUPYTER_CONFIG_PATH": os.pathsep.join(
            filter(None, [str(SINGLEUSER_CONFIG_DIR), env("JUPYTER_CONFIG_PATH")])
        )
    }
    if os.geteuid() == 0:
        # Containers and CI often run everything as root; the single-user server refuses that by default.
        c.Spawner.args = ["--ServerApp.allow_root=True"]
    # Resource limits are not enforced by local processes; compose and Kubernetes enforce them.
    c.Spawner.mem_limit = None
    c.Spawner.cpu_limit = None
elif SPAWNER == "docker":
    c.JupyterHub.spawner_class = "lyceum_spawners.VolumeRemovingDockerSpawner"
    c.DockerSpawner.image = env("JUPYTERHUB_SINGLEUSER_IMAGE", "quay.io/jupyter/scipy-notebook:2025-03-14")
    # Student servers join a network of their own that only the hub and the proxy share (compose's
    # `students` network): a student's terminal reaches neither the portal's database nor its Redis.
    c.DockerSpawner.network_name = env("DOCKER_NETWORK_NAME", "it-lyceum_students")
    if not env("JUPYTERHUB_HUB_CONNECT_URL"):
        # The servers call the hub API by its compose service name, which resolves on that network.
        c.JupyterHub.hub_connect_url = "http://hub:8081"
    c.DockerSpawner.remove = True
    c.DockerSpawner.notebook_dir = "/home/jovyan/work"
    c.DockerSpawner.volumes = {"jupyterhub-user-{username}": "/home/jovyan/work"}
    c.JupyterHub.hub_ip = "0.0.0.0"  # noqa: S104 - reached by the user containers on the students network
elif SPAWNER == "kubernetes":
    # Zero to JupyterHub configures KubeSpawner itself (image, profiles, storage, limits). A user deleted
    # from the hub loses their storage (KubeSpawner's default, made explicit).
    c.KubeSpawner.delete_pvc = True
else:
    raise SystemExit(f"jupyterhub_config.py: unknown JUPYTERHUB_SPAWNER={SPAWNER!r}")

# --- Browser security -----------------------------------------------------------------------------------
c.JupyterHub.cookie_max_age_days = float(env("JUPYTERHUB_COOKIE_MAX_AGE_DAYS", "1"))
_https = HUB_PUBLIC_URL.startswith("https://")
# Served from its own origin, the hub is never framed by anything but itself.
c.JupyterHub.tornado_settings = {
    "headers": {"Content-Security-Policy": "frame-ancestors 'self'", "X-Content-Type-Options": "nosniff"},
    "cookie_options": {"secure": True, "samesite": "Lax"} if _https else {"samesite": "Lax"},
    # Answer a start request at once (202) so that the portal shows progress instead of waiting.
    "slow_spawn_timeout": 0,
}
c.JupyterHub.log_level = env("JUPYTERHUB_LOG_LEVEL", "INFO")
c.JupyterHub.cleanup_servers = env("JUPYTERHUB_CLEANUP_SERVERS", "1") == "1"
