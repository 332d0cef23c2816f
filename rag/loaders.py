"""Read files into Documents: .txt, .md, .html/.htm, .pdf, and office files
(.docx, .pptx, .xlsx, .csv, .odt; read in ``office``).

I/O lives here; cleaning and metadata are pure functions in their own modules.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Iterator

from .cleaning import CLEANING_VERSION, clean_text, normalize_whitespace
from .errors import InputError, LoadError
from .metadata import detect_language, extract_date, extract_title, is_junk_title
from .pdftext import reflow
from .types import Document

SUPPORTED = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html",
             ".htm": "html", ".pdf": "pdf", ".docx": "docx", ".pptx": "pptx", ".xlsx": "xlsx",
             ".csv": "csv", ".odt": "odt"}
# Authored documents, not scraped pages: the web-noise rules of clean_text would drop real
# table rows ("1,200 | 3,400 | 5,600" looks like a keyword list), so only whitespace is normalised.
OFFICE = {"docx", "pptx", "xlsx", "csv", "odt"}
MAX_BYTES = 50 * 1024 * 1024
READ_ATTEMPTS = 3


def _walk(root: Path, follow_symlinks: bool) -> list[Path]:
    """Files under ``root``. Symlinked folders are entered only when following symlinks,
    and then each real folder once (a link to a parent would loop forever)."""
    found: list[Path] = []
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found.extend(Path(dirpath) / f for f in filenames if not f.startswith("."))
    return sorted(found)


def iter_files(paths: Iterable[str | Path], follow_symlinks: bool = False) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file, root)`` for every supported file under the given paths.

    A directory is walked recursively (hidden files and unsupported types are
    skipped silently, as a person expects of a folder; symlinked folders are
    entered only with ``follow_symlinks``); a file named explicitly is yielded
    whatever its type, so that loading reports why it is unusable.
    Raises InputError for a path that does not exist.
    """
    for raw in paths:
        p = Path(raw).expanduser()
        if not p.exists():
            raise InputError(f"no such file or directory: {raw}")
        if p.is_dir():
            for f in _walk(p, follow_symlinks):
                if f.suffix.lower() in SUPPORTED and (f.is_file() or f.is_symlink()):
                    yield f, p
        else:
            yield p, p.parent


def doc_id_for(path: Path, root: Path) -> str:
    """A stable, readable id: the path relative to its root, without extension."""
    rel = path.relative_to(root).with_suffix("") if path.is_relative_to(root) else Path(path.stem)
    slug = re.sub(r"[^\w.-]+", "-", rel.as_posix().replace("/", "--")).strip("-")
    return slug or hashlib.sha1(str(path).encode()).hexdigest()[:12]


def _utf16(data: bytes) -> str | None:
    """The UTF-16 encoding of ``data`` when its BOM or its zero bytes say so, else None.

    Without a BOM, text in a Latin script has a zero in (nearly) every other byte and
    mostly printable ASCII in the others (``\\x00\\xff`` repeated is binary, not "ÿÿÿ").
    """
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return None  # UTF-32: not supported
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    sample = data[:8192]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    def ascii_text(half: bytes) -> bool:
        return sum(9 <= c < 127 for c in half) > 0.7 * len(half)

    if zeros_odd > 0.3 and zeros_even < 0.02 and ascii_text(even):
        return "utf-16-le"
    if zeros_even > 0.3 and zeros_odd < 0.02 and ascii_text(odd):
        return "utf-16-be"
    return None


def _decode(data: bytes, path: str) -> str:
    wide = _utf16(data)
    if wide is not None:
        try:
            data = data.decode(wide).lstrip("\ufeff").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise LoadError(path, f"binary file, not text (looked like {wide.upper()})") from exc
    if b"\x00" in data[:8192]:
        raise LoadError(path, "binary file, not text")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise LoadError(path, "cannot decode text (not UTF-8)")
    ctrl = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if ctrl > max(8, len(text[:8192]) // 100):
        raise LoadError(path, "binary file, not text")
    return text


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg",
            "template", "iframe", "button", "select"}
    BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
             "table", "section", "article", "blockquote", "pre", "dd", "dt", "hr", "main"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title = ""
        self.h1 = ""
        self.date = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            if key in {"article:published_time", "date", "dc.date", "pubdate", "publishdate"}:
                self.date = self.date or a.get("content", "")
        if tag in self.SKIP:
            self.skip += 1
        if tag in ("title", "h1"):
            self._in = tag
        if tag in self.BLOCK:
            self.parts.append("\n\n" if tag in {"p", "h1", "h2", "h3", "div", "section"} else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if tag == self._in:
            self._in = None
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
            return
        if self.skip:
            return
        if self._in == "h1":
            self.h1 += data
        self.parts.append(data)


def _read_html(text: str) -> tuple[str, str, str]:
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    body = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    title = (parser.h1 or parser.title).strip()
    return body, re.sub(r"\s+", " ", title), parser.date.strip()


def _read_markdown(text: str) -> tuple[str, str]:
    title = ""
    m = re.search(r"^#\s+(.+)$", text, re.M)
    if m:
        title = m.group(1).strip()
    text = re.sub(r"^```.*$", "", text, flags=re.M)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.M)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    return text, title


def _read_pdf(data: bytes, name: str) -> tuple[str, str]:
    """Text and title of a PDF, read from the bytes already read (never the path again)."""
    try:
        from pypdf import PasswordType, PdfReader
        from pypdf.errors import LimitReachedError
    except ImportError as exc:  # pragma: no cover
        raise LoadError(name, "PDF support needs pypdf") from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        # Many PDFs are "encrypted" with an empty user password only to restrict printing.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise LoadError(name, "encrypted PDF (needs a password)")
        pages = [(page.extract_text() or "") for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "") if reader.metadata else ""
    except LoadError:
        raise
    except LimitReachedError as exc:
        raise LoadError(name, f"PDF expands past pypdf's safety limit (decompression bomb?): {exc}") from exc
    except Exception as exc:  # a parser of untrusted input fails in many ways; each is this file's problem
        raise LoadError(name, f"unreadable PDF ({type(exc).__name__}: {exc})") from exc
    return "\n\n".join(pages), title


def _read_office(kind: str, data: bytes, name: str, stem: str):
    """Text and title hint of an office file (see ``rag.office``)."""
    from . import office  # the parser libraries load only when such a file is indexed

    if kind == "csv":
        return office.read_csv(_decode(data, name), name, fallback_title=stem)
    if kind == "xlsx":
        return office.read_xlsx(data, name, fallback_title=stem)
    return {"docx": office.read_docx, "pptx": office.read_pptx, "odt": office.read_odt}[kind](data, name)


def _read_fd(fd: int) -> bytes:
    chunks = []
    while block := os.read(fd, 1 << 20):
        chunks.append(block)
    return b"".join(chunks)


def _signature(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def read_stable(path: Path) -> bytes:
    """The bytes of a regular file, read again if it changed while being read.

    Never blocks on a FIFO or device (refused); raises LoadError when the file
    keeps changing, so a half-written file is never indexed.
    """
    name = str(path)
    for _ in range(READ_ATTEMPTS):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except PermissionError as exc:
            raise LoadError(name, "permission denied") from exc
        except OSError as exc:
            raise LoadError(name, f"cannot read ({exc.strerror or exc})") from exc
        try:
            before = os.fstat(fd)
            if stat.S_ISDIR(before.st_mode):
                raise LoadError(name, "is a directory")
            if not stat.S_ISREG(before.st_mode):
                raise LoadError(name, "not a regular file (a FIFO, socket or device)")
            if before.st_size > MAX_BYTES:
                raise LoadError(name, f"file too large ({before.st_size // 1_000_000} MB > {MAX_BYTES // 1_000_000} MB)")
            try:
                data = _read_fd(fd)
                after, now = os.fstat(fd), os.stat(path)
            except OSError as exc:
                raise LoadError(name, f"cannot read ({exc.strerror or exc})") from exc
        finally:
            os.close(fd)
        if _signature(before) == _signature(after) == _signature(now) and len(data) == before.st_size:
            return data
    raise LoadError(name, "file changed while being read (still being written?); index it again when complete")


def _outside(path: Path, root: Path) -> bool:
    """Whether ``path`` resolves (through symlinks) to a place outside ``root``."""
    return not path.resolve().is_relative_to(root.resolve())


def load_file(path: Path, root: Path | None = None, follow_symlinks: bool = False) -> Document:
    """Read, clean and describe one file. Raises LoadError with the reason.

    A symlink that leads outside ``root`` is refused unless ``follow_symlinks``.
    """
    root = root or path.parent
    kind = SUPPORTED.get(path.suffix.lower())
    name = str(path)
    if kind is None:
        raise LoadError(name, f"unsupported file type {path.suffix or '(none)'} "
                        f"(supported: {', '.join(sorted(SUPPORTED))})")
    if not follow_symlinks and path.is_symlink() and _outside(path, root):
        raise LoadError(name, "symlink to a place outside the indexed folder (not followed; "
                        "set follow_symlinks / --follow-symlinks to index it)")
    data = read_stable(path)
    title_hint, date_hint = "", ""
    meta: dict[str, object] = {}
    if kind in OFFICE:
        got = _read_office(kind, data, name, path.stem)
        raw, title_hint = got.text, got.title
        if got.truncated:
            meta["truncated"] = got.truncated
    elif kind == "pdf":
        if not data.startswith(b"%PDF"):
            raise LoadError(name, "not a PDF file")
        raw, title_hint = _read_pdf(data, name)
        raw = reflow(raw)
    else:
        raw = _decode(data, name)
        if kind == "html":
            raw, title_hint, date_hint = _read_html(raw)
        elif kind == "markdown":
            raw, title_hint = _read_markdown(raw)
    text = normalize_whitespace(raw) if kind in OFFICE else clean_text(raw)
    if not text.strip():
        raise LoadError(name, "no text content")
    date = extract_date(date_hint) if date_hint else None
    digest = hashlib.sha256(data + f"|clean{CLEANING_VERSION}".encode()).hexdigest()
    return Document(
        id=doc_id_for(path, root),
        source=name,
        title=("" if is_junk_title(title_hint) else title_hint.strip()) or extract_title(text, fallback=path.stem),
        text=text,
        lang=detect_language(text),
        date=date or extract_date(text),
        content_hash=digest,
        meta={"format": kind, "bytes": len(data), **meta},
    )
