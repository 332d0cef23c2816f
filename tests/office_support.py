"""Real office files built in code with the same libraries that read them (python-docx,
python-pptx, openpyxl, odfpy), so the tests exercise what a person's files contain."""

from __future__ import annotations

import io
from pathlib import Path

CELL_SENTENCE = "Loans to exporters are deferred by six months."
PARAGRAPH = "The ministry announced a relief programme for small and medium-sized firms hit by the floods."


def make_docx(path: Path, title: str = "SME Relief Programme 2021") -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.add_heading("Overview of the relief programme", level=1)
    d.add_paragraph(PARAGRAPH)
    p = d.add_paragraph("Applications open in March")
    p.add_run().add_break()  # a soft line break stays inside its paragraph's line
    p.add_run("and close in June.")
    d.add_paragraph("First item of the list.", style="List Bullet")
    d.add_paragraph("Second item of the list.", style="List Bullet")
    d.add_heading("Funding by measure", level=2)
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate([("Measure", "Amount", "Region"),
                             ("Guarantee fund", "50 billion yuan for small firms", "Hubei"),
                             ("Deferral", CELL_SENTENCE, "National")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_paragraph("Questions go to the provincial offices.")
    d.save(path)
    return path


def make_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    for title, body in [("Export support", "Export credit insurance premiums are cut by 20 percent."),
                        ("Tax relief", "Value-added tax is refunded to manufacturers within ten days.")]:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text_frame.text = body
    shape = prs.slides[1].shapes.add_table(2, 2, Inches(1), Inches(5), Inches(6), Inches(1))
    for r, row in enumerate([("Sector", "Refund"), ("Textiles", "13 percent")]):
        for c, value in enumerate(row):
            shape.table.cell(r, c).text = value
    prs.save(path)
    return path


def make_xlsx(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Budget"
    ws.append(["Measure", "Amount (million)", "Year"])
    ws.append(["Guarantee fund", 500, 2021])
    ws.append([None, None, None])  # an empty row is skipped
    ws.append(["Rent relief", 120.0, 2022])
    regions = wb.create_sheet("Regions")
    regions.append(["Province", "Firms helped"])
    regions.append(["Hubei", 1200])
    wb.save(path)
    return path


def make_csv(path: Path) -> Path:
    rows = "Mesure;Montant;Région\nFonds de garantie;50 milliards;Hubei\n\nReport d'impôts;3 mois;National\n"
    path.write_bytes("\ufeff".encode() + rows.encode("utf-8"))  # Excel writes a BOM
    return path


def make_odt(path: Path) -> Path:
    from odf import dc, table, text
    from odf.opendocument import OpenDocumentText

    doc = OpenDocumentText()
    doc.meta.addElement(dc.Title(text="Plan de soutien aux PME"))
    doc.text.addElement(text.H(outlinelevel=1, text="Mesures principales"))
    doc.text.addElement(text.P(text="Les entreprises touchées reçoivent une aide au loyer de trois mois."))
    t = table.Table(name="Aides")
    for row in [("Mesure", "Montant"), ("Aide au loyer", "3 mois de loyer")]:
        tr = table.TableRow()
        for value in row:
            tc = table.TableCell()
            tc.addElement(text.P(text=value))
            tr.addElement(tc)
        t.addElement(tr)
    doc.text.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    path.write_bytes(buf.getvalue())
    return path
