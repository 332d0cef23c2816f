"""Text of office documents: .docx, .pptx, .xlsx, .odt (parsed by their libraries) and .csv.

Each reader takes the bytes already read (never the path again) and returns an
``Extracted``: plain text with one paragraph per line and a blank line between
blocks, plus a title hint. Headings and slide titles are lines of their own;
table rows are lines of cells joined with `` | `` (header row kept), so a cell
is a sentence that can be quoted with its exact span.

Untrusted input: a zip member list is checked before any library sees it
(``check_zip``: declared uncompressed sizes; ``zipfile`` never inflates a member
past its declared size), spreadsheets are read row by row up to ``MAX_CELLS``,
and any failure of a parser becomes this file's ``LoadError`` with a one-line reason.
python-docx/python-pptx parse XML without resolving entities, openpyxl through
defusedxml, odfpy through expat (which limits entity expansion).
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from .errors import LoadError
from .metadata import is_junk_title

MAX_UNZIPPED_BYTES = 256 * 1024 * 1024  # all members together; a real document is far smaller
MAX_ZIP_MEMBERS = 10_000
# Spreadsheets and CSV: cells read per file (all sheets together). Past it the rest is not
# indexed and Document.meta["truncated"] says so. 200,000 short cells is a few MB of text.
MAX_CELLS = 200_000
MAX_COLUMNS = 200  # cells of one row past this are ignored (a row that long is not prose)
CELL_SEP = " | "
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML, or a legacy .doc/.ppt/.xls


@dataclass(frozen=True)
class Extracted:
    """What a reader found: the text, a title hint ("" when none) and why it was cut, if it was."""

    text: str
    title: str = ""
    truncated: str = ""


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {msg[:200]}" if msg else type(exc).__name__


def check_zip(data: bytes, name: str, label: str) -> None:
    """Refuse a file that is not a zip, is encrypted, or would expand past the caps."""
    if data.startswith(_OLE2):
        raise LoadError(name, f"encrypted (password-protected) or legacy binary file, not a {label} "
                        "document: save it again without a password in the current format")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            encrypted = any(i.flag_bits & 0x1 for i in infos)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LoadError(name, f"not a valid {label} file (damaged or not a zip archive: {_one_line(exc)})") from exc
    if encrypted:
        raise LoadError(name, f"encrypted {label} file (needs a password)")
    if len(infos) > MAX_ZIP_MEMBERS:
        raise LoadError(name, f"{label} archive has {len(infos)} parts (> {MAX_ZIP_MEMBERS}): refused")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise LoadError(name, f"{label} file expands to {total // 1_000_000} MB uncompressed "
                        f"(> {MAX_UNZIPPED_BYTES // 1_000_000} MB; decompression bomb?): refused")


def _parse(name: str, label: str, read: Callable[[], Extracted]) -> Extracted:
    """Run a parser of untrusted input; any failure is this file's LoadError."""
    try:
        return read()
    except LoadError:
        raise
    except Exception as exc:  # parsers of untrusted input fail in many ways; each is this file's problem
        raise LoadError(name, f"unreadable {label} file ({_one_line(exc)})") from exc


def _line(text: str) -> str:
    """One paragraph on one line (soft line breaks and tabs become spaces)."""
    return " ".join(text.split())


def _blocks(blocks: Iterable[list[str]]) -> str:
    """Blocks of lines, a blank line between blocks; empty lines and blocks dropped."""
    out = ["\n".join(ln for ln in block if ln) for block in blocks]
    return "\n\n".join(b for b in out if b)


TITLE_CHARS = 160


def _title(core: str, heading: str, fallback: str = "") -> str:
    """The core-properties title unless it is junk, else the first heading, else ``fallback``."""
    for t in (core, heading, fallback):
        t = _line(t)
        if t and not is_junk_title(t):
            return t if len(t) <= TITLE_CHARS else t[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return ""


def _row(cells: Iterable[str]) -> str:
    """A table row as one line; trailing empty cells dropped, "" for an empty row."""
    vals = [_line(c) for c in cells]
    while vals and not vals[-1]:
        vals.pop()
    return CELL_SEP.join(vals) if any(vals) else ""


# --- Word (.docx) -------------------------------------------------------------------------

def read_docx(data: bytes, name: str) -> Extracted:
    check_zip(data, name, ".docx")
    return _parse(name, ".docx", lambda: _docx(data))


def _is_heading(style_name: str) -> bool:
    return style_name.lower().startswith(("heading", "title", "titre"))


def _docx(data: bytes) -> Extracted:
    import docx
    from docx.table import Table

    doc = docx.Document(io.BytesIO(data))
    blocks: list[list[str]] = []
    first_heading = ""
    in_list = False  # consecutive list items stay one block, one item per line
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            blocks.append(_docx_table(item))
            in_list = False
            continue
        text = _line(item.text)
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        if _is_heading(style):
            first_heading = first_heading or text
        is_item = style.lower().startswith("list")
        if is_item and in_list:
            blocks[-1].append(text)
        else:
            blocks.append([text])
        in_list = is_item
    return Extracted(_blocks(blocks), _title(doc.core_properties.title or "", first_heading))


def _docx_table(table: Any) -> list[str]:
    rows = []
    for row in table.rows:
        cells, last = [], None
        for cell in row.cells:  # a merged cell is repeated once per grid column it spans
            if cell._tc is last:
                continue
            last = cell._tc
            cells.append(cell.text)
        rows.append(_row(cells))
    return rows


# --- PowerPoint (.pptx) -------------------------------------------------------------------

def read_pptx(data: bytes, name: str) -> Extracted:
    check_zip(data, name, ".pptx")
    return _parse(name, ".pptx", lambda: _pptx(data))


def _shape_lines(shape: Any) -> Iterator[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for sub in _reading_order(shape.shapes):
            yield from _shape_lines(sub)
    elif getattr(shape, "has_table", False) and shape.has_table:
        for row in shape.table.rows:
            yield _row(cell.text for cell in row.cells)
    elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        for para in shape.text_frame.paragraphs:
            yield _line(para.text)


def _reading_order(shapes: Iterable[Any]) -> list[Any]:
    return sorted(shapes, key=lambda s: ((s.top or 0), (s.left or 0)))


def _pptx(data: bytes) -> Extracted:
    from pptx import Presentation

    prs = Presentation(io.BytesIO(data))
    blocks: list[list[str]] = []
    first_title = ""
    for slide in prs.slides:
        title_shape = slide.shapes.title
        title = _line(title_shape.text_frame.text) if title_shape is not None and title_shape.has_text_frame else ""
        first_title = first_title or title
        lines = [title]
        for shape in _reading_order(slide.shapes):
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            lines.extend(_shape_lines(shape))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            lines.extend(_line(p.text) for p in slide.notes_slide.notes_text_frame.paragraphs)
        blocks.append(lines)
    return Extracted(_blocks(blocks), _title(prs.core_properties.title or "", first_title))


# --- Spreadsheets (.xlsx, .csv) -------------------------------------------------------------

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


class _Budget:
    """Counts cells across a whole file so that no sheet can make it huge."""

    def __init__(self) -> None:
        self.left = MAX_CELLS
        self.truncated = ""

    def rows(self, rows: Iterable[Iterable[Any]], where: str) -> Iterator[str]:
        for n, row in enumerate(rows, 1):
            cells = [_cell(v) for v, _ in zip(row, range(MAX_COLUMNS))]
            while cells and not cells[-1].strip():  # padding up to the sheet's width costs nothing
                cells.pop()
            cost = max(1, len(cells))  # an empty row costs one, so a million of them still stop
            if self.left < cost:
                self.truncated = f"only the first {MAX_CELLS} cells are indexed (stopped at {where} row {n})"
                return
            self.left -= cost
            line = _row(cells)
            if line:
                yield line


def read_xlsx(data: bytes, name: str, fallback_title: str = "") -> Extracted:
    check_zip(data, name, ".xlsx")
    return _parse(name, ".xlsx", lambda: _xlsx(data, fallback_title))


def _xlsx(data: bytes, fallback_title: str) -> Extracted:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        budget = _Budget()
        blocks: list[list[str]] = []
        for ws in wb.worksheets:
            if budget.truncated:
                break
            rows = list(budget.rows(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), f"sheet {ws.title!r}"))
            if rows:
                blocks.append([_line(ws.title), *rows])
        first_sheet = wb.worksheets[0].title if wb.worksheets else ""
        core = wb.properties.title or ""
    finally:
        wb.close()
    sheet_title = "" if first_sheet.lower().startswith(("sheet", "feuil", "tabelle", "hoja")) else first_sheet
    return Extracted(_blocks(blocks), _title(core, sheet_title, fallback_title), budget.truncated)


def read_csv(text: str, name: str, fallback_title: str = "") -> Extracted:
    """Rows of an already decoded CSV; the delimiter (, ; tab |) is sniffed from the start."""
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    budget = _Budget()
    try:
        rows = list(budget.rows(csv.reader(io.StringIO(text, newline=""), dialect), "line"))
    except csv.Error as exc:
        raise LoadError(name, f"malformed CSV ({_one_line(exc)})") from exc
    return Extracted("\n".join(rows), _title("", "", fallback_title), budget.truncated)


# --- OpenDocument text (.odt) ---------------------------------------------------------------

def read_odt(data: bytes, name: str) -> Extracted:
    check_zip(data, name, ".odt")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        try:
            manifest = zf.read("META-INF/manifest.xml")
        except KeyError:
            manifest = b""
    if b"encryption-data" in manifest:
        raise LoadError(name, "encrypted .odt file (needs a password)")
    return _parse(name, ".odt", lambda: _odt(data))


def _odt(data: bytes) -> Extracted:
    from odf import dc, teletype
    from odf.opendocument import load

    doc = load(io.BytesIO(data))
    blocks: list[list[str]] = []
    headings: list[str] = []

    def walk(node: Any) -> None:
        for child in node.childNodes:
            tag = getattr(child, "qname", (None, None))[1]
            if tag == "h":
                text = _line(teletype.extractText(child))
                if text:
                    headings.append(text)
                    blocks.append([text])
            elif tag == "p":
                blocks.append([_line(teletype.extractText(child))])
            elif tag == "list":
                blocks.append([_line(teletype.extractText(p)) for p in _descendants(child, "p")])
            elif tag == "table":
                blocks.append([_row(" ".join(teletype.extractText(p) for p in _descendants(c, "p")) for c in _cells(r))
                               for r in _descendants(child, "table-row")])
            elif tag == "section":
                walk(child)

    walk(doc.text)
    meta_titles = doc.meta.getElementsByType(dc.Title)
    core = teletype.extractText(meta_titles[0]) if meta_titles else ""
    return Extracted(_blocks(blocks), _title(core, headings[0] if headings else ""))


def _descendants(node: Any, tag: str) -> Iterator[Any]:
    for child in node.childNodes:
        if getattr(child, "qname", (None, None))[1] == tag:
            yield child
        elif child.nodeType == child.ELEMENT_NODE:
            yield from _descendants(child, tag)


def _cells(row: Any) -> list[Any]:
    """A row's cells; the placeholders a merged cell covers are left out."""
    return [c for c in row.childNodes if getattr(c, "qname", (None, None))[1] == "table-cell"]
