"""Retrieval benchmark on BEIR data (default: SciFact) with this project's own index and search.

Prints nDCG@10, Recall@10, Recall@100 and MRR@10 for bm25, dense and hybrid,
indexing throughput (documents/s) and query latency p50/p95 per mode.

    .venv/bin/python bench/scifact.py                      # ../shared/bench/scifact
    .venv/bin/python bench/scifact.py --sweep              # also compare fusion variants
    .venv/bin/python bench/scifact.py --check-ranx         # cross-check nDCG@10 with ranx

Reference (issue 2, same machine and model): BM25 plain 0.663, BM25 stemmed 0.679,
dense 0.645, plain RRF hybrid 0.684 nDCG@10; LangChain FAISS.from_texts 21 docs/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval.beir import beir_documents, load_beir, rank_documents, score_run  # noqa: E402
from rag.engine import Engine  # noqa: E402
from rag.settings import Settings  # noqa: E402


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def run(engine: Engine, data, mode: str, depth: int = 300):
    ranked, times = {}, []
    qids = sorted(data.queries)
    engine.search(data.queries[qids[0]], k=depth, mode=mode)  # warm-up
    for q in qids:
        t = time.perf_counter()
        hits = engine.search(data.queries[q], k=depth, mode=mode)
        times.append((time.perf_counter() - t) * 1000)
        ranked[q] = rank_documents(hits, 100)
    per_q = score_run(ranked, data.qrels)
    means = {m: statistics.fmean(v[m] for v in per_q.values()) for m in ("ndcg@10", "recall@10", "recall@100", "mrr@10")}
    return means, times, ranked


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("beir_dir", nargs="?", default=str(ROOT.parent / "shared" / "bench" / "scifact"))
    ap.add_argument("--index-dir", default="/tmp/rag-bench-scifact")
    ap.add_argument("--model", default=Settings().model)
    ap.add_argument("--sweep", action="store_true", help="compare fusion variants and weights")
    ap.add_argument("--check-ranx", action="store_true", help="cross-check nDCG@10 against ranx")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()

    data = load_beir(args.beir_dir)
    docs = beir_documents(data)
    settings = Settings(index_dir=args.index_dir, model=args.model, index_sentences=False)  # retrieval only
    engine = Engine(settings)
    engine.embedder  # load the model before timing
    t = time.perf_counter()
    rep = engine.index_documents(docs, progress=True) if not args.rebuild else None
    if args.rebuild:
        import shutil

        shutil.rmtree(args.index_dir, ignore_errors=True)
        rep = engine.index_documents(docs, progress=True)
    secs = time.perf_counter() - t
    print(f"\n{data.name}: {len(docs)} documents, {rep.chunks} chunks, {len(data.queries)} test queries, model {settings.model}")
    if rep.embedded_chunks:
        print(f"indexing: {secs:.1f}s = {len(docs) / secs:.1f} docs/s ({rep.embedded_chunks / secs:.1f} chunks/s) on {os.cpu_count()} cores")
    else:
        print(f"indexing: reused cached index at {args.index_dir} (delete it or pass --rebuild to time indexing)")
    print(f"\n{'mode':<22}{'nDCG@10':>9}{'R@10':>8}{'R@100':>8}{'MRR@10':>8}{'p50 ms':>9}{'p95 ms':>9}")
    variants = [("bm25", {}), ("dense", {}), ("hybrid", {})]
    if args.sweep:
        variants += [("hybrid", {"fusion": "rrf"})] + [("hybrid", {"dense_weight": w}) for w in (0.3, 0.4, 0.6, 0.7)]
    last_ranked = None
    for mode, extra in variants:
        engine.settings = settings.replace(**extra)
        means, times, ranked = run(engine, data, mode)
        label = mode + ("" if not extra else " " + ",".join(f"{k}={v}" for k, v in extra.items()))
        print(f"{label:<22}{means['ndcg@10']:>9.4f}{means['recall@10']:>8.4f}{means['recall@100']:>8.4f}"
              f"{means['mrr@10']:>8.4f}{pct(times, 50):>9.1f}{pct(times, 95):>9.1f}")
        if mode == "hybrid" and not extra:
            last_ranked = ranked
    engine.settings = settings
    if args.check_ranx and last_ranked is not None:
        from ranx import Qrels, Run, evaluate

        run_dict = {q: {d: float(100 - i) for i, d in enumerate(ids)} for q, ids in last_ranked.items()}
        ours = statistics.fmean(v["ndcg@10"] for v in score_run(last_ranked, data.qrels).values())
        theirs = evaluate(Qrels(data.qrels), Run(run_dict), "ndcg@10")
        print(f"\nnDCG@10 hybrid: ours {ours:.6f}, ranx {theirs:.6f}, |diff| {abs(ours - theirs):.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
