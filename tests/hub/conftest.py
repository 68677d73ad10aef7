"""A stand-in JupyterHub for the hub tests: a real HTTP server on a loopback port that answers the few hub
REST API and contents API requests the portal makes, and records every request with the token it carried.

It checks tokens the way the hub does: the REST API (`/hub/api/...`) takes only the portal's service token;
a user's server (`/user/<name>/...`) takes only a token the hub issued for that user.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import pytest

from hub import client as hub_client

SERVICE_TOKEN = "service-token-" + "s" * 32


@dataclass
class Seen:
    """One request the fake hub received."""

    method: str
    path: str
    token: str
    body: dict | None = None


@dataclass
class FakeHub:
    """The hub's state: users and their server (None: stopped, "pending", "ready"), files per user (gone
    with the user when it is deleted), issued user tokens; and what to do with a notebook read
    (`notebook_body`: raw bytes to answer with, `announce_length`: whether to send a Content-Length
    header, `dribble`: seconds to pause between chunks of 1 KiB, like a server that answers just fast
    enough never to time out)."""

    url: str = ""
    servers: dict[str, str | None] = field(default_factory=dict)
    files: dict[tuple[str, str], dict] = field(default_factory=dict)
    user_tokens: dict[str, str] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    notebook_body: bytes | None = None
    announce_length: bool = True
    dribble: float = 0.0
    busy_deletes: int = 0  # how many user deletions to refuse first (a server still stopping)

    def requests_to(self, prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(prefix)]

    def token_requests(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST" and s.path.endswith("/tokens")]


class Handler(BaseHTTPRequestHandler):
    hub: FakeHub

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    # --- plumbing -----------------------------------------------------------------------------------
    def _send(self, status: int, payload=None, *, content_type: str = "application/json") -> None:
        if payload is None:
            body = b""
        else:
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        path = urlsplit(self.path).path
        query = urlsplit(self.path).query
        token = (self.headers.get("Authorization") or "").removeprefix("token ")
        self.hub.seen.append(Seen(method, path, token, body))
        if path.startswith("/hub/api/"):
            if token != SERVICE_TOKEN:
                return self._send(403, {"message": "not the service token"})
            return self._api(method, path.removeprefix("/hub/api"), body)
        match = re.fullmatch(r"/user/([^/]+)/api/contents/?(.*)", path)
        if match:
            name, file_path = unquote(match[1]), unquote(match[2])
            if self.hub.servers.get(name) != "ready":
                return self._send(424, {"message": "server not running"})
            if self.hub.user_tokens.get(token) != name:
                return self._send(403, {"message": "this token does not reach this server"})
            return self._contents(method, name, file_path, body, query)
        return self._send(404)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # --- the hub REST API ---------------------------------------------------------------------------
    def _api(self, method: str, path: str, body: dict | None) -> None:
        hub = self.hub
        match = re.fullmatch(r"/users/([^/]+)(/.*)?", path)
        if not match:
            return self._send(404)
        name, rest = unquote(match[1]), match[2] or ""
        if method == "GET" and rest == "":
            if name not in hub.servers:
                return self._send(404)
            state = hub.servers[name]
            servers = {}
            if state:
                servers[""] = {
                    "ready": state == "ready",
                    "pending": "spawn" if state == "pending" else None,
                    "url": f"/user/{name}/",
                }
            return self._send(200, {"name": name, "servers": servers})
        if method == "DELETE" and rest == "":
            if name not in hub.servers:
                return self._send(404)
            if hub.busy_deletes:
                hub.busy_deletes -= 1
                return self._send(400, {"message": f"{name}'s server is in the process of stopping"})
            del hub.servers[name]  # the hub stops the server first, then deletes the user and their files
            for key in [key for key in hub.files if key[0] == name]:
                del hub.files[key]
            return self._send(204)
        if method == "POST" and rest == "":
            if name in hub.servers:
                return self._send(409)
            hub.servers[name] = None
            return self._send(201, {"name": name, "servers": {}})
        if method == "POST" and rest == "/server":
            if hub.servers.get(name):
                return self._send(400, {"message": f"{name} is already running"})
            hub.servers[name] = "pending"
            return self._send(202)
        if method == "GET" and rest == "/server/progress":
            ready = hub.servers.get(name) == "ready"
            event = f"data: {json.dumps({'progress': 40, 'message': 'Server requested', 'ready': ready})}\n\n"
            return self._send(200, event.encode(), content_type="text/event-stream")
        if method == "POST" and rest == "/tokens":
            if name not in hub.servers:
                return self._send(403)
            token = f"user-{name}-{secrets.token_hex(8)}"
            hub.user_tokens[token] = name
            return self._send(201, {"token": token, "scopes": (body or {}).get("scopes")})
        return self._send(404)

    # --- a user's server: the contents API ----------------------------------------------------------
    def _contents(self, method: str, name: str, path: str, body: dict | None, query: str) -> None:
        hub = self.hub
        key = (name, path.strip("/"))
        if method == "GET":
            if hub.notebook_body is not None and path.endswith(".ipynb"):
                return self._raw(hub.notebook_body)
            model = hub.files.get(key)
            if model is None:
                return self._send(404)
            return self._send(200, model if "content=0" not in query else {**model, "content": None})
        if method == "PUT":
            hub.files[key] = {"name": key[1].rsplit("/", 1)[-1], "path": key[1], **(body or {})}
            return self._send(201, {"path": key[1]})
        if method == "PATCH":
            hub.files[(name, body["path"])] = hub.files.pop(key)
            return self._send(200, {"path": body["path"]})
        return self._send(405)

    def _raw(self, data: bytes) -> None:
        """Answer with *data* as it is, its length announced or not (then the connection's end marks the
        end of the body and the reader has to stop on its own)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.hub.announce_length:
            self.send_header("Content-Length", str(len(data)))
        else:
            self.close_connection = True
        self.end_headers()
        chunk = 1024 if self.hub.dribble else 64 * 1024
        try:
            for start in range(0, len(data), chunk):
                self.wfile.write(data[start : start + chunk])
                if self.hub.dribble:
                    self.wfile.flush()
                    time.sleep(self.hub.dribble)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the portal stopped reading: what these tests want


@pytest.fixture
def fake_hub(settings):
    """A running stand-in hub with the portal's settings pointed at it."""
    hub = FakeHub()
    handler = type("BoundHandler", (Handler,), {"hub": hub})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.JUPYTERHUB_URL = hub.url
    settings.JUPYTERHUB_PUBLIC_URL = hub.url
    settings.JUPYTERHUB_API_TOKEN = SERVICE_TOKEN
    settings.JUPYTERHUB_REQUEST_TIMEOUT = 5
    yield hub
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _no_cached_server_tokens():
    """Each test starts without the per-user server tokens an earlier test's client cached."""
    hub_client._user_tokens.clear()
    hub_client._user_token_renewals.clear()
    yield
    hub_client._user_tokens.clear()
