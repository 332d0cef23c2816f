"""Dense, BM25 and hybrid search over a store view (``rag/stores/base.py``); fusion in ``rag/fusion.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from .embed import Embedder
from .errors import InputError
from .fusion import convex, rrf
from .stores.base import StoreView
from .types import Filters, Hit

if TYPE_CHECKING:
    from .settings import Settings


def search(
    view: StoreView,
    embedder: Embedder | None,
    query: str,
    k: int,
    mode: str = "hybrid",
    filters: Filters | None = None,
    fusion: str = "convex",
    dense_weight: float = 0.5,
    rrf_k: int = 60,
    candidates: int = 100,
) -> list[Hit]:
    """Top-``k`` chunks for ``query``. ``embedder`` may be None for mode ``bm25``."""
    if k <= 0 or not view.counts().chunks:
        return []
    if mode == "bm25" or (mode == "hybrid" and embedder is None):
        keys, sc = view.lexical(query, k, filters)
        return _hits(view, keys, sc, "bm25")
    assert embedder is not None
    qvec = embedder.embed_queries([query])[0]
    if mode == "dense":
        keys, sc = view.dense(qvec, k, filters)
        return _hits(view, keys, sc, "dense")
    # Hybrid: union of both candidate lists, each candidate scored exactly by both models.
    n = max(candidates, k)
    d_keys, _ = view.dense(qvec, n, filters)
    l_keys, _ = view.lexical(query, n, filters)
    cand = np.unique(np.concatenate([np.asarray(d_keys, np.int64), np.asarray(l_keys, np.int64)]))
    if not len(cand):
        return []
    dense_sc = np.asarray(view.dense_scores(qvec, cand), np.float32)
    lex_sc = np.asarray(view.lexical_scores(query, cand), np.float32)
    if fusion == "rrf":
        fused = rrf(dense_sc, lex_sc, rrf_k)
    else:
        fused = convex(dense_sc, lex_sc, dense_weight)
    order = np.argsort(-fused, kind="stable")[:k]
    return _hits(view, cand[order], fused[order], "hybrid")


def _hits(view: StoreView, keys: np.ndarray, scores: np.ndarray, retriever: str) -> list[Hit]:
    chunks = view.chunks([int(i) for i in keys])
    # A chunk a writer removed since the search (a shared database) is left out.
    found = [(c, s) for c, s in zip(chunks, scores) if c is not None]
    return [Hit(chunk=c, score=float(s), retriever=retriever, rank=r + 1) for r, (c, s) in enumerate(found)]


class Retriever(Protocol):
    """What the answer stage needs from retrieval: top passages for a query."""

    def search(self, query: str, k: int | None = None, mode: str | None = None,
               filters: Filters | None = None, embedder: Embedder | None = None) -> list[Hit]: ...


class IndexRetriever:
    """Hybrid, dense or BM25 search over one loaded index generation, with the settings' fusion.

    Bound to one :class:`StoreView`, so an answer's search and its sentence
    lookup read the same generation even while a writer swaps in a new one.
    """

    def __init__(self, view: StoreView, settings: "Settings", embedder: Embedder | None = None) -> None:
        self.view, self.settings, self.embedder = view, settings, embedder

    def search(self, query: str, k: int | None = None, mode: str | None = None,
               filters: Filters | None = None, embedder: Embedder | None = None) -> list[Hit]:
        if not query or not query.strip():
            raise InputError("empty query")
        s = self.settings
        mode = mode or s.mode
        if mode not in ("hybrid", "dense", "bm25"):
            raise InputError(f"unknown search mode {mode!r} (use hybrid, dense or bm25)")
        k = s.k if k is None else k
        if k < 1:
            raise InputError("k must be at least 1")
        emb = None if mode == "bm25" else (embedder or self.embedder)
        return search(self.view, emb, query.strip(), k, mode, filters, s.fusion, s.dense_weight,
                      s.rrf_k, s.candidates)
