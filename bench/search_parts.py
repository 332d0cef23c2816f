"""Where a search's time goes, on any store: the query embedding, the store's dense and lexical scans, the fetch.

    .venv/bin/python bench/search_parts.py --beir ../shared/bench/scifact [--store URL | --index-dir DIR] [--queries 50]

Runs the first ``--queries`` queries of a BEIR folder against an index that is
already built (e.g. by `rag eval --beir`, which builds into the database given
by --store, or into <index parent>/eval-cache), 300 candidates as `rag eval
--beir` asks, and prints p50/p95 of each part. The query embedding is the
same work on every store; the rest is the store's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> int:
    import numpy as np

    from rag.engine import Engine
    from rag.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beir", required=True, help="BEIR folder (its queries.jsonl is read)")
    ap.add_argument("--store", default=os.environ.get("RAG_STORE", ""),
                    help="postgresql:// URL (default: $RAG_STORE, else the index directory)")
    ap.add_argument("--index-dir", help="embedded index directory")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--depth", type=int, default=300, help="candidates per search (rag eval --beir: 300)")
    args = ap.parse_args()

    rows = (json.loads(line) for line in (Path(args.beir) / "queries.jsonl").open(encoding="utf-8") if line.strip())
    queries = [r["text"] for r in rows][: args.queries]
    s = Settings(store=args.store, index_sentences=False, **({"index_dir": args.index_dir} if args.index_dir else {}))
    eng = Engine(s)
    n = args.depth
    eng.search(queries[0], k=n, mode="hybrid")  # model and connections warm, untimed
    parts: dict[str, list[float]] = {k: [] for k in ("embed query", "store dense", "store lexical", "store fetch",
                                                    "search dense", "search bm25", "search hybrid")}
    for q in queries:
        marks = [time.perf_counter()]
        v = eng.embedder.embed_queries([q])[0]
        marks.append(time.perf_counter())
        view = eng.view()
        keys, _ = view.dense(v, n)
        marks.append(time.perf_counter())
        view.lexical(q, n)
        marks.append(time.perf_counter())
        view.chunks(keys)
        marks.append(time.perf_counter())
        for mode in ("dense", "bm25", "hybrid"):
            eng.search(q, k=n, mode=mode)
            marks.append(time.perf_counter())
        for name, a, b in zip(parts, marks, marks[1:]):
            parts[name].append((b - a) * 1000)
    print(f"{eng.location}: {view.counts().chunks} chunks, {len(queries)} queries, {n} candidates, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, ms in parts.items():
        print(f"{name:14s} p50 {np.median(ms):7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms")
    eng.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
