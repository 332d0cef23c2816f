"""Time to first token with N simultaneous questions through the served app (gradio_client).

    .venv/bin/python bench/ui_load.py [--n 20] [--concurrency 8] [--index-dir DIR]

Starts the real server (`rag serve`) in its own process on 127.0.0.1 over the
sample corpus (indexed into a temporary directory unless --index-dir is
given), sends N questions at once to the streaming endpoint /ask_stream from
this process and prints time to first token and total time (median, p90,
max). Server and clients live in separate processes so that the clients'
polling threads do not compete with the server for one interpreter lock.
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
        time.sleep(0.02)
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

    import subprocess

    import httpx
    from gradio_client import Client

    from tests.browser_support import free_port

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        index_dir = args.index_dir or str(Path(tmp) / "index")
        cmd = [sys.executable, "-m", "rag", "serve", "--port", str(port), "--index-dir", index_dir,
               "--concurrency", str(args.concurrency), "--max-queue", str(max(64, args.n))]
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 300
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.time() > deadline:
                    raise SystemExit("rag serve did not start")
                time.sleep(0.5)
            # One client per simulated user, as in real life (one browser each), made before timing.
            clients = [Client(url, verbose=False) for _ in range(args.n)]
            one(clients[0], QUESTIONS[0])  # warm the model and the app path
            qs = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.n)]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.n) as pool:
                res = list(pool.map(lambda cq: one(*cq), zip(clients, qs)))
            wall = time.perf_counter() - t0
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:  # open streaming connections delay a graceful stop
                server.kill()
                server.wait()
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
