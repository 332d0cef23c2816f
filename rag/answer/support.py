"""Whether a generated statement is supported by the passage it cites. Pure.

A valid ``[n]`` marker only says that passage n exists. A small model also
writes "[1] … [2] …" as list labels over text the passages never say, so each
cited statement is checked against its passages: the share of the
statement's content words (stemmed, stopwords dropped) that the cited
passages contain. ``SUPPORT_MIN`` was set on hand-written supported and
unsupported statements over the sample corpus (``tests/test_support.py``
prints the scores; README, "Optional LLM").
"""

from __future__ import annotations

from typing import Iterable

from .terms import content_terms

# Share of the statement's content words found in the cited passages. Measured: supported
# examples 0.75-1.0, unsupported 0-0.5; same words with a wrong fact score 0.8+ (not caught).
SUPPORT_MIN = 0.6
MIN_TERMS = 2  # statements with fewer content words are not judged


def support(statement: str, passages: Iterable[frozenset[str]], lang: str = "en") -> float:
    """Share of ``statement``'s content terms found in the union of the cited passages' terms (1.0 if too short)."""
    said = content_terms(statement, lang)
    if len(said) < MIN_TERMS:
        return 1.0
    have: set[str] = set()
    for terms in passages:
        have |= terms
    return len(said & have) / len(said)


def is_supported(statement: str, passages: Iterable[frozenset[str]], lang: str = "en",
                 threshold: float = SUPPORT_MIN) -> bool:
    return support(statement, passages, lang) >= threshold
