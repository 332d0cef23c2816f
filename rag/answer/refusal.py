"""When to say "the documents don't say". Pure.

The decision looks at the best candidate sentence: its combined score
(see ``select``) and how much of the question's content it covers. The
thresholds were calibrated on the sample corpus with the labelled MIIT
evaluation set (``eval/sets/miit.jsonl``, ``answerable`` flags) by
``bench/calibrate_refusal.py``, which prints both score distributions and
the accuracy of every candidate threshold; the chosen values and the
measured error rates are recorded in that script's docstring.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """The strongest support the retrieved passages give for a question."""

    best_score: float
    best_cosine: float
    best_coverage: float


def should_refuse(ev: Evidence, refuse_below: float) -> bool:
    """True when even the best sentence scores under the calibrated ``refuse_below``."""
    return ev.best_score < refuse_below
