"""Document metadata from cleaned text: title, publication date, language.

Pure functions (language detection uses langdetect's bundled profiles, seeded
so that the same text always gets the same answer).
"""

from __future__ import annotations

import re
import threading
from typing import Iterator

_MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_LABELLED = re.compile(
    r"(?:release date|published|publication date|date de publication|publié le|date)\s*[:：]?\s*\[?"
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})",
    re.I,
)
_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY_TEXT = re.compile(rf"\b(\d{{1,2}})(?:er)?\s+({_MONTH_RE})\.?(?:\s+(\d{{4}}))?\b", re.I)
_MDY_TEXT = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I)


def _iso(y: int | None, m: int, d: int) -> str | None:
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    if y is None:
        return f"--{m:02d}-{d:02d}"
    if not 1900 <= y <= 2100:
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def _numeric_dates(text: str, head_chars: int = 600) -> Iterator[tuple[bool, re.Match[str], str]]:
    """(labelled, match, ISO date) of the valid numeric dates a page states about itself, in the
    order they count: labelled ones ("Release date: 2021/9/16") first, then bare ones near the top."""
    for rx, part in ((_LABELLED, text[:2000]), (_ISO, text[:head_chars])):
        for m in rx.finditer(part):
            got = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if got:
                yield rx is _LABELLED, m, got


_HEAD_CHARS = 600  # a page states its own date near the top


def _text_dates(text: str):
    """Each day-and-month phrase of ``text`` ("15 janvier 2025", "May 27"), with its ISO date
    (``--MM-DD`` when no year is stated; None for an impossible day)."""
    for m in _DMY_TEXT.finditer(text):
        yield m, _iso(int(m.group(3)) if m.group(3) else None, _MONTHS[m.group(2).lower()], int(m.group(1)))
    for m in _MDY_TEXT.finditer(text):
        if m.group(1).lower() == "may" and not re.match(r"may\s+\d", m.group(0), re.I):
            continue
        yield m, _iso(int(m.group(3)) if m.group(3) else None, _MONTHS[m.group(1).lower()], int(m.group(2)))


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """``start, end`` moved inwards past surrounding blanks."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def extract_date(text: str, head_chars: int = _HEAD_CHARS) -> str | None:
    """Publication date stated in the text, as ISO ``YYYY-MM-DD``.

    Looks for an explicitly labelled date first, then a full numeric date near
    the top, then a day-and-month phrase at the top ("Le 27 mai", "on
    February 9"), which gives ``--MM-DD`` because the year is not stated.
    """
    for _, _, got in _numeric_dates(text, head_chars):
        return got
    best: tuple[int, str] | None = None
    for m, got in _text_dates(text[:head_chars]):
        if got and (best is None or m.start() < best[0]):
            best = (m.start(), got)
    return best[1] if best else None


def date_line(text: str, date: str | None) -> tuple[int, int] | None:
    """Span of the line that states the publication date ``date`` ("Release date:[2021/9/16] …", "2022-09-22").

    Only a labelled date or a line that is little more than a numeric date counts: "On
    May 27, the Ministry held …" dates an event, not the page. ``text[start:end]`` is the
    line without its surrounding blanks.
    """
    if not date:
        return None
    for labelled, m, got in _numeric_dates(text):
        if got != date:
            continue
        end = text.find("\n", m.end())
        start, end = _stripped(text, text.rfind("\n", 0, m.start()) + 1, len(text) if end < 0 else end)
        if len(text[start:end].split()) <= (25 if labelled else 6):
            return start, end
    # A labelled date in words near the top: "Adopté le 15 janvier 2025.", "Effective date: 1 March 2025."
    for m in re.finditer(r"[^\n]+", text[:_HEAD_CHARS]):
        line = m.group(0)
        if not _DATE_LABEL.match(line):
            continue
        for d, got in _text_dates(line):
            if got == date:
                start, end = _stripped(text, m.start(), m.end())
                # the sentence that holds the date, when the line has several ("Effective date: …. Owner: …")
                cut = text.find(". ", m.start() + d.end() - 1, end)  # d is read in the line, m places it
                end = cut + 1 if cut >= 0 else end
                # a short statement of the date, however long the line: "En vigueur depuis le 1er
                # septembre 2024. Responsable : Direction des ressources humaines." is 13 words
                if len(text[start:end].split()) <= 12:
                    return start, end
    return None


_DATE_LABEL = re.compile(r"^\W*(?:adopté|adoptée|en vigueur|effective|approuvé|approuvée|approved|posted|published|"
                         r"publié|publiée|release date|date de publication|mis à jour|updated|last updated)\b", re.I)


_META_LINE = re.compile(
    r"^\W*(?:source|author|authors|editor|reporter|by|photo|tel|fax|e-?mail|contact|owner|version|effective date|"
    r"posted|updated|last updated|published|release date|date|auteur|rédacteur|publié le|mis à jour|responsable|"
    r"en vigueur)\b\s*[:：]", re.I)


def _is_date_line(line: str) -> bool:
    return bool(re.fullmatch(r"[\W\d_]*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})[\W\d_]*", line)) or bool(
        _LABELLED.search(line)
    )


_JUNK_TITLE = re.compile(
    r"^(?:about:blank|untitled(?:\s*\d*)?|document\s*\d*|new document|title|no title|none|null|"
    r"slide\s*\d+|powerpoint presentation|presentation\d*|microsoft (?:word|powerpoint|excel)\b.*|"
    r"(?:https?|file)://\S*|.*\.(?:docx?|pptx?|xlsx?|odt|pdf|rtf|txt|html?|tmp|indd|qxd)|[\W_\d]*)$",
    re.IGNORECASE,
)


def is_junk_title(title: str) -> bool:
    """A title that names the authoring tool, a file or nothing at all, not the document.

    PDF metadata often holds "Microsoft Word - report.docx", "untitled" or
    "about:blank" (printed from a browser); such a title is worse than the
    document's own first heading.
    """
    t = " ".join(title.split())
    return len(t) < 3 or bool(_JUNK_TITLE.match(t))


def extract_title(text: str, fallback: str = "", max_len: int = 160) -> str:
    """A title for the document: a short heading line near the top, else its first sentence.

    A heading that is a truncated copy of a later line (scraped pages often cut
    the title in the header) gives way to the complete one.
    """
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()][:10]
    cands: list[str] = []
    for ln in lines:
        if len(ln) > 250:
            break  # body text has started: headings come before it
        bare = ln.strip("[]【】#*• ").strip()
        # A short heading of two words or more is a title ("Loan rules", "Internal memo"); one
        # word ("Detail") is page furniture. A metadata line ("Posted: 2024-03-05", "Author: …") is none.
        short = len(bare) < 15 and (len(bare.split()) < 2 or len(bare) < 6)
        if _is_date_line(ln) or _META_LINE.match(bare) or short or len(bare) > 250:
            continue
        if bare.endswith((".", "。")) and len(bare) > 120:
            continue
        cands.append(bare)
    for i, cand in enumerate(cands):
        later = [c for c in cands[i + 1 :] if c.lower().startswith(cand.lower()) and len(c) > len(cand)]
        if later:
            continue
        return _shorten(cand, max_len)
    first = re.split(r"(?<=[.!?。])\s", text.strip(), maxsplit=1)[0] if text.strip() else ""
    return _shorten(first, max_len) if first else fallback


def _shorten(s: str, max_len: int) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    if len(s) <= max_len:
        return s
    cut = s[: max_len - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


_LANG_LOCK = threading.Lock()
# Function words of one language that are no word of the other ("me", "or", "but", "as" are both).
_FR_WORDS = {"le", "la", "les", "des", "du", "de", "et", "est", "une", "un", "pour", "que", "qui",
             "dans", "sur", "au", "aux", "quel", "quelle", "quels", "quelles", "comment", "pourquoi",
             "ce", "cette", "ont", "sont", "été", "il", "elle", "mesures", "entreprises", "ministère",
             "je", "nous", "vous", "pas", "ne", "avec", "par", "combien", "quand", "faut", "peut", "puis",
             "mon", "ma", "mes", "votre", "vos", "leur", "leurs", "en", "ou", "y"}
_EN_WORDS = {"the", "of", "and", "to", "in", "is", "are", "what", "which", "how", "why", "for",
             "was", "were", "did", "does", "a", "an", "on", "with", "by", "about", "who", "when",
             "can", "could", "i", "you", "we", "they", "my", "your", "our", "from", "do", "will", "would",
             "should", "there", "this", "that", "it", "be", "have", "has", "had", "please", "at", "if",
             "any", "all", "much", "many"}


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language, ``und`` when it cannot be told.

    Short texts (questions) are judged by function words and accents, which is
    more reliable there than character n-gram statistics.
    """
    sample = text[:3000]
    words = re.findall(r"[^\W\d_]+", sample.lower())
    if not words:
        return "und"
    if len(words) < 25:
        # An accented word or an elision counts twice, once per word: "résumé" in an English
        # question is one French word, not two.
        low = sample.lower()
        fr = (sum(w in _FR_WORDS for w in words) + 2 * sum(bool(re.search(r"[éèêàçùœ]", w)) for w in words)
              + 2 * len(re.findall(r"\b(?:l|d|qu)['’]", low)))
        en = sum(w in _EN_WORDS for w in words)
        if fr or en:
            return "fr" if fr > en else "en"
        if len(words) < 4:
            # Character statistics of one to three words guess at random ("Loans?" reads as
            # French, "Taxes" as Somali, "Bank loans" as Indonesian): not told.
            return "und"
    try:
        from langdetect import DetectorFactory, detect
        from langdetect.lang_detect_exception import LangDetectException
    except ImportError:  # pragma: no cover - dependency missing
        return "und"
    with _LANG_LOCK:
        DetectorFactory.seed = 0
        try:
            return detect(sample).split("-")[0]
        except LangDetectException:
            return "und"
