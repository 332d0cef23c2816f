"""Office documents (.docx, .pptx, .xlsx, .csv, .odt): structure kept, titles, citable table
cells, and every broken file reported on its own line while the others are indexed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from rag import office
from rag.embed import HashingEmbedder
from rag.engine import Engine
from rag.errors import LoadError
from rag.loaders import SUPPORTED, load_file
from rag.sentences import split_sentences
from rag.settings import Settings
from tests.office_support import (CELL_SENTENCE, PARAGRAPH, make_csv, make_docx, make_odt, make_pptx,
                                  make_xlsx)
from ui.uploads import UPLOAD_TYPES


def _engine(tmp_path: Path) -> Engine:
    return Engine(Settings(index_dir=str(tmp_path / "idx"), model="hashing-64"), embedder=HashingEmbedder(64))


@pytest.fixture()
def office_dir(tmp_path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    make_docx(d / "relief.docx")
    make_pptx(d / "deck.pptx")
    make_xlsx(d / "budget_2021.xlsx")
    make_csv(d / "mesures_pme.csv")
    make_odt(d / "plan.odt")
    return d


def test_every_office_type_is_supported_and_accepted_by_the_upload_box():
    for ext in (".docx", ".pptx", ".xlsx", ".csv", ".odt"):
        assert ext in SUPPORTED and ext in UPLOAD_TYPES


def test_office_folder_is_indexed_with_titles_and_structure(tmp_path, office_dir):
    rep = _engine(tmp_path).index([office_dir])
    assert rep.skipped == () and rep.documents == 5
    docs = {d.id: d for d in _engine(tmp_path).documents()}
    assert docs["relief"].title == "SME Relief Programme 2021"  # core properties
    assert docs["deck"].title == "Export support"  # python-pptx's "PowerPoint Presentation" is junk
    assert docs["budget_2021"].title == "Budget"  # first sheet name
    assert docs["mesures_pme"].title == "mesures_pme"
    assert docs["plan"].title == "Plan de soutien aux PME" and docs["plan"].lang == "fr"


def test_docx_keeps_paragraphs_headings_lists_and_table_rows(tmp_path):
    doc = load_file(make_docx(tmp_path / "relief.docx"))
    assert doc.text.startswith("Overview of the relief programme\n\n" + PARAGRAPH + "\n\n")
    assert "\n\nApplications open in March and close in June.\n\n" in doc.text  # soft break joined
    assert "First item of the list.\nSecond item of the list." in doc.text
    assert ("\n\nFunding by measure\n\nMeasure | Amount | Region\n"
            "Guarantee fund | 50 billion yuan for small firms | Hubei\n"
            f"Deferral | {CELL_SENTENCE} | National\n\n") in doc.text


def test_a_table_cell_is_a_sentence_with_an_exact_span(tmp_path):
    doc = load_file(make_docx(tmp_path / "relief.docx"))
    spans = [s for s in split_sentences(doc.text) if CELL_SENTENCE in s.text]
    assert len(spans) == 1
    s = spans[0]
    assert doc.text[s.start:s.end] == s.text and s.text.startswith("Deferral | ")


def test_junk_core_title_gives_way_to_the_first_heading(tmp_path):
    doc = load_file(make_docx(tmp_path / "report.docx", title="Microsoft Word - report.docx"))
    assert doc.title == "Overview of the relief programme"


def test_slides_are_blocks_with_their_title_first(tmp_path):
    doc = load_file(make_pptx(tmp_path / "deck.pptx"))
    assert doc.text == ("Export support\nExport credit insurance premiums are cut by 20 percent.\n\n"
                        "Tax relief\nValue-added tax is refunded to manufacturers within ten days.\n"
                        "Sector | Refund\nTextiles | 13 percent")


def test_sheets_are_blocks_headed_by_their_name_without_empty_rows(tmp_path):
    doc = load_file(make_xlsx(tmp_path / "budget.xlsx"))
    assert doc.text == ("Budget\nMeasure | Amount (million) | Year\nGuarantee fund | 500 | 2021\n"
                        "Rent relief | 120 | 2022\n\nRegions\nProvince | Firms helped\nHubei | 1200")
    assert "truncated" not in doc.meta


def test_a_huge_sheet_is_cut_at_the_cell_cap_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(office, "MAX_CELLS", 9)
    doc = load_file(make_xlsx(tmp_path / "budget.xlsx"))
    assert "Guarantee fund" in doc.text and "Rent relief" not in doc.text and "Hubei" not in doc.text
    assert "first 9 cells" in doc.meta["truncated"]


def test_csv_with_bom_and_semicolons_becomes_rows(tmp_path):
    doc = load_file(make_csv(tmp_path / "mesures.csv"))
    assert doc.text == ("Mesure | Montant | Région\nFonds de garantie | 50 milliards | Hubei\n"
                        "Report d'impôts | 3 mois | National")


def test_csv_in_utf16_is_decoded_and_binary_csv_is_refused(tmp_path):
    f = tmp_path / "utf16.csv"
    f.write_bytes("Measure,Amount\nRent relief,120\n".encode("utf-16"))
    assert load_file(f).text == "Measure | Amount\nRent relief | 120"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(LoadError, match="binary file"):
        load_file(bad)


def test_odt_headings_paragraphs_and_table(tmp_path):
    doc = load_file(make_odt(tmp_path / "plan.odt"))
    assert doc.text == ("Mesures principales\n\nLes entreprises touchées reçoivent une aide au loyer de trois mois."
                        "\n\nMesure | Montant\nAide au loyer | 3 mois de loyer")


def _zip_bomb(path: Path, member_bytes: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("word/document.xml", "w") as fh:
            for _ in range(member_bytes // 1_000_000):
                fh.write(b"\0" * 1_000_000)
    return path


def _broken_files(d: Path) -> dict[str, str]:
    """name → the reason a person should read for it."""
    (d / "noise.docx").write_bytes(b"this is not a zip archive at all" * 10)
    whole = make_docx(d / "whole.docx").read_bytes()
    (d / "whole.docx").unlink()
    (d / "truncated.docx").write_bytes(whole[: len(whole) // 2])
    (d / "locked.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<not really xml")
    (d / "garbled.pptx").write_bytes(buf.getvalue())
    _zip_bomb(d / "bomb.odt", 3_000_000)
    return {"noise.docx": "not a valid .docx file", "truncated.docx": "not a valid .docx file",
            "locked.xlsx": "encrypted (password-protected)", "garbled.pptx": "unreadable .pptx file",
            "bomb.odt": "decompression bomb"}


def test_each_broken_office_file_gets_a_one_line_reason_and_the_others_are_indexed(tmp_path, office_dir,
                                                                                    monkeypatch):
    monkeypatch.setattr(office, "MAX_UNZIPPED_BYTES", 2_000_000)  # the bomb expands to 3 MB
    expected = _broken_files(office_dir)
    rep = _engine(tmp_path).index([office_dir])
    assert rep.documents == 5
    reasons = {Path(p).name: r for p, r in rep.skipped}
    assert set(reasons) == set(expected)
    for name, want in expected.items():
        assert want in reasons[name], (name, reasons[name])
        assert "\n" not in reasons[name] and "Traceback" not in reasons[name]


def test_the_zip_size_is_checked_before_any_parser_reads_it(tmp_path, monkeypatch):
    monkeypatch.setattr(office, "MAX_UNZIPPED_BYTES", 2_000_000)
    called = []
    monkeypatch.setattr(office, "_docx", lambda data: called.append(1))
    with pytest.raises(LoadError, match=r"expands to 3 MB uncompressed \(> 2 MB"):
        load_file(_zip_bomb(tmp_path / "bomb.docx", 3_000_000))
    assert called == []


@pytest.mark.e2e
def test_question_answered_from_a_docx_table_cites_the_exact_row(tmp_path, real_embedder):
    d = tmp_path / "docs"
    d.mkdir()
    make_docx(d / "relief.docx")
    engine = Engine(Settings(index_dir=str(tmp_path / "idx")), embedder=real_embedder)
    engine.index([d])
    answer = engine.ask("How long are loans to exporters deferred?")
    assert not answer.refused and answer.citations
    doc = engine.document("relief")
    cited = [c for c in answer.citations if CELL_SENTENCE in c.text]
    assert cited, [c.text for c in answer.citations]
    for c in answer.citations:
        assert doc.text[c.start:c.end] == c.text

