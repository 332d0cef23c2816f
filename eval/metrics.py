"""Evaluation metrics as pure functions.

Two relevance models share these functions:

* evaluation sets (JSONL): a passage or citation is relevant when its text
  contains one of the question's evidence phrases, compared after folding
  whitespace and case (:func:`fold`);
* BEIR: a document is relevant with the graded score its qrels give it.

Ranked results are passed as plain sequences of relevance values (or of the
sets of evidence phrases each passage contains), so every function can be
checked by hand and against an independent implementation (ranx for nDCG).
"""

from __future__ import annotations

import math
import unicodedata
from typing import Iterable, Mapping, Sequence

# Names under which reports store the figures (and ``--fail-under`` accepts them).
SET_RETRIEVAL_METRICS = ("hit@1", "hit@5", "hit@10", "recall@5", "recall@10", "mrr@10", "ndcg@10")
SET_ANSWER_METRICS = ("citation_accuracy", "lead_accuracy", "evidence_coverage", "answer_contains")
SET_METRICS = SET_RETRIEVAL_METRICS + SET_ANSWER_METRICS + ("refusal_precision", "refusal_recall", "refusal_rate")
BEIR_METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")

__all__ = [
    "SET_METRICS",
    "BEIR_METRICS",
    "fold",
    "phrases_in",
    "hit_at_k",
    "recall_at_k",
    "mrr_at_k",
    "dcg",
    "ndcg_at_k",
    "graded_ndcg_at_k",
    "graded_recall_at_k",
    "graded_mrr_at_k",
    "citation_accuracy",
    "lead_accuracy",
    "evidence_coverage",
    "answer_contains_rate",
    "refusal_precision_recall",
    "percentile",
    "mean",
]


def fold(text: str) -> str:
    """Normalise for phrase comparison: NFC, whitespace runs to one space, casefold."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def phrases_in(text: str, phrases: Sequence[str]) -> frozenset[int]:
    """Indices of the ``phrases`` that ``text`` contains (after :func:`fold`)."""
    t = fold(text)
    return frozenset(i for i, p in enumerate(phrases) if fold(p) and fold(p) in t)


# --- retrieval over evidence phrases -------------------------------------------------
# ``matched[i]`` is the set of evidence-phrase indices found in the passage at rank i+1.


def hit_at_k(matched: Sequence[frozenset[int]], k: int) -> float:
    """1.0 when a passage in the top ``k`` contains any evidence phrase, else 0.0."""
    return 1.0 if any(m for m in matched[:k]) else 0.0


def recall_at_k(matched: Sequence[frozenset[int]], n_evidence: int, k: int) -> float:
    """Share of the question's evidence phrases found in the top ``k`` passages."""
    if n_evidence <= 0:
        return 0.0
    found: set[int] = set()
    for m in matched[:k]:
        found |= m
    return len(found) / n_evidence


def mrr_at_k(matched: Sequence[frozenset[int]] | Sequence[float], k: int = 10) -> float:
    """Reciprocal rank of the first relevant result in the top ``k`` (0.0 if none)."""
    for i, m in enumerate(matched[:k]):
        if m:
            return 1.0 / (i + 1)
    return 0.0


def dcg(gains: Sequence[float], k: int) -> float:
    """Discounted cumulative gain with linear gains (Järvelin & Kekäläinen 2002)."""
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]) if g)


def ndcg_at_k(matched: Sequence[frozenset[int]], n_evidence: int, k: int = 10) -> float:
    """nDCG@k with binary relevance: a passage is relevant if it contains an evidence phrase.

    The ideal list holds one relevant passage per evidence phrase (each phrase
    marks one acceptable place), capped at ``k``. Overlapping chunks that
    repeat the same phrase both count as relevant, as the set definition says,
    so the value is clipped to 1.0.
    """
    if n_evidence <= 0:
        return 0.0
    ideal = dcg([1.0] * min(n_evidence, k), k)
    return min(1.0, dcg([1.0 if m else 0.0 for m in matched], k) / ideal)


# --- retrieval over graded document judgements (BEIR) ---------------------------------


def graded_ndcg_at_k(ranked_ids: Sequence[str], qrels: Mapping[str, float], k: int = 10) -> float:
    """nDCG@k over document ids with graded qrels, as trec_eval and ranx ``ndcg@k`` compute it."""
    ideal = dcg(sorted((float(v) for v in qrels.values() if v > 0), reverse=True), k)
    if ideal == 0:
        return 0.0
    gains = [max(0.0, float(qrels.get(d, 0))) for d in ranked_ids]
    return dcg(gains, k) / ideal


def graded_recall_at_k(ranked_ids: Sequence[str], qrels: Mapping[str, float], k: int) -> float:
    """Share of the relevant documents (qrels score > 0) in the top ``k``."""
    relevant = {d for d, v in qrels.items() if v > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked_ids[:k])) / len(relevant)


def graded_mrr_at_k(ranked_ids: Sequence[str], qrels: Mapping[str, float], k: int = 10) -> float:
    """Reciprocal rank of the first relevant document in the top ``k``."""
    return mrr_at_k([1.0 if qrels.get(d, 0) > 0 else 0.0 for d in ranked_ids], k)


# --- answers ----------------------------------------------------------------------------


def citation_accuracy(citation_texts: Sequence[str], evidence: Sequence[str]) -> float:
    """1.0 when at least one citation contains an evidence phrase."""
    return 1.0 if any(phrases_in(t, evidence) for t in citation_texts) else 0.0


def lead_accuracy(citation_texts: Sequence[str], evidence: Sequence[str]) -> float:
    """1.0 when the first citation (the answer's leading point) contains an evidence phrase.

    Citation accuracy forgives an answer whose fifth point is the one that answers; a reader
    stops at the first, so answers should lead with the answer.
    """
    return 1.0 if citation_texts and phrases_in(citation_texts[0], evidence) else 0.0


def evidence_coverage(citation_texts: Sequence[str], evidence: Sequence[str]) -> float:
    """Share of the evidence phrases contained in some citation."""
    if not evidence:
        return 0.0
    covered: set[int] = set()
    for t in citation_texts:
        covered |= phrases_in(t, evidence)
    return len(covered) / len(evidence)


def answer_contains_rate(answer_text: str, expected: Sequence[str]) -> float:
    """Share of the expected phrases that the answer text contains (1.0 when none expected)."""
    if not expected:
        return 1.0
    return len(phrases_in(answer_text, expected)) / len(expected)


def refusal_precision_recall(
    pairs: Iterable[tuple[bool, bool]],
) -> tuple[float | None, float | None]:
    """Precision and recall of refusals over ``(answerable, refused)`` pairs.

    A refusal is right when the question is unanswerable. Precision is ``None``
    when nothing was refused; recall is ``None`` when no question was unanswerable.
    """
    tp = fp = fn = 0
    for answerable, refused in pairs:
        if refused and not answerable:
            tp += 1
        elif refused:
            fp += 1
        elif not answerable:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


# --- summaries ----------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation, as ``numpy.percentile``."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values, ``None`` when there are none."""
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None
