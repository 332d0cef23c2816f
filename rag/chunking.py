"""Split a document into chunks with exact character offsets.

langchain-text-splitters does the splitting, preferring paragraph, line and
sentence boundaries (English and French punctuation); offsets are recomputed
and checked so that ``document.text[start:end] == chunk.text`` always holds.
"""

from __future__ import annotations

from .types import Chunk, Document

SEPARATORS = ["\n\n", "\n", ". ", "! ", "? ", "; ", "。", " : ", ", ", " ", ""]


def chunk_document(doc: Document, size: int = 1000, overlap: int = 150) -> list[Chunk]:
    """Chunks of at most ``size`` characters overlapping by about ``overlap``."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )
    text = doc.text
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in splitter.split_text(text):
        if not piece.strip():
            continue
        # Pieces overlap but never go backwards: search from just after the previous start.
        start = text.find(piece, max(0, cursor))
        if start < 0:
            start = text.find(piece)
        if start < 0:  # pragma: no cover - splitter only returns substrings
            raise AssertionError(f"chunk not found in document {doc.id}")
        spans.append((start, start + len(piece)))
        cursor = start + 1
    chunks: list[Chunk] = []
    for start, end in merge_small_spans(spans, size):
        chunks.append(
            Chunk(
                id=f"{doc.id}#{len(chunks):04d}",
                doc_id=doc.id,
                text=text[start:end],
                start=start,
                end=end,
                title=doc.title,
                source=doc.source,
                lang=doc.lang,
                date=doc.date,
            )
        )
    return chunks


def merge_small_spans(spans: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """Join a short span (a heading, a one-line paragraph) to the span after it.

    A heading alone makes a poor chunk: it matches queries but carries no
    content. Joining keeps the chunk within 1.25 × ``size``.
    """
    out: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for span in spans:
        if pending is not None:
            if span[1] - pending[0] <= size * 1.25:
                span = (pending[0], max(span[1], pending[1]))
            else:
                out.append(pending)
            pending = None
        if span[1] - span[0] < size // 4:
            pending = span
        else:
            out.append(span)
    if pending is not None:
        if out and pending[1] - out[-1][0] <= size * 1.25:
            out[-1] = (out[-1][0], max(pending[1], out[-1][1]))
        else:
            out.append(pending)
    return out
