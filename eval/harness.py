"""Run evaluation sets against one or more configurations.

For each question the harness times a search (top ``max(10, k)`` passages,
for the retrieval metrics) and a full ``Engine.ask`` (for the answer
metrics). One untimed warm-up call per engine keeps model loading out of the
latency figures.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from rag.answer.followup import rewrite
from rag.engine import Engine
from rag.types import Answer, Hit

from . import metrics as m
from .configs import RunConfig
from .engines import EnginePool
from .schema import EvalQuestion, EvalSet

__all__ = ["QuestionResult", "score_question", "run_sets", "RETRIEVAL_CUTOFFS", "SET_METRICS"]

RETRIEVAL_CUTOFFS = (1, 5, 10)
RETRIEVAL_METRICS = m.SET_RETRIEVAL_METRICS
ANSWER_METRICS = m.SET_ANSWER_METRICS
SET_METRICS = m.SET_METRICS


@dataclass(frozen=True)
class QuestionResult:
    """What one question produced under one configuration, with its per-question metrics."""

    set: str
    id: str
    question: str
    lang: str
    category: str
    answerable: bool
    evidence: tuple[str, ...]
    answer_contains: tuple[str, ...]
    retrieved: tuple[dict[str, Any], ...]
    metrics: dict[str, float | None]
    answer: str | None = None
    refused: bool | None = None
    citations: tuple[dict[str, Any], ...] = ()
    search_ms: float = 0.0
    answer_ms: float | None = None
    split: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _passage(hit: Hit, matched: frozenset[int]) -> dict[str, Any]:
    c = hit.chunk
    return {
        "rank": hit.rank,
        "doc_id": c.doc_id,
        "start": c.start,
        "end": c.end,
        "score": round(float(hit.score), 4),
        "matched": sorted(matched),
        "text": c.text[:300],
    }


def score_question(
    set_name: str,
    q: EvalQuestion,
    hits: Sequence[Hit],
    answer: Answer | None,
    search_s: float,
    answer_s: float | None,
) -> QuestionResult:
    """Per-question metrics from what search and ask returned (pure)."""
    matched = [m.phrases_in(h.chunk.text, q.evidence) for h in hits]
    scores: dict[str, float | None] = {name: None for name in RETRIEVAL_METRICS + ANSWER_METRICS}
    if q.answerable:
        n = len(q.evidence)
        for k in RETRIEVAL_CUTOFFS:
            scores[f"hit@{k}"] = m.hit_at_k(matched, k)
        scores["recall@5"] = m.recall_at_k(matched, n, 5)
        scores["recall@10"] = m.recall_at_k(matched, n, 10)
        scores["mrr@10"] = m.mrr_at_k(matched, 10)
        scores["ndcg@10"] = m.ndcg_at_k(matched, n, 10)
    cites: tuple[dict[str, Any], ...] = ()
    if answer is not None:
        texts = [c.text for c in answer.citations]
        cites = tuple(
            {"n": c.n, "doc_id": c.doc_id, "text": c.text, "matched": sorted(m.phrases_in(c.text, q.evidence))}
            for c in answer.citations
        )
        if q.answerable:
            scores["citation_accuracy"] = m.citation_accuracy(texts, q.evidence)
            scores["lead_accuracy"] = m.lead_accuracy(texts, q.evidence)
            scores["evidence_coverage"] = m.evidence_coverage(texts, q.evidence)
        if q.answer_contains:
            scores["answer_contains"] = m.answer_contains_rate(answer.text, q.answer_contains)
    return QuestionResult(
        set=set_name,
        id=q.id,
        question=q.question,
        lang=q.lang,
        category=q.category,
        answerable=q.answerable,
        evidence=q.evidence,
        answer_contains=q.answer_contains,
        retrieved=tuple(_passage(h, mt) for h, mt in zip(hits, matched)),
        metrics=scores,
        answer=None if answer is None else answer.text,
        refused=None if answer is None else answer.refused,
        citations=cites,
        search_ms=round(search_s * 1000, 3),
        answer_ms=None if answer_s is None else round(answer_s * 1000, 3),
        split=q.split,
        extra={"history": list(q.history), "query": None if answer is None else answer.query} if q.history else {},
    )


def _conversation(eng: Engine, q: EvalQuestion, k: int, mode: str) -> list[tuple[str, str]]:
    """Ask a follow-up's earlier questions in order; the (question, answer text) turns."""
    turns: list[tuple[str, str]] = []
    for earlier in q.history:
        turns.append((earlier, eng.ask(earlier, history=turns, k=k, mode=mode).text))
    return turns


def _warm_up(eng: Engine, cfg: RunConfig, question: str, answers: bool) -> None:
    eng.search(question, k=cfg.settings.k, mode=cfg.settings.mode)
    if answers:
        eng.ask(question, k=cfg.settings.k, mode=cfg.settings.mode)


def run_sets(
    sets: Sequence[EvalSet],
    configs: Sequence[RunConfig],
    pool: EnginePool,
    answers: bool = True,
    progress: bool = True,
) -> dict[str, list[QuestionResult]]:
    """Evaluate every question of ``sets`` under every configuration."""
    from tqdm import tqdm

    total = len(configs) * sum(len(s.questions) for s in sets)
    results: dict[str, list[QuestionResult]] = {}
    with tqdm(total=total, file=sys.stderr, disable=not progress, desc="eval", unit="q") as bar:
        for cfg in configs:
            bar.set_postfix_str(cfg.name)
            eng = pool.engine_for(cfg)
            k, mode = cfg.settings.k, cfg.settings.mode
            _warm_up(eng, cfg, sets[0].questions[0].question, answers)
            out: list[QuestionResult] = []
            for s in sets:
                for q in s.questions:
                    history = _conversation(eng, q, k, mode) if q.history and answers else []
                    # A follow-up is searched as the tool rewrites it ("and for laptops?" →
                    # "for laptops (password rules)"), so its retrieval is scored on that query.
                    query = q.question if not q.history else rewrite(q.question, history or [(h, "") for h in q.history])
                    t0 = time.perf_counter()
                    hits = eng.search(query, k=max(10, k), mode=mode)
                    t1 = time.perf_counter()
                    answer, answer_s = None, None
                    if answers:
                        answer = eng.ask(q.question, history=history, k=k, mode=mode)
                        answer_s = time.perf_counter() - t1
                    out.append(score_question(s.name, q, hits, answer, t1 - t0, answer_s))
                    bar.update(1)
            results[cfg.name] = out
    return results
