"""The optional LLM against a real OpenAI-compatible server: llama.cpp with SmolLM2-135M, offline.

Free generation shows the protocol works (streamed and not); the failure
modes seen on this model (loops, "[1] … [2] …" labels over unsupported text,
a follow-up rewrite that copies the last answer) are made certain with a
GBNF grammar sent through ``llm_params``, so the real server produces exactly
that text, token by token.
"""

from __future__ import annotations

import json

import pytest

from rag.answer import llm
from rag.answer.followup import rewrite_query
from rag.engine import Engine
from rag.errors import LLMError
from rag.types import Answer
from tests import llama_server as ls

pytestmark = [pytest.mark.llm, pytest.mark.e2e]
Q = "What SME financing measures were announced?"
LOOP = 'root ::= "Credit guarantees for SMEs are strengthened [1]." (" 2022-09-22")+'
# (no newline: a grammar string with "\n" never finishes on this model and llama.cpp build)
UNSUPPORTED = ('root ::= "[1] 2022-09-22 The ministry opened a new office in Shanghai. '
               '[2] Exports of electric vehicles doubled in March. [3] Football clubs won three cups."')


def _exact(text: str) -> str:
    return f"root ::= {json.dumps(text)}"


@pytest.fixture()
def real_llm(llama_server, sample_engine, real_embedder):
    def make(grammar: str = "", **changes) -> Engine:
        params = {"grammar": grammar, "seed": 1} if grammar else {"seed": 1}
        settings = {"llm_url": llama_server.url, "llm_model": ls.MODEL_NAME, "llm_temperature": 0.0,
                    "llm_timeout": 120.0, "llm_params": json.dumps(params), **changes}
        return Engine(sample_engine.settings.replace(**settings), embedder=real_embedder)
    return make


def test_real_server_streams_deltas_and_answers_without_streaming(real_llm):
    s = real_llm().settings
    msgs = [{"role": "user", "content": "Say hello in five words."}]
    deltas = list(llm.stream_chat(s, msgs))
    assert len(deltas) > 1 and "".join(deltas).strip()
    assert llm.chat(s, msgs).strip()


def test_real_answer_streams_then_ends_checked_or_replaced(real_llm, sample_engine):
    items = list(real_llm(llm_max_tokens=200).ask_stream(Q))
    final, deltas = items[-1], items[:-1]
    assert isinstance(final, Answer) and deltas and all(isinstance(d, str) for d in deltas)
    print(f"\nSmolLM2-135M: generator={final.generator} replaced={final.replaced} notice={final.notice!r}\n"
          f"streamed: {''.join(deltas)[:300]!r}")
    if final.generator.startswith("llm:"):
        assert final.citations and not final.replaced
        for c in final.citations:
            assert sample_engine.document(c.doc_id).text[c.start:c.end] == c.text
    else:  # the small model's text failed its checks: it was withdrawn, and the answer says so
        assert final.replaced and "extractive answer" in final.notice
        assert final.text == sample_engine.ask(Q).text


def test_max_tokens_bounds_a_looping_reply(real_llm):
    s = real_llm(LOOP, llm_max_tokens=24).settings
    text = llm.chat(s, [{"role": "user", "content": "When?"}])
    assert text.startswith("Credit guarantees") and len(text.split()) <= 24


def test_looping_stream_is_cut_early_and_replaced_by_the_extractive_answer(real_llm, sample_engine):
    items = list(real_llm(LOOP, llm_max_tokens=400).ask_stream(Q))
    final, streamed = items[-1], "".join(i for i in items[:-1])
    assert streamed.count("2022-09-22") < 40  # stopped by the repetition check, long before 400 tokens
    assert final.generator == "extractive" and final.replaced
    assert "repeated itself" in final.notice and final.text == sample_engine.ask(Q).text


def test_list_labels_over_unsupported_text_fall_back_with_notice(real_llm, sample_engine):
    a = real_llm(UNSUPPORTED).ask(Q)
    assert a.generator == "extractive" and a.replaced
    assert "None of the language model" in a.notice and "supported by the passage it cites" in a.notice
    assert a.text == sample_engine.ask(Q).text


def test_follow_up_rewrite_that_copies_the_previous_answer_is_rejected(real_llm):
    previous = ("Several measures were announced: the credit guarantee system for small firms is improved "
                "and the goal is 600 billion yuan of SME loans this year [1].")
    s = real_llm(_exact(previous.replace(" [1]", "") + " guarantees")).settings
    q, notice = rewrite_query(s, "and guarantees?", [(Q, previous)])
    assert q.startswith("guarantees") and "SME" in q and len(q) < 80
    assert "copies the previous answer" in notice


def test_good_follow_up_rewrite_from_the_real_server_is_used(real_llm):
    s = real_llm(_exact("SME financing credit guarantees")).settings
    assert rewrite_query(s, "and guarantees?", [(Q, "…")]) == ("SME financing credit guarantees", None)


def test_timeout_falls_back_to_the_extractive_answer(real_llm, sample_engine):
    a = real_llm(LOOP, llm_timeout=0.05).ask(Q)
    assert a.generator == "extractive" and "timed out" in a.notice and a.text == sample_engine.ask(Q).text


def test_server_down_falls_back_to_the_extractive_answer(real_llm, tmp_path, sample_engine):
    gone = ls.start(tmp_path / "gone.log")
    gone.stop()
    engine = real_llm(llm_url=gone.url)
    with pytest.raises(LLMError, match="cannot reach"):
        llm.chat(engine.settings, [{"role": "user", "content": "hi"}])
    a = engine.ask(Q)
    assert a.generator == "extractive" and "cannot reach" in a.notice and not a.replaced


def test_chat_ui_replaces_withdrawn_text_in_the_same_bubble_with_the_notice(real_llm, sample_engine):
    from ui import chat

    steps = list(chat.stream_answer(real_llm(LOOP), Q, [], None, None, None))
    streamed = max(md.count("2022") for md, final in steps if final is None)
    assert streamed >= 10  # the loop did stream into the bubble
    md, final = steps[-1]
    assert final.replaced and final.text == sample_engine.ask(Q).text and md.count("2022") < streamed
    assert "withdrawn" in md and "repeated itself" in md


def test_api_stream_sends_an_explicit_replaced_event_and_ask_says_replaced(real_llm):
    from gradio_client import Client

    from tests.ui_servers import running_app

    engine = real_llm(LOOP)
    with running_app(engine) as srv:
        client = Client(srv.url, verbose=False)
        job = client.submit(Q, api_name="/ask_stream")
        job.result(timeout=300)
        outputs = job.outputs()
        out = client.predict(Q, api_name="/ask")
    events = [o for o in outputs if o.startswith("[replaced]")]
    assert len(events) == 1 and "repeated itself" in events[0]
    i = outputs.index(events[0])
    assert any("2022-09-22" in o for o in outputs[:i]) and "2022-09-22" not in outputs[-1]
    assert out["replaced"] is True and "repeated itself" in out["notice"] and out["generator"] == "extractive"
