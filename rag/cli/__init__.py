"""`rag` command line. Each command lives in its own module and registers itself.

Library errors (RagError) become one-line messages here, at the edge, with a
non-zero exit; nothing below prints for people.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from .common import PROG, add_global_options, fail

COMMAND_MODULES = ["index_cmd", "search_cmd", "ask_cmd", "serve_cmd", "eval_cmd"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Ask questions over your documents and get answers with cited sources. Offline, CPU-only.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        # A fresh parent per command: argparse shares parent actions between
        # subparsers, so one command overriding an option (eval's --config with
        # conflict_handler="resolve") would otherwise break it for all the others.
        common = argparse.ArgumentParser(add_help=False)
        add_global_options(common)
        importlib.import_module(f"rag.cli.{name}").register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Model loading draws progress bars on stderr; a command's output is its result and its errors.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from rag.errors import RagError

    try:
        return int(args.func(args) or 0)
    except RagError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
