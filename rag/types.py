"""Domain types passed between pipeline stages.

Every stage takes and returns these frozen dataclasses, never loose dicts or
tuples, so that the shape of the data is checked in one place.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Sequence

from .errors import InputError

_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def _real_date(value: str) -> bool:
    """Whether ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` names a real period (no month 13, no 30 February)."""
    import datetime

    parts = [int(p) for p in value.split("-")]
    try:
        datetime.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True

_MONTH_NAMES = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
}
_NO_DATE = {"en": "no date", "fr": "sans date"}
_NO_YEAR = {"en": "year not stated", "fr": "année non précisée"}
_SHOWN_DATE = re.compile(r"(?:(\d{4})|-)-(\d{2})(?:-(\d{2}))?|(\d{4})")


def display_date(date: str | None, lang: str = "en") -> str:
    """A stored document date as people read it, in English or French (``lang`` "fr").

    ``2021-09-16`` → "16 September 2021" / "16 septembre 2021"; ``--05-27`` (the text
    names no year) → "27 May (year not stated)" / "27 mai (année non précisée)";
    ``2021-09`` → "September 2021"; ``None`` → "no date" / "sans date". A value in no
    known form is returned as it is rather than hidden.
    """
    lang = "fr" if lang == "fr" else "en"
    if not date:
        return _NO_DATE[lang]
    m = _SHOWN_DATE.fullmatch(date)
    if not m:
        return date
    year, month, day, year_only = m.groups()
    if year_only:
        return year_only
    if not 1 <= int(month) <= 12 or (day is not None and not 1 <= int(day) <= 31):
        return date
    name = _MONTH_NAMES[lang][int(month) - 1]
    if day is None:
        return f"{name} {year}" if year else date
    d = int(day)
    shown = f"{'1er' if lang == 'fr' and d == 1 else d} {name}"
    return f"{shown} {year}" if year else f"{shown} ({_NO_YEAR[lang]})"


Mode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class Document:
    """A cleaned source document.

    ``text`` is the cleaned text; all character offsets elsewhere refer to it.
    ``date`` is an ISO date (``YYYY-MM-DD``), a partial one (``YYYY-MM``,
    ``--MM-DD`` when the text names no year) or ``None``.
    """

    id: str
    source: str
    title: str
    text: str
    lang: str
    date: str | None
    content_hash: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    """A span of a document: ``document.text[start:end] == chunk.text``."""

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    title: str = ""
    source: str = ""
    lang: str = "und"
    date: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its score and the retriever that produced it."""

    chunk: Chunk
    score: float
    retriever: str
    rank: int = 0

    def to_json(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "doc_id": c.doc_id,
            "chunk_id": c.id,
            "title": c.title,
            "date": c.date,
            "lang": c.lang,
            "source": c.source,
            "start": c.start,
            "end": c.end,
            "text": c.text,
        }


@dataclass(frozen=True)
class Citation:
    """A numbered pointer from an answer statement to the exact quoted span.

    ``start``/``end`` are offsets of the quoted sentence in the cleaned text of
    document ``doc_id``; ``passage`` is the retrieved chunk it came from, kept
    so that the UI can show the sentence in its context.
    """

    n: int
    doc_id: str
    title: str
    date: str | None
    lang: str
    source: str
    start: int
    end: int
    text: str
    passage: Chunk | None = None
    score: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "lang": self.lang,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


@dataclass(frozen=True)
class Answer:
    """The result of a question: text with ``[n]`` markers and their citations.

    ``refused`` is true when the documents do not answer the question; then
    ``citations`` is empty and ``related`` lists the closest passages.
    ``query`` is the query actually searched (after follow-up rewriting).
    ``replaced`` is true when generated text was streamed before this answer
    and then withdrawn (it failed its checks): the final text replaces it.
    """

    question: str
    query: str
    text: str
    citations: tuple[Citation, ...] = ()
    related: tuple[Hit, ...] = ()
    refused: bool = False
    lang: str = "en"
    generator: str = "extractive"
    notice: str | None = None
    flagged: tuple[str, ...] = ()
    replaced: bool = False
    timings: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "related": [h.to_json() for h in self.related],
            "query": self.query,
            "lang": self.lang,
            "generator": self.generator,
            "notice": self.notice,
            "flagged": list(self.flagged),
            "replaced": self.replaced,
            "ms": round(sum(self.timings.values()) * 1000, 1) if self.timings else 0.0,
            "timings_ms": {k: round(v * 1000, 2) for k, v in self.timings.items()},
        }


@dataclass(frozen=True)
class Filters:
    """Optional restrictions on search: documents, languages, date range (ISO, inclusive)."""

    doc_ids: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None

    @classmethod
    def parse(cls, doc_ids: Sequence[str] | None = None, langs: Sequence[str] | None = None,
              date_from: str | None = None, date_to: str | None = None,
              labels: tuple[str, str] = ("date from", "date to")) -> "Filters":
        """Filters from what a person typed; a partial "to" date includes the whole period it names.

        ``labels`` name the two date inputs in the error message (CLI flags, UI fields).
        Raises InputError for a date that is not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
        """
        dates: list[str | None] = []
        for label, value in zip(labels, (date_from, date_to)):
            value = (value or "").strip()
            if value and not _DATE.fullmatch(value):
                raise InputError(f"{label} must look like YYYY-MM-DD, YYYY-MM or YYYY, not {value!r}")
            if value and not _real_date(value):
                raise InputError(f"{label} {value!r} is not a date in the calendar")
            dates.append(value or None)
        start, end = dates
        if end and len(end) < 10:
            end = end + "-12-31"[len(end) - 4 :]
        if start and end and start > end:
            raise InputError(f"{labels[0]} {date_from.strip()} is after {labels[1]} {date_to.strip()}")
        return cls(tuple(doc_ids or ()), tuple(langs or ()), start, end)

    def empty(self) -> bool:
        return not (self.doc_ids or self.langs or self.date_from or self.date_to)

    def accepts(self, chunk: Chunk) -> bool:
        return self._admits(chunk.doc_id, chunk.lang, chunk.date)

    def accepts_document(self, doc: Document) -> bool:
        return self._admits(doc.id, doc.lang, doc.date)

    def _admits(self, doc_id: str, lang: str, date: str | None) -> bool:
        if self.doc_ids and doc_id not in self.doc_ids:
            return False
        if self.langs and lang not in self.langs:
            return False
        if self.date_from or self.date_to:
            # Documents without a full date cannot be placed in a range.
            if not date or len(date) < 10 or date.startswith("-"):
                return False
            if self.date_from and date < self.date_from:
                return False
            if self.date_to and date > self.date_to:
                return False
        return True


@dataclass(frozen=True)
class IndexReport:
    """What an index build did: counts that tests and the CLI report."""

    documents: int
    chunks: int
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    embedded_chunks: int = 0
    embedded_sentences: int = 0
    skipped: tuple[tuple[str, str], ...] = ()  # (path, reason)
    seconds: float = 0.0
    path: str = ""
