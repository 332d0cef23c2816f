"""Interpret a follow-up question with the conversation so far.

``rewrite`` is pure and rule-based: a question that leans on the previous
turn ("and what about guarantees?", "which provinces?", "et les garanties ?")
keeps its own words and borrows the content words of the previous question
(itself rewritten first, so chains of follow-ups keep their topic). A
self-contained question is left as it is. ``rewrite_query`` lets a
configured LLM do the rewrite and falls back to the rules if it fails or
its rewrite is rejected by ``rewrite_problem`` (too long, drops the
follow-up's own words, or copies the previous answer: a small model tends to
repeat its last answer, which then becomes a 500-character search query).
"""

from __future__ import annotations

import re
from typing import Sequence

from rag.settings import Settings

from .terms import EN_STOP, FR_STOP, words

# Openings that only make sense as a continuation of the previous turn.
_CONTINUATION = re.compile(
    r"^\s*(and what about|and how about|and what of|what about|how about|what of|same for|and|also|"
    r"et qu'en est-il d[eu']?s?|qu'en est-il d[eu']?s?|et pour|pareil pour|quid de|et|aussi)\b[\s,:]*",
    re.I,
)
# Words that point back to something named before.
_ANAPHORA = frozenset(
    "it its they them their those these that this such there he she "
    "il elle ils elles leur leurs ceux celles celui celle ce cela ça ces y en".split()
)
SHORT = 5  # a question of at most this many words with no topic of its own is a follow-up
_GENERIC = frozenset(
    "which what who where when how many much provinces province regions region measures measure one ones "
    "quel quelle quels quelles qui où quand combien mesures".split()
)


def _content(text: str) -> list[str]:
    """Content words of ``text`` in their original case, first occurrence only."""
    seen: list[str] = []
    for w in re.findall(r"[^\W_]+", text):
        low = w.lower()
        if low not in EN_STOP and low not in FR_STOP and (len(w) > 1 or w.isdigit()) and \
                low not in (x.lower() for x in seen):
            seen.append(w)
    return seen


def is_followup(question: str) -> bool:
    """Whether ``question`` needs the previous turn to be understood."""
    if _CONTINUATION.match(question):
        return True
    toks = words(question)
    if any(t in _ANAPHORA for t in toks) and len(toks) <= 8:
        return True
    own = [w for w in _content(question) if w.lower() not in _GENERIC]
    return len(toks) <= SHORT and len(own) <= 1


def rewrite(question: str, history: Sequence[tuple[str, str]]) -> str:
    """The query to search for ``question`` given earlier ``(question, answer)`` turns."""
    question = question.strip()
    if not history:
        return question
    previous = rewrite(history[-1][0], history[:-1])
    if not is_followup(question):
        return question
    core = _CONTINUATION.sub("", question).strip() or question
    mine = set(words(core))
    borrowed = [w for w in _content(previous) if w.lower() not in mine]
    if not borrowed:
        return question
    core = core.rstrip(" ?？!.")
    return f"{core} ({' '.join(borrowed)})"


MAX_REWRITE_WORDS = 32
COPY_SHINGLE = 6  # a run of this many words taken from the previous answer (and not its question) is a copy


def _shingles(toks: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def rewrite_problem(rewritten: str, question: str, history: Sequence[tuple[str, str]]) -> str | None:
    """Why an LLM's rewrite of ``question`` cannot be searched, or None when it is fine."""
    toks = words(rewritten)
    limit = max(MAX_REWRITE_WORDS, 2 * len(words(question)))
    if not toks or len(toks) > limit:
        return f"{len(toks)} words, more than {limit}"
    have = {w[:5] for w in toks}  # 5-letter prefixes: guarantee/guarantees, mesure/mesures
    core = _CONTINUATION.sub("", question).strip() or question
    lost = [w for w in _content(core) if w.lower()[:5] not in have]
    if lost:
        return f"drops the follow-up's own words ({', '.join(lost)})"
    if history:
        prev_q, prev_a = history[-1]
        copied = _shingles(toks, COPY_SHINGLE) & _shingles(words(prev_a), COPY_SHINGLE)
        copied -= _shingles(words(prev_q), COPY_SHINGLE) | _shingles(words(question), COPY_SHINGLE)
        if copied:
            return "copies the previous answer"
    return None


def rewrite_query(settings: Settings, question: str, history: Sequence[tuple[str, str]]) -> tuple[str, str | None]:
    """(query, notice): the LLM rewrites follow-ups when configured, the rules otherwise."""
    if not history:
        return question, None
    if settings.llm_enabled:
        from rag.errors import LLMError

        from .llm import rewrite_with_llm

        try:
            query = rewrite_with_llm(settings, question, history)
        except LLMError as exc:
            return rewrite(question, history), f"The language model could not rewrite the follow-up ({exc}); used the rule-based rewrite."
        problem = rewrite_problem(query, question, history)
        if problem:
            return rewrite(question, history), f"The language model's rewrite of the follow-up was rejected ({problem}); used the rule-based rewrite."
        return query, None
    return rewrite(question, history), None
