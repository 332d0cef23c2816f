"""`rag ask`: answer a question with numbered citations (or refuse), one or a batch."""

from __future__ import annotations

import argparse
import sys
import time

from .common import build_settings, open_engine, print_json, read_batch
from .search_cmd import add_search_options, filters_from


def register(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("ask", parents=[common], help="answer a question with cited sources",
                       description="Answer a question from the indexed documents, citing the exact "
                       "passages, or say that the documents don't say. With --batch FILE, read JSON Lines "
                       "with 'id' and 'question' and write one JSON line per input.")
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("--batch", metavar="FILE", help="JSON Lines file of {id, question} ('-' for stdin)")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument("--no-llm", action="store_true", help="extractive answer even if an LLM server is configured")
    add_search_options(p)
    p.set_defaults(func=run_ask)


def _human(answer) -> str:
    from rag.answer.compose import heading
    from rag.types import display_date

    lang = answer.lang
    lines = []
    if answer.query.strip() != answer.question.strip():
        lines.append(f"({heading('searched_for', lang).lower()} {answer.query})")
    lines.append(answer.text)
    if answer.refused and answer.related:
        lines.append(f"\n{heading('related_passages', lang)}")
        for h in answer.related:
            c = h.chunk
            text = " ".join(c.text.split())
            lines.append(f"  - {c.title} ({display_date(c.date, answer.lang)}, {c.lang}, {c.doc_id} {c.start}-{c.end}): "
                         f"{text[:160]}{'…' if len(text) > 160 else ''}")
    if answer.citations:
        lines.append(f"\n{heading('sources', lang)}")
        for c in answer.citations:
            lines.append(f"  [{c.n}] {c.title} ({display_date(c.date, answer.lang)}, {c.lang}) {c.doc_id} chars {c.start}-{c.end}")
    if answer.flagged:
        lines.append(f"\n{heading('unsupported', lang)}")
        lines.extend(f"  ! {s}" for s in answer.flagged)
    if answer.notice:
        lines.append(f"\n{heading('note', lang)} {answer.notice}")
    return "\n".join(lines)


def run_ask(args: argparse.Namespace) -> int:
    from rag.errors import InputError
    from rag.limits import check_question

    if args.batch and args.question:
        raise InputError("give either QUESTION or --batch FILE, not both")
    if not args.batch and (args.question is None or not args.question.strip()):
        raise InputError("empty question: give a QUESTION or --batch FILE")
    extra = {"llm_url": ""} if args.no_llm else {}
    settings = build_settings(args, **extra)
    filters = filters_from(args)
    if args.question:
        check_question(args.question.strip(), settings.max_question_chars)
    # validate the whole file first
    rows = list(read_batch(args.batch, settings.max_question_chars)) if args.batch else []
    engine = open_engine(settings)
    engine.view()  # a missing or mismatched index fails here, before any output
    if args.batch:
        for _, qid, question in rows:
            t = time.perf_counter()
            answer = engine.ask(question, k=args.k, mode=args.mode, filters=filters)
            out = {"id": qid, **answer.to_json(), "ms": round((time.perf_counter() - t) * 1000, 1)}
            print_json(out)
        return 0
    t = time.perf_counter()
    answer = engine.ask(args.question, k=args.k, mode=args.mode, filters=filters)
    if args.json:
        print_json({**answer.to_json(), "ms": round((time.perf_counter() - t) * 1000, 1)})
    else:
        sys.stdout.write(_human(answer) + "\n")
    return 0
