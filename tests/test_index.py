"""Incremental indexing, atomic saves, manifest checks (tiny corpora built in code)."""

import json
from pathlib import Path

import numpy as np
import pytest

from rag import store
from rag.engine import Engine
from rag.errors import EmptyCorpusError, IndexMismatchError, IndexMissingError, InputError
from rag.settings import Settings


class CountingEmbedder:
    """The hashing embedder, counting how many texts it was asked to embed."""

    def __init__(self):
        from rag.embed import HashingEmbedder

        self.inner = HashingEmbedder(64)
        self.name, self.dim = self.inner.name, self.inner.dim
        self.embedded = 0

    def embed_documents(self, texts, progress=False):
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)


def _corpus(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    (d / "loans.txt").write_text("SME loans\n\nBanks will extend loans to small firms. " * 5, encoding="utf-8")
    (d / "energy.txt").write_text("Energy policy\n\nThe plan reduces carbon emissions in factories. " * 5, encoding="utf-8")
    (d / "roads.md").write_text("# Roads\n\nNew roads connect rural towns to markets. " * 5, encoding="utf-8")
    return d


def _engine(tmp_path, emb=None):
    return Engine(Settings(index_dir=str(tmp_path / "idx"), chunk_size=200, chunk_overlap=20), embedder=emb or CountingEmbedder())


def test_unchanged_corpus_embeds_nothing_and_one_changed_file_only_its_chunks(tmp_path):
    corpus = _corpus(tmp_path)
    emb = CountingEmbedder()
    eng = _engine(tmp_path, emb)
    first = eng.index([corpus])
    assert first.documents == 3 and first.embedded_chunks > 0 and first.embedded_sentences > 0
    assert first.embedded_chunks + first.embedded_sentences == emb.embedded
    again = Engine(eng.settings, embedder=emb).index([corpus])
    assert again.embedded_chunks == again.embedded_sentences == 0 and again.unchanged == 3
    (corpus / "energy.txt").write_text("Energy policy\n\nSolar subsidies for rural homes. " * 3, encoding="utf-8")
    before = emb.embedded
    third = Engine(eng.settings, embedder=emb).index([corpus])
    state = Engine(eng.settings, embedder=emb).state()
    energy_chunks = [c for c in state.chunks if c.doc_id == "energy"]
    energy_sentences = [x for x in state.sentences if x.doc_id == "energy"]
    assert third.updated == ("energy",)
    assert third.embedded_chunks == len(energy_chunks)
    assert third.embedded_sentences == len(energy_sentences) > 0
    assert third.embedded_chunks + third.embedded_sentences == emb.embedded - before
    # Carried-over sentences keep exact spans into their (unchanged) documents.
    for x in state.sentences:
        assert state.documents[x.doc_id].text[x.start:x.end] == x.text


def test_deleting_a_file_removes_its_chunks(tmp_path):
    corpus = _corpus(tmp_path)
    eng = _engine(tmp_path)
    eng.index([corpus])
    (corpus / "roads.md").unlink()
    rep = eng.index([corpus])
    assert rep.removed == ("roads",)
    assert all(c.doc_id != "roads" for c in eng.state().chunks)
    assert not eng.search("rural roads markets", mode="bm25") or all(h.chunk.doc_id != "roads" for h in eng.search("rural roads markets"))


def test_add_and_remove_keep_other_documents(tmp_path):
    corpus = _corpus(tmp_path)
    eng = _engine(tmp_path)
    eng.index([corpus / "loans.txt"])
    eng.add([corpus / "roads.md"])
    assert sorted(d.id for d in eng.documents()) == ["loans", "roads"]
    eng.remove(["loans"])
    assert [d.id for d in eng.documents()] == ["roads"]
    with pytest.raises(InputError, match="unknown document"):
        eng.remove(["nope"])


def test_crash_mid_save_leaves_previous_index_loadable(tmp_path):
    corpus = _corpus(tmp_path)
    eng = _engine(tmp_path)
    eng.index([corpus])
    before = store.read_manifest(eng.index_dir).fingerprint
    (corpus / "loans.txt").write_text("Completely different content about fisheries. " * 4, encoding="utf-8")
    for step in ("chunks", "generation"):
        with pytest.raises(KeyboardInterrupt):
            _engine(tmp_path).index([corpus], _fail_after=step)
        fresh = _engine(tmp_path)
        assert store.read_manifest(fresh.index_dir).fingerprint == before
        assert fresh.search("banks extend loans", mode="bm25")[0].chunk.doc_id == "loans"
    # No temporary directory is left behind after the failed writes are cleaned up by the next save.
    _engine(tmp_path).index([corpus])
    assert [p.name for p in eng.index_dir.iterdir() if p.name.startswith(("gen-", ".tmp"))].__len__() == 1


def test_index_directory_is_self_describing(tmp_path):
    eng = _engine(tmp_path)
    eng.index([_corpus(tmp_path)])
    gen = store.current_generation(eng.index_dir)
    m = json.loads((gen / "manifest.json").read_text())
    assert m["model"] == "hashing-64" and m["dimension"] == 64 and m["chunk_size"] == 200
    assert m["format_version"] == store.FORMAT_VERSION and len(m["fingerprint"]) == 16
    # A full index run writes one segment: columnar files, every one listed with its checksum.
    [seg] = m["segments"]
    assert {p.name for p in gen.iterdir()} == {"manifest.json", seg["name"]}
    names = {p.name for p in (gen / seg["name"]).iterdir()}
    assert {"documents.jsonl", "text.bin", "chunks.npy", "vectors.npy", "postings.npy", "terms.bin"} <= names
    assert set(m["files"]) == {f"{seg['name']}/{n}" for n in names}
    assert np.load(gen / seg["name"] / "vectors.npy").shape == (m["chunks"], 64)


def test_loading_with_another_model_or_format_names_the_fix(tmp_path):
    eng = _engine(tmp_path)
    eng.index([_corpus(tmp_path)])
    from rag.embed import HashingEmbedder

    other = Engine(eng.settings, embedder=HashingEmbedder(32))
    with pytest.raises(IndexMismatchError, match="rag index --rebuild"):
        other.search("loans")
    gen = store.current_generation(eng.index_dir)
    m = json.loads((gen / "manifest.json").read_text())
    m["format_version"] = 999
    (gen / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexMismatchError, match="format 999"):
        _engine(tmp_path).search("loans")


def test_missing_index_and_empty_corpus(tmp_path):
    with pytest.raises(IndexMissingError, match="rag index"):
        _engine(tmp_path).search("anything")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EmptyCorpusError):
        _engine(tmp_path).index([empty])


def test_bad_file_among_good_ones_is_skipped_not_fatal(tmp_path):
    corpus = _corpus(tmp_path)
    (corpus / "broken.pdf").write_bytes(b"garbage")
    rep = _engine(tmp_path).index([corpus])
    assert rep.documents == 3
    assert rep.skipped and rep.skipped[0][0].endswith("broken.pdf")


def test_filters_by_document_language_and_date(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "a.txt").write_text("Release date: 2021-03-01\n\nLoans for small firms were expanded.", encoding="utf-8")
    (d / "b.txt").write_text("2022-06-10\n\nLoans for small firms were cut back sharply.", encoding="utf-8")
    (d / "c.txt").write_text("Le 3 mai 2022, des prêts pour les petites entreprises ont été accordés.", encoding="utf-8")
    eng = _engine(tmp_path)
    eng.index([d])
    from rag.types import Filters

    assert {h.chunk.doc_id for h in eng.search("loans small firms", filters=Filters(doc_ids=("b",)))} == {"b"}
    assert {h.chunk.doc_id for h in eng.search("prêts entreprises", filters=Filters(langs=("fr",)))} == {"c"}
    got = {h.chunk.doc_id for h in eng.search("loans", filters=Filters(date_from="2022-01-01", date_to="2022-12-31"))}
    assert got == {"b", "c"}
    assert eng.search("loans", filters=Filters(date_from="2030-01-01")) == []


def test_filters_parse_widens_a_partial_to_date_and_names_the_bad_input():
    from rag.types import Filters

    assert Filters.parse(date_from="2022", date_to="2022").date_to == "2022-12-31"
    assert Filters.parse(date_to="2022-09").date_to == "2022-09-31"
    assert Filters.parse(["a"], ["fr"]).doc_ids == ("a",) and Filters.parse().empty()
    with pytest.raises(InputError, match="--date-to must look like YYYY-MM-DD"):
        Filters.parse(date_to="last week", labels=("--date-from", "--date-to"))
