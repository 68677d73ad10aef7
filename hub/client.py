"""A small client for the JupyterHub REST API and the Jupyter contents API behind the hub's proxy.

The portal talks to the hub REST API (`<hub>/hub/api/...`) as its `portal` service (see
docker/jupyterhub/jupyterhub_config.py for the scopes of that token). The service token is sent there and
nowhere else: a student controls their own server, so every request to `<hub>/user/<name>/...` carries a
short-lived token the hub issues for that one user, scoped to that user's server only
(`access:servers!user=<name>`, `JUPYTERHUB_USER_TOKEN_LIFETIME` seconds), cached per user until shortly
before it expires.

Everything `hub.services` and `hub.selectors` ask of the hub goes through `HubClient`: make sure a hub user
exists, start their server and follow its progress, put or get notebooks in their server's file tree, and
delete the user (an anonymised person).
Every request is time-capped (connect and read timeouts, and an overall budget for the client made for
one page); what a student's server answers is read up to a size cap (`GRADING_MAX_NOTEBOOK_BYTES`).

Every failure surfaces as a `HubError` subclass whose message can be shown to the user. Only idempotent
requests (GET, HEAD) are retried; a put never overwrites an existing notebook unless the caller asks
for it explicitly.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import requests
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util.retry import Retry

from .oidc import hub_username

__all__ = [
    "HubClient",
    "HubError",
    "HubUnavailable",
    "NotebookNotFound",
    "NotebookTooLarge",
    "ServerNotRunning",
    "ServerStarting",
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


class ServerStarting(ServerNotRunning):
    """The server was not ready; its start has been requested (nobody waits for it in a web request)."""

    default_message = _("The JupyterLab server is starting. Please try again in a minute.")


class ServerStartFailed(HubError):
    default_message = _("Your JupyterLab server could not be started. Please try again in a minute.")


class NotebookNotFound(HubError):
    default_message = _("The notebook was not found in JupyterLab.")


class NotebookTooLarge(HubError):
    default_message = _("The notebook in JupyterLab is too large for the portal to read.")

    @classmethod
    def over(cls, limit: int, *, detail: str) -> NotebookTooLarge:
        """The error for a notebook past *limit* bytes, naming the limit."""
        message = _("The notebook in JupyterLab is larger than the %(limit)s the portal accepts.")
        return cls(message % {"limit": filesizeformat(limit)}, detail=detail)


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


@dataclass(frozen=True)
class _Reply:
    """What a student's server answered, its body read up to the size cap."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body[:300].decode("utf-8", errors="replace")

    def json(self) -> dict:
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than Python parses
            raise HubError(detail=f"not JSON: {self.text[:100]!r}") from exc


# The per-user server tokens, shared by the clients of this process: (hub URL, user) -> (token, expiry
# on the monotonic clock). A token is reused while it has more than USER_TOKEN_MARGIN seconds left.
_user_tokens: dict[tuple[str, str], tuple[str, float]] = {}
# When a user's server last made the portal replace a token it refused: (hub URL, user) -> monotonic time.
_user_token_renewals: dict[tuple[str, str], float] = {}
_user_tokens_lock = threading.Lock()
USER_TOKEN_MARGIN = 60.0
# Room for the contents model around a notebook of GRADING_MAX_NOTEBOOK_BYTES.
ENVELOPE_BYTES = 64 * 1024


class HubClient:
    """The hub REST API at `<base_url>/hub/api` and the user servers at `<base_url>/user/<name>/`.

    *timeout* is the connect and per-read timeout of each request; *budget*, when given, the seconds all
    requests of this client may take together (`get_client` sets it for the views); *max_notebook_bytes*
    (default `GRADING_MAX_NOTEBOOK_BYTES`, plus room for the contents model around it) caps what is read
    from a student's server."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | None = None,
        retries: int = 2,
        budget: float | None = None,
        max_notebook_bytes: int | None = None,
        user_token_lifetime: int | None = None,
    ) -> None:
        self.base_url = (base_url or settings.JUPYTERHUB_URL).rstrip("/")
        self.token = token if token is not None else settings.JUPYTERHUB_API_TOKEN
        self.timeout = timeout if timeout is not None else settings.JUPYTERHUB_REQUEST_TIMEOUT
        self.retries = retries
        self.deadline = time.monotonic() + budget if budget else None
        self.max_notebook_bytes = (
            max_notebook_bytes if max_notebook_bytes is not None else settings.GRADING_MAX_NOTEBOOK_BYTES
        )
        self.user_token_lifetime = user_token_lifetime or settings.JUPYTERHUB_USER_TOKEN_LIFETIME
        # No default Authorization header: each request names the token it carries.
        self.session = requests.Session()
        retry = Retry(
            total=retries,
            connect=retries,
            read=0,  # a server that is slow to answer stays slow: no second wait
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
    def _remaining(self, what: str) -> float | None:
        """Seconds left of the budget (None without one); HubUnavailable once it is spent."""
        if self.deadline is None:
            return None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise HubUnavailable(detail=f"{what}: the time for the hub's answers is up")
        return remaining

    def _timeout(self, what: str, read: float | None = None) -> tuple[float, float]:
        """(connect, read) timeouts, shortened so that retries stay within the budget."""
        connect, read = self.timeout, read if read is not None else self.timeout
        remaining = self._remaining(what)
        if remaining is not None:
            share = max(remaining / (self.retries + 1), 0.05)
            connect, read = min(connect, share), min(read, share)
        return connect, read

    def _request(self, method: str, url: str, *, token: str, **kwargs) -> requests.Response:
        if "timeout" not in kwargs:
            kwargs["timeout"] = self._timeout(f"{method} {url}")
        kwargs.setdefault("allow_redirects", False)
        headers = {**kwargs.pop("headers", {}), "Authorization": f"token {token}"}
        try:
            return self.session.request(method, url, headers=headers, **kwargs)
        except requests.RequestException as exc:
            raise HubUnavailable(detail=f"{method} {url}: {exc}") from exc

    def _api(self, method: str, path: str, **kwargs) -> requests.Response:
        """A request to the hub REST API: the only place the service token is sent."""
        response = self._request(method, f"{self.base_url}/hub/api{path}", token=self.token, **kwargs)
        if response.status_code in (502, 503, 504):
            raise HubUnavailable(detail=f"{method} {path}: HTTP {response.status_code}")
        if response.status_code in (401, 403):
            raise HubError(
                detail=f"{method} {path}: the portal's hub token was refused ({response.status_code})"
            )
        return response

    @staticmethod
    def _fail(response: requests.Response | _Reply, what: str, error: type[HubError] = HubError) -> HubError:
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

    def delete_user(self, username: str, *, stop_timeout: float = 120) -> bool:
        """Delete the hub user *username*: the hub stops their server first, then deletes the user, which
        makes the spawner remove their home directory (see `delete_forever` in
        docker/jupyterhub/jupyterhub_config.py). True when deleted, False when there was no such user
        (deleted before: asking again is harmless). `HubError` while their server is still starting or
        stopping (the hub refuses then: ask again later). *stop_timeout* is how long the hub may take to
        answer, since it answers only once the server has stopped."""
        response = self._api(
            "DELETE", f"/users/{quote(username)}", timeout=(self.timeout, max(self.timeout, stop_timeout))
        )
        if response.status_code == 404:
            return False
        if response.status_code != 204:
            raise self._fail(response, "delete user")
        return True

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
        """Ask the hub to start the user's default server (no-op when it runs or is starting). The hub
        answers at once (`slow_spawn_timeout` 0): nothing here waits for the server."""
        response = self._api("POST", f"/users/{quote(username)}/server")
        if response.status_code == 400 and "already running" in response.text:
            return self.server_status(username)
        if response.status_code not in (201, 202):
            raise self._fail(response, "start server", ServerStartFailed)
        return self.server_status(username)

    def ready_or_start(self, username: str) -> ServerStatus:
        """The status of the user's server when it is ready; otherwise ask for its start (unless it is
        starting already) and raise `ServerStarting` without waiting."""
        status = self.server_status(username)
        if status.ready:
            return status
        if not status.running:
            self.start_server(username)
        raise ServerStarting(detail=f"{username}: not ready yet")

    def latest_progress(self, username: str, *, wait: float = 0.5) -> dict:
        """The most recent spawn-progress event ({progress, message, ready, failed}), read from the hub's
        event stream for at most *wait* seconds."""
        url = f"{self.base_url}/hub/api/users/{quote(username)}/server/progress"
        latest: dict = {}
        deadline = time.monotonic() + wait
        try:
            with self._request(
                "GET", url, token=self.token, stream=True, timeout=self._timeout("progress", wait)
            ) as response:
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
                    if time.monotonic() > deadline:
                        break
        except (requests.RequestException, HubUnavailable):
            pass  # the stream stays open until the server is ready: a read timeout is the normal end
        if latest.get("failed"):
            raise ServerStartFailed(detail=str(latest.get("message", "")))
        return latest

    def wait_until_ready(
        self, username: str, *, timeout: float | None = None, poll: float = 0.5
    ) -> ServerStatus:
        """Start the server if needed and poll until it is ready; ServerStartFailed after *timeout*.
        For scripts and tests only: a web request never waits for a server (see `ready_or_start`)."""
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

    # --- tokens for a student's own server --------------------------------------------------------------
    def create_user_token(self, username: str, *, expires_in: int | None = None) -> str:
        """A new token of the hub user *username* that reaches only their own server
        (`access:servers!user=<name>`) and expires after *expires_in* seconds (default
        `JUPYTERHUB_USER_TOKEN_LIFETIME`). The portal's service token itself never leaves the hub API."""
        lifetime = int(expires_in or self.user_token_lifetime)
        response = self._api(
            "POST",
            f"/users/{quote(username)}/tokens",
            json={
                "scopes": [f"access:servers!user={username}"],
                "expires_in": lifetime,
                "note": f"portal: notebooks in {username}'s server ({lifetime} s)",
            },
        )
        if response.status_code != 201:
            raise self._fail(response, "create a server token")
        token = response.json().get("token")
        if not token:
            raise HubError(detail="create a server token: no token in the answer")
        return token

    def _server_token(self, username: str, *, fresh: bool = False) -> str:
        """The cached token for *username*'s server, or a new one when there is none, when it has less
        than USER_TOKEN_MARGIN (at most half its lifetime) left, or when *fresh* is asked for (the server
        refused the cached one) — at most once per half a token lifetime per user: a server that refuses
        every token does not make the portal create one on every request."""
        key = (self.base_url, username)
        now = time.monotonic()
        with _user_tokens_lock:
            cached = _user_tokens.get(key)
            renewed = _user_token_renewals.get(key)
        margin = min(USER_TOKEN_MARGIN, self.user_token_lifetime / 2)
        renewed_lately = renewed is not None and now - renewed < self.user_token_lifetime / 2
        if cached and cached[1] - now > margin and (not fresh or renewed_lately):
            return cached[0]
        token = self.create_user_token(username)
        with _user_tokens_lock:
            for stale in [k for k, (_t, expiry) in _user_tokens.items() if expiry <= now]:
                del _user_tokens[stale]
            _user_tokens[key] = (token, now + self.user_token_lifetime)
            if fresh:
                for stale in [
                    k for k, at in _user_token_renewals.items() if now - at > self.user_token_lifetime
                ]:
                    del _user_token_renewals[stale]
                _user_token_renewals[key] = now
        return token

    # --- notebooks through the contents API -------------------------------------------------------------
    def _contents_url(self, username: str, path: str) -> str:
        return f"{self.base_url}/user/{quote(username)}/api/contents/{quote(path.strip('/'))}"

    def _read_capped(self, response: requests.Response, what: str) -> bytes:
        """The body of a streamed *response* from a student's server, read only up to the notebook size
        cap plus room for the model around it (`NotebookTooLarge` past it) and within the budget."""
        limit = self.max_notebook_bytes + ENVELOPE_BYTES
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise NotebookTooLarge.over(self.max_notebook_bytes, detail=f"{what}: {declared} bytes announced")
        chunks, size = [], 0
        try:
            # read1: at most one socket read per step (each bounded by the read timeout), so the budget is
            # checked even against a server that trickles its answer
            while chunk := response.raw.read1(64 * 1024, decode_content=True):
                size += len(chunk)
                if size > limit:
                    raise NotebookTooLarge.over(self.max_notebook_bytes, detail=f"{what}: over {limit} bytes")
                chunks.append(chunk)
                self._remaining(what)
        except (requests.RequestException, Urllib3Error, OSError) as exc:
            raise HubUnavailable(detail=f"{what}: {exc}") from exc
        return b"".join(chunks)

    def _contents(self, method: str, username: str, path: str, **kwargs) -> _Reply:
        """A contents-API request to *username*'s server with that user's server token (a new one once
        when the cached token is refused); the answer is read up to the size cap."""
        url = self._contents_url(username, path)
        what = f"{method} {path}"
        refused = None
        for attempt in range(2):
            token = self._server_token(username, fresh=attempt > 0)
            if token == refused:
                # No new token so soon after the last one (see `_server_token`): the refusal stands.
                break
            response = self._request(method, url, token=token, stream=True, **kwargs)
            try:
                if response.status_code in (401, 403) and attempt == 0:
                    refused = token
                    reply = _Reply(response.status_code, response.headers, b"")
                    continue  # revoked or expired early: once more with a new token
                redirect = response.status_code in (301, 302, 303, 307)
                body = b"" if redirect else self._read_capped(response, what)
            finally:
                response.close()
            reply = _Reply(response.status_code, response.headers, body)
            break
        if reply.status_code in (424, 502, 503, 504) or (
            reply.status_code in (301, 302, 303, 307) and "/hub/" in reply.headers.get("Location", "")
        ):
            # The hub answers for a stopped server (424, or a redirect to the hub for older versions).
            raise ServerNotRunning(detail=f"{what}: HTTP {reply.status_code}")
        if reply.status_code in (401, 403):
            raise HubError(detail=f"{what}: refused ({reply.status_code})")
        return reply

    def get_contents(self, username: str, path: str, *, content: bool = True) -> dict | None:
        """The contents-API model of *path*, or None when it does not exist."""
        response = self._contents("GET", username, path, params={"content": "1" if content else "0"})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._fail(response, f"read {path}")
        model = response.json()
        if not isinstance(model, dict):
            raise HubError(detail=f"read {path}: the answer is not a contents model")
        return model

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
        """The notebook at *path* as .ipynb bytes; NotebookNotFound when it is not there,
        NotebookTooLarge when the server sends more than the portal reads."""
        model = self.get_contents(username, path)
        if model is None or model.get("type") != "notebook":
            raise NotebookNotFound(detail=path)
        content = model.get("content")
        if not isinstance(content, dict) or not isinstance(content.get("cells", []), list):
            raise HubError(detail=f"read {path}: the notebook in the answer is not a notebook")
        try:
            return json.dumps(content, ensure_ascii=False, indent=1).encode()
        except (ValueError, RecursionError) as exc:
            raise HubError(detail=f"read {path}: the notebook cannot be encoded") from exc

    # --- browser addresses ----------------------------------------------------------------------------
    @staticmethod
    def lab_url(username: str, path: str) -> str:
        """Where the browser opens *path* in the user's JupyterLab (public hub address)."""
        return f"{settings.JUPYTERHUB_PUBLIC_URL}/user/{quote(username)}/lab/tree/{quote(path.strip('/'))}"


def get_client() -> HubClient:
    """The hub client the services use for one page, configured from settings (one place for tests to
    reach): its calls together take at most `JUPYTERHUB_REQUEST_BUDGET` seconds."""
    return HubClient(budget=settings.JUPYTERHUB_REQUEST_BUDGET)
