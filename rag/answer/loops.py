"""Detect a generation stuck in a loop. Pure.

Small models can fall into repeating a word or phrase until the token limit
("2022-09-22 2022-09-22 …"). A run of words with period ``p`` (each word
equal to the one ``p`` words earlier) is a loop when it spans at least
``MIN_RUN`` words and ``MIN_REPEATS`` periods: natural prose repeats a word
now and then, never a dozen words in lockstep. Words are compared lower-cased
without punctuation, so "2022-09-22," and "2022-09-22" are the same word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PERIOD = 20  # longest repeated phrase looked for, in words
MIN_RUN = 12  # words a periodic run must span to count as a loop
MIN_REPEATS = 3  # times the phrase must occur
_TOKEN = re.compile(r"\S+")
_PUNCT = "\"'.,;:!?()[]{}*-–—«»“”‘’"


@dataclass(frozen=True)
class Loop:
    """A loop in a text: the phrase repeats from character ``start``; ``keep`` ends its first occurrence."""

    start: int
    keep: int
    period: int
    words: int


def find_loop(text: str, max_period: int = MAX_PERIOD, min_run: int = MIN_RUN,
              min_repeats: int = MIN_REPEATS) -> Loop | None:
    """The earliest repetition loop in ``text``, or None."""
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    toks = [text[a:b].lower().strip(_PUNCT) for a, b in spans]
    best: Loop | None = None
    for p in range(1, min(max_period, len(toks) // 2) + 1):
        need = max(min_run, min_repeats * p)
        run = 0  # consecutive positions j with toks[j] == toks[j + p]
        for j in range(len(toks) - p):
            run = run + 1 if toks[j] == toks[j + p] and toks[j] else 0
            if run + p >= need:
                first = j - run + 1
                if best is None or spans[first][0] < best.start:
                    best = Loop(spans[first][0], spans[first + p - 1][1], p, run + p)
                break
    return best


def cut_loop(text: str) -> tuple[str, Loop | None]:
    """``text`` up to the end of the looping phrase's first occurrence, and the loop (None: unchanged)."""
    loop = find_loop(text)
    if loop is None:
        return text, None
    return text[:loop.keep].rstrip(), loop
