"""A shared PostgreSQL deployment: servers survive the database restarting, and several servers
answer while another process adds documents (a small run of bench/shared_serve.py)."""

from __future__ import annotations

import time

import pytest

from rag.embed import HashingEmbedder
from rag.engine import Engine
from rag.settings import SAMPLE_CORPUS, Settings
from tests.ui_servers import running_app

QUESTION = "What SME financing measures were announced?"


@pytest.fixture()
def own_pg(tmp_path):
    """A PostgreSQL server of this test's own, which it may stop and start."""
    import pgserver
    import psycopg

    srv = pgserver.get_server(tmp_path / "pg", cleanup_mode="stop")
    with psycopg.connect(srv.get_uri(), autocommit=True) as conn:
        conn.execute('CREATE DATABASE "rag"')
    yield srv
    srv.cleanup()


def _stop(srv) -> None:
    from pgserver.postgres_server import pg_ctl

    pg_ctl(["-w", "stop"], pgdata=srv.pgdata, user=srv.system_user)


def _terminate_backends(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return len(conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE pid <> pg_backend_pid() AND datname = current_database()").fetchall())


def test_served_chat_survives_dropped_connections_and_a_database_restart(own_pg, capsys, monkeypatch):
    from gradio_client import Client

    from rag.cli import main

    url = own_pg.get_uri("rag")
    eng = Engine(Settings(store=url), embedder=HashingEmbedder(256))
    eng.index([SAMPLE_CORPUS])
    with running_app(eng) as server:
        client = Client(server.url, verbose=False)

        def ask() -> dict:
            t0 = time.perf_counter()
            out = client.predict(QUESTION, api_name="/ask")
            assert time.perf_counter() - t0 < 20, "a question must never hang on the database"
            return out

        assert ask()["answer"]
        assert _terminate_backends(url) >= 1  # the server's reading connection(s) among them
        out = ask()
        assert not out.get("error") and out["answer"], out  # reconnected, same question answered

        _stop(own_pg)
        out = ask()
        assert "cannot use the database" in out["error"] and "\n" not in out["error"], out
        assert "postgresql://" in out["error"]  # names where, without a password (there is none here)
        monkeypatch.setenv("RAG_MODEL", "hashing-256")
        assert main(["search", "loans", "--store", url]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("rag: error: cannot use the database") and "\n" not in err, err

        own_pg.ensure_postgres_running()
        out = ask()
        assert not out.get("error") and out["answer"], out
        assert out["citations"]
        client.close()
    eng.close()


def test_connect_timeout_and_keepalives_come_from_the_url_or_a_default():
    from rag.stores.postgres import CONNECT_TIMEOUT, KEEPALIVES, PostgresStore

    assert PostgresStore("postgresql://u@db.example/rag", None)._timeout == {"connect_timeout": CONNECT_TIMEOUT,
                                                                              **KEEPALIVES}
    given = PostgresStore("postgresql://u@db.example/rag?connect_timeout=30&keepalives_idle=5", None)._timeout
    assert "connect_timeout" not in given and "keepalives_idle" not in given and given["keepalives"] == 1


def test_two_servers_answer_every_question_while_documents_are_added_and_none_is_lost(pg_url):
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "bench/shared_serve.py", "--store", pg_url, "--servers", "2", "--clients", "3",
         "--questions", "2", "--adds", "1", "--docs-per-add", "2", "--add-pause", "0", "--model", "hashing-256"],
        cwd=root, capture_output=True, text=True, timeout=240,
        env={**os.environ, "PYTHONPATH": str(root)})
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr[-2000:]
    answered = re.findall(r"server \d: answered (\d+)/(\d+)", out)
    assert len(answered) == 2 and all(a == b and int(b) >= 6 for a, b in answered), out
    assert re.search(r"add 0 \(before the servers, alone\): 2 documents, [\d.]+ s in rag", out), out
    assert re.search(r"add 1 \(while they ask\): 2 documents, [\d.]+ s in rag", out), out
    assert re.search(r"documents: sample 5, before the load 7, added 4 in all, after 9 \(expected 9\); lost: none", out), out


def test_a_view_taken_before_the_connection_dropped_reads_on_through_a_new_one(pg_url):
    eng = Engine(Settings(store=pg_url), embedder=HashingEmbedder(64))
    eng.index([SAMPLE_CORPUS])
    old, older = eng.view(), eng.view()
    assert _terminate_backends(pg_url) >= 1
    assert len(old.documents()) == 5  # this view reconnects ...
    assert len(older.chunks_of(older.documents()[0].id)) >= 1  # ... and one sharing the closed connection too
    assert eng.search("loans for small firms", k=3)
    eng.close()
