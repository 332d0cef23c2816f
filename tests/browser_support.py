"""Headless Chromium for tests, with a guard that fails on any request leaving 127.0.0.1.

Reusable by any browser test (UI, eval report)::

    from tests.browser_support import offline_browser, guarded_page

    with offline_browser() as browser:
        with guarded_page(browser) as (page, guard):
            page.goto(url, wait_until="load")   # never "networkidle": Gradio keeps a heartbeat open
            ...
        guard.check()                           # raises if the page tried to reach the outside

The Debian ``chromium`` package is used (``/usr/bin/chromium``, override with
``$RAG_TEST_CHROMIUM``); ``playwright install`` is never needed. Tests are
skipped, not failed, when no Chromium or no playwright is available.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

LOCAL_HOSTS = {"127.0.0.1"}
# Schemes that never touch the network.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}


def chromium_path() -> str:
    """Path of the system Chromium, or skip the test when there is none."""
    path = os.environ.get("RAG_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    return path


def is_local(url: str) -> bool:
    """True when ``url`` stays on this machine (127.0.0.1 or a non-network scheme)."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOCAL_HOSTS


@dataclass
class OfflineGuard:
    """Records every request that would leave 127.0.0.1 (such requests are aborted)
    and every script the page's Content-Security-Policy refused to run."""

    blocked: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def on_console(self, msg: Any) -> None:
        if "Content Security Policy" in msg.text:
            self.csp_violations.append(msg.text)

    def handle(self, route: Any) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")

    def on_websocket(self, ws: Any) -> None:
        # page.route does not see WebSocket handshakes: record them here.
        if not is_local(ws.url):
            self.blocked.append(ws.url)

    def check(self) -> None:
        assert not self.blocked, f"page tried to leave 127.0.0.1: {self.blocked}"
        assert not self.csp_violations, f"the page broke its Content-Security-Policy: {self.csp_violations}"


@contextlib.contextmanager
def offline_browser(headless: bool = True) -> Iterator[Any]:
    """Launch the system Chromium through playwright's sync API; close it afterwards."""
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = chromium_path()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=headless)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def guarded_page(
    browser: Any, viewport: dict[str, int] | None = None, **context_args: Any
) -> Iterator[tuple[Any, OfflineGuard]]:
    """A fresh page whose every request is checked; the guard is checked on exit.

    Extra keyword arguments go to ``browser.new_context`` (e.g. ``http_credentials``).
    """
    guard = OfflineGuard()
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, **context_args)
    context.route("**/*", guard.handle)
    page = context.new_page()
    page.on("websocket", guard.on_websocket)
    page.on("console", guard.on_console)
    try:
        yield page, guard
    finally:
        context.close()
    guard.check()


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """Run an ASGI app with uvicorn on 127.0.0.1 in a daemon thread; ``stop()`` ends it."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_directory(directory: str, port: int | None = None) -> ServerThread:
    """Serve a folder of static files (e.g. a host page for the widget) on 127.0.0.1."""
    from starlette.applications import Starlette
    from starlette.staticfiles import StaticFiles

    app = Starlette()
    app.mount("/", StaticFiles(directory=directory, html=True))
    return ServerThread(app, port)
