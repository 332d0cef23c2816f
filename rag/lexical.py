"""BM25 over chunks: per-segment postings, scored at query time with global statistics.

Each chunk is tokenised with the stemmer and stopword list of its document's
language (``rag/analysis.py``); a query is tokenised under every language
present in the index, so that an English query still matches English stems
when the corpus is mixed.

A segment stores, term-major (CSC), for each term the chunk rows holding it
and their term frequencies, plus each chunk's length in tokens. Nothing that
depends on the whole corpus is stored: N, document frequencies and the mean
length are summed over all live rows of all segments when a query is scored,
so a store of several segments ranks exactly as one index over the same chunks.

Scoring is Lucene's BM25 as bm25s computes it for ``method="lucene"``
(Kamphuis et al., "Which BM25 Do You Mean?", ECIR 2020):

    idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))
    tf part = tf / (tf + k1 · (1 - b + b · dl / avgdl))

(bm25s leaves out Lucene's constant factor ``k1 + 1``; so do we, so that scores equal bm25s's.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol, Sequence

import numpy as np

from .analysis import tokenize

K1, B = 1.2, 0.75


def idf(df: np.ndarray | float, n: int) -> np.ndarray:
    """Lucene's idf: never negative, even for a term in every chunk."""
    return np.log1p((n - np.asarray(df, np.float64) + 0.5) / (np.asarray(df, np.float64) + 0.5))


def length_norm(dl: np.ndarray, avgdl: float, k1: float = K1, b: float = B) -> np.ndarray:
    """``k1 · (1 - b + b · dl / avgdl)`` per row: fixed for a loaded index, so computed once."""
    return np.float32(k1) * (np.float32(1 - b) + np.float32(b) * dl.astype(np.float32) / np.float32(avgdl))


def tf_part(tf: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """The saturating term-frequency part; ``norm`` is :func:`length_norm` of the rows."""
    tf = tf.astype(np.float32)
    return tf / (tf + norm)


@dataclass(frozen=True)
class Postings:
    """One segment's inverted index. ``terms`` is sorted; term ``i`` owns ``pairs[ptr[i]:ptr[i+1]]``
    as (row, tf) pairs, rows increasing; ``lengths[row]`` is the chunk's length in tokens."""

    terms: list[str]
    ptr: np.ndarray  # int64, len(terms) + 1
    pairs: np.ndarray  # int32, (nnz, 2)
    lengths: np.ndarray  # int64, one per row


def build_postings(texts: Iterable[str], langs: Iterable[str], batch: int = 50_000) -> Postings:
    """Tokenise every chunk and invert: the term-major arrays of one segment.

    Works in batches of ``batch`` chunks so that a million chunks never hold
    more than one batch of token ids as Python objects.
    """
    vocab: dict[str, int] = {}
    lengths: list[int] = []
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    ids: list[int] = []
    owners: list[int] = []
    row = 0

    def flush() -> None:
        if not ids:
            return
        key = np.asarray(ids, np.int64) << 32 | np.asarray(owners, np.int64)
        uniq, counts = np.unique(key, return_counts=True)
        parts.append(((uniq >> 32).astype(np.int32), (uniq & 0xFFFFFFFF).astype(np.int32), counts.astype(np.int32)))
        ids.clear()
        owners.clear()

    for text, lang in zip(texts, langs):
        toks = tokenize(text, lang)
        lengths.append(len(toks))
        for t in toks:
            i = vocab.get(t)
            if i is None:
                i = vocab[t] = len(vocab)
            ids.append(i)
        owners.extend([row] * len(toks))
        row += 1
        if row % batch == 0:
            flush()
    flush()
    terms = sorted(vocab)
    rank = np.empty(len(vocab), np.int32)
    if terms:
        rank[np.fromiter((vocab[t] for t in terms), np.int64, len(terms))] = np.arange(len(terms), dtype=np.int32)
    if parts:
        tid = rank[np.concatenate([p[0] for p in parts])]
        rows = np.concatenate([p[1] for p in parts])
        tfs = np.concatenate([p[2] for p in parts])
        # Stable: within a term, rows stay in increasing order (batches are in row order).
        order = np.argsort(tid, kind="stable")
        pairs = np.stack([rows[order], tfs[order]], axis=1).astype(np.int32)
        ptr = np.zeros(len(terms) + 1, np.int64)
        np.cumsum(np.bincount(tid, minlength=len(terms)), out=ptr[1:])
    else:
        pairs, ptr = np.zeros((0, 2), np.int32), np.zeros(1, np.int64)
    return Postings(terms, ptr, pairs, np.asarray(lengths, np.int64))


def score(query_terms: Sequence[str], segments: Sequence["SegmentPostings"], n: int) -> list[np.ndarray]:
    """BM25 score of every row of every segment (zeros where no term matches).

    ``segments`` give, per term, the live (row, tf) pairs, and per row its
    :func:`length_norm` (with avgdl over the live rows of all segments); ``n``
    is the number of live rows of all segments.
    """
    out = [np.zeros(s.rows, np.float32) for s in segments]
    if n <= 0:
        return out
    for term in query_terms:
        hits = [s.term(term) for s in segments]
        df = sum(len(h[0]) for h in hits)
        if not df:
            continue
        w = np.float32(idf(df, n))
        for o, s, (rows, tf) in zip(out, segments, hits):
            if len(rows):
                o[rows] += w * tf_part(tf, s.norm[rows])
    return out


class SegmentPostings(Protocol):
    """What :func:`score` needs from a segment: live (rows, tfs) of a term, row length norms, row count."""

    rows: int
    norm: np.ndarray

    def term(self, term: str) -> tuple[np.ndarray, np.ndarray]: ...
