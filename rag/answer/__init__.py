"""Answers with numbered citations: extractive by default, optional LLM synthesis.

``ask`` rewrites a follow-up against the conversation, retrieves more
passages than ``k`` (so a broad question can draw on every document),
scores their sentences against the question, refuses when the best
evidence is under the calibrated threshold, and otherwise composes an
extractive answer, or, when an LLM server is configured, a generated one whose
citations are checked (falling back to the extractive answer on failure).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Iterator, Sequence

from rag.errors import InputError
from rag.limits import bounded_history, check_question
from rag.types import Answer, Filters

from . import compose, intent
from .pipeline import AnswerContext, Prepared, extractive_answer, prepare
from .terms import question_lang

__all__ = ["ask", "ask_stream", "AnswerContext", "Prepared"]


def ask(ctx: AnswerContext, question: str, history: Sequence[tuple[str, str]] = (), k: int | None = None,
        mode: str | None = None, filters: Filters | None = None) -> Answer:
    """Answer ``question`` from the indexed documents (see module docstring)."""
    final: Answer | None = None
    for item in ask_stream(ctx, question, history, k=k, mode=mode, filters=filters):
        if isinstance(item, Answer):
            final = item
    assert final is not None
    return final


def ask_stream(ctx: AnswerContext, question: str, history: Sequence[tuple[str, str]] = (), k: int | None = None,
               mode: str | None = None, filters: Filters | None = None) -> Iterator[str | Answer]:
    """Yield text deltas as the answer is produced, then the final ``Answer``."""
    if not question or not question.strip():
        raise InputError("empty question")
    limit = ctx.settings.max_question_chars
    question = question.strip()
    check_question(question, limit)
    typed, question = question, intent.without_markup(question)
    if not question:
        raise InputError("the question has no text outside its HTML tags")
    reply = _direct_reply(ctx, question, filters)
    if reply is not None:
        reply = replace(reply, question=typed)
        yield reply.text
        yield reply
        return
    # An earlier "thanks" is no context for a follow-up, nor the "Thanks," or "quick question:"
    # opening a question.
    history = [(_asked(q), a) for q, a in history if intent.courtesy(q) is None]
    asked = _asked(question)
    prep = prepare(ctx, asked, bounded_history(history, limit), k, mode, filters)
    if asked != typed:
        prep = replace(prep, question=typed)
    base = extractive_answer(prep)
    if base.refused or not ctx.settings.llm_enabled:
        yield base.text
        yield base
        return
    from .generate import generate_stream

    t = time.perf_counter()
    final: Answer | None = None
    for item in generate_stream(ctx.settings, prep, base):
        if isinstance(item, Answer):
            final = item
        else:
            yield item
    assert final is not None
    timings = {**base.timings, "generate": time.perf_counter() - t}
    final = _with_timings(final, timings)
    yield final


def _asked(question: str) -> str:
    """What the question asks, without markup, or the thanks, greeting or chat opener before it."""
    return intent.without_preamble(intent.without_courtesy(intent.without_markup(question)))


def _direct_reply(ctx: AnswerContext, question: str, filters: Filters | None) -> Answer | None:
    """The reply to a message that needs no search, or None: a thanks, a greeting or a goodbye
    ("thanks!", "bonjour"), or a question about the collection itself ("How many documents are
    there?", "Which document is the most recent?"), answered from the index's own list."""
    kind = intent.courtesy(question)
    if kind is not None:
        return Answer(question=question, query=question, text=compose.courtesy_text(*kind), lang=kind[1])
    what = intent.collection_question(question)
    if what is None:
        return None
    docs = [d for d in ctx.index.documents() if filters is None or filters.accepts_document(d)]
    lang = question_lang(question)
    return Answer(question=question, query=question, lang=lang, text=compose.collection_text(
        what, [(d.title or d.id, d.date, d.lang) for d in docs], lang))


def _with_timings(answer: Answer, timings: dict[str, float]) -> Answer:
    return replace(answer, timings=timings)
