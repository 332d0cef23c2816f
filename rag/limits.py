"""Input limits, checked before any work is done. Pure.

A question is embedded, tokenised for BM25 and scored sentence by sentence:
its cost grows with its length, so an unbounded question lets one request
hold the CPU for seconds and the memory of its arrays. The limits are
settings (``max_question_chars``), checked at the library's front door so the
CLI, the chat and the API refuse the same way, with one line.
"""

from __future__ import annotations

import re
from typing import Sequence

from .errors import InputError

HISTORY_TURNS = 10  # follow-ups only lean on the last turns; older ones are dropped
_WORD = re.compile(r"[^\W_]")  # a letter or a digit, in any script


def check_question(text: str, limit: int, what: str = "question") -> None:
    """Raise InputError when ``text`` is longer than ``limit`` characters or holds no letter or digit."""
    if len(text) > limit:
        raise InputError(f"{what} too long: {len(text)} characters, the limit is {limit} "
                         "(setting max_question_chars)")
    # "???" or "🚀" was answered with five points: every sentence is some distance from nothing.
    if what != "earlier question" and text.strip() and not _WORD.search(text):
        raise InputError(f"{what} has no words: ask it in words")


def bounded_history(history: Sequence[tuple[str, str]], limit: int) -> tuple[tuple[str, str], ...]:
    """The last ``HISTORY_TURNS`` turns; each earlier question is held to the same limit.

    Earlier answers are cut to a few times the limit: only their start helps a rewrite.
    """
    turns = tuple(history)[-HISTORY_TURNS:]
    for q, _ in turns:
        check_question(q, limit, "earlier question")
    return tuple((q, a[: 4 * limit]) for q, a in turns)
