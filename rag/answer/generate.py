"""LLM synthesis over the numbered passages, with checked citations and extractive fallback.

The refusal decision is made before this runs (a refused question never
reaches the LLM). The generated text streams out as it arrives; afterwards
its citations are checked (``verify``) and mapped to the passage sentence
closest to the statement that cites it, so a citation still quotes an
exact span. If the server fails, times out or gives nothing with a valid
citation, the final Answer is the extractive one with a notice saying so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator, Sequence

from rag.errors import LLMError
from rag.settings import Settings
from rag.types import Answer, Chunk, Citation

from . import llm, verify
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


def _fallback(base: Answer, reason: str) -> Answer:
    notice = f"{reason}; showing the extractive answer instead."
    return replace(base, notice=f"{base.notice} {notice}" if base.notice else notice)


def generate_stream(settings: Settings, prep: Prepared, base: Answer) -> Iterator[str | Answer]:
    """Yield LLM text deltas, then the checked Answer (or the extractive ``base`` with a notice)."""
    passages = passages_for(prep)
    # [n] written in a document must not reach the model as if it were a passage number.
    messages = llm.answer_messages(prep.question, [display(c.text) for c in passages], prep.lang)
    parts: list[str] = []
    try:
        for delta in llm.stream_chat(settings, messages):
            parts.append(delta)
            yield delta
    except LLMError as exc:
        if not parts:
            yield base.text
        yield _fallback(base, f"The language model failed ({exc})")
        return
    checked = verify.check_citations("".join(parts).strip(), len(passages))
    if not checked.text or not checked.order:
        if not parts:
            yield base.text
        yield _fallback(base, "The language model gave no answer with a valid citation")
        return
    citations: list[Citation] = []
    for new, old in enumerate(checked.order, 1):
        chunk = passages[old - 1]
        sentence, score = _quote(prep, chunk, checked.statements.get(new, ()))
        citations.append(citation_for(new, sentence, chunk, score))
    notes = [base.notice] if base.notice else []
    if checked.removed:
        notes.append(f"Removed {checked.removed} citation marker(s) that pointed to no passage.")
    if checked.flagged:
        notes.append(f"{len(checked.flagged)} statement(s) have no citation and are flagged as unsupported.")
    yield Answer(question=prep.question, query=prep.query, text=checked.text, citations=tuple(citations),
                 refused=False, lang=prep.lang, generator=f"llm:{settings.llm_model}",
                 notice=" ".join(notes) or None, flagged=checked.flagged, timings=dict(base.timings))
