"""Fusion of dense and lexical scores. Pure functions over numpy arrays.

* ``rrf`` — reciprocal-rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009):
  score = Σ 1 / (k + rank). Ignores score magnitudes; the baseline.
* ``convex`` — a weighted sum of per-query z-score normalised scores over the
  candidate set (Bruch, Gai & Ingber, "An Analysis of Fusion Functions for
  Hybrid Retrieval", TOIS 2023, found convex combination beats RRF when
  both retrievers' scores are available for every candidate, which is the
  case here: we score every candidate with both models exactly).
"""

from __future__ import annotations

import numpy as np


def ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each entry, highest score first (ties broken by position)."""
    order = np.argsort(-scores, kind="stable")
    r = np.empty(len(scores), dtype=np.int64)
    r[order] = np.arange(1, len(scores) + 1)
    return r


def rrf(dense: np.ndarray, lexical: np.ndarray, k: int = 60) -> np.ndarray:
    """Reciprocal-rank fusion of two score vectors over the same candidates."""
    return 1.0 / (k + ranks(dense)) + 1.0 / (k + ranks(lexical))


def zscore(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    if sd < 1e-9:
        return np.zeros_like(x, dtype=np.float32)
    return ((x - x.mean()) / sd).astype(np.float32)


def minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-9:
        return np.zeros_like(x, dtype=np.float32)
    return ((x - lo) / (hi - lo)).astype(np.float32)


def convex(dense: np.ndarray, lexical: np.ndarray, dense_weight: float = 0.5, norm: str = "zscore") -> np.ndarray:
    """``w · norm(dense) + (1 − w) · norm(lexical)`` over the same candidates."""
    f = zscore if norm == "zscore" else minmax
    return dense_weight * f(dense) + (1.0 - dense_weight) * f(lexical)
