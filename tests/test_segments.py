"""The embedded store's segments: writes that add a segment and tombstones, searched like one fresh build.

Tiny corpora built in code, hashing embedder; no model.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from rag import store
from rag.analysis import tokenize, tokenize_query
from rag.embed import HashingEmbedder
from rag.indexer import build_records
from rag.lexical import build_postings, length_norm, score
from rag.settings import Settings
from rag.stores.base import BuildInfo
from rag.stores.embedded import EmbeddedStore
from rag.types import Document, Filters

EMB = HashingEmbedder(64)
SETTINGS = Settings(model=EMB.name, chunk_size=200, chunk_overlap=0)
INFO = BuildInfo(EMB.name, 64, 200, 0, True)

TOPICS = {
    "loans": ("en", "2021-03-04", "Banks will extend loans to small firms and support credit lines for exporters."),
    "energy": ("en", "2022-07-01", "The plan reduces carbon emissions in factories and promotes solar power."),
    "roads": ("en", None, "New roads connect rural towns to markets; freight costs fall for farmers."),
    "ports": ("en", "2020-01", "Port dredging lets larger ships dock; customs clearance gets faster."),
    "ecoles": ("fr", "2021-09-16", "Les écoles rurales reçoivent des ordinateurs et une connexion à internet."),
    "sante": ("fr", "--05-27", "Les hôpitaux recrutent des infirmiers et prolongent les horaires des urgences."),
    "water": ("en", "2023-02-10", "Water tariffs rise for industry while households keep a free basic allowance."),
    "rail": ("en", "2019-12-31", "Rail freight corridors carry coal and grain to the coast with fewer delays."),
}


def _doc(doc_id: str, version: int = 0) -> Document:
    lang, date, text = TOPICS[doc_id]
    body = f"{doc_id.title()}\n\n" + " ".join([text] * (3 + version))
    return Document(id=doc_id, source=f"{doc_id}.txt", title=doc_id.title(), text=body, lang=lang, date=date,
                    content_hash=f"{doc_id}-{version}")


def _records(*docs: Document):
    return build_records(list(docs), EMB, SETTINGS)[0]


def _store(path, ann_threshold: int | None = None) -> EmbeddedStore:
    st = EmbeddedStore(path, EMB.name)
    if ann_threshold is not None:
        st.ann_threshold = ann_threshold
    return st


def _write(st: EmbeddedStore, put=(), delete=(), clear: bool = False):
    with st.writing(tolerate_damage=clear) as w:
        if clear:
            w.clear()
        w.delete(list(delete))
        w.put(_records(*put) if put else [])
        return w.commit(INFO)


def _by_id(view, keys, scores) -> dict[str, float]:
    return {c.id: float(s) for c, s in zip(view.chunks(keys), scores)}


QUERIES = ["loans for small firms", "carbon emissions solar", "écoles internet", "freight to markets", "water"]


def _assert_same_search(a, b) -> None:
    """Two views over the same documents give the same dense and BM25 scores to the same chunks."""
    assert a.counts() == b.counts()
    matched = 0
    for q in QUERIES:
        qv = EMB.embed_queries([q])[0]
        n = a.counts().chunks
        da, db = _by_id(a, *a.dense(qv, n)), _by_id(b, *b.dense(qv, n))
        assert da.keys() == db.keys()
        assert all(abs(da[k] - db[k]) < 1e-5 for k in da)
        la, lb = _by_id(a, *a.lexical(q, n)), _by_id(b, *b.lexical(q, n))
        assert la.keys() == lb.keys()
        assert all(abs(la[k] - lb[k]) < 1e-4 for k in la), (q, la, lb)
        matched += bool(la)
    assert matched >= 3


def test_bm25_scores_equal_bm25s_lucene_on_a_mixed_language_corpus():
    import bm25s

    docs = [_doc(i, v) for v, i in enumerate(TOPICS)]
    texts, langs = [d.text for d in docs], [d.lang for d in docs]
    model = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    model.index([tokenize(t, lang) for t, lang in zip(texts, langs)], show_progress=False)
    postings = build_postings(texts, langs)

    class One:
        rows, norm = len(texts), length_norm(postings.lengths, float(postings.lengths.mean()))

        def term(self, t):
            i = postings.terms.index(t) if t in postings.terms else -1
            if i < 0:
                return np.zeros(0, np.int64), np.zeros(0, np.int32)
            p = postings.pairs[postings.ptr[i]:postings.ptr[i + 1]]
            return p[:, 0], p[:, 1]

    for q in [*QUERIES, "the rural freight of coal", "hôpitaux urgences infirmiers"]:
        toks = [t for t in tokenize_query(q, sorted(set(langs))) if t in model.vocab_dict]
        expected = np.asarray(model.get_scores(toks), np.float32)
        [got] = score(toks, [One()], len(texts))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        assert expected.max() > 0


def test_add_delete_and_replace_search_like_a_fresh_full_build(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "MAX_DELETED_SHARE", 0.9)  # keep the tombstones: no rewrite
    st = _store(tmp_path / "segmented")
    _write(st, put=[_doc(i) for i in ("loans", "energy", "roads", "ports")])
    _write(st, put=[_doc("ecoles"), _doc("sante")])
    _write(st, delete=["energy"])
    _write(st, put=[_doc("roads", 1), _doc("water")])  # roads replaced
    view = st.view()
    assert len(view.state.segments) == 3
    assert [e["deleted"] for e in view.state.manifest.segments][0]  # tombstones, not a rewrite
    fresh = _store(tmp_path / "fresh")
    final = [_doc("loans"), _doc("roads", 1), _doc("ports"), _doc("ecoles"), _doc("sante"), _doc("water")]
    _write(fresh, put=final)
    assert len(fresh.view().state.segments) == 1
    _assert_same_search(view, fresh.view())
    assert view.state.manifest.fingerprint == fresh.view().state.manifest.fingerprint
    assert view.state.manifest.languages == ("en", "fr")
    assert {d.id: d.content_hash for d in view.documents()} == {d.id: d.content_hash for d in final}
    # A reader in another store object sees the same thing.
    _assert_same_search(_store(tmp_path / "segmented").view(), fresh.view())


def test_a_write_hard_links_the_untouched_segment_and_a_reader_reuses_it(tmp_path):
    st = _store(tmp_path / "i")
    _write(st, put=[_doc(i) for i in ("loans", "energy", "roads")])
    reader = _store(tmp_path / "i")
    first = reader.view().state.segments[0]
    gen = store.current_generation(tmp_path / "i")
    inodes = {p.name: p.stat().st_ino for p in (gen / first.name).iterdir()}
    _write(st, put=[_doc("water")])
    new = store.current_generation(tmp_path / "i")
    assert new != gen and not gen.exists()
    assert {p.name: p.stat().st_ino for p in (new / first.name).iterdir()} == inodes
    view = reader.view()  # reloads the new generation
    assert view.state.path == str(new) and view.state.segments[0] is first
    assert view.document("water") is not None
    # Checksums of linked files are carried over from the previous manifest, equal to the files'.
    from rag.manifest import sha256_file

    files = view.state.manifest.files
    assert all(files[f"{first.name}/{n}"] == sha256_file(new / first.name / n) for n in inodes)


def test_hard_links_keep_both_generations_sharing_one_file(tmp_path, monkeypatch):
    st = _store(tmp_path / "i")
    _write(st, put=[_doc("loans"), _doc("energy")])
    monkeypatch.setattr(store, "_remove_stale", lambda index_dir, keep: None)
    _write(st, put=[_doc("water")])
    new = store.current_generation(tmp_path / "i")
    [old] = [p for p in (tmp_path / "i").iterdir() if p.name.startswith("gen-") and p != new]
    [seg] = [p for p in old.iterdir() if p.is_dir()]
    assert (seg / "vectors.npy").stat().st_nlink == 2
    assert os.path.samefile(seg / "vectors.npy", new / seg.name / "vectors.npy")


def test_merge_policy_bounds_segments_and_rewrites_mostly_deleted_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "MAX_SEGMENTS", 3)
    st = _store(tmp_path / "i")
    names = list(TOPICS)
    _write(st, put=[_doc(names[0]), _doc(names[1]), _doc(names[2])])
    for name in names[3:]:
        view = _write(st, put=[_doc(name)])
        assert len(view.state.segments) <= 3
    fresh = _store(tmp_path / "fresh")
    _write(fresh, put=[_doc(n) for n in names])
    _assert_same_search(st.view(), fresh.view())
    # Deleting most of a segment's documents rewrites it without them.
    big = st.view().state.segments[0]
    ids = [big.doc_id(r) for r in range(big.n_docs)]
    view = _write(st, delete=ids[:-1])
    assert big.name not in {s.name for s in view.state.segments}
    assert all(not e["deleted"] for e in view.state.manifest.segments)
    fresh2 = _store(tmp_path / "fresh2")
    _write(fresh2, put=[_doc(n) for n in names if n not in ids[:-1]])
    _assert_same_search(st.view(), fresh2.view())


def test_a_full_rebuild_writes_one_segment(tmp_path):
    st = _store(tmp_path / "i")
    _write(st, put=[_doc("loans")])
    _write(st, put=[_doc("energy")])
    view = _write(st, put=[_doc("loans"), _doc("roads")], clear=True)
    assert len(view.state.segments) == 1 and view.counts().documents == 2


def test_ann_index_above_the_threshold_finds_what_exact_search_finds(tmp_path):
    small = _store(tmp_path / "small", ann_threshold=10_000)
    _write(small, put=[_doc(i, 2) for i in TOPICS])
    assert not small.view().state.manifest.segments[0]["ann"]
    big = _store(tmp_path / "big", ann_threshold=5)
    view = _write(big, put=[_doc(i, 2) for i in TOPICS])
    [entry] = view.state.manifest.segments
    assert entry["ann"] and view.state.segments[0].ann is not None
    assert (tmp_path / "big" / store.current_name(tmp_path / "big") / entry["name"] / "ann.faiss").is_file()
    vectors = view.state.vectors
    for k in range(0, len(vectors), 3):  # a chunk's own vector: itself first, then as exact search ranks
        keys, scores = view.dense(vectors[k], 5)
        exact = np.argsort(-(vectors @ vectors[k]), kind="stable")[:5]
        assert keys[0] == k
        np.testing.assert_allclose(scores, (vectors @ vectors[k])[exact], rtol=1e-5)
    _assert_same_search(view, small.view())
    # Filters and tombstones go through the ANN index's selector.
    view = _write(big, delete=["loans"])
    f = Filters(langs=("fr",))
    keys, _ = view.dense(vectors[0], 50, f)
    assert {c.lang for c in view.chunks(keys)} == {"fr"} and len(keys) == len(
        [c for c in view.state.chunks if c.lang == "fr"])


@pytest.mark.parametrize("filters", [
    Filters(doc_ids=("loans", "sante", "nope")), Filters(langs=("fr",)), Filters(langs=("en", "fr")),
    Filters(date_from="2021-01-01"), Filters(date_to="2021-12-31"), Filters(date_from="2020-01-01", date_to="2022-12-31"),
    Filters(doc_ids=("loans", "energy", "ecoles"), langs=("en",), date_from="2021-06-01"),
])
def test_filter_masks_accept_the_chunks_the_python_filter_accepts(filters, tmp_path):
    st = _store(tmp_path / "i")
    _write(st, put=[_doc(i) for i in TOPICS])
    _write(st, put=[_doc("energy", 1)], delete=["rail"])  # a second segment, tombstones in the first
    view = st.view()
    chunks = list(view.state.chunks)
    expected = {k for k, c in enumerate(chunks) if filters.accepts(c)}
    masks = view._masks(filters)
    got = set()
    for seg, mask in enumerate(masks):
        rows = np.flatnonzero(mask)
        got |= set(view.state.chunk_keys.keys(seg, rows).tolist())
    assert got == expected and expected
    keys, _ = view.lexical("loans carbon écoles freight water rail", 100, filters)
    assert set(keys.tolist()) <= expected


def test_chunks_documents_and_sentences_are_lazy_views_that_act_like_the_old_lists(tmp_path):
    st = _store(tmp_path / "i")
    _write(st, put=[_doc(i) for i in ("loans", "energy", "roads")])
    _write(st, put=[_doc("energy", 1), _doc("water")])
    state = st.view().state
    assert not isinstance(state.chunks, list) and not isinstance(state.documents, dict)
    chunks = list(state.chunks)
    assert len(chunks) == len(state.chunks) == state.manifest.chunks
    assert state.chunks[-1] == chunks[-1] and state.chunks[1:3] == chunks[1:3]
    for c in chunks:
        doc = state.documents[c.doc_id]
        assert doc.text[c.start:c.end] == c.text and (c.title, c.lang, c.date) == (doc.title, doc.lang, doc.date)
    assert sorted(state.documents) == ["energy", "loans", "roads", "water"] and len(state.documents) == 4
    assert "rail" not in state.documents and state.documents.get("rail") is None
    assert state.documents["energy"].content_hash == "energy-1"
    for x in state.sentences:
        assert state.documents[x.doc_id].text[x.start:x.end] == x.text
    assert state.vectors.shape == (len(chunks), 64)
    assert state.sentence_vectors.shape == (len(state.sentences), 64)
    with pytest.raises(IndexError):
        state.chunks[len(chunks)]


def test_a_crash_mid_add_leaves_the_previous_generation_loadable(tmp_path):
    st = _store(tmp_path / "i")
    _write(st, put=[_doc("loans"), _doc("energy")])
    _write(st, put=[_doc("roads")])
    before = store.read_manifest(tmp_path / "i")
    for step in ("chunks", "generation"):
        st.fail_after = step
        with pytest.raises(KeyboardInterrupt):
            _write(st, put=[_doc("water")], delete=["loans"])
        st.fail_after = None
        fresh = _store(tmp_path / "i").view()
        assert fresh.state.manifest.fingerprint == before.fingerprint
        assert {d.id for d in fresh.documents()} == {"loans", "energy", "roads"}
        assert fresh.state.chunks[0].doc_id in {"energy", "loans"}
    _write(st, put=[_doc("water")])
    assert len([p for p in (tmp_path / "i").iterdir() if p.name.startswith(("gen-", ".tmp"))]) == 1
    assert {d.id for d in _store(tmp_path / "i").view().documents()} == {"loans", "energy", "roads", "water"}


class _Seg:
    """A segment's postings for the scoring functions, from texts (all rows live)."""

    def __init__(self, texts: list[str]) -> None:
        self.p = build_postings(texts, ["en"] * len(texts))
        self.rows = len(texts)

    def term(self, t: str):
        if t not in self.p.terms:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        i = self.p.terms.index(t)
        pairs = self.p.pairs[self.p.ptr[i]:self.p.ptr[i + 1]]
        return pairs[:, 0].astype(np.int64), pairs[:, 1]


@pytest.mark.parametrize("k", [1, 5, 30, 400])
@pytest.mark.parametrize("masked", [False, True])
def test_maxscore_top_k_equals_exhaustive_bm25(k, masked):
    from rag.lexical import prepare, scores_at, top

    rng = np.random.default_rng(k)
    vocab = [f"word{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(300)]
    p = 1 / np.arange(1, 301) ** 1.1
    p /= p.sum()

    def texts(n):
        return [" ".join(rng.choice(vocab, size=rng.integers(5, 60), p=p)) for _ in range(n)]

    segs = [_Seg(texts(700)), _Seg(texts(300))]
    n = sum(s.rows for s in segs)
    avgdl = float(np.concatenate([s.p.lengths for s in segs]).mean())
    for s in segs:
        s.norm = length_norm(s.p.lengths, avgdl)
    masks = [rng.random(s.rows) < 0.5 for s in segs] if masked else [None, None]
    for q in [vocab[:6], [vocab[0], vocab[1], vocab[250]], [vocab[3], vocab[120], vocab[200], vocab[299]]]:
        toks = [tokenize(w, "en")[0] for w in q]
        full = score(toks, segs, n)
        allowed = [np.ones(s.rows, bool) if m is None else m for s, m in zip(segs, masks)]
        ref = sorted(((float(f[r]), si, r) for si, f in enumerate(full) for r in np.flatnonzero((f > 0) & allowed[si])),
                     key=lambda x: -x[0])[:k]
        terms = prepare(toks, segs, n)
        got = sorted(((float(sc), si, int(r)) for si, (rows, scs) in enumerate(top(terms, segs, k, masks))
                      for r, sc in zip(rows, scs)), key=lambda x: -x[0])[:k]
        assert len(got) == len(ref)
        np.testing.assert_allclose([g[0] for g in got], [r[0] for r in ref], rtol=1e-5)
        assert {(si, r) for _, si, r in got} == {(si, r) for _, si, r in ref} or len({round(x[0], 4) for x in ref}) < len(ref)
        for si, f in enumerate(full):
            rows = np.arange(segs[si].rows)
            np.testing.assert_allclose(scores_at(terms, segs, si, rows[::-1])[::-1], f, rtol=1e-5, atol=1e-6)


def test_an_acronyms_plural_is_the_acronym_in_search_and_answer_terms():
    # Lower-cased, "SMEs" is "smes", which no English stemmer makes "sme": a question about
    # "SMEs" missed the sentence on "SME loans".
    from rag.answer.terms import content_terms

    assert set(tokenize("loans to SMEs", "en")) == set(tokenize("SME loans", "en")) == {"sme", "loan"}
    assert set(tokenize_query("Les PMEs", ["fr"])) == {"pme"}
    assert content_terms("What loans do SMEs get?") == content_terms("SME loans get")
    assert set(tokenize("THE LOANS for IDs", "en")) == {"loan", "id"}  # capitals alone are no plural


def test_english_irregular_past_forms_are_their_verb():
    # "What do I do if I lose my laptop?" found no word in "Lost or stolen devices must be reported".
    from rag.answer.terms import content_terms

    assert tokenize("Lost or stolen devices", "en")[:2] == tokenize("lose or steal devices", "en")[:2]
    assert {"lose", "laptop"} <= content_terms("What if I lose my laptop?") and "lose" in content_terms("Lost devices")
    assert tokenize("Exports fell; the meeting was held", "en") == tokenize("Exports fall; the meeting was hold", "en")
    assert tokenize("they found a company", "en") != tokenize("they find a company", "en")  # "found" is also a verb
