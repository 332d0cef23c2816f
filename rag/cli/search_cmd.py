"""`rag search`: retrieve passages (hybrid by default)."""

from __future__ import annotations

import argparse
import sys

from .common import build_settings, open_engine, print_json, read_batch


def add_search_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--k", type=int, metavar="N", help="number of passages (default 5)")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], help="retriever (default hybrid)")
    p.add_argument("--doc", action="append", metavar="DOC_ID", help="only these documents (repeatable)")
    p.add_argument("--lang", action="append", metavar="CODE", help="only documents in this language (repeatable)")
    p.add_argument("--date-from", metavar="YYYY-MM-DD", help="only documents dated on or after")
    p.add_argument("--date-to", metavar="YYYY-MM-DD", help="only documents dated on or before")


def filters_from(args: argparse.Namespace):
    from rag.types import Filters

    return Filters.parse(args.doc, args.lang, args.date_from, args.date_to, labels=("--date-from", "--date-to"))


def register(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("search", parents=[common], help="find passages for a query",
                       description="Search the index. With --batch FILE, read JSON Lines with 'id' and "
                       "'question' and write one JSON line per input.")
    p.add_argument("query", nargs="?", help="what to look for")
    p.add_argument("--batch", metavar="FILE", help="JSON Lines file of {id, question} ('-' for stdin)")
    p.add_argument("--json", action="store_true", help="JSON output")
    add_search_options(p)
    p.set_defaults(func=run_search)


def run_search(args: argparse.Namespace) -> int:
    from rag.errors import InputError
    from rag.limits import check_question

    if args.batch and args.query:
        raise InputError("give either QUERY or --batch FILE, not both")
    if not args.batch and (args.query is None or not args.query.strip()):
        raise InputError("empty query: give a QUERY or --batch FILE")
    settings = build_settings(args)
    if args.query:
        check_question(args.query.strip(), settings.max_question_chars, "query")
    filters = filters_from(args)
    rows = list(read_batch(args.batch, settings.max_question_chars)) if args.batch else []
    engine = open_engine(settings)
    if args.batch:  # the whole file was validated before searching
        for _, qid, question in rows:
            hits = engine.search(question, k=args.k, mode=args.mode, filters=filters)
            print_json({"id": qid, "hits": [h.to_json() for h in hits]})
        return 0
    hits = engine.search(args.query, k=args.k, mode=args.mode, filters=filters)
    if args.json:
        print_json({"query": args.query, "hits": [h.to_json() for h in hits]})
        return 0
    if not hits:
        print("no passages found", file=sys.stderr)
        return 0
    from rag.types import display_date

    for h in hits:
        c = h.chunk
        text = " ".join(c.text.split())
        print(f"[{h.rank}] {h.score:.3f}  {c.title}  ({display_date(c.date)}, {c.lang}, {c.doc_id} {c.start}-{c.end})")
        print(f"    {text[:300]}{'…' if len(text) > 300 else ''}\n")
    return 0
