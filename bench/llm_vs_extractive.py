"""Extractive answers vs a small real LLM (llama.cpp, SmolLM2-135M) on an evaluation set.

Starts ``llama-server`` on 127.0.0.1 (the llm-test extra, see ``tests/llama_server.py``),
indexes the sample corpus into a temporary directory, and asks every question of the set
through ``Engine.ask_stream`` twice: extractive, then with the LLM. Scores use the
harness's metric functions (``eval/metrics.py``); time to first token is the time to the
first streamed text. Prints a Markdown table (the README's) and writes JSON with --out.

    .venv/bin/python bench/llm_vs_extractive.py [--set eval/sets/miit.jsonl] [--stride N] [--limit N] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def run(engine, questions) -> dict:
    from eval import metrics
    from rag.types import Answer

    rows, outcomes = [], Counter()
    for q in questions:
        t0 = time.perf_counter()
        first = None
        final = None
        for item in engine.ask_stream(q.question):
            if isinstance(item, Answer):
                final = item
            elif first is None and str(item).strip():
                first = time.perf_counter() - t0
        total = time.perf_counter() - t0
        cites = [c.text for c in final.citations]
        outcomes["refused" if final.refused else "replaced" if final.replaced else
                 "fallback" if final.generator == "extractive" and engine.settings.llm_enabled else final.generator] += 1
        print(f"{q.id} {final.generator} {total:.1f}s{' replaced' if final.replaced else ''}", file=sys.stderr,
              flush=True)
        rows.append({"id": q.id, "answerable": q.answerable, "refused": final.refused,
                     "cite": metrics.citation_accuracy(cites, q.evidence) if q.answerable else None,
                     "contains": metrics.answer_contains_rate(final.text, q.answer_contains) if q.answerable else None,
                     "ttft": first if first is not None else total, "total": total,
                     "generator": final.generator, "replaced": final.replaced, "notice": final.notice})
    p, r = metrics.refusal_precision_recall((x["answerable"], x["refused"]) for x in rows)
    answered = [x for x in rows if x["answerable"]]
    return {
        "n": len(rows),
        "citation_accuracy": metrics.mean(x["cite"] for x in answered),
        "answer_contains": metrics.mean(x["contains"] for x in answered),
        "refusal_precision": p, "refusal_recall": r,
        "ttft_p50": metrics.percentile([x["ttft"] for x in rows], 50),
        "ttft_p95": metrics.percentile([x["ttft"] for x in rows], 95),
        "total_p50": metrics.percentile([x["total"] for x in rows], 50),
        "total_p95": metrics.percentile([x["total"] for x in rows], 95),
        "outcomes": dict(outcomes), "rows": rows,
    }


def main() -> int:
    from eval.schema import load_set, select_split
    from rag.engine import Engine
    from rag.settings import SAMPLE_CORPUS, Settings
    from tests import llama_server as ls

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="eval/sets/miit.jsonl")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--stride", type=int, default=1, help="every n-th question (a quick spread over the set)")
    ap.add_argument("--split", choices=("tune", "test"), help="only this part of the set (report on test)")
    ap.add_argument("--out")
    args = ap.parse_args()
    eval_set = load_set(args.set)
    if args.split:
        eval_set = select_split(eval_set, args.split)
    questions = list(eval_set.questions)[:: args.stride][: args.limit or None]
    tmp = tempfile.TemporaryDirectory()
    base = Engine(Settings(index_dir=str(Path(tmp.name) / "index")))
    base.index([SAMPLE_CORPUS])
    server = ls.start(Path(tmp.name) / "llama.log")
    try:
        llm = Engine(base.settings.replace(llm_url=server.url, llm_model=ls.MODEL_NAME, llm_temperature=0.0,
                                           llm_timeout=120.0, llm_params='{"seed": 1}'), embedder=base.embedder)
        run(base, questions[:3])  # warm the model and the sentence cache
        results = {"extractive": run(base, questions), "llm:" + ls.MODEL_NAME: run(llm, questions)}
    finally:
        server.stop()
    print(f"{len(questions)} questions from {args.set}{' (split ' + args.split + ')' if args.split else ''}\n")
    print("| answers | CiteAcc | AnsCont | RefP | RefR | first text p50/p95 s | total p50/p95 s | outcomes |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        f = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items()))
        print(f"| {name} | {f(r['citation_accuracy'])} | {f(r['answer_contains'])} | {f(r['refusal_precision'])} | "
              f"{f(r['refusal_recall'])} | {r['ttft_p50']:.2f}/{r['ttft_p95']:.2f} | "
              f"{r['total_p50']:.2f}/{r['total_p95']:.2f} | {outcomes} |")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
