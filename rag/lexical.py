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


@dataclass(frozen=True)
class Term:
    """A query term's idf and its live postings, (rows, tfs) per segment."""

    idf: np.float32
    postings: tuple[tuple[np.ndarray, np.ndarray], ...]

    @property
    def size(self) -> int:
        return sum(len(r) for r, _ in self.postings)


def prepare(query_terms: Sequence[str], segments: Sequence["SegmentPostings"], n: int) -> list[Term]:
    """The query's terms that occur in the index, with idf over the ``n`` live rows of all segments."""
    out = []
    for t in dict.fromkeys(query_terms):
        postings = tuple(s.term(t) for s in segments)
        df = sum(len(r) for r, _ in postings)
        if df and n > 0:
            out.append(Term(np.float32(idf(df, n)), postings))
    return out


def _add(out: list[np.ndarray], term: Term, segments: Sequence["SegmentPostings"]) -> None:
    for o, s, (rows, tf) in zip(out, segments, term.postings):
        if len(rows):
            o[rows] += term.idf * tf_part(tf, s.norm[rows])


def _at(term: Term, seg: int, norm: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The term's contribution to the score of each of ``rows`` (sorted) of segment ``seg``."""
    prow, tf = term.postings[seg]
    out = np.zeros(len(rows), np.float32)
    if not len(prow) or not len(rows):
        return out
    pos = np.minimum(np.searchsorted(prow, rows), len(prow) - 1)
    hit = prow[pos] == rows
    out[hit] = term.idf * tf_part(tf[pos[hit]], norm[rows[hit]])
    return out


def score(query_terms: Sequence[str], segments: Sequence["SegmentPostings"], n: int) -> list[np.ndarray]:
    """BM25 score of every row of every segment (zeros where no term matches): exhaustive.

    ``segments`` give, per term, the live (row, tf) pairs, and per row its
    :func:`length_norm` (with avgdl over the live rows of all segments); ``n``
    is the number of live rows of all segments.
    """
    out = [np.zeros(s.rows, np.float32) for s in segments]
    for term in prepare(query_terms, segments, n):
        _add(out, term, segments)
    return out


def scores_at(terms: Sequence[Term], segments: Sequence["SegmentPostings"], seg: int, rows: np.ndarray) -> np.ndarray:
    """Scores of some rows of one segment, looked up in each term's postings (no full pass)."""
    rows = np.asarray(rows, np.int64)
    order = np.argsort(rows, kind="stable")
    total = np.zeros(len(rows), np.float32)
    for term in terms:
        total[order] += _at(term, seg, segments[seg].norm, rows[order])
    return total


def top(terms: Sequence[Term], segments: Sequence["SegmentPostings"], k: int,
        masks: Sequence[np.ndarray | None]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per segment, rows and scores that hold the ``k`` best rows overall (score > 0, allowed by ``masks``).

    MaxScore (Turtle & Flood, "Query evaluation: strategies and optimizations",
    IP&M 1995), vectorised: a term adds less than its idf to any row (the tf
    part is below 1). The rarest terms are scored in full, their best rows
    scored exactly give a threshold θ (a k-th best score reached), and the most
    frequent terms whose idfs sum below θ are *non-essential*: a row holding
    only those cannot reach the top ``k``, so their long postings are only
    looked up for the rows that the essential terms found.
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.float32))
    if k <= 0 or not terms:
        return [empty for _ in segments]
    terms = sorted(terms, key=lambda t: (t.idf, -t.size))  # most frequent (lowest bound) first
    partial = [np.zeros(s.rows, np.float32) for s in segments]
    total = sum(t.size for t in terms)
    # 1. The rarest terms, up to an eighth of all postings (at least one term), in full.
    i, done = len(terms) - 1, 0
    while i >= 0 and (done == 0 or done + terms[i].size <= total // 8):
        _add(partial, terms[i], segments)
        done += terms[i].size
        i -= 1
    rest = terms[: i + 1]

    def candidates(floor: float, bound: float, limit: int | None) -> list[np.ndarray]:
        out = []
        for p, mask in zip(partial, masks):
            rows = np.flatnonzero(p + np.float32(bound) >= np.float32(floor)) if floor > 0 else np.flatnonzero(p > 0)
            if mask is not None:
                rows = rows[mask[rows]]
            if limit is not None and len(rows) > limit:
                rows = np.sort(rows[np.argpartition(-p[rows], limit - 1)[:limit]])
            out.append(rows)
        return out

    def full(cands: list[np.ndarray], extra: Sequence[Term]) -> list[np.ndarray]:
        return [partial[s][rows] + scores_at(extra, segments, s, rows) if len(rows) else np.zeros(0, np.float32)
                for s, rows in enumerate(cands)]

    # 2. θ: the k-th best exact score among the best rows so far.
    first = candidates(0.0, 0.0, 2 * k)
    scored = np.concatenate(full(first, rest))
    theta = float(np.partition(scored, len(scored) - k)[len(scored) - k]) if len(scored) >= k else 0.0
    theta *= 1 - 1e-5  # float32 sums in another order: stay on the safe side
    # 3. Non-essential terms: the most frequent ones whose bounds sum below θ.
    bound, ne = 0.0, 0
    while ne < len(rest) and bound + float(rest[ne].idf) < theta:
        bound += float(rest[ne].idf)
        ne += 1
    for t in rest[ne:]:
        _add(partial, t, segments)
    # 4. Rows that can still reach θ, scored exactly; the best k of them.
    cands = candidates(theta, bound, None)
    scores = full(cands, rest[:ne])
    out = []
    for rows, sc in zip(cands, scores):
        keep = sc > 0
        rows, sc = rows[keep], sc[keep]
        order = np.lexsort((rows, -sc))[:k]
        out.append((rows[order].astype(np.int64), sc[order]))
    return out


class SegmentPostings(Protocol):
    """What :func:`score` needs from a segment: live (rows, tfs) of a term, row length norms, row count."""

    rows: int
    norm: np.ndarray

    def term(self, term: str) -> tuple[np.ndarray, np.ndarray]: ...
