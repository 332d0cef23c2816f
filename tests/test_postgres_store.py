"""What only the PostgreSQL store has: its schema versions, the --store flag, HNSW against exact search,
the postings behind its BM25."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embed import HashingEmbedder
from rag.engine import Engine
from rag.errors import IndexMismatchError, StoreError
from rag.settings import SAMPLE_CORPUS, Settings, load_settings
from rag.stores.pg_schema import LATEST, MIGRATIONS
from rag.types import Filters


def test_schema_is_created_versioned_and_a_newer_one_is_refused(pg_url):
    import psycopg

    eng = Engine(Settings(store=pg_url), embedder=HashingEmbedder(64))
    assert not eng.has_index()  # connecting migrated the empty database
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT max(version) FROM rag_schema").fetchone()[0] == LATEST
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


QUERIES = ("loans for small firms", "carbon emissions", "rural roads and markets", "digital transformation",
           "mesures de soutien aux entreprises", "zeppelin")


def _postings_match_the_tsvectors(url: str) -> int:
    """Postings are exactly what the chunks' tsvectors hold (none missing, none orphaned); their count."""
    import psycopg

    with psycopg.connect(url) as conn:
        want = set(conn.execute("SELECT u.lexeme, c.key, array_length(u.positions, 1), length(c.tsv) "
                                "FROM rag_chunks c, unnest(c.tsv) u").fetchall())
        got = conn.execute("SELECT lexeme, key, tf, dl FROM rag_postings").fetchall()
        df = dict(conn.execute("SELECT lexeme, count(*) FROM rag_postings GROUP BY 1").fetchall())
        lexicon = dict(conn.execute("SELECT lexeme, df FROM rag_lexicon").fetchall())
        kept = conn.execute("SELECT documents, chunks, sentences, lexemes, languages FROM rag_meta").fetchone()
        real = conn.execute("SELECT (SELECT count(*) FROM rag_documents), (SELECT count(*) FROM rag_chunks), "
                            "(SELECT count(*) FROM rag_sentences), (SELECT coalesce(sum(length(tsv)), 0) FROM rag_chunks), "
                            "ARRAY(SELECT DISTINCT lang FROM rag_documents ORDER BY 1)").fetchone()
    assert tuple(kept) == tuple(real)  # counts kept by each write, not recounted at commit
    assert len(got) == len(set(got)) and set(got) == want
    assert lexicon == df  # document frequencies kept by the writes, none stale, none left at zero
    return len(got)


def test_postings_follow_put_replace_delete_and_rebuild(pg_url, tmp_path):
    from tests.test_stores import CORPUS, _write

    docs = _write(tmp_path / "docs", CORPUS)
    eng = Engine(Settings(store=pg_url, chunk_size=200, chunk_overlap=20), embedder=HashingEmbedder(64))
    eng.index([docs])
    assert _postings_match_the_tsvectors(pg_url) > 0
    (docs / "loans.txt").write_text("SME loans\n\nGrants replace loans for tiny workshops.", encoding="utf-8")
    eng.index([docs])
    _postings_match_the_tsvectors(pg_url)
    assert [h.chunk.doc_id for h in eng.search("grants workshops", k=1, mode="bm25")] == ["loans"]
    eng.remove(["roads"])
    _postings_match_the_tsvectors(pg_url)
    assert eng.search("rural towns", mode="bm25") == []
    eng.index([SAMPLE_CORPUS], rebuild=True)
    assert _postings_match_the_tsvectors(pg_url) > 0
    eng.close()


# BM25 as computed before the postings (schema 1): document counts through the GIN index and tf from
# ts_rank_cd of each single term, reading every matching chunk's tsvector. The reference for the new SQL.
_OLD_DF = ("SELECT lex, (SELECT count(*) FROM rag_chunks c WHERE c.tsv @@ CAST(quote_literal(lex) AS tsquery)) "
           "FROM (SELECT DISTINCT unnest(tsvector_to_array(to_tsvector(c::regconfig, %s))) AS lex "
           "FROM unnest(%s::text[]) AS c) q ORDER BY lex")
_OLD_BM25 = """
SELECT m.key, sum(m.idf * (m.tf * (%(k1)s + 1)) / (m.tf + %(k1)s * (1 - %(b)s + %(b)s * m.len / %(avg)s))) AS s
FROM (SELECT lex, idf, CAST(quote_literal(lex) AS tsquery) AS q
      FROM unnest(%(lex)s::text[], %(idf)s::float8[]) AS u(lex, idf)) t,
LATERAL (SELECT c.key, t.idf, ts_rank_cd(c.tsv, t.q, 0) * 10 AS tf, length(c.tsv) AS len
         FROM rag_chunks c WHERE c.tsv @@ t.q {cond} OFFSET 0) m
GROUP BY m.key ORDER BY s DESC, m.key
"""


def _old_lexical(conn, query: str, cond: str = "", params: dict | None = None) -> dict[int, float]:
    from rag.stores.postgres import B, K1

    n, total, langs = conn.execute("SELECT chunks, lexemes, languages FROM rag_meta").fetchone()
    configs = sorted({"english" if x == "en" else "french" for x in langs})
    rows = conn.execute(_OLD_DF, (query, configs)).fetchall()
    kept = [(lex, float(np.log(1 + (n - df + 0.5) / (df + 0.5)))) for lex, df in rows if df]
    if not kept:
        return {}
    return dict(conn.execute(_OLD_BM25.format(cond=cond), {
        "lex": [k[0] for k in kept], "idf": [k[1] for k in kept], "k1": K1, "b": B,
        "avg": max(1.0, total / max(1, n)), **(params or {})}).fetchall())


def test_bm25_from_postings_scores_as_the_previous_tsvector_sql(pg_url):
    import psycopg

    eng = Engine(Settings(store=pg_url, index_sentences=False), embedder=HashingEmbedder(64))
    eng.index([SAMPLE_CORPUS])
    view = eng.view()
    assert set(view._meta[8]) == {"en", "fr"}  # the reference above knows these two configurations
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for q in QUERIES:
            old = _old_lexical(conn, q)
            keys, scores = view.lexical(q, 1000)
            assert dict(zip(keys.tolist(), scores.tolist())) == pytest.approx(old, rel=1e-6)
            assert keys.tolist() == sorted(old, key=lambda k: (-round(old[k], 5), k))
            some = np.array(sorted(old)[::2] + [-1], np.int64)
            assert view.lexical_scores(q, some).tolist() == pytest.approx([old.get(int(k), 0.0) for k in some], rel=1e-6)
            old_fr = _old_lexical(conn, q, "AND c.lang = ANY(%(l)s)", {"l": ["fr"]})
            keys, scores = view.lexical(q, 5, Filters(langs=("fr",)))
            assert dict(zip(keys.tolist(), scores.tolist())) == pytest.approx(
                dict(sorted(old_fr.items(), key=lambda kv: (-kv[1], kv[0]))[:5]), rel=1e-6)
    eng.close()


def test_a_schema_1_database_gains_postings_and_ranks_as_a_fresh_one(pg_server, pg_url):
    import uuid

    import psycopg

    fresh = Engine(Settings(store=pg_url, index_sentences=False), embedder=HashingEmbedder(64))
    fresh.index([SAMPLE_CORPUS])
    name = f"v1_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    old_url = pg_server.get_uri(name)
    # A database as schema 1 left it, with the same rows as the fresh one.
    with psycopg.connect(old_url) as dst, psycopg.connect(pg_url) as src:
        dst.execute(MIGRATIONS[1])
        dst.execute("CREATE TABLE rag_schema (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        dst.execute("INSERT INTO rag_schema (version) VALUES (1)")
        dst.execute("DELETE FROM rag_meta")
        for table, cols in (("rag_meta", "*"), ("rag_documents", "*"),
                            ("rag_chunks", "key, id, doc_id, text, start_at, end_at, title, source, lang, date, "
                                           "ts_config, embedding")):
            names = "" if cols == "*" else f" ({cols})"
            with src.cursor().copy(f"COPY (SELECT {cols} FROM {table}) TO STDOUT") as out, \
                    dst.cursor().copy(f"COPY {table}{names} FROM STDIN") as into:
                for data in out:
                    into.write(data)
    old = Engine(Settings(store=old_url), embedder=HashingEmbedder(64))
    new_view, old_view = fresh.view(), old.view()  # connecting migrated it
    with psycopg.connect(old_url) as conn:
        assert conn.execute("SELECT max(version) FROM rag_schema").fetchone()[0] == LATEST
    assert _postings_match_the_tsvectors(old_url) == _postings_match_the_tsvectors(pg_url)
    for q in QUERIES:
        want, got = new_view.lexical(q, 20), old_view.lexical(q, 20)
        assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()
    fresh.close(), old.close()


def test_a_bulk_write_vacuums_the_postings_and_a_small_one_leaves_them_to_autovacuum(pg_url, monkeypatch):
    import time

    import psycopg

    import rag.stores.postgres as pg

    def vacuumed() -> int:
        with psycopg.connect(pg_url) as conn:
            return conn.execute("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'rag_postings'"
                                ).fetchone()[0]

    eng = Engine(Settings(store=pg_url), embedder=HashingEmbedder(64))
    monkeypatch.setattr(pg, "VACUUM_AFTER", 10**9)
    eng.index([SAMPLE_CORPUS], rebuild=True)
    before = vacuumed()
    monkeypatch.setattr(pg, "VACUUM_AFTER", 10)  # the sample corpus is 56 chunks
    eng.index([SAMPLE_CORPUS], rebuild=True)
    deadline = time.monotonic() + 10  # a backend publishes its statistics within about a second
    while vacuumed() == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert vacuumed() > before
    assert eng.search("loans for small firms", k=1, mode="bm25")
    eng.close()


def test_the_hnsw_graph_gets_memory_for_its_size_and_is_built_once(pg_url, tmp_path):
    import psycopg

    from rag.stores.postgres import HNSW_BUILD_MAX_MB, hnsw_build_mb

    assert hnsw_build_mb(56, 384) == 512
    assert 2000 < hnsw_build_mb(1_000_000, 384) < HNSW_BUILD_MAX_MB  # 1M x 384 in memory, not on disk
    assert hnsw_build_mb(10**8, 384) == HNSW_BUILD_MAX_MB

    def graph() -> int:
        with psycopg.connect(pg_url) as conn:
            return conn.execute("SELECT 'rag_chunks_hnsw_64'::regclass::oid").fetchone()[0]

    eng = Engine(Settings(store=pg_url), embedder=HashingEmbedder(64))
    eng.index([SAMPLE_CORPUS], rebuild=True)
    first = graph()
    extra = tmp_path / "extra.md"
    extra.write_text("# Harbour dredging\n\nThe harbour channel was dredged to 14 metres in March.\n")
    eng.index([SAMPLE_CORPUS, extra])  # an add goes into the existing graph
    assert graph() == first
    assert any("dredged" in h.chunk.text for h in eng.search("harbour channel dredged", k=3, mode="dense"))
    eng.close()


def test_a_read_behind_a_locked_table_fails_in_one_line_instead_of_hanging(pg_url, monkeypatch):
    import threading
    import time

    import psycopg

    import rag.stores.postgres as pg

    eng = Engine(Settings(store=pg_url), embedder=HashingEmbedder(64))
    eng.index([SAMPLE_CORPUS], rebuild=True)
    monkeypatch.setattr(pg, "READ_TIMEOUT_MS", 500)
    store = pg.PostgresStore(pg_url, None)
    locker = psycopg.connect(pg_url)
    locker.execute("LOCK TABLE rag_meta IN ACCESS EXCLUSIVE MODE")  # e.g. VACUUM FULL or a migration
    release = threading.Timer(15, locker.rollback)  # without a timeout the read would wait for this
    release.start()
    try:
        t = time.monotonic()
        with pytest.raises(StoreError, match="statement timeout") as err:
            store.view()
        assert time.monotonic() - t < 10
        assert "\n" not in str(err.value) and "Traceback" not in str(err.value)
    finally:
        release.cancel()
        locker.rollback()
        locker.close()
        store.close()
    again = pg.PostgresStore(pg_url, None)  # reads work again once the lock is gone
    assert again.view().counts().chunks > 0
    again.close()
    eng.close()


def test_the_url_can_set_its_own_statement_timeout(pg_url):
    import rag.stores.postgres as pg

    sep = "&" if "?" in pg_url else "?"
    store = pg.PostgresStore(pg_url + sep + "options=-c%20statement_timeout%3D7s", None)
    assert store._reader().execute("SHOW statement_timeout").fetchone()[0] == "7s"
    store.close()
    store = pg.PostgresStore(pg_url, None)
    assert store._reader().execute("SHOW statement_timeout").fetchone()[0] == "30s"
    store.close()


def test_every_read_of_a_view_survives_a_dropped_connection():
    """Each StoreView read is wrapped by ``_read`` (retry on a new connection, then a one-line
    StoreError): a method that loses it shows a traceback when the server restarts."""
    from rag.stores.base import StoreView
    from rag.stores.postgres import PostgresView

    plain = {"location", "generation", "counts", "build_info", "reusable_for"}  # served from what the view holds
    reads = [n for n in vars(StoreView) if not n.startswith("_") and n not in plain]
    assert "sentence_vectors" in reads and "sentence_latent" in reads
    unwrapped = [n for n in reads if not hasattr(getattr(PostgresView, n), "__wrapped__")]
    assert unwrapped == []
