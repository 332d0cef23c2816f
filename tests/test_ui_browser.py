"""The chat and the widget in headless Chromium; every test fails if the page leaves 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import free_port, guarded_page, offline_browser, serve_directory
from tests.ui_servers import running_app

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
QUESTION = "What SME financing measures were announced?"
STATIC = Path(__file__).resolve().parent.parent / "ui" / "static"


@pytest.fixture(scope="module")
def browser():
    with offline_browser() as b:
        yield b


def wait_for_answer(page, scope: str = "") -> None:
    """A streamed answer is complete when the sources panel is filled and the question box is enabled again.

    Locators and ``expect``, not ``wait_for_function``: Playwright evaluates a predicate with
    ``new Function``, which the app's script policy (no 'unsafe-eval') refuses.
    """
    from playwright.sync_api import expect

    page.wait_for_selector(f"{scope} #sources .src-card", timeout=90_000)
    expect(page.locator(f"{scope} #question textarea")).to_be_enabled(timeout=90_000)


def test_sample_question_streams_a_cited_answer_with_sources(browser, sample_engine):
    with running_app(sample_engine) as srv, guarded_page(browser) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        page.get_by_text(QUESTION).first.click()  # example question offered on first load
        wait_for_answer(page)
        bot = page.locator("#chat .message.bot, #chat [data-testid='bot']").last
        assert bot.locator("sup.cite").count() >= 1
        cards = page.locator("#sources .src-card")
        assert cards.count() >= 1
        first = cards.first
        assert first.locator(".src-title").inner_text().strip()
        assert first.locator(".src-passage mark").inner_text().strip()
        assert first.locator(".src-meta").inner_text().count("·") >= 1  # date · language
        href = first.locator("a.src-open").get_attribute("href")
        doc = page.context.new_page()
        doc.goto(href, wait_until="load")
        assert doc.locator("mark#hl").inner_text().strip()
        guard.check()


def test_uploaded_document_is_indexed_and_answers_without_running_its_html(browser, writable_engine, tmp_path):
    upload = tmp_path / "heat_pumps.txt"
    upload.write_text(
        "Zorblat heat pump subsidy notice\n\n"
        "The Zorblat heat pump subsidy pays 3,000 euros to every household in Lower Fennick. "
        'Applications open on 1 March. <script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">\n',
        encoding="utf-8",
    )
    with running_app(writable_engine, upload_dir=str(tmp_path / "uploads")) as srv, \
            guarded_page(browser) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        page.get_by_role("tab", name="Documents").click()
        page.locator("#upload input[type=file]").set_input_files(str(upload))
        page.wait_for_timeout(500)
        page.locator("#add-docs").click()
        from playwright.sync_api import expect

        expect(page.locator("#index-status")).to_contain_text("Added", timeout=90_000)
        assert "Zorblat heat pump subsidy notice" in page.locator("#doc-table").inner_text()
        page.get_by_role("tab", name="Chat").click()
        page.fill("#question textarea", "How much does the Zorblat heat pump subsidy pay?")
        page.click("#ask")
        wait_for_answer(page)
        assert "Zorblat" in page.locator("#sources").inner_text()
        assert page.evaluate("window.__pwned") is None
        guard.check()


def test_widget_on_another_origin_chats_offline_with_visible_citations(browser, sample_engine):
    host_port = free_port()
    host = f"http://127.0.0.1:{host_port}"
    with running_app(sample_engine, allowed_origins=host) as srv, serve_directory(str(STATIC), host_port), \
            guarded_page(browser) as (page, guard):
        page.goto(f"{host}/embed-example.html?app={srv.url}", wait_until="load")
        page.wait_for_selector("gradio-app #question textarea", timeout=60_000)
        page.fill("gradio-app #question textarea", QUESTION)
        page.click("gradio-app #ask")
        wait_for_answer(page, "gradio-app")
        assert page.locator("gradio-app #chat sup.cite").count() >= 1
        assert page.locator("gradio-app #sources .src-card mark").first.is_visible()
        guard.check()


def test_example_page_served_by_the_app_embeds_it_under_its_script_policy(browser, sample_engine):
    with running_app(sample_engine, embed_example=True) as srv, guarded_page(browser) as (page, guard):
        page.goto(f"{srv.url}/embed-example.html", wait_until="load")
        page.wait_for_selector("gradio-app #question textarea", timeout=60_000)
        page.fill("gradio-app #question textarea", QUESTION)
        page.click("gradio-app #ask")
        wait_for_answer(page, "gradio-app")
        assert page.locator("gradio-app #chat sup.cite").count() >= 1
        guard.check()
