"""Take the README screenshots (chat, refused answer, Documents tab at 1400 px and 375 px; widget).

    .venv/bin/python bench/screenshots.py [--index-dir DIR]

Indexes the sample corpus into a temporary directory (unless --index-dir is
given), serves the app and the embedding example on 127.0.0.1, asks the sample
question in headless Chromium and saves the two screenshots.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

QUESTION = "What SME financing measures were announced?"
REFUSED = "What is the boiling point of liquid nitrogen on Mars?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args()

    from rag.engine import Engine
    from rag.settings import Settings
    from tests.browser_support import free_port, guarded_page, offline_browser, serve_directory
    from tests.ui_servers import running_app

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings(index_dir=args.index_dir or str(Path(tmp) / "index")))
        if not engine.has_index():
            engine.index()
        host_port = free_port()
        host = f"http://127.0.0.1:{host_port}"
        with running_app(engine, allowed_origins=host) as srv, offline_browser() as browser:
            for width, height, suffix in ((1400, 900, ""), (375, 812, "-375")):
                with guarded_page(browser, viewport={"width": width, "height": height}) as (page, _):
                    page.goto(srv.url + "/", wait_until="load")
                    page.get_by_text(QUESTION).first.click()
                    _wait(page, "")
                    page.locator("#chat sup.cite").first.hover()  # the citation tooltip
                    page.wait_for_timeout(400)
                    page.screenshot(path=str(out / f"chat{suffix}.png"), full_page=bool(suffix))
                    page.fill("#question textarea", REFUSED)
                    page.click("#ask")
                    page.wait_for_timeout(500)
                    _wait(page, "")
                    page.mouse.move(0, 0)
                    page.wait_for_timeout(400)
                    page.screenshot(path=str(out / f"refused{suffix}.png"), full_page=bool(suffix))
                    page.get_by_role("tab", name="Documents").click()
                    page.wait_for_selector("#doc-table")
                    page.wait_for_timeout(800)
                    page.screenshot(path=str(out / f"documents{suffix}.png"), full_page=bool(suffix))
            with serve_directory(str(ROOT / "ui" / "static"), host_port), \
                    guarded_page(browser, viewport={"width": 1280, "height": 1000}) as (page, _):
                page.goto(f"{host}/embed-example.html?app={srv.url}", wait_until="load")
                page.wait_for_selector("gradio-app #question textarea", timeout=60_000)
                page.fill("gradio-app #question textarea", QUESTION)
                page.click("gradio-app #ask")
                _wait(page, "gradio-app")
                page.wait_for_timeout(400)
                page.screenshot(path=str(out / "widget.png"))
    print(f"wrote chat, refused, documents (1400 px and 375 px) and widget screenshots to {out}")
    return 0


def _wait(page, scope: str) -> None:
    from playwright.sync_api import expect  # not wait_for_function: the app's script policy forbids eval

    page.wait_for_selector(f"{scope} #sources .src-card", timeout=90_000)
    expect(page.locator(f"{scope} #question textarea")).to_be_enabled(timeout=90_000)


if __name__ == "__main__":
    sys.exit(main())
