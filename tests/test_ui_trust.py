"""Issue 10: a chat a person trusts. Each test is one thing a user does, in headless Chromium, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import guarded_page, offline_browser
from tests.test_ui_browser import QUESTION, wait_for_answer
from tests.ui_servers import running_app

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def browser():
    with offline_browser() as b:
        yield b


def bot_messages(page):
    return page.locator("#chat .message.bot, #chat [data-testid='bot']")


def no_error_badges(page) -> None:
    """Gradio marks a failed event's outputs (and shows a toast) with the word "Error"."""
    assert page.locator(".toast-body.error, .error:visible").count() == 0, page.locator("body").inner_text()


def test_empty_question_sends_nothing_and_shows_a_hint(browser, sample_engine):
    from playwright.sync_api import expect

    with running_app(sample_engine) as srv, guarded_page(browser) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        page.wait_for_selector("#question textarea")
        page.press("#question textarea", "Enter")
        expect(page.locator("#ask-hint")).to_contain_text("Type a question", timeout=10_000)
        page.wait_for_timeout(500)
        no_error_badges(page)
        assert bot_messages(page).count() == 0
        # With a conversation on screen: still nothing sent, the conversation stays visible.
        page.fill("#question textarea", QUESTION)
        page.click("#ask")
        wait_for_answer(page)
        expect(page.locator("#ask-hint")).to_have_text("")
        before = bot_messages(page).count()
        page.fill("#question textarea", "   ")
        page.click("#ask")
        expect(page.locator("#ask-hint")).to_contain_text("Type a question", timeout=10_000)
        page.wait_for_timeout(500)
        no_error_badges(page)
        assert bot_messages(page).count() == before
        assert bot_messages(page).first.is_visible()
        guard.check()


def _upload(page, path: Path) -> None:
    page.locator("#upload input[type=file]").set_input_files(str(path))
    page.wait_for_timeout(500)
    page.locator("#add-docs").click()


def test_rejected_uploads_get_one_line_each_and_leave_nothing_behind(browser, writable_engine, tmp_path):
    from playwright.sync_api import expect

    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 40)
    good = tmp_path / "zorblat.txt"
    good.write_text("Zorblat heat pump subsidy notice\n\nThe Zorblat subsidy pays 3,000 euros per household.\n",
                    encoding="utf-8")
    uploads = tmp_path / "uploads"
    with running_app(writable_engine, upload_dir=str(uploads)) as srv, guarded_page(browser) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        page.get_by_role("tab", name="Documents").click()
        table = page.locator("#doc-table")
        expect(table).to_contain_text("Ministry", timeout=30_000)
        for bad in (empty, binary):
            _upload(page, bad)
            status = page.locator("#index-status")
            expect(status).to_contain_text(f"Not added: {bad.name}", timeout=60_000)
            assert len(status.locator("li").all()) == 1
            no_error_badges(page)
            expect(table).to_contain_text("Ministry")  # the document list stays
            assert page.locator("#upload").get_by_text(bad.name).count() == 0  # selection cleared
            body = page.locator("body").inner_text()
            assert str(tmp_path) not in body and "/tmp" not in body and str(uploads) not in body
        assert not any(uploads.glob("*.txt")), list(uploads.iterdir())  # rejected uploads never kept
        _upload(page, good)
        expect(page.locator("#index-status")).to_contain_text("Added", timeout=90_000)
        assert "Not added" not in page.locator("#index-status").inner_text()  # the bad file was not re-sent
        assert [p.name for p in uploads.glob("*.txt")] == ["zorblat.txt"]
        expect(table).to_contain_text("ready")
        # Deleting it (after a confirmation) removes its uploaded file too.
        page.locator("#delete-choice input").click()
        page.keyboard.type("zorblat")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        page.locator("#delete-docs").click()
        expect(page.locator("#delete-confirm")).to_contain_text("Delete 1 document", timeout=10_000)
        assert (uploads / "zorblat.txt").exists()  # nothing happens before the confirmation
        page.locator("#delete-yes").click()
        expect(page.locator("#index-status")).to_contain_text("Removed", timeout=90_000)
        assert not (uploads / "zorblat.txt").exists()
        expect(table).not_to_contain_text("Zorblat")
        guard.check()


SECOND = "How will industrial growth be stabilised in the second quarter?"


def _ask(page, question: str) -> None:
    """Ask and wait until this answer is complete and the panel shows its sources.

    After an earlier answer the panel already holds source cards and the box may still be
    enabled just after the click, so waiting for those alone can return before the new answer.
    """
    from playwright.sync_api import expect

    before = bot_messages(page).count()
    page.fill("#question textarea", question)
    page.click("#ask")
    expect(bot_messages(page)).to_have_count(before + 1, timeout=90_000)
    wait_for_answer(page)
    expect(page.locator("#question textarea")).to_be_enabled(timeout=90_000)
    # The new message exists as soon as streaming starts, and the box may be enabled a moment
    # before it is disabled for the stream: wait for this answer's own sources (a refusal has
    # none), then for the panel to show them.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    own = bot_messages(page).last.locator(".answer-sources .src-card mark").first
    try:
        own.wait_for(state="attached", timeout=60_000)
    except PlaywrightTimeout:
        return
    expect(page.locator("#sources .src-card mark").first).to_have_text(own.text_content().strip(), timeout=30_000)


def _panel_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("#sources .src-card mark").all_inner_texts()]


def test_citations_lead_to_their_own_answers_sources(browser, sample_engine):
    """Click [n]: the panel shows that answer's sources and flashes card n; hover: quote, title, date."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    with running_app(sample_engine) as srv, guarded_page(browser) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        _ask(page, QUESTION)
        first_titles = _panel_titles(page)
        _ask(page, SECOND)
        second_titles = _panel_titles(page)
        assert first_titles != second_titles  # otherwise the test proves nothing
        first_answer = bot_messages(page).first
        cite = first_answer.locator("sup.cite").first
        n = cite.inner_text().strip("[] ")
        tip = page.locator(".cite-tip")
        # The chat may still scroll itself after an answer: the cite then leaves the still pointer,
        # which hides its tooltip as it should. Hover again until one stays long enough to read.
        shown = ""
        for _ in range(4):
            cite.hover()
            try:
                expect(tip).to_be_visible(timeout=5_000)
                shown = tip.inner_text(timeout=2_000)
                break
            except (AssertionError, PlaywrightTimeout):
                page.wait_for_timeout(500)
        assert shown, "the citation's tooltip never stayed visible"
        card = first_answer.locator(f".answer-sources .src-card.n{n}")
        quote = card.locator("mark").first.text_content().strip()
        assert quote[:40] in shown
        assert card.locator(".src-title").text_content().strip()[:30] in shown
        assert card.locator(".src-meta").text_content().split(" · ")[0] in shown  # the date
        cite.click()
        expect(page.locator(f"#sources .src-card.n{n}")).to_have_class(re.compile(r"\bflash\b"), timeout=5_000)
        assert _panel_titles(page) == first_titles
        assert page.locator(f"#sources .src-card.n{n}").is_visible()
        guard.check()


def test_copying_an_answer_gives_clean_text_with_markers_and_sources(browser, sample_engine):
    with running_app(sample_engine) as srv, \
            guarded_page(browser, permissions=["clipboard-read", "clipboard-write"]) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        _ask(page, QUESTION)
        page.locator("#chat .message-buttons-left button[aria-label='Copy message']").last.click()
        page.wait_for_timeout(300)
        text = page.evaluate("navigator.clipboard.readText()")
        assert "[1]" in text and "Sources" in text, text
        for markup in ("<sup", "class=", "\\-", "\\.", "src-card", "&lt;", "&#"):
            assert markup not in text, (markup, text)
        guard.check()


STATIC = Path(__file__).resolve().parent.parent / "ui" / "static"


def test_a_site_not_on_the_allow_list_sees_a_short_message_not_a_blank_gap(browser, sample_engine):
    from playwright.sync_api import expect

    from tests.browser_support import free_port, serve_directory

    host_port = free_port()
    host = f"http://127.0.0.1:{host_port}"
    with running_app(sample_engine, allowed_origins="http://127.0.0.1:9") as srv, \
            serve_directory(str(STATIC), host_port), guarded_page(browser) as (page, guard):
        page.goto(f"{host}/embed-example.html?app={srv.url}", wait_until="load")
        expect(page.locator("#assistant")).to_contain_text("this site is not allowed to embed the assistant",
                                                           ignore_case=True, timeout=30_000)
        assert page.locator("gradio-app").count() == 0
        guard.check()


def test_the_script_widget_works_on_a_server_started_with_a_password(browser, sample_engine):
    """README: with --auth the script widget becomes an iframe of the app, whose login form works."""
    from playwright.sync_api import expect

    from tests.browser_support import free_port, serve_directory

    host_port = free_port()
    host = f"http://127.0.0.1:{host_port}"
    with running_app(sample_engine, allowed_origins=host, auth="alice:secret") as srv, \
            serve_directory(str(STATIC), host_port), guarded_page(browser) as (page, guard):
        page.goto(f"{host}/embed-example.html?app={srv.url}", wait_until="load")
        page.wait_for_selector("#assistant iframe.rag-widget", timeout=30_000)
        frame = page.frame_locator("#assistant iframe.rag-widget")
        frame.locator("input[type=text], input:not([type])").first.fill("alice", timeout=60_000)
        frame.locator("input[type=password]").fill("secret")
        frame.get_by_role("button", name=re.compile("login", re.I)).click()
        frame.locator("#question textarea").fill(QUESTION, timeout=60_000)
        frame.locator("#ask").click()
        expect(frame.locator("#sources .src-card").first).to_be_visible(timeout=90_000)
        assert frame.locator("#chat sup.cite").count() >= 1
        assert "Could not load" not in page.locator("body").inner_text()
        guard.check()


def test_answers_read_as_lists_and_a_refusal_says_it_once(browser, sample_engine):
    with running_app(sample_engine) as srv, guarded_page(browser) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        _ask(page, QUESTION)
        answer = bot_messages(page).last
        assert answer.locator("li").count() >= 2  # a real list
        assert "\n- " not in answer.inner_text() and "\\-" not in answer.inner_text()
        page.fill("#question textarea", "What is the boiling point of liquid nitrogen on Mars?")
        page.click("#ask")
        from playwright.sync_api import expect

        expect(page.locator("#question textarea")).to_be_enabled(timeout=90_000)
        expect(bot_messages(page).last).to_contain_text("don't say", timeout=90_000)
        refusal = bot_messages(page).last.inner_text()
        assert refusal.count("don't say") == 1 and "Not found" not in refusal, refusal
        related = [li.strip() for li in bot_messages(page).last.locator("li").all_inner_texts()]
        assert related and len(related) == len(set(related)), related
        guard.check()


def test_indexing_a_large_upload_keeps_the_table_with_a_status_column(browser, writable_engine, tmp_path):
    from playwright.sync_api import expect

    big = tmp_path / "big_report.txt"
    para = ("The Fennick regional broadband programme connects rural schools, clinics and farms. "
            "Each district reports progress every quarter to the programme office. ")
    big.write_text("Fennick broadband programme report\n\n" + "\n\n".join(f"{i}. {para}" for i in range(900)),
                   encoding="utf-8")
    with running_app(writable_engine, upload_dir=str(tmp_path / "uploads")) as srv, \
            guarded_page(browser) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        page.get_by_role("tab", name="Documents").click()
        table = page.locator("#doc-table")
        expect(table).to_contain_text("Ministry", timeout=30_000)
        _upload(page, big)
        expect(table).to_contain_text(re.compile(r"queued|indexing \d+%"), timeout=30_000)
        assert "Ministry" in table.inner_text()  # the list stays while indexing
        assert "big_report.txt" in table.inner_text()
        expect(page.locator("#index-status")).to_contain_text("Added", timeout=300_000)
        expect(table).to_contain_text("Fennick broadband programme report")
        assert "indexing" not in table.inner_text()
        guard.check()


def test_thumbs_down_becomes_a_test_question_that_rag_eval_runs(browser, writable_engine, tmp_path):
    """answer → 👎 with what was wrong → rag eval --from-feedback → a set that rag eval runs."""
    import json
    import os
    import subprocess
    import sys

    from playwright.sync_api import expect

    index_dir = writable_engine.settings.index_dir
    with running_app(writable_engine) as srv, guarded_page(browser) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        _ask(page, QUESTION)
        page.locator("#chat button[aria-label='Dislike']").last.click()
        expect(page.locator("#feedback-send")).to_be_visible(timeout=10_000)
        page.locator("#feedback-wrong label").first.click()  # source [1] was wrong
        page.fill("#feedback-missing textarea", "The 600 billion yuan loan target")
        page.fill("#feedback-comment textarea", "Too general")
        page.click("#feedback-send")
        expect(page.locator("#feedback-done")).to_contain_text("saved", timeout=10_000)
        guard.check()
    lines = (Path(index_dir) / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["verdict"] == "down" and rec["question"] == QUESTION and rec["wrong_sources"] == [1]
    assert rec["citations"] and {"doc_id", "start", "end", "text"} <= set(rec["citations"][0])
    assert str(tmp_path) not in lines[0] and index_dir not in lines[0]  # no server path
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out_set = tmp_path / "from_feedback.jsonl"
    subprocess.run([sys.executable, "-m", "rag", "eval", "--from-feedback", str(Path(index_dir) / "feedback.jsonl"),
                    "--out", str(out_set)], check=True, env=env, timeout=120)
    [item] = [json.loads(x) for x in out_set.read_text(encoding="utf-8").splitlines()]
    assert item["question"] == QUESTION and item["split"] == "test" and item["notes"].startswith("from feedback: review")
    assert item["answerable"] and item["evidence"]
    assert rec["citations"][0]["text"] not in item["evidence"]  # the source marked wrong is not evidence
    run = subprocess.run([sys.executable, "-m", "rag", "eval", str(out_set), "--index-dir", index_dir, "--quiet",
                          "--config", "hybrid=mode=hybrid", "--no-answers", "--out", str(tmp_path / "report")],
                         env=env, timeout=300, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "report" / "report.json").exists()


def test_conversation_survives_a_reload_and_can_be_regenerated_stopped_and_restarted(browser, sample_engine):
    from playwright.sync_api import expect

    with running_app(sample_engine) as srv, guarded_page(browser) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        _ask(page, QUESTION)
        answered = bot_messages(page).count()
        page.wait_for_timeout(500)
        page.reload(wait_until="load")
        expect(page.locator("#chat")).to_contain_text(QUESTION, timeout=30_000)
        expect(bot_messages(page)).to_have_count(answered, timeout=10_000)
        assert bot_messages(page).last.locator("sup.cite").count() >= 1
        bot_messages(page).last.locator("sup.cite").first.click()  # its sources come back with it
        expect(page.locator("#sources .src-card").first).to_be_visible(timeout=5_000)
        # Regenerate: the same question answered again in place of the old answer.
        page.click("#regenerate")
        expect(page.locator("#question textarea")).to_be_disabled(timeout=10_000)
        expect(page.locator("#question textarea")).to_be_enabled(timeout=90_000)
        expect(bot_messages(page)).to_have_count(answered, timeout=10_000)
        assert page.locator("#chat").inner_text().count(QUESTION) == 1
        # Stop while an answer streams gives the box back.
        page.fill("#question textarea", SECOND)
        page.click("#ask")
        page.click("#stop")
        expect(page.locator("#question textarea")).to_be_enabled(timeout=10_000)
        # New conversation: empty, and still empty after a reload.
        page.click("#new-chat")
        expect(bot_messages(page)).to_have_count(0, timeout=10_000)
        page.wait_for_timeout(500)
        page.reload(wait_until="load")
        page.wait_for_selector("#question textarea")
        page.wait_for_timeout(1500)
        assert bot_messages(page).count() == 0
        guard.check()


def test_documents_tab_previews_the_cleaned_text(browser, sample_engine):
    from playwright.sync_api import expect

    doc = sample_engine.documents()[0]
    with running_app(sample_engine) as srv, guarded_page(browser) as (page, guard):
        page.goto(srv.url + "/", wait_until="load")
        page.get_by_role("tab", name="Documents").click()
        expect(page.locator("#doc-table")).to_contain_text("ready", timeout=30_000)
        for header in ("Size", "Added", "Status"):
            assert header in page.locator("#doc-table").inner_text()
        page.get_by_text("Preview the cleaned text").click()
        page.locator("#preview-choice input").click()
        page.keyboard.type(doc.id)
        page.keyboard.press("Enter")
        expect(page.locator("#preview-text textarea")).to_have_value(re.compile(re.escape(doc.text[:60])),
                                                                     timeout=10_000)
        guard.check()


def test_only_a_finished_answer_or_new_conversation_writes_the_saved_conversation(tmp_path):
    """A save chained after an answer could land after "New conversation" under load and bring the
    cleared conversation back on reload: the saved state is written by the answer's own final update
    (never by a stopped or cancelled one) and by "New conversation", which cancels answers in flight."""
    from rag.engine import Engine
    from rag.settings import Settings
    from ui.app import build_blocks

    engine = Engine(Settings(model="hashing-64", index_dir=str(tmp_path / "idx")))
    demo = build_blocks(engine, engine.settings)
    writers = {i: fn.name for i, fn in demo.fns.items() if any(type(o).__name__ == "BrowserState" for o in fn.outputs)}
    assert set(writers.values()) == {"respond", "new_conversation"}
    answers = sorted(i for i, name in writers.items() if name == "respond")
    [clear] = [i for i, name in writers.items() if name == "new_conversation"]
    deps = demo.get_config_file()["dependencies"]
    [button] = [d["targets"] for d in deps if d["id"] == clear]
    cancelled = {c for d in deps if d["targets"] == button for c in d.get("cancels") or []}
    assert cancelled == set(answers)  # clicking "New conversation" cancels every answer in flight
