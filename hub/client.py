"""A small client for the JupyterHub REST API and the Jupyter contents API behind the hub's proxy.

The portal talks to the hub as its `portal` service (see docker/jupyterhub/jupyterhub_config.py for the
scopes of that token). Everything `hub.services` and `hub.selectors` ask of the hub goes through
`HubClient`: make sure a hub user exists, start their server and follow its progress, and put or get
notebooks in their server's file tree.

Every failure surfaces as a `HubError` subclass whose message can be shown to the user. Only idempotent
requests (GET, HEAD) are retried; a put never overwrites an existing notebook unless the caller asks
for it explicitly.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from urllib.parse import quote

import requests
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .oidc import hub_username

__all__ = [
    "HubClient",
    "HubError",
    "HubUnavailable",
    "NotebookNotFound",
    "ServerNotRunning",
    "ServerStartFailed",
    "ServerStatus",
    "get_client",
    "hub_username",
]


class HubError(Exception):
    """A failure talking to JupyterHub; `str(error)` is a message fit for the user."""

    default_message = _("JupyterHub could not complete the request. Please try again in a minute.")

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        super().__init__(str(message or self.default_message))
        self.detail = detail


class HubUnavailable(HubError):
    default_message = _(
        "JupyterHub is not reachable at the moment. Your notebooks are safe; please try again later."
    )


class ServerNotRunning(HubError):
    default_message = _("Your JupyterLab server is not running. Open the exercise in JupyterLab first.")


class ServerStartFailed(HubError):
    default_message = _("Your JupyterLab server could not be started. Please try again in a minute.")


class NotebookNotFound(HubError):
    default_message = _("The notebook was not found in JupyterLab.")


@dataclass(frozen=True)
class ServerStatus:
    """Where a user's default server stands: not running, starting (with progress 0–100) or ready."""

    running: bool
    ready: bool
    pending: str | None
    url: str
    progress: int = 0
    message: str = ""

    @property
    def starting(self) -> bool:
        return self.pending == "spawn"


class HubClient:
    """The hub REST API at `<base_url>/hub/api` and the user servers at `<base_url>/user/<name>/`."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | None = None,
        retries: int = 2,
    ) -> None:
        self.base_url = (base_url or settings.JUPYTERHUB_URL).rstrip("/")
        self.token = token if token is not None else settings.JUPYTERHUB_API_TOKEN
        self.timeout = timeout if timeout is not None else settings.JUPYTERHUB_REQUEST_TIMEOUT
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {self.token}"
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=0.3,
            allowed_methods=frozenset({"GET", "HEAD"}),
            status_forcelist=(502, 503, 504),
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    # --- transport ------------------------------------------------------------------------------------
    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        try:
            return self.session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise HubUnavailable(detail=f"{method} {url}: {exc}") from exc

    def _api(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self._request(method, f"{self.base_url}/hub/api{path}", **kwargs)
        if response.status_code in (502, 503, 504):
            raise HubUnavailable(detail=f"{method} {path}: HTTP {response.status_code}")
        if response.status_code in (401, 403):
            raise HubError(
                detail=f"{method} {path}: the portal's hub token was refused ({response.status_code})"
            )
        return response

    @staticmethod
    def _fail(response: requests.Response, what: str, error: type[HubError] = HubError) -> HubError:
        return error(detail=f"{what}: HTTP {response.status_code} {response.text[:300]}")

    # --- users and servers ----------------------------------------------------------------------------
    def get_user(self, username: str) -> dict | None:
        """The hub's user model, or None when the user does not exist yet."""
        response = self._api("GET", f"/users/{quote(username)}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._fail(response, "read user")
        return response.json()

    def ensure_user(self, username: str) -> dict:
        """Create the hub user unless it exists; return the user model."""
        user = self.get_user(username)
        if user is not None:
            return user
        response = self._api("POST", f"/users/{quote(username)}")
        if response.status_code == 409:  # created meanwhile by a login or a parallel request
            return self.get_user(username) or {}
        if response.status_code != 201:
            raise self._fail(response, "create user")
        return response.json()

    def server_status(self, username: str, *, with_progress: bool = False) -> ServerStatus:
        """The state of the user's default server; with_progress reads the spawn progress too."""
        user = self.get_user(username) or {}
        server = (user.get("servers") or {}).get("")
        if not server:
            return ServerStatus(running=False, ready=False, pending=None, url="")
        status = ServerStatus(
            running=True,
            ready=bool(server.get("ready")),
            pending=server.get("pending"),
            url=server.get("url") or f"/user/{quote(username)}/",
            progress=100 if server.get("ready") else 0,
        )
        if with_progress and not status.ready and status.starting:
            event = self.latest_progress(username)
            status = ServerStatus(
                running=True,
                ready=bool(event.get("ready")),
                pending=status.pending,
                url=status.url,
                progress=int(event.get("progress") or 0),
                message=str(event.get("message") or ""),
            )
        return status

    def start_server(self, username: str) -> ServerStatus:
        """Ask the hub to start the user's default server (no-op when it runs or is starting)."""
        response = self._api("POST", f"/users/{quote(username)}/server")
        if response.status_code == 400 and "already running" in response.text:
            return self.server_status(username)
        if response.status_code not in (201, 202):
            raise self._fail(response, "start server", ServerStartFailed)
        return self.server_status(username)

    def latest_progress(self, username: str, *, wait: float = 0.5) -> dict:
        """The most recent spawn-progress event ({progress, message, ready, failed}), read from the hub's
        event stream for at most *wait* seconds."""
        url = f"{self.base_url}/hub/api/users/{quote(username)}/server/progress"
        latest: dict = {}
        try:
            with self.session.get(url, stream=True, timeout=(self.timeout, wait)) as response:
                if response.status_code != 200:
                    return latest
                for line in response.iter_lines(decode_unicode=True):
                    if line and line.startswith("data:"):
                        try:
                            latest = json.loads(line[5:].strip())
                        except ValueError:
                            continue
                        if latest.get("ready") or latest.get("failed"):
                            break
        except requests.RequestException:
            pass  # the stream stays open until the server is ready: a read timeout is the normal end
        if latest.get("failed"):
            raise ServerStartFailed(detail=str(latest.get("message", "")))
        return latest

    def wait_until_ready(
        self, username: str, *, timeout: float | None = None, poll: float = 0.5
    ) -> ServerStatus:
        """Start the server if needed and poll until it is ready; ServerStartFailed after *timeout*."""
        timeout = timeout if timeout is not None else settings.JUPYTERHUB_START_TIMEOUT
        deadline = time.monotonic() + timeout
        status = self.server_status(username)
        if not status.running:
            status = self.start_server(username)
        while not status.ready:
            if time.monotonic() > deadline:
                raise ServerStartFailed(detail=f"not ready after {timeout} s")
            time.sleep(poll)
            status = self.server_status(username)
            if not status.running:
                raise ServerStartFailed(detail="the server stopped while starting")
        return status

    # --- notebooks through the contents API -------------------------------------------------------------
    def _contents_url(self, username: str, path: str) -> str:
        return f"{self.base_url}/user/{quote(username)}/api/contents/{quote(path.strip('/'))}"

    def _contents(self, method: str, username: str, path: str, **kwargs) -> requests.Response:
        response = self._request(method, self._contents_url(username, path), **kwargs)
        if response.status_code in (502, 503, 504) or (
            response.status_code in (301, 302, 303, 307) and "/hub/" in response.headers.get("Location", "")
        ):
            # The proxy sends requests for a stopped server back to the hub.
            raise ServerNotRunning(detail=f"{method} {path}: HTTP {response.status_code}")
        if response.status_code in (401, 403):
            raise HubError(detail=f"{method} {path}: refused ({response.status_code})")
        return response

    def get_contents(self, username: str, path: str, *, content: bool = True) -> dict | None:
        """The contents-API model of *path*, or None when it does not exist."""
        response = self._contents("GET", username, path, params={"content": "1" if content else "0"})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._fail(response, f"read {path}")
        return response.json()

    def exists(self, username: str, path: str) -> bool:
        return self.get_contents(username, path, content=False) is not None

    def ensure_directory(self, username: str, path: str) -> None:
        """Create the directory *path* (and its parents) in the user's tree unless it exists."""
        parts = [p for p in path.strip("/").split("/") if p]
        for depth in range(1, len(parts) + 1):
            sub = "/".join(parts[:depth])
            if self.exists(username, sub):
                continue
            response = self._contents("PUT", username, sub, json={"type": "directory"})
            if response.status_code not in (200, 201):
                raise self._fail(response, f"create directory {sub}")

    def put_notebook(self, username: str, path: str, notebook: dict, *, overwrite: bool = False) -> bool:
        """Write *notebook* (nbformat JSON as a dict) at *path*. Returns False, writing nothing, when a
        file is already there and *overwrite* is not set: the student's work is never replaced."""
        if not overwrite and self.exists(username, path):
            return False
        if "/" in path.strip("/"):
            self.ensure_directory(username, path.strip("/").rsplit("/", 1)[0])
        response = self._contents(
            "PUT", username, path, json={"type": "notebook", "format": "json", "content": notebook}
        )
        if response.status_code not in (200, 201):
            raise self._fail(response, f"write {path}")
        return True

    def put_file(self, username: str, path: str, data: bytes, *, overwrite: bool = False) -> bool:
        """Write the bytes *data* as a plain file at *path*; like `put_notebook`, an existing file is
        left alone (False) unless *overwrite* is set."""
        if not overwrite and self.exists(username, path):
            return False
        if "/" in path.strip("/"):
            self.ensure_directory(username, path.strip("/").rsplit("/", 1)[0])
        content = base64.b64encode(data).decode("ascii")
        response = self._contents(
            "PUT", username, path, json={"type": "file", "format": "base64", "content": content}
        )
        if response.status_code not in (200, 201):
            raise self._fail(response, f"write {path}")
        return True

    def rename(self, username: str, path: str, new_path: str) -> None:
        response = self._contents("PATCH", username, path, json={"path": new_path.strip("/")})
        if response.status_code != 200:
            raise self._fail(response, f"rename {path}")

    def get_notebook(self, username: str, path: str) -> bytes:
        """The notebook at *path* as .ipynb bytes; NotebookNotFound when it is not there."""
        model = self.get_contents(username, path)
        if model is None or model.get("type") != "notebook":
            raise NotebookNotFound(detail=path)
        return json.dumps(model["content"], ensure_ascii=False, indent=1).encode()

    # --- browser addresses ----------------------------------------------------------------------------
    @staticmethod
    def lab_url(username: str, path: str) -> str:
        """Where the browser opens *path* in the user's JupyterLab (public hub address)."""
        return f"{settings.JUPYTERHUB_PUBLIC_URL}/user/{quote(username)}/lab/tree/{quote(path.strip('/'))}"


def get_client() -> HubClient:
    """The hub client the services use, configured from settings (one place for tests to reach)."""
    return HubClient()
