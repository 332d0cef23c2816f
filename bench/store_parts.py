"""Where a hybrid search's store time goes, on a store built by bench/scale.py (no model needed).

Times the store calls of a search one by one over SciFact queries 100-139 (not the
ones scale.py measures): dense top 100, the query's lexemes and idf (PostgreSQL),
lexical top 100, and fetching the 20 chunks shown.

    .venv/bin/python bench/store_parts.py --store postgresql://…/scale_1000000_NNNN
    .venv/bin/python bench/store_parts.py --pgdata /tmp/rag-scale-XXXX/pg --db scale_1000000_NNNN
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import SCIFACT  # noqa: E402

from rag.embed import HashingEmbedder  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="postgresql:// URL, or an embedded index directory")
    ap.add_argument("--pgdata", help="data directory of a stopped throwaway server left by bench/scale.py")
    ap.add_argument("--db", help="with --pgdata: the database name")
    ap.add_argument("--dim", type=int, default=384)
    args = ap.parse_args()
    if args.pgdata:
        import pgserver

        url = pgserver.get_server(args.pgdata, cleanup_mode="stop").get_uri(args.db)
    elif args.store:
        url = args.store
    else:
        ap.error("give --store or --pgdata")
    if url.startswith("postgres"):
        from rag.stores.postgres import PostgresStore

        store = PostgresStore(url, None)
    else:
        from rag.stores.embedded import EmbeddedStore

        store = EmbeddedStore(url, None)
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as f:
        queries = [json.loads(line)["text"] for line in f][100:140]
    qv = HashingEmbedder(args.dim).embed_queries(queries).astype(np.float32)
    qv /= np.maximum(np.linalg.norm(qv, axis=1, keepdims=True), 1e-9)
    view = store.view()
    times: dict[str, list[float]] = {"dense": [], "lexemes+idf": [], "lexical": [], "fetch": []}
    for q, v in zip(queries, qv):
        t = time.perf_counter()
        dense, _ = view.dense(v, 100)
        times["dense"].append(time.perf_counter() - t)
        if hasattr(view, "_query"):  # PostgreSQL: the idf lookup on its own, then the scan
            view._terms.clear()
            t = time.perf_counter()
            view._query(q)
            times["lexemes+idf"].append(time.perf_counter() - t)
        t = time.perf_counter()
        lexical, _ = view.lexical(q, 100)
        times["lexical"].append(time.perf_counter() - t)
        t = time.perf_counter()
        view.chunks([int(k) for k in list(dense[:10]) + list(lexical[:10])])
        times["fetch"].append(time.perf_counter() - t)
    for name, ts in times.items():
        if ts:
            ts.sort()
            print(f"{name:<12} p50 {1000 * ts[len(ts) // 2]:9.1f} ms   p95 {1000 * ts[int(0.95 * (len(ts) - 1))]:9.1f} ms")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
