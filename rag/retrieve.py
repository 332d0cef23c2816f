"""Dense, BM25 and hybrid search over an IndexState."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from .embed import Embedder
from .errors import InputError
from .fusion import convex, rrf
from .store import IndexState
from .types import Filters, Hit

if TYPE_CHECKING:
    from .settings import Settings


def allowed_rows(state: IndexState, filters: Filters | None) -> np.ndarray | None:
    """Row indices that pass the filters, or None when nothing is filtered."""
    if filters is None or filters.empty():
        return None
    return np.array([i for i, c in enumerate(state.chunks) if filters.accepts(c)], dtype=np.int64)


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions (into ``rows``) of the ``n`` best scores, best first."""
    n = min(n, len(scores))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]


def dense_candidates(state: IndexState, qvec: np.ndarray, rows: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row ids, scores) of the ``n`` nearest chunks by inner product."""
    if rows is None:
        n = min(n, len(state.chunks))
        scores, ids = state.faiss_index.search(qvec.reshape(1, -1).astype(np.float32), n)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]
    sc = state.vectors[rows] @ qvec
    order = _top(sc, n)
    return rows[order], sc[order]


def search(
    state: IndexState,
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
    if not state.chunks or k <= 0:
        return []
    rows = allowed_rows(state, filters)
    if rows is not None and len(rows) == 0:
        return []
    if mode == "bm25" or (mode == "hybrid" and embedder is None):
        full = state.bm25.scores(query) if state.bm25 else np.zeros(len(state.chunks), np.float32)
        pool = rows if rows is not None else np.arange(len(state.chunks))
        sc = full[pool]
        order = _top(sc, k)
        order = order[sc[order] > 0]  # a chunk sharing no term with the query is not a hit
        return _hits(state, pool[order], sc[order], "bm25")
    assert embedder is not None
    qvec = embedder.embed_queries([query])[0]
    if mode == "dense":
        ids, sc = dense_candidates(state, qvec, rows, k)
        return _hits(state, ids, sc, "dense")
    # Hybrid: union of both candidate lists, each candidate scored exactly by both models.
    n = max(candidates, k)
    d_ids, _ = dense_candidates(state, qvec, rows, n)
    full_lex = state.bm25.scores(query) if state.bm25 else np.zeros(len(state.chunks), np.float32)
    pool = rows if rows is not None else np.arange(len(state.chunks))
    lex_pool = full_lex[pool]
    l_ids = pool[_top(lex_pool, n)] if lex_pool.any() else np.zeros(0, dtype=np.int64)
    cand = np.unique(np.concatenate([d_ids, l_ids]))
    dense_sc = state.vectors[cand] @ qvec
    lex_sc = full_lex[cand]
    if fusion == "rrf":
        fused = rrf(dense_sc, lex_sc, rrf_k)
    else:
        fused = convex(dense_sc, lex_sc, dense_weight)
    order = np.argsort(-fused, kind="stable")[:k]
    return _hits(state, cand[order], fused[order], "hybrid")


def _hits(state: IndexState, ids: np.ndarray, scores: np.ndarray, retriever: str) -> list[Hit]:
    return [
        Hit(chunk=state.chunks[int(i)], score=float(s), retriever=retriever, rank=r + 1)
        for r, (i, s) in enumerate(zip(ids, scores))
    ]


class Retriever(Protocol):
    """What the answer stage needs from retrieval: top passages for a query."""

    def search(self, query: str, k: int | None = None, mode: str | None = None,
               filters: Filters | None = None, embedder: Embedder | None = None) -> list[Hit]: ...


class IndexRetriever:
    """Hybrid, dense or BM25 search over one loaded index generation, with the settings' fusion.

    Bound to one :class:`IndexState`, so an answer's search and its sentence
    lookup read the same generation even while a writer swaps in a new one.
    """

    def __init__(self, state: IndexState, settings: "Settings", embedder: Embedder | None = None) -> None:
        self.state, self.settings, self.embedder = state, settings, embedder

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
        return search(self.state, emb, query.strip(), k, mode, filters, s.fusion, s.dense_weight,
                      s.rrf_k, s.candidates)
