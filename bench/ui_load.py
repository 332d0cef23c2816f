"""Time to first token with N simultaneous questions through the served app (gradio_client).

    .venv/bin/python bench/ui_load.py [--n 20] [--concurrency 8] [--index-dir DIR]

Serves the real app on 127.0.0.1 over the sample corpus (indexed into a
temporary directory unless --index-dir is given), sends N questions at once
to the streaming endpoint /ask_stream and prints time to first token and
total time (median, p90, max).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

QUESTIONS = [
    "What SME financing measures were announced?",
    "How will industrial growth be stabilised in the second quarter?",
    "What did Xiao Yaqing say about manufacturing?",
    "Which policies help SMEs resume production?",
]


def one(client, question: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    job = client.submit(question, api_name="/ask_stream")
    first = None
    while not job.done():
        if first is None and job.outputs():
            first = time.perf_counter() - t0
        time.sleep(0.005)
    job.result(timeout=300)
    total = time.perf_counter() - t0
    return (first if first is not None else total), total


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--index-dir")
    args = ap.parse_args()

    from gradio_client import Client

    from rag.engine import Engine
    from rag.settings import Settings
    from tests.ui_servers import running_app

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings(index_dir=args.index_dir or str(Path(tmp) / "index")))
        if not engine.has_index():
            engine.index()
        engine.search("warm up")  # load the model before timing
        with running_app(engine, concurrency=args.concurrency, max_queue=max(64, args.n)) as srv:
            client = Client(srv.url, verbose=False)
            one(client, QUESTIONS[0])  # warm the app path
            qs = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.n)]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.n) as pool:
                res = list(pool.map(lambda q: one(client, q), qs))
            wall = time.perf_counter() - t0
    ttft = [r[0] for r in res]
    total = [r[1] for r in res]
    print(f"{args.n} simultaneous questions, concurrency {args.concurrency}, {os.cpu_count()} CPUs: "
          f"all answered in {wall:.2f} s")
    print(f"time to first token: median {statistics.median(ttft):.2f} s, p90 {pct(ttft, .9):.2f} s, "
          f"max {max(ttft):.2f} s")
    print(f"time to full answer: median {statistics.median(total):.2f} s, p90 {pct(total, .9):.2f} s, "
          f"max {max(total):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
