"""LLM synthesis over the numbered passages, with checked citations and extractive fallback.

The refusal decision is made before this runs (a refused question never
reaches the LLM). The generated text streams out as it arrives; afterwards
its citations are checked (``verify``) and mapped to the passage sentence
closest to the statement that cites it, so a citation still quotes an
exact span. A statement whose cited passage does not share its content is
flagged like an uncited one (``support``). If the server fails or times out,
the text loops (``loops``), or nothing (or too little) is validly cited, the
final Answer is the extractive one with a notice, marked ``replaced`` when
generated text had already streamed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator, Sequence

from rag.errors import LLMError
from rag.settings import Settings
from rag.types import Answer, Chunk, Citation

from . import llm, loops, support, verify
from .compose import citation_for, display
from .pipeline import Prepared
from rag.sentences import Sentence
from .select import jaccard
from .terms import content_terms


def passages_for(prep: Prepared) -> list[Chunk]:
    """Chunks to number for the LLM: those holding the chosen sentences, then the best hits, up to k (at least)."""
    out: list[Chunk] = []
    for i in prep.picks:
        if prep.chunks[i] not in out:
            out.append(prep.chunks[i])
    target = max(prep.k, len(out))
    for h in prep.hits:
        if len(out) >= target:
            break
        if h.chunk not in out:
            out.append(h.chunk)
    return out


def _quote(prep: Prepared, chunk: Chunk, said: Sequence[str]) -> tuple[Sentence, float]:
    """The sentence of ``chunk`` that best matches the statements citing it (whole chunk if none)."""
    want = content_terms(" ".join(said), prep.lang)
    best: tuple[float, Sentence] | None = None
    for s, c, terms in zip(prep.sentences, prep.chunks, prep.terms):
        if c.id == chunk.id:
            sim = jaccard(want, terms)
            if best is None or sim > best[0]:
                best = (sim, s)
    if best is None:
        return Sentence(chunk.text, chunk.start, chunk.end), 0.0
    return best[1], best[0]


MOST = 0.5  # an answer whose flagged statements exceed this share of its statements is not used
LOOP_CHECK_EVERY = 8  # deltas between loop checks while streaming


def _fallback(base: Answer, reason: str, replaced: bool) -> Answer:
    notice = f"{reason}; showing the extractive answer instead."
    return replace(base, notice=f"{base.notice} {notice}" if base.notice else notice, replaced=replaced)


def _stream(settings: Settings, messages: list[dict[str, str]], parts: list[str]) -> Iterator[str]:
    """Deltas of the reply, stopping (and closing the connection) as soon as the text loops."""
    stream = llm.stream_chat(settings, messages)
    try:
        for i, delta in enumerate(stream, 1):
            parts.append(delta)
            yield delta
            if i % LOOP_CHECK_EVERY == 0 and loops.find_loop("".join(parts)):
                return
    finally:
        stream.close()


def generate_stream(settings: Settings, prep: Prepared, base: Answer) -> Iterator[str | Answer]:
    """Yield LLM text deltas, then the checked Answer (or the extractive ``base`` with a notice).

    Generated text is unusable, and the extractive answer replaces it, when
    the server fails, the text loops, no statement carries a valid citation,
    or most statements are uncited or unsupported by the passage they cite.
    """
    passages = passages_for(prep)
    # [n] written in a document must not reach the model as if it were a passage number.
    messages = llm.answer_messages(prep.question, [display(c.text) for c in passages], prep.lang)
    parts: list[str] = []

    def fallback(reason: str) -> Iterator[str | Answer]:
        if not parts:
            yield base.text
        yield _fallback(base, reason, replaced=bool("".join(parts).strip()))

    try:
        yield from _stream(settings, messages, parts)
    except LLMError as exc:
        yield from fallback(f"The language model failed ({exc})")
        return
    text, loop = loops.cut_loop("".join(parts).strip())
    if loop is not None:
        yield from fallback(f"The language model repeated itself ({loop.period}-word phrase, {loop.words} words)")
        return
    terms = [content_terms(c.text, prep.lang) for c in passages]
    text, unsupported = verify.withdraw_unsupported(
        text, len(passages), lambda st, cited: support.is_supported(st, [terms[n - 1] for n in cited], prep.lang))
    checked = verify.check_citations(text, len(passages))
    if not checked.text or not checked.order:
        yield from fallback(f"None of the language model's {len(unsupported)} cited statements is supported by "
                            "the passage it cites" if unsupported else
                            "The language model gave no answer with a valid citation")
        return
    n_statements = len(verify.statements(checked.text))
    if len(checked.flagged) > MOST * max(n_statements, 1):
        yield from fallback(f"{len(checked.flagged)} of the language model's {n_statements} statements "
                            "are not supported by a cited passage")
        return
    citations: list[Citation] = []
    for new, old in enumerate(checked.order, 1):
        chunk = passages[old - 1]
        sentence, score = _quote(prep, chunk, checked.statements.get(new, ()))
        citations.append(citation_for(new, sentence, chunk, score))
    notes = [base.notice] if base.notice else []
    if checked.removed:
        notes.append(f"Removed {checked.removed} citation marker(s) that pointed to no passage.")
    if unsupported:
        notes.append(f"{len(unsupported)} statement(s) are not supported by the passage they cite.")
    if checked.flagged:
        notes.append(f"{len(checked.flagged)} statement(s) have no supported citation and are flagged as unverified.")
    yield Answer(question=prep.question, query=prep.query, text=checked.text, citations=tuple(citations),
                 refused=False, lang=prep.lang, generator=f"llm:{settings.llm_model}",
                 notice=" ".join(notes) or None, flagged=checked.flagged, timings=dict(base.timings))
