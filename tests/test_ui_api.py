"""The served app, without a browser: gradio_client API, concurrency, origin guard, embed.js."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.ui_servers import running_app

pytestmark = pytest.mark.e2e
QUESTION = "What SME financing measures were announced?"


@pytest.fixture(scope="module")
def server(sample_engine):
    with running_app(sample_engine, allowed_origins="http://127.0.0.1:9") as srv:
        yield srv


def test_gradio_client_gets_answer_with_structured_citations(server):
    from gradio_client import Client

    out = Client(server.url, verbose=False).predict(QUESTION, api_name="/ask")
    assert not out.get("error") and not out["refused"]
    assert out["citations"], out
    first = out["citations"][0]
    assert {"n", "doc_id", "title", "date", "lang", "start", "end", "text"} <= set(first)
    assert f"[{first['n']}]" in out["answer"]


def test_twenty_simultaneous_questions_are_all_answered(server):
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    questions = [QUESTION, "How will industrial growth be stabilised in the second quarter?",
                 "What did Xiao Yaqing say about manufacturing?", "Which policies help SMEs resume production?"] * 5

    def one(q: str) -> tuple[float, float, str]:
        t0 = time.perf_counter()
        job = client.submit(q, api_name="/ask_stream")
        first = None
        while not job.done():
            if first is None and job.outputs():
                first = time.perf_counter() - t0
            time.sleep(0.01)
        text = job.result(timeout=120)
        total = time.perf_counter() - t0
        return (first if first is not None else total), total, text

    t0 = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, questions))
    wall = time.perf_counter() - t0
    assert len(results) == 20 and all(r[2].strip() for r in results)
    ttft = sorted(r[0] for r in results)
    print(f"\n20 concurrent questions: wall {wall:.2f}s, time to first token median {ttft[10]:.2f}s, "
          f"max {ttft[-1]:.2f}s")


def test_bounded_queue_tells_extra_clients_to_retry(sample_engine):
    from gradio_client import Client

    with running_app(sample_engine, concurrency=1, max_queue=1) as srv:
        client = Client(srv.url, verbose=False)
        jobs = [client.submit(QUESTION, api_name="/ask") for _ in range(8)]
        outcomes = []
        for job in jobs:
            try:
                outcomes.append(bool(job.result(timeout=120)))
            except Exception as exc:  # gradio_client raises QueueError("Queue is full! Please try again.")
                outcomes.append(str(exc))
    assert True in outcomes, outcomes
    assert any(isinstance(o, str) and "try again" in o.lower() for o in outcomes), outcomes


def test_only_allowed_origins_may_call_or_frame_the_app(server):
    ok = httpx.get(f"{server.url}/config", headers={"Origin": "http://127.0.0.1:9"})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "http://127.0.0.1:9"
    assert "frame-ancestors 'self' http://127.0.0.1:9" in ok.headers["content-security-policy"]
    bad = httpx.get(f"{server.url}/config", headers={"Origin": "http://evil.example"})
    assert bad.status_code == 403
    same = httpx.get(f"{server.url}/config", headers={"Origin": server.url})
    assert same.status_code == 200


def test_embed_js_loads_the_web_component_from_the_app_itself(server):
    js = httpx.get(f"{server.url}/embed.js").text
    module = js.split('s.src = root + "')[1].split('"')[0]
    assert module.startswith("assets/index-") and "http" not in module
    assert httpx.get(f"{server.url}/{module}").status_code == 200


def test_document_viewer_shows_the_cleaned_text_with_the_span_marked(server, sample_engine):
    doc = sample_engine.documents()[0]
    page = httpx.get(f"{server.url}/doc/{doc.id}", params={"start": 0, "end": 10}).text
    assert '<mark id="hl">' in page
    assert httpx.get(f"{server.url}/doc/nope").status_code == 404


def test_api_answers_never_show_a_server_path(server):
    from gradio_client import Client

    out = Client(server.url, verbose=False).predict(QUESTION, api_name="/ask")
    sources = [c["source"] for c in out["citations"]] + [h["chunk"]["source"] if "chunk" in h else h.get("source", "")
                                                          for h in out.get("related", [])]
    assert sources and all(s and "/" not in s and "\\" not in s for s in sources), sources
