from pathlib import Path

import pytest

from rag.chunking import chunk_document, merge_small_spans
from rag.errors import InputError, LoadError
from rag.loaders import iter_files, load_file
from rag.settings import SAMPLE_CORPUS

from .pdf_support import raw_pdf


@pytest.mark.parametrize("size,overlap", [(1000, 150), (300, 50), (120, 0)])
def test_chunk_offsets_slice_the_cleaned_text_exactly(size, overlap):
    for f in sorted(SAMPLE_CORPUS.glob("*.txt")):
        doc = load_file(f, SAMPLE_CORPUS)
        chunks = chunk_document(doc, size, overlap)
        assert chunks
        for c in chunks:
            assert doc.text[c.start:c.end] == c.text
            assert len(c.text) <= size * 1.25 + 1
            assert (c.title, c.lang, c.date, c.source) == (doc.title, doc.lang, doc.date, doc.source)
        # Chunks cover the document in order.
        assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_chunks_end_at_sentence_or_paragraph_boundaries_in_french():
    doc = load_file(SAMPLE_CORPUS / "001_0c3a2933395e0c97.txt", SAMPLE_CORPUS)
    chunks = chunk_document(doc, 1000, 150)
    ends = [c.text[-1] for c in chunks[:-1]]
    # French sentences here run to 600+ characters, so a few chunks must end at a comma.
    assert sum(e in ".!?»;" for e in ends) >= len(ends) * 0.8
    starts = [c.text[0] for c in chunks]
    assert all(s.isupper() or s.isdigit() or s in "«“\"" for s in starts)


def test_short_heading_is_joined_to_the_following_paragraph():
    assert merge_small_spans([(0, 40), (42, 800)], 1000) == [(0, 800)]
    assert merge_small_spans([(0, 900), (902, 950)], 1000) == [(0, 950)]
    assert merge_small_spans([(0, 900), (902, 1500)], 1000) == [(0, 900), (902, 1500)]


def test_html_markdown_and_pdf_are_loaded(tmp_path):
    html = tmp_path / "page.html"
    html.write_text("<html><head><title>T</title><script>alert(1)</script></head><body><nav>Home &gt; News</nav>"
                    "<h1>Credit guarantee notice</h1><p>The ministry set up a guarantee fund for SMEs.</p>"
                    "<footer>Copyright © 2020 Site</footer></body></html>", encoding="utf-8")
    d = load_file(html, tmp_path)
    assert d.title == "Credit guarantee notice"
    assert "guarantee fund" in d.text and "alert" not in d.text and "Home" not in d.text and "Copyright" not in d.text
    md = tmp_path / "note.md"
    md.write_text("# Loan policy\n\nBanks will **extend** loans. See [the plan](http://x).\n", encoding="utf-8")
    d = load_file(md, tmp_path)
    assert d.title == "Loan policy" and "Banks will extend loans. See the plan." in d.text
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(_tiny_pdf("Special relief funds for small enterprises"))
    d = load_file(pdf, tmp_path)
    assert "Special relief funds" in d.text


def test_bad_files_raise_load_errors(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "fake.pdf").write_text("not a pdf", encoding="utf-8")
    (tmp_path / "x.docx").write_bytes(b"PK")
    (tmp_path / "x.doc").write_bytes(b"PK")
    for name, reason in [("bin.txt", "binary"), ("empty.txt", "no text"), ("fake.pdf", "not a PDF"),
                         ("x.docx", "not a valid .docx file"), ("x.doc", "unsupported")]:
        with pytest.raises(LoadError, match=reason):
            load_file(tmp_path / name, tmp_path)


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(iter_files([tmp_path / "nope"]))


def test_directory_walk_skips_hidden_and_unsupported(tmp_path):
    (tmp_path / "a.txt").write_text("hello world text", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / "img.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("# B\n\nbody text", encoding="utf-8")
    files = [f.name for f, _ in iter_files([tmp_path])]
    assert files == ["a.txt", "b.md"]


def _tiny_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF with the given text (built by hand, no writer library)."""
    return raw_pdf(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
