"""What only the PostgreSQL store has: its schema versions, the --store flag, HNSW against exact search."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embed import HashingEmbedder
from rag.engine import Engine
from rag.errors import IndexMismatchError, StoreError
from rag.settings import SAMPLE_CORPUS, Settings, load_settings


def test_schema_is_created_versioned_and_a_newer_one_is_refused(pg_url):
    import psycopg

    eng = Engine(Settings(store=pg_url), embedder=HashingEmbedder(64))
    assert not eng.has_index()  # connecting migrated the empty database
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT max(version) FROM rag_schema").fetchone()[0] == 1
        assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
        conn.execute("INSERT INTO rag_schema (version) VALUES (99)")
    eng.close()
    with pytest.raises(IndexMismatchError, match="schema version 99, newer"):
        Engine(Settings(store=pg_url), embedder=HashingEmbedder(64)).has_index()


def test_store_comes_from_rag_store_or_the_flag_and_its_password_is_never_shown(pg_url):
    s = load_settings(env={"RAG_STORE": "postgresql://u:secret@db.example/rag"})
    assert s.store == "postgresql://u:secret@db.example/rag"
    assert "secret" not in Engine(s).location
    with pytest.raises(Exception, match="postgresql:// URL"):
        load_settings(env={"RAG_STORE": "mysql://x"})
    with pytest.raises(StoreError, match="cannot use the database"):
        Engine(Settings(store="postgresql://u:secret@127.0.0.1:1/none"), embedder=HashingEmbedder(8)).view()


def test_cli_indexes_searches_and_lists_documents_in_postgres(pg_url, capsys, monkeypatch):
    from rag.cli import main

    monkeypatch.setenv("RAG_MODEL", "hashing-256")
    assert main(["index", str(SAMPLE_CORPUS), "--store", pg_url, "--quiet"]) == 0
    assert "documents" in capsys.readouterr().out
    assert main(["search", "loans for small firms", "--json", "--k", "2", "--store", pg_url]) == 0
    assert capsys.readouterr().out.count("chunk_id") == 2
    monkeypatch.setenv("RAG_STORE", pg_url)
    assert main(["docs"]) == 0 and capsys.readouterr().out.strip()


def test_hnsw_dense_search_matches_exact_search_on_the_sample(pg_url, tmp_path):
    emb = HashingEmbedder(256)
    pg = Engine(Settings(store=pg_url), embedder=emb)
    local = Engine(Settings(index_dir=str(tmp_path / "idx")), embedder=emb)
    pg.index([SAMPLE_CORPUS]), local.index([SAMPLE_CORPUS])
    for q in ("loans for small firms", "carbon emissions", "rural roads and markets", "digital transformation"):
        # Same vectors, same dense ranking (the lexical side differs: ts_rank_cd is not BM25).
        assert [h.chunk.id for h in pg.search(q, k=5, mode="dense")] == \
            [h.chunk.id for h in local.search(q, k=5, mode="dense")]
        qv = emb.embed_queries([q])[0]
        keys, scores = pg.view().dense(qv, 10)
        exact = np.sort(local.state().vectors @ qv)[::-1][:10]
        np.testing.assert_allclose(scores, exact, rtol=1e-5, atol=1e-6)
    pg.close()


def test_beir_eval_builds_in_the_database_and_reuses_that_build(pg_url, tmp_path, capsys, monkeypatch):
    from rag.cli import main
    from tests.eval_support import write_beir

    monkeypatch.setenv("RAG_MODEL", "hashing-256")
    beir = str(write_beir(tmp_path / "beir"))
    args = ["eval", "--beir", beir, "--store", pg_url, "--out", str(tmp_path / "out"), "--quiet",
            "--index-dir", str(tmp_path / "never-written")]
    assert main(args + ["--config", "bm25", "--config", "dense", "--fail-under", "ndcg@10=1.0"]) == 0
    assert "bm25" in capsys.readouterr().out
    assert not (tmp_path / "never-written").exists()  # nothing went to the embedded cache
    eng = Engine(Settings(store=pg_url), embedder=HashingEmbedder(256))
    assert sorted(d.id for d in eng.documents()) == ["ports", "solar", "steel"]
    generation = eng.view().generation()
    eng.close()
    assert main(args + ["--config", "hybrid"]) == 0  # the same corpus and build: not indexed again
    eng = Engine(Settings(store=pg_url), embedder=HashingEmbedder(256))
    assert eng.view().generation() == generation
    eng.close()


def test_eval_refuses_to_replace_documents_it_did_not_write(pg_url, tmp_path, capsys, monkeypatch):
    from rag.cli import main
    from tests.eval_support import write_beir

    monkeypatch.setenv("RAG_MODEL", "hashing-256")
    assert main(["index", str(SAMPLE_CORPUS), "--store", pg_url, "--quiet"]) == 0
    before = Engine(Settings(store=pg_url), embedder=HashingEmbedder(256)).documents()
    capsys.readouterr()
    beir = str(write_beir(tmp_path / "beir"))
    assert main(["eval", "--beir", beir, "--store", pg_url, "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "not in the evaluated corpus" in capsys.readouterr().err
    set_path = tmp_path / "set.jsonl"
    set_path.write_text('{"id": "q1", "question": "loans", "lang": "en", "answerable": false}\n')
    assert main(["eval", str(set_path), "--store", pg_url, "--out", str(tmp_path / "out"), "--quiet",
                 "--config", "small=chunk_size=300"]) == 2
    assert "holds one" in capsys.readouterr().err
    assert main(["eval", str(set_path), "--store", pg_url, "--docs", str(SAMPLE_CORPUS), "--out",
                 str(tmp_path / "out"), "--quiet"]) == 2
    assert "give one of the two" in capsys.readouterr().err
    assert Engine(Settings(store=pg_url), embedder=HashingEmbedder(256)).documents() == before


def test_embedded_only_state_says_to_use_the_store_interface(pg_url):
    from rag.errors import InputError

    eng = Engine(Settings(store=pg_url), embedder=HashingEmbedder(64))
    eng.index([SAMPLE_CORPUS])
    with pytest.raises(InputError, match=r"use Engine.view\(\)"):
        eng.state()
    assert eng.view().counts().documents == len(eng.documents())
    eng.close()
