"""`rag eval`: measure retrieval and answers on evaluation sets or a BEIR folder.

Several configurations are compared in one run; the report is written as
``report.json`` and a self-contained ``report.html``; ``--fail-under`` turns
the figures into a CI gate (exit 1, one line per bound not met).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

from .common import PROG


def register(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "eval", parents=[common], conflict_handler="resolve",
        help="evaluate retrieval and answers (sets or BEIR), compare configurations",
        description="Evaluate SET files (JSON Lines) or a BEIR folder under one or more configurations; "
        "write report.json and report.html and print a summary table. In this command --config names a "
        "configuration to compare; the settings file is --settings FILE.",
    )
    p.add_argument("sets", nargs="*", metavar="SET", help="evaluation set(s), JSON Lines")
    p.add_argument("--beir", metavar="DIR", help="BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)")
    p.add_argument("--config", dest="configs", action="append", default=[], metavar="NAME=KEY=VALUE[,KEY=VALUE]",
                   help="a configuration to compare, e.g. bm25=mode=bm25 or small=chunk_size=500,k=8 "
                   "(repeatable; default: hybrid, dense, bm25)")
    p.add_argument("--settings", dest="settings_file", metavar="FILE",
                   help="TOML settings file (default: $RAG_CONFIG or ./rag.toml)")
    p.add_argument("--out", default="reports/eval", metavar="DIR", help="report folder (default: reports/eval)")
    from eval.metrics import BEIR_METRICS, SET_METRICS  # pure module: keeps `rag --help` instant

    p.add_argument("--fail-under", action="append", default=[], metavar="[CONFIG:]METRIC=VALUE",
                   help="exit 1 when a metric is below VALUE (every configuration unless CONFIG: is given); "
                   f"metrics for sets: {', '.join(SET_METRICS)}; for BEIR: {', '.join(BEIR_METRICS)}")
    p.add_argument("--docs", action="append", metavar="PATH",
                   help="index these files/folders (in the eval cache) instead of using the current index")
    p.add_argument("--cache-dir", metavar="DIR", help="where extra index builds go (default: <index parent>/eval-cache)")
    p.add_argument("--split", choices=("tune", "test"),
                   help="evaluate only the questions of this split (tune: settings were chosen on them; "
                   "test: held out); default: all, with figures per split in the breakdown")
    p.add_argument("--no-answers", action="store_true", help="retrieval metrics only (skip Engine.ask)")
    p.add_argument("--max-queries", type=int, metavar="N", help="BEIR: evaluate only the first N judged queries")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--from-feedback", metavar="FILE",
                   help="turn the 👎 answers of a feedback file (<index>/feedback.jsonl) into a reviewable "
                   "evaluation set written to --out SET.jsonl (nothing is evaluated)")
    p.set_defaults(func=run_eval)


def _engine(settings, args, cache_root: Path, progress: bool):
    from rag.engine import Engine
    from rag.settings import DEFAULT_INDEX

    if args.docs:
        if settings.store.strip():
            from rag.errors import InputError

            raise InputError("--docs indexes into the eval cache, --store evaluates what the database holds: "
                             "give one of the two")
        key = hashlib.sha256("\n".join(sorted(str(Path(d).resolve()) for d in args.docs)).encode()).hexdigest()[:12]
        eng = Engine(settings.replace(index_dir=str(cache_root / f"docs-{key}")))
        eng.index(args.docs, progress=progress)
        return eng
    eng = Engine(settings)
    if not eng.has_index() and Path(settings.index_dir).resolve() == DEFAULT_INDEX.resolve():
        print(f"{PROG}: no index yet at {settings.index_dir}: indexing the sample corpus", file=sys.stderr)
        eng.index(progress=progress)
    return eng


def write_feedback_set(feedback_file: str, out: str) -> int:
    import json

    from eval.from_feedback import eval_items
    from eval.schema import load_set
    from rag.errors import InputError
    from rag.feedback import read

    if not out.endswith(".jsonl"):
        raise InputError("with --from-feedback, --out names the set to write: --out SET.jsonl")
    if not Path(feedback_file).is_file():
        raise InputError(f"no feedback file {feedback_file} (the chat writes <index dir>/feedback.jsonl)")
    items = eval_items(read(feedback_file))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    if items:
        load_set(out)  # what was written is a valid set
    print(f"{len(items)} question(s) from 👎 feedback written to {out}: review them, then `rag eval {out}`")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from eval.configs import build_configs
    from eval.report import check_bounds, parse_bounds, terminal_table
    from eval.run import evaluate_beir, evaluate_sets, write_report
    from rag.errors import InputError
    from rag.settings import load_settings

    if args.from_feedback:
        return write_feedback_set(args.from_feedback, args.out)
    if bool(args.sets) == bool(args.beir):
        raise InputError("give evaluation SET file(s) or --beir DIR (one of the two)")
    given = {"index_dir": args.index_dir, "model": args.model, "store": args.store}
    overrides = {k: v for k, v in given.items() if v is not None}
    settings = load_settings(args.settings_file, os.environ, overrides)
    configs = build_configs(settings, args.configs)
    from eval.metrics import BEIR_METRICS, SET_METRICS

    known = BEIR_METRICS if args.beir else SET_METRICS
    bounds = parse_bounds(args.fail_under, known, [c.name for c in configs])
    progress = not args.quiet
    cache_root = Path(args.cache_dir) if args.cache_dir else Path(settings.index_dir).resolve().parent / "eval-cache"
    if args.beir:
        from rag.engine import Engine

        report = evaluate_beir(args.beir, configs, Engine(settings), cache_root, args.max_queries, progress)
    else:
        from eval.schema import load_set, select_split

        sets = [load_set(p) for p in args.sets]  # schema errors before any indexing
        if args.split:
            sets = [select_split(s, args.split) for s in sets]
        engine = _engine(settings, args, cache_root, progress)
        report = evaluate_sets(sets, configs, engine, cache_root, answers=not args.no_answers, progress=progress)
    json_path, html_path = write_report(report, args.out)
    print(terminal_table(report))
    print(f"\nreport: {html_path}  (data: {json_path})", file=sys.stderr)
    failed = check_bounds({n: r["summary"] for n, r in report["results"].items()}, bounds)
    for line in failed:
        print(f"{PROG}: fail-under: {line}", file=sys.stderr)
    return 1 if failed else 0
