"""End-to-end retrieval on the real sample corpus with the real bundled model."""

import pytest

from rag.errors import InputError

pytestmark = pytest.mark.e2e


def test_hybrid_finds_technological_reform_funds_in_the_second_quarter_notice_first(sample_engine):
    hits = sample_engine.search("special funds for technological reform")
    assert hits[0].chunk.doc_id == "000_aab47ab3012ba130"
    assert "second quarter" in hits[0].chunk.title


def test_french_query_returns_the_french_document_first(sample_engine):
    for mode in ("hybrid", "dense", "bm25"):
        hits = sample_engine.search("téléconférence du ministère", mode=mode)
        assert hits[0].chunk.doc_id == "001_0c3a2933395e0c97", mode
        assert hits[0].chunk.lang == "fr"


def test_no_chunk_contains_the_advertisement(sample_engine):
    state = sample_engine.state()
    assert len(state.chunks) > 20
    for c in state.chunks:
        assert "Chocolate Conche" not in c.text and "conche mahcine" not in c.text.lower()
        assert "All rights reserved" not in c.text and "Tel:" not in c.text
    assert sample_engine.search("Chocolate Conche Machine", mode="bm25") == [] or all(
        "Chocolate" not in h.chunk.text for h in sample_engine.search("Chocolate Conche Machine", mode="bm25"))


def test_hits_carry_offsets_into_the_cleaned_document_and_metadata(sample_engine):
    for h in sample_engine.search("credit guarantee for SMEs", k=8):
        doc = sample_engine.document(h.chunk.doc_id)
        assert doc.text[h.chunk.start:h.chunk.end] == h.chunk.text
        assert h.chunk.title == doc.title and h.chunk.lang == doc.lang
    dates = {d.id: d.date for d in sample_engine.documents()}
    assert dates["002_64b4e1fce9b29a5b"] == "2021-09-16" and dates["004_5c6d6f51adc04f3c"] == "2022-09-22"


def test_modes_rank_and_score(sample_engine):
    for mode in ("hybrid", "dense", "bm25"):
        hits = sample_engine.search("loan of 600 billion yuan for SMEs", k=3, mode=mode)
        assert [h.rank for h in hits] == [1, 2, 3]
        assert hits[0].retriever == mode
        assert hits[0].score >= hits[-1].score
        assert hits[0].chunk.doc_id == "000_aab47ab3012ba130"


def test_empty_query_and_bad_mode_are_input_errors(sample_engine):
    with pytest.raises(InputError):
        sample_engine.search("   ")
    with pytest.raises(InputError):
        sample_engine.search("x", mode="magic")
