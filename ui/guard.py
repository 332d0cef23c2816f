"""The ASGI guard in front of the whole app: who may call it, which scripts its pages run,
which files an event may name, and how big a request may be.

* **Origins.** Same-origin only by default. A cross-origin request (its ``Origin``
  is not the app's own) is refused with 403 unless the origin is on the
  allow-list (``allowed_origins``); only listed origins get CORS headers, and
  ``null`` or ``*`` can never be listed. ``frame-ancestors`` says the same
  to browsers about framing.
* **Writes.** Uploading a file needs a request whose ``Origin`` (or, failing that,
  ``Referer``) is the app's own or a listed one: a request with neither is
  refused, so no other page can make the browser upload. Indexing and deleting
  are checked the same way in their handlers (``same_site``).
* **Files named by events.** Gradio moves any path an event names into its cache
  (and skips its own check when the Blocks is mounted rather than launched):
  an event that names a file outside Gradio's upload folder, or a URL, is
  refused here before Gradio sees it.
* **Scripts.** Every response carries ``Content-Security-Policy`` with a
  ``script-src``: Gradio's page runs only its own scripts and its inline ones,
  which get a fresh nonce per response; routes that set their own policy
  (documents: no script at all) keep it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Mapping
from urllib.parse import urlsplit

from rag.errors import ConfigError

MAX_EVENT_BYTES = 2 * 1024 * 1024  # an event carries a question, settings and the chat so far
_EVENT_PATH = re.compile(r"/gradio_api/(queue/join|run/|call/|api/)")
_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.I)

ASGIApp = Callable[..., Awaitable[None]]


def parse_origins(spec: str) -> list[str]:
    """``"https://a.example, http://b.example:8080"`` → exact origins; refuses ``null``, ``*`` and non-origins."""
    out = []
    for raw in (o.strip().rstrip("/") for o in spec.split(",")):
        if not raw:
            continue
        parts = urlsplit(raw)
        if raw in ("null", "*") or parts.scheme not in ("http", "https") or not parts.hostname \
                or parts.path or parts.query or parts.fragment or "@" in parts.netloc or "*" in raw:
            raise ConfigError(f"allowed_origins: {raw!r} is not an origin like https://intranet.example "
                              "('null' and '*' are never allowed)")
        out.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return out


def public_origin(headers: Mapping[str, str], scheme: str = "http") -> str:
    """The app's origin as the browser sees it (behind a proxy: the forwarded host and scheme)."""
    host = headers.get("x-forwarded-host", headers.get("host", "")).split(",")[0].strip().lower()
    proto = headers.get("x-forwarded-proto", scheme).split(",")[0].strip()
    return f"{proto}://{host}" if host else ""


def own_origins(headers: Mapping[str, str], scheme: str = "http") -> set[str]:
    """Origins that count as the app's own (either scheme: a proxy may end TLS)."""
    origin = public_origin(headers, scheme)
    if not origin:
        return set()
    host = origin.split("://", 1)[1]
    return {origin, f"http://{host}", f"https://{host}"}


def source_origin(headers: Mapping[str, str]) -> str:
    """Where a request comes from: its ``Origin``, else the origin of its ``Referer``, else ``""``."""
    origin = headers.get("origin", "").strip().rstrip("/")
    if origin:
        return origin
    ref = urlsplit(headers.get("referer", ""))
    return f"{ref.scheme}://{ref.netloc.lower()}" if ref.scheme and ref.netloc else ""


def same_site(headers: Mapping[str, str], allowed: Iterable[str], scheme: str = "http") -> bool:
    """A state-changing request must come from the app's own pages or a listed origin."""
    origin = source_origin(headers)
    return bool(origin) and origin != "null" and (origin in own_origins(headers, scheme) or origin in set(allowed))


def inside(path: str, root: Path) -> bool:
    """Whether ``path`` (symlinks resolved) is a file under ``root``; URLs never are."""
    if "://" in path:
        return False
    try:
        return Path(path).resolve().is_relative_to(root.resolve())
    except (OSError, ValueError, RuntimeError):
        return False


def foreign_files(data: Any, root: Path) -> list[str]:
    """Paths named in an event's data (any object with a ``path`` string) that lie outside ``root``."""
    bad: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            path = item.get("path")
            if isinstance(path, str) and not inside(path, root):
                bad.append(path)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return bad


class Guard:
    """ASGI middleware applying the rules in the module docstring."""

    def __init__(self, app: ASGIApp, origins: list[str], upload_root: str | os.PathLike[str],
                 max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self.app = app
        self.origins = set(origins)
        self.upload_root = Path(upload_root)
        self.max_event_bytes = max_event_bytes
        self.frame = "frame-ancestors 'self'" + "".join(f" {o}" for o in origins)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin", "").rstrip("/")
        cross = bool(origin) and origin not in own_origins(headers, scope.get("scheme", "http"))
        if cross and origin not in self.origins:
            if scope["type"] == "http" and scope.get("path", "").endswith("/embed-info"):
                # The widget loader asks first, so that a page that may not embed the assistant
                # shows a line saying so rather than a blank box (it learns nothing else).
                await _plain(send, 200, b'{"allowed": false}',
                             [(b"access-control-allow-origin", origin.encode()),
                              (b"vary", b"Origin"), *self._policy()])
                return
            await _refuse(scope, send, 403, b"origin not allowed", self._policy())
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope.get("path", "")
        if cross and method == "OPTIONS" and "access-control-request-method" in headers:
            extra = [
                (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                (b"access-control-allow-headers", headers.get("access-control-request-headers", "*").encode()),
                (b"access-control-max-age", b"600"),
            ]
            await _plain(send, 204, b"", _cors(origin) + extra + self._policy(b"script-src 'self'"))
            return
        if method == "POST" and path.endswith("/gradio_api/upload") and \
                not same_site(headers, self.origins, scope.get("scheme", "http")):
            await _plain(send, 403, b"uploads are only accepted from the app's own pages", self._policy())
            return
        if method == "POST" and _EVENT_PATH.search(path):
            body = await _read_body(receive, self.max_event_bytes)
            if body is None:
                await _plain(send, 413, b"request too large", self._policy())
                return
            if self._names_foreign_file(body):
                await _plain(send, 403, b"events may only name files uploaded to this app", self._policy())
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, self._sender(send, origin if cross else ""))

    def _names_foreign_file(self, body: bytes) -> bool:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return False  # not JSON: Gradio refuses it itself
        return bool(foreign_files(data, self.upload_root))

    def _policy(self, script_src: bytes = b"script-src 'self'") -> list[tuple[bytes, bytes]]:
        return [(b"content-security-policy",
                 script_src + b"; object-src 'none'; base-uri 'self'; " + self.frame.encode())]

    def _sender(self, send: Any, cors_origin: str) -> Any:
        """Wrap ``send``: CORS for a listed origin, a CSP on every response, nonces on Gradio's pages."""
        state: dict[str, Any] = {}

        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                hs = [(k, v) for k, v in message.get("headers", [])
                      if not k.lower().startswith(b"access-control-")]
                if cors_origin:
                    hs += _cors(cors_origin)
                csp = [v for k, v in hs if k.lower() == b"content-security-policy"]
                if csp:  # a route's own policy: keep it, add who may frame
                    hs = [(k, v) for k, v in hs if k.lower() != b"content-security-policy"]
                    value = csp[0] if b"frame-ancestors" in csp[0] else csp[0] + b"; " + self.frame.encode()
                    hs.append((b"content-security-policy", value))
                elif any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in hs):
                    state["html"] = {**message, "headers": hs}
                    state["body"] = []
                    return
                else:
                    hs += self._policy()
                message = {**message, "headers": hs}
            elif message["type"] == "http.response.body" and "html" in state:
                state["body"].append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await self._send_page(send, state["html"], b"".join(state["body"]))
                return
            await send(message)

        return wrapped

    async def _send_page(self, send: Any, start: dict[str, Any], body: bytes) -> None:
        """Gradio's HTML page: its inline scripts get a nonce that the policy names."""
        nonce = secrets.token_urlsafe(16).encode()
        body = _SCRIPT_TAG.sub(b'<script nonce="' + nonce + b'"', body)
        hs = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        hs.append((b"content-length", str(len(body)).encode()))
        hs += self._policy(b"script-src 'self' 'nonce-" + nonce + b"'")
        await send({**start, "headers": hs})
        await send({"type": "http.response.body", "body": body})


def _cors(origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin.encode()),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"Origin"),
    ]


async def _read_body(receive: Any, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it is longer than ``limit``."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(parts)


def _replay(body: bytes, receive: Any) -> Any:
    """A ``receive`` that gives the body already read, then waits on the client as before."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(scope: dict[str, Any], send: Any, status: int, body: bytes,
                  headers: list[tuple[bytes, bytes]]) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
    else:
        await _plain(send, status, body, headers)


async def _plain(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
