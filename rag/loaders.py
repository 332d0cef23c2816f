"""Read files into Documents: .txt, .md, .html/.htm, .pdf.

I/O lives here; cleaning and metadata are pure functions in their own modules.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Iterator

from .cleaning import CLEANING_VERSION, clean_text
from .errors import InputError, LoadError
from .metadata import detect_language, extract_date, extract_title, is_junk_title
from .pdftext import reflow
from .types import Document

SUPPORTED = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html",
             ".htm": "html", ".pdf": "pdf"}
MAX_BYTES = 50 * 1024 * 1024


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file, root)`` for every supported file under the given paths.

    A directory is walked recursively (hidden files and unsupported types are
    skipped silently, as a person expects of a folder); a file named explicitly
    is yielded whatever its type, so that loading reports why it is unusable.
    Raises InputError for a path that does not exist.
    """
    for raw in paths:
        p = Path(raw).expanduser()
        if not p.exists():
            raise InputError(f"no such file or directory: {raw}")
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if f.is_file() and f.suffix.lower() in SUPPORTED:
                    yield f, p
        else:
            yield p, p.parent


def doc_id_for(path: Path, root: Path) -> str:
    """A stable, readable id: the path relative to its root, without extension."""
    rel = path.relative_to(root).with_suffix("") if path.is_relative_to(root) else Path(path.stem)
    slug = re.sub(r"[^\w.-]+", "-", rel.as_posix().replace("/", "--")).strip("-")
    return slug or hashlib.sha1(str(path).encode()).hexdigest()[:12]


def _decode(data: bytes, path: str) -> str:
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


def _read_pdf(path: Path) -> tuple[str, str]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover
        raise LoadError(str(path), "PDF support needs pypdf") from exc
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise LoadError(str(path), "encrypted PDF")
        pages = [(page.extract_text() or "") for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "") if reader.metadata else ""
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(str(path), f"unreadable PDF ({type(exc).__name__}: {exc})") from exc
    return "\n\n".join(pages), title


def load_file(path: Path, root: Path | None = None) -> Document:
    """Read, clean and describe one file. Raises LoadError with the reason."""
    root = root or path.parent
    kind = SUPPORTED.get(path.suffix.lower())
    name = str(path)
    if kind is None:
        raise LoadError(name, f"unsupported file type {path.suffix or '(none)'} "
                        f"(supported: {', '.join(sorted(SUPPORTED))})")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise LoadError(name, f"file too large ({size // 1_000_000} MB > {MAX_BYTES // 1_000_000} MB)")
        data = path.read_bytes()
    except PermissionError as exc:
        raise LoadError(name, "permission denied") from exc
    except IsADirectoryError as exc:
        raise LoadError(name, "is a directory") from exc
    except OSError as exc:
        raise LoadError(name, f"cannot read ({exc.strerror or exc})") from exc
    title_hint, date_hint = "", ""
    if kind == "pdf":
        if not data.startswith(b"%PDF"):
            raise LoadError(name, "not a PDF file")
        raw, title_hint = _read_pdf(path)
        raw = reflow(raw)
    else:
        raw = _decode(data, name)
        if kind == "html":
            raw, title_hint, date_hint = _read_html(raw)
        elif kind == "markdown":
            raw, title_hint = _read_markdown(raw)
    text = clean_text(raw)
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
        meta={"format": kind, "bytes": len(data)},
    )
