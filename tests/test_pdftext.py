"""PDF text reads as sentences; junk metadata titles give way to the document's heading."""

from __future__ import annotations

import pytest

from rag.loaders import load_file
from rag.metadata import is_junk_title
from rag.pdftext import reflow

from .pdf_support import HERON_HEADING, heron_pdf


def test_lines_wrapped_inside_a_paragraph_are_joined():
    text = (
        "The inspection found corrosion in the steel cables and recommended emergency\n"
        "repairs costing 45 million yuan, to be completed before the flood season so that\n"
        "freight traffic can resume.\n"
        "Traffic will be limited to one lane in each direction while the work is carried\n"
        "out."
    )
    out = reflow(text)
    assert "recommended emergency repairs costing 45 million yuan, to be completed" in out
    assert "freight traffic can resume.\nTraffic will be limited" in out


def test_a_word_hyphenated_at_a_line_end_is_rejoined_but_real_hyphens_stay():
    text = (
        "The bureau ordered the mainte-\n"
        "nance of the piers and a state-\n"
        "Owned contractor will carry out the work described in this report in full."
    )
    out = reflow(text)
    assert "maintenance of the piers" in out
    assert "state- Owned" in out or "state-Owned" in out


def test_headings_list_items_and_blank_lines_keep_their_breaks():
    text = (
        "Heron Bridge Maintenance Report\n"
        "The bridge was inspected in March after cracks were found in two supporting piers\n"
        "during routine checks.\n"
        "\n"
        "1. Close one lane in each direction while the repair work is being carried out.\n"
        "2. Divert heavy lorries to the northern ring road until the repairs are finished."
    )
    out = reflow(text).split("\n")
    assert out[0] == "Heron Bridge Maintenance Report"
    assert out[1].startswith("The bridge was inspected") and out[1].endswith("during routine checks.")
    assert any(ln.startswith("1. Close one lane") for ln in out)
    assert any(ln.startswith("2. Divert heavy lorries") for ln in out)


@pytest.mark.parametrize("title", [
    "about:blank", "Untitled", "untitled 3", "Microsoft Word - x.docx", "Microsoft PowerPoint - deck",
    "report_final.pdf", "Document1", "", "  ", "---", "https://intranet/x", "PowerPoint Presentation",
])
def test_junk_metadata_titles_are_recognised(title):
    assert is_junk_title(title)


@pytest.mark.parametrize("title", [
    "Heron Bridge Maintenance Report", "Measures to support SMEs", "Le 27 mai : téléconférence",
    "2022 annual plan for industry",
])
def test_real_titles_are_kept(title):
    assert not is_junk_title(title)


def test_uploaded_pdf_reads_as_sentences_under_its_real_title(tmp_path):
    pdf = heron_pdf(tmp_path / "heron.pdf")
    doc = load_file(pdf, tmp_path)
    assert doc.title == HERON_HEADING
    assert "recommended emergency repairs costing 45 million yuan, to be completed" in doc.text
    assert "\n" not in doc.text.split("The inspection found", 1)[1].split("flood season", 1)[0]


def test_a_real_metadata_title_is_still_used(tmp_path):
    pdf = heron_pdf(tmp_path / "heron.pdf", meta_title="Heron bridge: 2026 repair programme")
    assert load_file(pdf, tmp_path).title == "Heron bridge: 2026 repair programme"
