"""Client for an OpenAI-compatible chat-completions server (httpx).

Network I/O only: building the prompt and checking the reply's citations
live in ``generate`` and ``verify``. Every failure (connection, HTTP status,
timeout, malformed reply) becomes an ``LLMError`` with a one-line reason so
the caller can fall back to the extractive answer. That reason is shown to
people, so it is generic (status code, "timed out"); the server's error body
and the URL go to the ``rag.llm`` log, redacted (``rag.redact``), because a
server may echo the Authorization header and a URL may carry ``user:pass@``.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Iterator, Sequence
from urllib.parse import urlsplit

from rag.errors import LLMError
from rag.redact import redact
from rag.settings import Settings

log = logging.getLogger("rag.llm")

SYSTEM_PROMPT = (
    "You answer questions using only the numbered passages you are given. "
    "After every sentence, cite the passage(s) it comes from as [n]. "
    "Do not add facts that are not in the passages. If the passages do not answer "
    "the question, say that the documents do not say. Be brief: a lead sentence, then key points."
)
REWRITE_PROMPT = (
    "Rewrite the user's last question as one self-contained search query, using the conversation "
    "for context. Reply with the query only, no quotes, no explanation."
)


def endpoint(url: str) -> str:
    """Accept a base URL (``http://host:8000/v1``) or the full chat-completions URL."""
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


def _headers(settings: Settings) -> dict[str, str]:
    h = {"Content-Type": "application/json", "Accept": "text/event-stream, application/json"}
    if settings.llm_key:
        h["Authorization"] = f"Bearer {settings.llm_key}"
    return h


def _fail(settings: Settings, reason: str, detail: str = "") -> LLMError:
    """An LLMError carrying only ``reason``; ``reason`` and ``detail`` are logged with secrets masked."""
    parts = urlsplit(settings.llm_url)
    secrets = (settings.llm_key, parts.password or "", parts.username or "")
    log.warning("LLM request to %s failed: %s%s", redact(endpoint(settings.llm_url), secrets), reason,
                f" ({redact(detail, secrets)[:500]})" if detail else "")
    return LLMError(reason)


def _payload(settings: Settings, messages: Sequence[dict[str, str]], stream: bool) -> dict[str, Any]:
    extra = json.loads(settings.llm_params) if settings.llm_params else {}
    return {"model": settings.llm_model, "messages": list(messages), "temperature": settings.llm_temperature,
            "max_tokens": settings.llm_max_tokens, **extra, "stream": stream}


def _content(settings: Settings, obj: Any, key: str) -> str:
    """``choices[0][key].content`` of a reply or stream event, '' when absent."""
    try:
        part = obj["choices"][0].get(key) or {}
        return part.get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise _fail(settings, "unexpected reply from the LLM server", str(obj)) from exc


def stream_chat(settings: Settings, messages: Sequence[dict[str, str]]) -> Iterator[str]:
    """Yield content deltas of a streamed completion (SSE ``data:`` lines up to ``[DONE]``).

    ``llm_timeout`` bounds both each wait for data and the whole reply.
    A server that answers a streaming request with one JSON body is accepted.
    """
    import httpx

    deadline = time.monotonic() + settings.llm_timeout
    url = endpoint(settings.llm_url)
    try:
        with httpx.Client(timeout=httpx.Timeout(settings.llm_timeout)) as client:
            with client.stream("POST", url, json=_payload(settings, messages, True), headers=_headers(settings)) as r:
                if r.status_code >= 400:
                    r.read()
                    raise _fail(settings, f"LLM server returned HTTP {r.status_code}", r.text.strip())
                if "application/json" in r.headers.get("content-type", ""):
                    r.read()
                    yield _content(settings, _json(settings, r.text), "message")
                    return
                for line in r.iter_lines():
                    if time.monotonic() > deadline:
                        raise _fail(settings, f"LLM server timed out after {settings.llm_timeout:g}s")
                    line = line.strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    delta = _content(settings, _json(settings, data), "delta")
                    if delta:
                        yield delta
    except httpx.TimeoutException as exc:
        raise _fail(settings, f"LLM server timed out after {settings.llm_timeout:g}s") from exc
    except httpx.HTTPError as exc:
        raise _fail(settings, f"cannot reach the LLM server ({type(exc).__name__})", str(exc)) from exc


def chat(settings: Settings, messages: Sequence[dict[str, str]]) -> str:
    """The full content of a non-streamed completion."""
    import httpx

    url = endpoint(settings.llm_url)
    try:
        r = httpx.post(url, json=_payload(settings, messages, False), headers=_headers(settings),
                       timeout=httpx.Timeout(settings.llm_timeout))
    except httpx.TimeoutException as exc:
        raise _fail(settings, f"LLM server timed out after {settings.llm_timeout:g}s") from exc
    except httpx.HTTPError as exc:
        raise _fail(settings, f"cannot reach the LLM server ({type(exc).__name__})", str(exc)) from exc
    if r.status_code >= 400:
        raise _fail(settings, f"LLM server returned HTTP {r.status_code}", r.text.strip())
    return _content(settings, _json(settings, r.text), "message")


def _json(settings: Settings, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(settings, "LLM server sent invalid JSON", text) from exc


def answer_messages(question: str, passages: Sequence[str], lang: str) -> list[dict[str, str]]:
    """Chat messages asking for a cited answer from numbered ``passages``."""
    numbered = "\n\n".join(f"[{i}] {p}" for i, p in enumerate(passages, 1))
    language = "French" if lang == "fr" else "English"
    user = f"Passages:\n\n{numbered}\n\nQuestion: {question}\n\nAnswer in {language}, citing passages as [n]."
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def rewrite_with_llm(settings: Settings, question: str, history: Sequence[tuple[str, str]]) -> str:
    """A self-contained query for a follow-up, written by the LLM (raises LLMError)."""
    msgs: list[dict[str, str]] = [{"role": "system", "content": REWRITE_PROMPT}]
    for q, a in history[-3:]:
        msgs += [{"role": "user", "content": q}, {"role": "assistant", "content": a[:600]}]
    msgs.append({"role": "user", "content": question})
    out = " ".join(chat(settings, msgs).split()).strip().strip('"')
    if not out:
        raise LLMError("the LLM returned an empty rewrite")
    return out[:500]
