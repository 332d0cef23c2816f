"""Aggregate per-question results: summaries, breakdowns and failing questions (pure)."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from . import metrics as m
from .harness import ANSWER_METRICS, RETRIEVAL_METRICS, QuestionResult

__all__ = ["summarize", "breakdown", "failures", "latency"]


def latency(values: Sequence[float | None]) -> dict[str, float | None]:
    xs = [v for v in values if v is not None]
    return {"p50_ms": m.percentile(xs, 50), "p95_ms": m.percentile(xs, 95), "n": len(xs)}


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Mean of every per-question metric, refusal precision/recall and latency percentiles."""
    out: dict[str, Any] = {
        "questions": len(results),
        "answerable": sum(r.answerable for r in results),
        "unanswerable": sum(not r.answerable for r in results),
    }
    for name in RETRIEVAL_METRICS + ANSWER_METRICS:
        out[name] = m.mean(r.metrics.get(name) for r in results)
    answered = [r for r in results if r.refused is not None]
    p, rc = m.refusal_precision_recall((r.answerable, bool(r.refused)) for r in answered)
    out["refusal_precision"] = p
    out["refusal_recall"] = rc
    out["refusal_rate"] = m.mean(1.0 if r.refused else 0.0 for r in answered)
    out["search_latency"] = latency([r.search_ms for r in results])
    out["answer_latency"] = latency([r.answer_ms for r in results])
    return out


def _groups(results: Sequence[QuestionResult]) -> dict[str, Callable[[QuestionResult], bool]]:
    groups: dict[str, Callable[[QuestionResult], bool]] = {
        "answerable": lambda r: r.answerable,
        "unanswerable": lambda r: not r.answerable,
    }
    # tune (what settings were chosen on) against test (held out): the honest figure is test's
    for split in sorted({r.split for r in results if r.split}):
        groups[f"split={split}"] = lambda r, split=split: r.split == split
    for lang in sorted({r.lang for r in results}):
        groups[f"lang={lang}"] = lambda r, lang=lang: r.lang == lang
    for cat in sorted({r.category for r in results if r.category}):
        groups[f"category={cat}"] = lambda r, cat=cat: r.category == cat
    sets = sorted({r.set for r in results})
    if len(sets) > 1:
        for name in sets:
            groups[f"set={name}"] = lambda r, name=name: r.set == name
    return groups


def breakdown(results: Sequence[QuestionResult]) -> dict[str, dict[str, Any]]:
    """The summary again for answerable/unanswerable, each split, language, category and set."""
    out = {}
    for label, keep in _groups(results).items():
        subset = [r for r in results if keep(r)]
        if subset:
            out[label] = summarize(subset)
    return out


def _short(text: str | None, n: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def failures(results: Sequence[QuestionResult]) -> list[dict[str, Any]]:
    """Every failing question: what kind of failure, what was expected, what came back."""
    out: list[dict[str, Any]] = []

    def add(r: QuestionResult, kind: str, expected: str, got: str) -> None:
        out.append({"set": r.set, "id": r.id, "split": r.split, "lang": r.lang, "category": r.category, "kind": kind,
                    "question": r.question, "expected": expected, "got": got})

    for r in results:
        ev = " | ".join(r.evidence)
        top = " || ".join(f"[{p['doc_id']}] {_short(p['text'], 120)}" for p in r.retrieved[:3])
        if r.answerable and r.metrics.get("hit@10") == 0.0:
            add(r, "retrieval miss (no evidence in top 10)", ev, top or "(no passages)")
        elif r.answerable and r.metrics.get("hit@5") == 0.0:
            add(r, "retrieval low (evidence only at ranks 6-10)", ev, top)
        if r.refused is None:
            continue
        cites = " || ".join(_short(c["text"], 160) for c in r.citations) or "(no citations)"
        if r.answerable and r.refused:
            add(r, "false refusal", ev, "refused: " + _short(r.answer, 160))
        elif not r.answerable and not r.refused:
            add(r, "missed refusal", "a refusal", _short(r.answer))
        elif r.answerable and r.metrics.get("citation_accuracy") == 0.0:
            add(r, "wrong citations", ev, cites)
        ac = r.metrics.get("answer_contains")
        if ac is not None and ac < 1.0 and not (r.answerable and r.refused):
            missing = [p for p in r.answer_contains if not m.phrases_in(r.answer or "", [p])]
            add(r, "answer lacks expected phrase", " | ".join(missing), _short(r.answer))
    return out
