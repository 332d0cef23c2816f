"""Start the real chat app (``ui.app.build_app``) on a free 127.0.0.1 port for a test."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from tests.browser_support import ServerThread


@contextlib.contextmanager
def running_app(engine: Any, **settings: Any) -> Iterator[ServerThread]:
    """Serve ``engine`` with ``engine.settings`` changed by ``settings``; stop afterwards."""
    from ui.app import build_app

    app = build_app(engine, engine.settings.replace(**settings) if settings else engine.settings)
    with ServerThread(app) as server:
        yield server
