"""BEIR benchmarks (``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``) through the same Engine.

Documents are indexed as title + text; a query's chunk hits are turned into
a document ranking by each document's best chunk score.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from rag.errors import InputError
from rag.types import Document, Hit

from . import metrics as m
from .configs import RunConfig
from .engines import EnginePool
from .summary import latency

__all__ = ["BeirData", "load_beir", "beir_documents", "rank_documents", "score_run", "run_beir", "BEIR_METRICS"]

BEIR_METRICS = m.BEIR_METRICS


@dataclass(frozen=True)
class BeirData:
    name: str
    path: str
    corpus: dict[str, tuple[str, str]]  # id -> (title, text)
    queries: dict[str, str]  # only the queries judged in the split
    qrels: dict[str, dict[str, int]]


def _jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    yield n, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{n}: bad JSON: {exc.msg}") from exc


def load_beir(folder: str | Path, split: str = "test") -> BeirData:
    """Read a BEIR folder; raise InputError naming the missing file or bad line."""
    root = Path(folder)
    files = {"corpus": root / "corpus.jsonl", "queries": root / "queries.jsonl", "qrels": root / "qrels" / f"{split}.tsv"}
    for label, p in files.items():
        if not p.is_file():
            raise InputError(f"not a BEIR folder: {p} is missing ({label})")
    corpus = {str(o["_id"]): (o.get("title") or "", o.get("text") or "") for _, o in _jsonl(files["corpus"])}
    qrels: dict[str, dict[str, int]] = {}
    with files["qrels"].open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.reader(fh, delimiter="\t"), start=1):
            if not row or (n == 1 and row[0] == "query-id"):
                continue
            if len(row) < 3:
                raise InputError(f"{files['qrels']}:{n}: expected query-id, corpus-id, score")
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    all_queries = {str(o["_id"]): o.get("text") or "" for _, o in _jsonl(files["queries"])}
    missing = sorted(set(qrels) - set(all_queries))
    if missing:
        raise InputError(f"{files['qrels']}: query {missing[0]!r} is not in queries.jsonl")
    queries = {q: all_queries[q] for q in qrels}
    return BeirData(root.name, str(root), corpus, queries, qrels)


def beir_documents(data: BeirData) -> list[Document]:
    """BEIR corpus entries as Documents whose text is title + text."""
    docs = []
    for doc_id, (title, body) in data.corpus.items():
        text = f"{title}\n\n{body}".strip() if title else body
        docs.append(
            Document(
                id=doc_id, source=f"{data.name}:{doc_id}", title=title, text=text, lang="en", date=None,
                content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
            )
        )
    return docs


def rank_documents(hits: Sequence[Hit], n: int) -> list[str]:
    """Document ids ranked by their best chunk score (ties keep retrieval order)."""
    best: dict[str, tuple[float, int]] = {}
    for i, h in enumerate(hits):
        d = h.chunk.doc_id
        if d not in best or h.score > best[d][0]:
            best[d] = (h.score, best.get(d, (0.0, i))[1])
    return sorted(best, key=lambda d: (-best[d][0], best[d][1]))[:n]


def score_run(ranked: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    """Per-query nDCG@10, Recall@10, Recall@100, MRR@10 (pure)."""
    return {
        q: {
            "ndcg@10": m.graded_ndcg_at_k(ids, qrels[q], 10),
            "recall@10": m.graded_recall_at_k(ids, qrels[q], 10),
            "recall@100": m.graded_recall_at_k(ids, qrels[q], 100),
            "mrr@10": m.graded_mrr_at_k(ids, qrels[q], 10),
        }
        for q, ids in ranked.items()
    }


def run_beir(
    data: BeirData,
    configs: Sequence[RunConfig],
    pool: EnginePool,
    max_queries: int | None = None,
    chunk_depth: int = 300,
    progress: bool = True,
) -> dict[str, dict[str, Any]]:
    """Retrieve for every judged query under each configuration; summaries and per-query scores.

    ``chunk_depth`` chunks are retrieved so that 100 distinct documents remain
    after grouping chunks by document.
    """
    from tqdm import tqdm

    qids = sorted(data.queries)[: max_queries or None]
    out: dict[str, dict[str, Any]] = {}
    for cfg in configs:
        eng = pool.engine_for(cfg)
        mode = cfg.settings.mode
        eng.search(data.queries[qids[0]], k=chunk_depth, mode=mode)  # warm-up, untimed
        ranked: dict[str, list[str]] = {}
        times: list[float] = []
        for q in tqdm(qids, file=sys.stderr, disable=not progress, desc=f"beir {cfg.name}", unit="q"):
            t0 = time.perf_counter()
            hits = eng.search(data.queries[q], k=chunk_depth, mode=mode)
            times.append((time.perf_counter() - t0) * 1000)
            ranked[q] = rank_documents(hits, 100)
        per_query = score_run(ranked, data.qrels)
        summary: dict[str, Any] = {"questions": len(qids)}
        for name in BEIR_METRICS:
            summary[name] = m.mean(s[name] for s in per_query.values())
        summary["search_latency"] = latency(times)
        worst = sorted(per_query, key=lambda q: (per_query[q]["ndcg@10"], per_query[q]["recall@100"]))
        out[cfg.name] = {
            "summary": summary,
            "search_ms": [round(t, 3) for t in times],
            "per_query": per_query,
            "failures": [
                {"id": q, "kind": "no relevant document in top 10", "question": data.queries[q],
                 "expected": ", ".join(sorted(data.qrels[q])), "got": ", ".join(ranked[q][:5])}
                for q in worst if per_query[q]["ndcg@10"] == 0.0
            ][:50],
        }
    return out
