"""The chat-completions client against a real scripted HTTP server on 127.0.0.1,
citation checking, and the fallback to the extractive answer."""

from __future__ import annotations

import pytest

from rag.answer import llm
from rag.answer.followup import rewrite_query
from rag.answer.verify import check_citations
from rag.engine import Engine
from rag.errors import LLMError
from rag.settings import Settings
from rag.types import Answer
from tests.chat_completions_server import ChatCompletionsServer, Reply

MSGS = [{"role": "user", "content": "hi"}]


def _settings(url: str, timeout: float = 5.0) -> Settings:
    return Settings(llm_url=url, llm_model="test-model", llm_key="k123", llm_timeout=timeout)


def test_streaming_reply_arrives_in_deltas_until_done():
    with ChatCompletionsServer([Reply("Banks must not cut loans [1].", chunk_size=5)]) as srv:
        deltas = list(llm.stream_chat(_settings(srv.url), MSGS))
    assert len(deltas) > 3 and "".join(deltas) == "Banks must not cut loans [1]."
    req = srv.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["body"]["stream"] is True
    assert req["body"]["model"] == "test-model" and req["auth"] == "Bearer k123"


def test_non_streaming_reply_and_json_body_to_stream_request():
    with ChatCompletionsServer([Reply("one"), Reply(raw='{"choices":[{"message":{"content":"two"}}]}')]) as srv:
        assert llm.chat(_settings(srv.url), MSGS) == "one"
        assert srv.requests[0]["body"]["stream"] is False
        # A server that ignores stream=true and answers with JSON
        assert list(llm.stream_chat(_settings(srv.url + "/chat/completions"), MSGS)) == []


def test_http_error_becomes_llm_error():
    with ChatCompletionsServer([Reply("overloaded", status=503), Reply("bad", status=401)]) as srv:
        with pytest.raises(LLMError, match="HTTP 503"):
            list(llm.stream_chat(_settings(srv.url), MSGS))
        with pytest.raises(LLMError, match="HTTP 401"):
            llm.chat(_settings(srv.url), MSGS)


def test_slow_server_times_out():
    with ChatCompletionsServer([Reply("late", delay=1.5), Reply("x" * 40, chunk_size=1, chunk_delay=0.05)]) as srv:
        with pytest.raises(LLMError, match="timed out"):
            list(llm.stream_chat(_settings(srv.url, timeout=0.5), MSGS))
        with pytest.raises(LLMError, match="timed out"):  # trickling tokens past the total deadline
            list(llm.stream_chat(_settings(srv.url, timeout=0.5), MSGS))


def test_malformed_event_and_unreachable_server():
    with ChatCompletionsServer([Reply(raw="data: {not json\n\n")]) as srv:
        with pytest.raises(LLMError, match="invalid JSON"):
            list(llm.stream_chat(_settings(srv.url), MSGS))
    with pytest.raises(LLMError, match="cannot reach"):
        llm.chat(_settings("http://127.0.0.1:9/v1", timeout=1), MSGS)


def test_citation_check_removes_unknown_markers_renumbers_and_flags_uncited():
    c = check_citations("Lead:\n- Loans are not cut [3]. Fees fall [1, 7].\n- An invented claim with no source.\n"
                        "Rents drop [9] too [3].", 4)
    assert c.text == "Lead:\n- Loans are not cut [1]. Fees fall [2].\n- An invented claim with no source.\nRents drop too [1]."
    assert c.order == (3, 1) and c.removed == 2
    assert c.flagged == ("- An invented claim with no source.",)
    assert c.statements[1] == ("- Loans are not cut.", "Rents drop too.")


def test_citation_check_with_no_valid_marker():
    c = check_citations("Everything here is made up [5].", 2)
    assert c.order == () and c.flagged == ("Everything here is made up.",)


@pytest.fixture()
def llm_engine(sample_engine, real_embedder):
    def make(url: str, timeout: float = 5.0, key: str = "") -> Engine:
        s = sample_engine.settings.replace(llm_url=url, llm_model="test-model", llm_timeout=timeout, llm_key=key)
        return Engine(s, embedder=real_embedder)
    return make


Q = "What SME financing measures were announced?"


def test_generated_answer_streams_and_its_citations_quote_real_spans(llm_engine, sample_engine):
    reply = "Several measures were announced [2]. Credit guarantees are strengthened [1]. Bonds too [8]."
    with ChatCompletionsServer([Reply(reply)]) as srv:
        items = list(llm_engine(srv.url).ask_stream(Q))
    final = items[-1]
    assert isinstance(final, Answer) and all(isinstance(i, str) for i in items[:-1])
    assert "".join(items[:-1]) == reply
    assert final.generator == "llm:test-model" and not final.refused
    assert final.text == "Several measures were announced [1]. Credit guarantees are strengthened [2]. Bonds too."
    assert [c.n for c in final.citations] == [1, 2]
    assert "generate" in final.timings
    assert "Removed 1 citation marker" in final.notice
    for c in final.citations:
        assert sample_engine.document(c.doc_id).text[c.start:c.end] == c.text


def test_uncited_generated_sentence_is_flagged(llm_engine):
    with ChatCompletionsServer([Reply("The credit guarantee system for SMEs is improved [1]. SMEs also get free money forever.")]) as srv:
        a = llm_engine(srv.url).ask(Q)
    assert a.flagged == ("SMEs also get free money forever.",) and "flagged" in a.notice


@pytest.mark.parametrize("reply,reason", [
    (Reply("down", status=500), "failed"),
    (Reply("", chunk_size=1), "no answer with a valid citation"),
    (Reply("I cannot help [12].",), "no answer with a valid citation"),
    (Reply("late", delay=2.0), "timed out"),
])
def test_llm_failure_falls_back_to_extractive_answer_with_notice(llm_engine, sample_engine, reply, reason):
    with ChatCompletionsServer([reply]) as srv:
        a = llm_engine(srv.url, timeout=0.7).ask(Q)
    extractive = sample_engine.ask(Q)
    assert a.generator == "extractive" and a.text == extractive.text and a.citations == extractive.citations
    assert reason in a.notice and "extractive answer" in a.notice


def test_refused_question_never_reaches_the_llm(llm_engine):
    with ChatCompletionsServer([Reply("Canberra [1].")]) as srv:
        a = llm_engine(srv.url).ask("What is the capital of Australia?")
    assert a.refused and srv.requests == []


def test_llm_rewrites_followups_and_rules_take_over_when_it_fails():
    hist = [("What SME financing measures were announced?", "…")]
    with ChatCompletionsServer([Reply("SME financing guarantees announced"), Reply("x", status=500)]) as srv:
        s = _settings(srv.url)
        assert rewrite_query(s, "and guarantees?", hist) == ("SME financing guarantees announced", None)
        q, notice = rewrite_query(s, "and guarantees?", hist)
    assert "SME" in q and "rule-based" in notice
    assert srv.requests[0]["body"]["messages"][-1]["content"] == "and guarantees?"


@pytest.mark.parametrize("userinfo,key,echoed", [
    ("", "sk-TOPSECRET", "Bearer sk-TOPSECRET"),
    ("alice:hunter2@", "", "Basic YWxpY2U6aHVudGVyMg=="),  # httpx sends URL credentials as Basic auth
])
def test_llm_error_shows_people_a_generic_notice_and_logs_the_detail_redacted(llm_engine, caplog, userinfo, key,
                                                                                echoed):
    """A server that echoes the Authorization header, and a URL with user:pass@, leak nothing into the chat."""
    with ChatCompletionsServer([Reply("bad key", status=401, echo_auth=True)]) as srv:
        engine = llm_engine(srv.url.replace("http://", "http://" + userinfo), key=key)
        with caplog.at_level("WARNING", logger="rag"):
            a = engine.ask(Q)
    assert srv.requests[0]["auth"] == echoed  # the server really got, and echoed, the secret
    assert a.generator == "extractive" and "HTTP 401" in a.notice
    shown = a.notice + str(a.to_json())
    for secret in ("sk-TOPSECRET", "hunter2", "alice", echoed.split()[1], "bad key"):
        assert secret not in shown
    logged = caplog.text
    assert "HTTP 401" in logged and "bad key" in logged and "[redacted]" in logged
    for secret in ("sk-TOPSECRET", "hunter2", echoed.split()[1]):
        assert secret not in logged


def test_unreachable_url_with_credentials_is_not_repeated_to_people(caplog):
    s = _settings("http://bob:pa55w0rd@127.0.0.1:9/v1", timeout=1).replace(llm_key="sk-XYZ")
    with caplog.at_level("WARNING", logger="rag"), pytest.raises(LLMError) as exc:
        llm.chat(s, MSGS)
    assert "cannot reach" in str(exc.value) and "pa55w0rd" not in str(exc.value) and "bob" not in str(exc.value)
    assert "127.0.0.1:9" in caplog.text and "pa55w0rd" not in caplog.text


def test_redact_removes_keys_url_credentials_and_bearer_tokens():
    from rag.redact import redact

    text = ('POST http://u:p%40ss@host:8/v1 failed: {"auth": "Bearer abc.DEF-123", '
            '"headers": {"Authorization": "Basic dTpw"}} key sk-1234567 api_key=sk-1234567')
    out = redact(text, secrets=("sk-1234567",))
    for s in ("u:p%40ss", "abc.DEF-123", "dTpw", "sk-1234567"):
        assert s not in out
    assert "http://[redacted]@host:8/v1" in out and "Bearer [redacted]" in out


def test_streamed_text_that_fails_its_checks_is_marked_replaced_for_ui_and_api(llm_engine, sample_engine):
    from ui import chat

    with ChatCompletionsServer([Reply("I cannot help [12]."), Reply("I cannot help [12]."), Reply("down", status=500)]) as srv:
        engine = llm_engine(srv.url)
        a = engine.ask(Q)
        events = list(chat.api_stream(engine.ask_stream(Q)))
        never_streamed = engine.ask(Q)
    assert a.replaced and a.to_json()["replaced"] is True and a.text == sample_engine.ask(Q).text
    assert events[-3] == "I cannot help [12]." and events[-2].startswith("[replaced] The language model gave no")
    assert events[-1] == a.text
    assert chat.replaced_markdown(a).startswith("<small>↺") and chat.replaced_markdown(never_streamed) == ""
    assert not never_streamed.replaced  # the server failed before any text: nothing to withdraw
