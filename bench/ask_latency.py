"""Warm latency of ``Engine.ask`` (extractive) and of hybrid search on the sample corpus: p50 / p95.

Indexes the sample corpus into a temporary directory (or uses --index-dir),
asks every question of the MIIT evaluation set once to warm the model (and,
in releases that had one, the per-chunk sentence cache), then times
``--rounds`` passes over the set.

``--against REV`` also times the release at git revision REV, in a
subprocess over an exported copy of that tree, on the same machine in the
same run, and prints the ratio: absolute milliseconds move with the machine's
load, the ratio much less. The two trees take turns ``--repeat`` times (each
indexes the sample once) and each one's median is compared: on a shared
machine one run of a tree was seen 30% off its next.

    .venv/bin/python bench/ask_latency.py [--rounds 3] [--index-dir DIR] [--against 765af2a [--repeat 3]] [--model NAME]
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

ROOT = Path(__file__).resolve().parent.parent
# RAG_BENCH_TREE: time another release's code (set by --against for its subprocess).
sys.path.insert(0, os.environ.get("RAG_BENCH_TREE") or str(ROOT))
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
    ap.add_argument("--against", metavar="REV", help="also time the release at this git revision; print the ratio")
    ap.add_argument("--repeat", type=int, default=3, help="with --against: alternate the two trees this many times "
                    "and report each one's median (the machine's load drifts between runs)")
    ap.add_argument("--model", help="embedding model (default: the tree's own default; this tree's auto picks "
                    "multilingual-e5 for the English and French sample)")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.against:
        return _compare(args)
    tmp = tempfile.TemporaryDirectory()
    index_dir = args.index_dir or str(Path(tmp.name) / "index")
    eng = Engine(Settings(index_dir=index_dir, **({"model": args.model} if args.model else {})))
    if not (Path(index_dir) / "CURRENT").exists():  # a new folder: index the sample into it
        eng.index([SAMPLE_CORPUS])
    questions = [json.loads(line)["question"] for line in open(args.set, encoding="utf-8") if line.strip()]
    t = time.perf_counter()
    for q in questions:
        eng.ask(q)
    cold = time.perf_counter() - t
    total, retrieve, answer, search = [], [], [], []
    refused = 0
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            a = eng.ask(q)
            total.append(time.perf_counter() - t)
            retrieve.append(a.timings.get("retrieve", 0.0))
            answer.append(a.timings.get("answer", 0.0))
            refused += a.refused
            t = time.perf_counter()
            eng.search(q, mode="hybrid")
            search.append(time.perf_counter() - t)
    ms = lambda xs, q: 1000 * pct(xs, q)  # noqa: E731
    if args.json:
        print(json.dumps({"ask_p50": ms(total, .5), "ask_p95": ms(total, .95),
                          "search_p50": ms(search, .5), "search_p95": ms(search, .95), "cold_s": cold}))
        tmp.cleanup()
        return 0
    print(f"questions: {len(questions)} x {args.rounds} rounds, {os.cpu_count()} CPU cores, torch threads "
          f"{__import__('torch').get_num_threads()}, model {eng.embedder.name}")
    print(f"first pass (cold sentence cache): {cold:.2f}s for {len(questions)} questions")
    print(f"warm ask     p50 {ms(total, .5):6.1f} ms   p95 {ms(total, .95):6.1f} ms   mean {1000 * statistics.mean(total):6.1f} ms")
    print(f"  retrieve   p50 {ms(retrieve, .5):6.1f} ms   p95 {ms(retrieve, .95):6.1f} ms")
    print(f"  answer     p50 {ms(answer, .5):6.1f} ms   p95 {ms(answer, .95):6.1f} ms")
    print(f"hybrid search p50 {ms(search, .5):6.1f} ms   p95 {ms(search, .95):6.1f} ms")
    print(f"refused {refused // args.rounds}/{len(questions)} per round")
    tmp.cleanup()
    return 0


def _measure(tree: Path, args: argparse.Namespace, index_dir: Path) -> dict[str, float]:
    import subprocess

    env = {**os.environ, "RAG_BENCH_TREE": str(tree), "PYTHONPATH": str(tree)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--json", "--rounds", str(args.rounds),
           "--set", str(Path(args.set).resolve()), "--index-dir", str(index_dir)] + (
               ["--model", args.model] if args.model else [])
    out = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _compare(args: argparse.Namespace) -> int:
    """Time this tree and ``args.against`` in turn, ``args.repeat`` times, in fresh processes (each tree
    indexes the sample once, into its own folder); print each one's median and their ratio."""
    import subprocess

    keys = ("ask_p50", "ask_p95", "search_p50", "search_p95")
    runs: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.against], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        trees = {"before": base, "now": ROOT}
        for i in range(max(1, args.repeat)):
            for side in (("before", "now") if i % 2 == 0 else ("now", "before")):  # neither always goes first
                runs[side].append(_measure(trees[side], args, Path(tmp) / f"index-{side}"))
    med = {side: {k: statistics.median(r[k] for r in rs) for k in keys} for side, rs in runs.items()}
    print(f"{'':18}{args.against:>12}{'this tree':>12}{'ratio':>8}   per-run ratios ({len(runs['now'])} runs, medians shown)")
    for key in keys:
        ratios = " ".join(f"{n[key] / b[key]:.2f}" for b, n in zip(runs["before"], runs["now"]))
        print(f"{key + ' ms':18}{med['before'][key]:12.1f}{med['now'][key]:12.1f}"
              f"{med['now'][key] / med['before'][key]:8.2f}   {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
