"""The HTML report renders in headless Chromium with its charts and makes no external request."""

from __future__ import annotations

import pytest

from eval.configs import build_configs
from eval.run import evaluate_sets, write_report
from tests.browser_support import guarded_page, offline_browser, serve_directory
from tests.eval_support import tiny_engine, tiny_set

pytestmark = pytest.mark.browser


def test_html_report_renders_charts_offline(tmp_path):
    eng = tiny_engine(tmp_path / "index")
    report = evaluate_sets([tiny_set()], build_configs(eng.settings, []), eng, tmp_path / "cache",
                           answers=False, progress=False)
    _, html_path = write_report(report, tmp_path / "out")
    with serve_directory(str(html_path.parent)) as server, offline_browser() as browser:
        with guarded_page(browser) as (page, guard):
            page.goto(f"{server.url}/report.html", wait_until="load")
            assert page.title().startswith("rag eval")
            charts = page.locator("svg")
            assert charts.count() >= 3
            box = charts.first.bounding_box()
            assert box and box["width"] > 200 and box["height"] > 150
            assert page.locator("svg rect").count() > 10
            assert page.get_by_role("heading", name="Summary").is_visible()
            assert page.locator("table").first.locator("tbody tr").count() == 3
        guard.check()
