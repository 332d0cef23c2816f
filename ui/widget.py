"""Embedding: a stable offline ``/embed.js``, origin allow-list, document viewer route.

Gradio's documented embed loads ``gradio.js`` from a public CDN; an intranet
cannot reach it. Every Gradio server already serves the web component at
``/assets/index-<hash>.js`` (the hash changes with each release), so
``/embed.js`` imports that module from the app itself and inserts a
``<gradio-app>`` element next to the script tag.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from rag.errors import ConfigError, RagError
from rag.settings import Settings

from . import render
from .guard import Guard, own_origins, parse_origins, public_origin

__all__ = ["install", "embed_js", "parse_auth", "parse_origins", "example_page"]

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
  function place(el) { if (host) { host.appendChild(el); } else { me.parentNode.insertBefore(el, me.nextSibling); } }
  function notice(text) {                         // a short line instead of a blank gap
    var p = document.createElement("p");
    p.className = "rag-widget-notice";
    p.setAttribute("role", "status");
    p.style.cssText = "padding:.8rem 1rem;border:1px solid #fdba74;background:#fff7ed;color:#9a3412;" +
      "border-radius:.6rem;font:14px/1.4 system-ui,sans-serif";
    p.textContent = text;
    place(p);
  }
  function frame() {                              // password login: the app's own page, login form included
    var f = document.createElement("iframe");
    f.className = "rag-widget";
    f.src = root;
    f.title = "Ask the documents";
    f.style.cssText = "display:block;width:100%;border:0;height:" + height;
    place(f);
  }
  function component() {
    var app = document.createElement("gradio-app");
    app.setAttribute("src", root);
    app.setAttribute("initial_height", height);
    app.setAttribute("container", "false");
    app.setAttribute("info", "false");
    app.setAttribute("theme_mode", me.getAttribute("data-theme") || "light");
    app.className = "rag-widget";
    app.style.display = "block";
    app.style.minHeight = height;
    place(app);
    if (!window.__ragChat) {                       // citations that can be followed (ui/static/chat.js)
      var c = document.createElement("script");
      c.src = root + "chat.js";
      document.head.appendChild(c);
    }
    if (!window.customElements || !window.customElements.get("gradio-app")) {
      var s = document.createElement("script");
      s.type = "module";
      s.src = root + "__MODULE__";
      document.head.appendChild(s);
    }
  }
  fetch(root + "embed-info", { credentials: "omit" }).then(function (r) { return r.json(); }).then(function (info) {
    if (!info.allowed) { notice("This site is not allowed to embed the assistant."); }
    else if (info.login) { frame(); }
    else { component(); }
  }).catch(function () { notice("The assistant cannot be reached right now."); });
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


DOC_CSP = "script-src 'none'; object-src 'none'; base-uri 'none'"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def example_page() -> tuple[str, str]:
    """The example page and its policy: its one inline script, by hash, and the app's own scripts."""
    page = (STATIC / "embed-example.html").read_text(encoding="utf-8")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.finditer(page)
    )
    return page, f"script-src 'self' {hashes}; object-src 'none'; base-uri 'self'"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _attr(value: str) -> str:
    """A value safe inside a double-quoted HTML attribute."""
    return json.dumps(value)[1:-1].replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


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

    if settings.embed_example:
        page, page_csp = example_page()

        @app.get("/embed-example.html", include_in_schema=False)
        def embed_example(request: Request) -> HTMLResponse:
            headers = {k.lower(): v for k, v in request.headers.items()}
            own = own_origins(headers, request.url.scheme)
            if not all(_origin_of(a) in own for a in request.query_params.getlist("app")):
                raise HTTPException(status_code=400, detail="app= must be this app's own address")
            root = public_origin(headers, request.url.scheme) + settings.root_path.rstrip("/")
            return HTMLResponse(page.replace("__APP__", _attr(root)), headers={"content-security-policy": page_csp})

    @app.get("/doc/{doc_id}", include_in_schema=False)
    def document_view(doc_id: str, request: Request, start: int | None = None, end: int | None = None) -> HTMLResponse:
        if not user_ok(request):
            raise HTTPException(status_code=401, detail="log in to the chat first")
        try:
            doc = engine.document(doc_id)
        except RagError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        return HTMLResponse(render.document_page(doc, start, end), headers={"content-security-policy": DOC_CSP})

    chat_js = (STATIC / "chat.js").read_text(encoding="utf-8")

    @app.get("/chat.js", include_in_schema=False)
    def chat_script() -> Response:
        return Response(chat_js, media_type="text/javascript; charset=utf-8", headers={"cache-control": "no-cache"})

    @app.get("/embed-info", include_in_schema=False)
    def embed_info() -> dict[str, bool]:
        # Reached only by the app's own pages and listed origins (others get {"allowed": false}
        # from the Guard). With a password login the widget is an iframe: the web component
        # cannot show Gradio's login form, the app's page can.
        return {"allowed": True, "login": bool(settings.auth) and not settings.auth_header}

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    from gradio.utils import get_upload_folder

    app.add_middleware(Guard, origins=parse_origins(settings.allowed_origins), upload_root=get_upload_folder())
