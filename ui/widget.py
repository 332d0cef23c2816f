"""Embedding: a stable offline ``/embed.js``, origin allow-list, document viewer route.

Gradio's documented embed loads ``gradio.js`` from a public CDN; an intranet
cannot reach it. Every Gradio server already serves the web component at
``/assets/index-<hash>.js`` (the hash changes with each release), so
``/embed.js`` imports that module from the app itself and inserts a
``<gradio-app>`` element next to the script tag.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Awaitable, Callable

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from rag.errors import ConfigError, RagError
from rag.settings import Settings

from . import render

STATIC = Path(__file__).parent / "static"


def gradio_module_path() -> str:
    """The web component's module path (``assets/index-<hash>.js``) of the installed Gradio."""
    import gradio

    loader = Path(gradio.__file__).parent / "templates" / "frontend" / "gradio.js"
    m = re.search(r"""import\(["']\./(assets/[^"']+\.js)["']\)""", loader.read_text(encoding="utf-8"))
    if not m:
        raise ConfigError(f"cannot find the Gradio web component in {loader}")
    return m.group(1)


EMBED_JS = """/* rag widget loader: <script src="ROOT/embed.js" async></script>  (works offline) */
(function () {
  var me = document.currentScript;
  if (!me) { return; }
  var root = new URL(".", me.src).href;           // the app's public root, sub-path included
  var height = me.getAttribute("data-height") || "720px";
  var target = me.getAttribute("data-target");
  var host = target ? document.querySelector(target) : null;
  var app = document.createElement("gradio-app");
  app.setAttribute("src", root);
  app.setAttribute("initial_height", height);
  app.setAttribute("container", "false");
  app.setAttribute("info", "false");
  app.setAttribute("theme_mode", me.getAttribute("data-theme") || "light");
  app.className = "rag-widget";
  app.style.display = "block";
  app.style.minHeight = height;
  if (host) { host.appendChild(app); } else { me.parentNode.insertBefore(app, me.nextSibling); }
  if (!window.customElements || !window.customElements.get("gradio-app")) {
    var s = document.createElement("script");
    s.type = "module";
    s.src = root + "__MODULE__";
    document.head.appendChild(s);
  }
})();
"""


def embed_js() -> str:
    return EMBED_JS.replace("__MODULE__", gradio_module_path())


def parse_auth(spec: str) -> list[tuple[str, str]]:
    """``"user:pw,user2:pw2"`` → ``[("user", "pw"), ...]``."""
    pairs = []
    for item in filter(None, (p.strip() for p in spec.split(","))):
        user, sep, pw = item.partition(":")
        if not sep or not user or not pw:
            raise ConfigError("auth must look like user:password[,user:password]")
        pairs.append((user, pw))
    return pairs


def parse_origins(spec: str) -> list[str]:
    return [o.strip().rstrip("/") for o in spec.split(",") if o.strip()]


def _own_origin(scope: dict[str, Any], headers: dict[str, str]) -> set[str]:
    host = headers.get("x-forwarded-host", headers.get("host", "")).split(",")[0].strip()
    scheme = headers.get("x-forwarded-proto", scope.get("scheme", "http")).split(",")[0].strip()
    return {f"{scheme}://{host}", f"http://{host}", f"https://{host}"}


class OriginGuard:
    """ASGI middleware: only listed origins may call or frame the app.

    With an empty allow-list any origin may embed it (Gradio's own behaviour).
    With a list, cross-origin requests from other origins get 403, CORS headers
    name only allowed origins, and ``Content-Security-Policy: frame-ancestors``
    stops other sites from framing the app.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], origins: list[str]) -> None:
        self.app = app
        self.origins = set(origins)
        self.csp = ("frame-ancestors 'self' " + " ".join(origins)).encode() if origins else None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin", "").rstrip("/")
        cross = bool(origin) and origin not in _own_origin(scope, headers)
        allowed = not self.origins or origin in self.origins
        if cross and not allowed:
            await _plain(send, 403, b"origin not allowed")
            return
        if cross and scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            extra = [
                (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                (b"access-control-allow-headers", headers.get("access-control-request-headers", "*").encode()),
                (b"access-control-max-age", b"600"),
            ]
            await _plain(send, 204, b"", self._cors(origin) + extra)
            return

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                hs = [(k, v) for k, v in message.get("headers", []) if not k.lower().startswith(b"access-control-")]
                if cross:
                    hs += self._cors(origin)
                if self.csp:
                    hs.append((b"content-security-policy", self.csp))
                message = {**message, "headers": hs}
            await send(message)

        await self.app(scope, receive, send_wrapper)

    @staticmethod
    def _cors(origin: str) -> list[tuple[bytes, bytes]]:
        return [
            (b"access-control-allow-origin", origin.encode()),
            (b"access-control-allow-credentials", b"true"),
            (b"vary", b"Origin"),
        ]


async def _plain(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _gradio_app(app: Any) -> Any | None:
    for route in app.routes:
        inner = getattr(route, "app", None)
        if inner is not None and hasattr(inner, "tokens"):
            return inner
    return None


def install(app: Any, engine: Any, settings: Settings) -> None:
    """Add the widget routes and the origin guard to the parent FastAPI app."""

    script = embed_js()  # read once: fails at start-up, not at the first visitor, if Gradio changed

    def user_ok(request: Request) -> bool:
        """Same rule as the chat: the proxy header, or a Gradio login cookie, when auth is on."""
        if settings.auth_header:
            return bool(request.headers.get(settings.auth_header))
        if settings.auth:
            gapp = _gradio_app(app)
            if gapp is None:
                return False
            token = request.cookies.get(f"access-token-{gapp.cookie_id}") or request.cookies.get(
                f"access-token-unsecure-{gapp.cookie_id}"
            )
            return gapp.tokens.get(token) is not None
        return True

    @app.get("/embed.js", include_in_schema=False)
    def embed_script() -> Response:
        return Response(script, media_type="text/javascript; charset=utf-8",
                        headers={"cache-control": "no-cache"})

    @app.get("/embed-example.html", include_in_schema=False)
    def embed_example() -> FileResponse:
        return FileResponse(STATIC / "embed-example.html", media_type="text/html")

    @app.get("/doc/{doc_id}", include_in_schema=False)
    def document_view(doc_id: str, request: Request, start: int | None = None, end: int | None = None) -> HTMLResponse:
        if not user_ok(request):
            raise HTTPException(status_code=401, detail="log in to the chat first")
        try:
            doc = engine.document(doc_id)
        except RagError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        return HTMLResponse(render.document_page(doc, start, end))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(OriginGuard, origins=parse_origins(settings.allowed_origins))
