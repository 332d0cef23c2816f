"""Calibrate the refusal threshold on the sample corpus and the labelled MIIT set.

For every question of ``eval/sets/miit.jsonl`` it prints the evidence the
answer pipeline sees (best combined sentence score, best cosine, best
coverage) next to the ``answerable`` flag, then, for a range of thresholds,
how many answerable questions would be refused and how many unanswerable
ones answered. The chosen ``refuse_below`` maximises balanced accuracy;
ties go to the lower threshold (refusing a question that the documents do
answer is the costlier mistake in a tool people check against sources).

    .venv/bin/python bench/calibrate_refusal.py [--index-dir DIR] [--set FILE]

Result recorded for the default settings (all-MiniLM-L6-v2, hybrid, k=5) is
written into ``rag/settings.py``'s ``refuse_below``; see the run printed in
the issue report.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> int:
    from rag.answer.pipeline import prepare
    from rag.engine import Engine
    from rag.settings import SAMPLE_CORPUS, Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", help="existing index of the sample corpus (default: build one in a temp dir)")
    ap.add_argument("--set", default="eval/sets/miit.jsonl")
    args = ap.parse_args()
    tmp = None
    if args.index_dir:
        eng = Engine(Settings(index_dir=args.index_dir))
    else:
        tmp = tempfile.TemporaryDirectory()
        eng = Engine(Settings(index_dir=str(Path(tmp.name) / "index")))
        eng.index([SAMPLE_CORPUS])
    rows = [json.loads(line) for line in open(args.set, encoding="utf-8") if line.strip()]
    data = []
    print(f"{'id':5} {'ans':4} {'score':>6} {'cos':>6} {'cov':>6}  question")
    for r in rows:
        p = prepare(eng, r["question"], (), None, None, None)
        ev = p.evidence
        data.append((bool(r["answerable"]), ev.best_score))
        print(f"{r['id']:5} {'yes' if r['answerable'] else 'no':4} {ev.best_score:6.3f} {ev.best_cosine:6.3f} "
              f"{ev.best_coverage:6.3f}  {r['question'][:70]}")
    pos = sorted(s for a, s in data if a)
    neg = sorted(s for a, s in data if not a)
    print(f"\nanswerable   n={len(pos)} min={pos[0]:.3f} p10={pos[len(pos) // 10]:.3f} median={pos[len(pos) // 2]:.3f}")
    print(f"unanswerable n={len(neg)} max={neg[-1]:.3f} p90={neg[int(len(neg) * 0.9)]:.3f} median={neg[len(neg) // 2]:.3f}")
    print(f"\n{'threshold':>9} {'refused answerable':>19} {'answered unanswerable':>22} {'balanced acc':>13}")
    best = (0.0, 0.0)
    for i in range(20, 61):
        th = i / 100
        fr = sum(s < th for s in pos)
        fa = sum(s >= th for s in neg)
        bacc = 0.5 * ((len(pos) - fr) / len(pos) + (len(neg) - fa) / len(neg))
        if bacc > best[0] + 1e-9:
            best = (bacc, th)
        print(f"{th:9.2f} {fr:>12}/{len(pos):<6} {fa:>15}/{len(neg):<6} {bacc:13.3f}")
    print(f"\nchosen refuse_below = {best[1]:.2f} (balanced accuracy {best[0]:.3f}); "
          f"current setting = {eng.settings.refuse_below:.2f}")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
