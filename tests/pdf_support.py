"""Real PDFs for tests: made with fpdf2 (wrapped lines, headings, metadata titles) or by hand (raw streams)."""

from __future__ import annotations

from pathlib import Path

HERON_HEADING = "Heron Bridge Maintenance Report"
HERON_PARAGRAPHS = [
    "The Heron bridge over the Min river was inspected by the provincial transport bureau in March after "
    "cracks were found in two of its supporting piers during routine checks by the maintenance crew.",
    "The inspection found corrosion in the steel cables and recommended emergency repairs costing 45 million "
    "yuan, to be completed before the flood season so that freight traffic can resume at full weight.",
    "Traffic will be limited to one lane in each direction while the repair work is carried out, and heavy "
    "lorries will be diverted to the northern ring road.",
]


def write_pdf(path: Path, heading: str, paragraphs: list[str], meta_title: str = "") -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    if meta_title:
        pdf.set_title(meta_title)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for para in paragraphs:
        pdf.multi_cell(0, 6, para)  # wraps over several printed lines
        pdf.ln(4)
    pdf.output(str(path))
    return path


def heron_pdf(path: Path, meta_title: str = "Microsoft Word - heron_final_v2.docx") -> Path:
    return write_pdf(path, HERON_HEADING, HERON_PARAGRAPHS, meta_title)


def raw_pdf(stream: bytes, extra: bytes = b"") -> bytes:
    """A one-page PDF whose page content is ``stream`` (``extra`` goes into the stream dictionary)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d %s>>\nstream\n" % (len(stream), extra) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)
