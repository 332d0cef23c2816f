"""Dense, BM25 and hybrid search over a store view (``rag/stores/base.py``); fusion in ``rag/fusion.py``."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .embed import Embedder
from .errors import InputError
from .fusion import convex, rrf
from .metadata import detect_language
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
    even_languages: bool = True,
) -> list[Hit]:
    """Top-``k`` chunks for ``query``. ``embedder`` may be None for mode ``bm25``.

    ``even_languages``: in hybrid search, lift other languages' dense scores by the
    model's ``cross_lingual_chunk_offset`` (:class:`_CrossLingual`).
    """
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
    lift = _CrossLingual.of(view, embedder, query, filters) if even_languages else None
    n = max(candidates, k)
    l_keys, _ = view.lexical(query, n, filters)
    l_keys = np.asarray(l_keys, np.int64)
    if lift is None:
        d_keys, _ = view.dense(qvec, n, filters)
        cand = np.unique(np.concatenate([np.asarray(d_keys, np.int64), l_keys]))
    else:
        cand, other = lift.candidates(view, qvec, n, l_keys)
    if not len(cand):
        return []
    dense_sc = np.asarray(view.dense_scores(qvec, cand), np.float32)
    if lift is not None:
        dense_sc = lift.apply(dense_sc, other)
    lex_sc = np.asarray(view.lexical_scores(query, cand), np.float32)
    if fusion == "rrf":
        fused = rrf(dense_sc, lex_sc, rrf_k)
    else:
        fused = convex(dense_sc, lex_sc, dense_weight)
    order = np.argsort(-fused, kind="stable")[:k]
    return _hits(view, cand[order], fused[order], "hybrid")


class _CrossLingual:
    """A multilingual model's cosines between languages run lower than within one.

    For such a model (``Embedder.cross_lingual_chunk_offset`` > 0) on a collection
    in several languages, hybrid search adds that offset to the dense score of a
    chunk in another language than the question's, so that an English question
    reaches the French passage that answers it. Each language's own best chunks
    join the candidates: the lift is constant within a language, so the top
    ``n`` after it are among the union of every language's top ``n``.

    Dense search alone is left as the model ranks: with nothing lexical beside
    it, the lift let French passages crowd English questions about English
    documents (miit `tune` dense nDCG@10 0.729 -> 0.628).
    """

    def __init__(self, offset: float, question_lang: str, langs: tuple[str, ...], filters: Filters | None) -> None:
        self.offset, self.question_lang, self.langs, self.filters = offset, question_lang, langs, filters

    @classmethod
    def of(cls, view: StoreView, embedder: Embedder, query: str, filters: Filters | None) -> "_CrossLingual | None":
        offset = float(getattr(embedder, "cross_lingual_chunk_offset", 0.0))
        if offset <= 0:
            return None
        langs = tuple(lang for lang in view.build_info().languages if lang != "und")
        if filters is not None and filters.langs:
            langs = tuple(lang for lang in langs if lang in filters.langs)
        qlang = detect_language(query)
        if len(langs) < 2 or qlang not in langs:
            return None  # one language searched, or a question in none of them: nothing to even out
        return cls(offset, qlang, langs, filters)

    def candidates(self, view: StoreView, qvec: np.ndarray, n: int,
                   extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The candidates (each language's top ``n`` by dense score, an unfiltered top ``n`` and
        ``extra``) and whether each is in another language than the question."""
        base = self.filters or Filters()
        lang_of: dict[int, str] = {}
        parts = [extra, np.asarray(view.dense(qvec, n, self.filters)[0], np.int64)]  # "und" chunks too
        for lang in self.langs:
            keys = np.asarray(view.dense(qvec, n, replace(base, langs=(lang,)))[0], np.int64)
            lang_of.update(dict.fromkeys(keys.tolist(), lang))
            parts.append(keys)
        cand = np.unique(np.concatenate(parts))
        # Only candidates no per-language search returned (lexical ones, "und" ones) are fetched.
        unknown = [int(i) for i in cand if int(i) not in lang_of]
        for key, chunk in zip(unknown, view.chunks(unknown) if unknown else ()):
            lang_of[key] = chunk.lang if chunk is not None else "und"
        other = np.array([lang_of[int(i)] not in (self.question_lang, "und") for i in cand], dtype=bool)
        return cand, other

    def apply(self, dense: np.ndarray, other: np.ndarray) -> np.ndarray:
        return (dense + self.offset * other).astype(np.float32)


def _hits(view: StoreView, keys: np.ndarray, scores: np.ndarray, retriever: str) -> list[Hit]:
    chunks = view.chunks([int(i) for i in keys])
    # A chunk a writer removed since the search (a shared database) is left out.
    found = [(c, s) for c, s in zip(chunks, scores) if c is not None]
    return [Hit(chunk=c, score=float(s), retriever=retriever, rank=r + 1) for r, (c, s) in enumerate(found)]


class Retriever(Protocol):
    """What the answer stage needs from retrieval: top passages for a query."""

    def search(self, query: str, k: int | None = None, mode: str | None = None,
               filters: Filters | None = None, embedder: Embedder | None = None,
               even_languages: bool = True) -> list[Hit]: ...


class IndexRetriever:
    """Hybrid, dense or BM25 search over one loaded index generation, with the settings' fusion.

    Bound to one :class:`StoreView`, so an answer's search and its sentence
    lookup read the same generation even while a writer swaps in a new one.
    """

    def __init__(self, view: StoreView, settings: "Settings", embedder: Embedder | None = None) -> None:
        self.view, self.settings, self.embedder = view, settings, embedder

    def search(self, query: str, k: int | None = None, mode: str | None = None,
               filters: Filters | None = None, embedder: Embedder | None = None,
               even_languages: bool = True) -> list[Hit]:
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
                      s.rrf_k, s.candidates, even_languages)
