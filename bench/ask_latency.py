"""Warm latency of ``Engine.ask`` (extractive) on the sample corpus: p50 / p95.

Indexes the sample corpus into a temporary directory (or uses --index-dir),
asks every question of the MIIT evaluation set once to warm the model and
the per-chunk sentence cache, then times ``--rounds`` passes over the set.

    .venv/bin/python bench/ask_latency.py [--rounds 3] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main() -> int:
    from rag.engine import Engine
    from rag.settings import SAMPLE_CORPUS, Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir")
    ap.add_argument("--set", default="eval/sets/miit.jsonl")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    index_dir = args.index_dir or str(Path(tmp.name) / "index")
    eng = Engine(Settings(index_dir=index_dir))
    if not args.index_dir:
        eng.index([SAMPLE_CORPUS])
    questions = [json.loads(line)["question"] for line in open(args.set, encoding="utf-8") if line.strip()]
    t = time.perf_counter()
    for q in questions:
        eng.ask(q)
    cold = time.perf_counter() - t
    total, retrieve, answer = [], [], []
    refused = 0
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            a = eng.ask(q)
            total.append(time.perf_counter() - t)
            retrieve.append(a.timings.get("retrieve", 0.0))
            answer.append(a.timings.get("answer", 0.0))
            refused += a.refused
    ms = lambda xs, q: 1000 * pct(xs, q)  # noqa: E731
    print(f"questions: {len(questions)} x {args.rounds} rounds, {os.cpu_count()} CPU cores, torch threads "
          f"{__import__('torch').get_num_threads()}")
    print(f"first pass (cold sentence cache): {cold:.2f}s for {len(questions)} questions")
    print(f"warm ask     p50 {ms(total, .5):6.1f} ms   p95 {ms(total, .95):6.1f} ms   mean {1000 * statistics.mean(total):6.1f} ms")
    print(f"  retrieve   p50 {ms(retrieve, .5):6.1f} ms   p95 {ms(retrieve, .95):6.1f} ms")
    print(f"  answer     p50 {ms(answer, .5):6.1f} ms   p95 {ms(answer, .95):6.1f} ms")
    print(f"refused {refused // args.rounds}/{len(questions)} per round")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
