"""Split cleaned document text into sentences with exact character spans.

Pure. Works line by line (scraped policy text puts one paragraph or list
item per line), then splits lines at sentence ends in English and French.
Numbered list items keep their number out of the span ("8 Increase credit
support." → "Increase credit support."), and a short list-item heading is
joined with the sentence that follows it so a quoted point says something.
Lines without a final period are sentences too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

# A list marker at the start of a line: "8 ", "2. ", "III. ", "(3) ", "• ", "first, " is not one.
_MARKER = re.compile(r"^(?:\(?\d{1,3}[.)、]?\s+|\(?[IVXLivxl]{1,5}[.)]\s+|[•·●▪\-–—*]\s+)")
# Candidate sentence ends: . ! ? ; and their full-width forms, plus closing quotes/brackets.
_END = re.compile(r"[.!?;。！？；…]+[\"”’»)\]]*(?=\s+|$)")
_ABBREV = frozenset(
    "mr mrs ms dr prof no nos vs etc e.g i.e fig art p pp st jan feb mar apr jun jul aug sep sept oct nov dec "
    "co ltd inc corp m mme mlle cf ex env av".split()
)
MAX_SENTENCE = 600  # longer runs are split at clause ends (";", "；") when possible
HARD_MAX = 1000  # a run still longer is cut at commas, else at spaces: no quote is a whole page
HEADING_WORDS = 8  # a list item's first sentence this short is a heading


@dataclass(frozen=True)
class Sentence:
    """``text == document_text[start:end]``; ``item`` is true for a list item's opening sentence.

    ``number`` is the item's arabic number ("9. Strengthen financing…" → 9) on every
    sentence of a numbered list item, so "what did measure 9 say?" can find them all.
    """

    text: str
    start: int
    end: int
    item: bool = False
    number: int | None = None
    doc_id: str = ""

    def to_json(self) -> dict:
        """The stored form: the span, not the text (``text`` is the document's slice)."""
        return {"doc_id": self.doc_id, "start": self.start, "end": self.end, "item": self.item, "number": self.number}

    @classmethod
    def from_json(cls, row: dict, doc_text: str) -> "Sentence":
        start, end = int(row["start"]), int(row["end"])
        if not (0 <= start < end <= len(doc_text)):
            raise ValueError(f"sentence span {start}-{end} outside its document")
        number = row.get("number")
        return cls(doc_text[start:end], start, end, bool(row["item"]),
                   None if number is None else int(number), str(row["doc_id"]))


# Words a question opens with (en, fr, and the commonest of de/es/it/pt), or that open it after
# a lead clause ("So, what …?", "Dans ce cas, comment …?").
_ASKING = (
    "what|which|who|whom|whose|when|where|why|how|is|are|am|was|were|do|does|did|can|could|will|would|"
    "should|shall|may|might|must|has|have|had|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|can't|"
    "won't|wouldn't|shouldn't|haven't|hasn't|"
    "que|qu|quel|quelle|quels|quelles|qui|quoi|quand|où|comment|pourquoi|combien|lequel|laquelle|"
    "lesquels|lesquelles|est-ce|"
    "wie|was|wer|wo|wann|warum|welche|welcher|welches|qué|quién|cuál|cuándo|dónde|cómo|por qué|"
    "cosa|chi|quale|quando|dove|come|perché|o que|quem|qual|onde|porque"
)
_QUESTION = re.compile(
    rf"^\W*(?:{_ASKING})\b|[,:;]\s*(?:{_ASKING})\b|\w-(?:t-)?(?:il|elle|ils|elles|on|je|tu|nous|vous)\b|^\W*[¿]",
    re.I,
)


def _lost_mark(sentence: str) -> bool:
    """A "?" inside a line that ends no question: a character the page lost in encoding.

    Scraped pages that passed through the wrong code page turn Chinese quotes and
    punctuation into "?" ("started construction? Together for the benefit of the
    enterprise? SME service action"). Taken for sentence ends they cut a statement
    into fragments that read as questions; a "?" ends a sentence only after one that asks.
    """
    return not _QUESTION.search(sentence)


def _is_break(line: str, m: re.Match[str], start: int = 0) -> bool:
    """Whether the punctuation run ``m`` really ends a sentence (``start``: where that sentence began)."""
    punct = m.group(0)
    before = line[: m.start()]
    after = line[m.end():].lstrip()
    if not after:
        return True
    if punct.rstrip("\"”’»)]") == "?" and _lost_mark(line[start:m.start()]):
        return False
    if punct.startswith(".") and len(punct.rstrip("\"”’»)]")) == 1:
        word = re.search(r"([\w.]+)$", before)
        w = word.group(1).lower() if word else ""
        if w.rstrip(".") in _ABBREV or (len(w) == 1 and w.isalpha()):
            return False
        if w.isdigit() and after[:1].isdigit():  # "14. 1%" is a broken decimal, not an end
            return False
    first = after[:1]
    return bool(first) and (first.isupper() or first.isdigit() or first in "\"“«‘'([")


def _split_line(line: str, base: int) -> list[Sentence]:
    out: list[Sentence] = []
    marker = _MARKER.match(line)
    pos = marker.end() if marker else 0
    item = marker is not None
    digits = re.match(r"\(?(\d{1,3})", line) if marker else None
    number = int(digits.group(1)) if digits else None
    for m in _END.finditer(line):
        if m.end() <= pos or not _is_break(line, m, pos):
            continue
        out.append(Sentence(line[pos:m.end()], base + pos, base + m.end(), item and not out, number))
        pos = m.end()
        while pos < len(line) and line[pos].isspace():
            pos += 1
    rest = line[pos:].rstrip()
    if rest.strip():
        out.append(Sentence(rest, base + pos, base + pos + len(rest), item and not out, number))
    return out


def _clauses(s: Sentence) -> list[Sentence]:
    """Split an over-long sentence at semicolons so quotes stay readable."""
    if len(s.text) <= MAX_SENTENCE:
        return [s]
    out, pos = [], 0
    for m in re.finditer(r"[;；]\s+", s.text):
        if m.end() - pos >= 80:
            out.append(Sentence(s.text[pos:m.start() + 1], s.start + pos, s.start + m.start() + 1,
                                s.item and not out, s.number))
            pos = m.end()
    out.append(Sentence(s.text[pos:], s.start + pos, s.end, s.item and not out, s.number))
    return [p for c in out for p in _cut(c, first=c is out[0])]


def _cut(s: Sentence, first: bool) -> list[Sentence]:
    """Pieces of at most ``HARD_MAX`` characters of a run with no clause end (a scraped table, an
    OCR page without punctuation), cut after the last comma of each window, else its last space."""
    if len(s.text) <= HARD_MAX:
        return [s]
    out: list[Sentence] = []
    t, pos = s.text, 0
    while pos < len(t):
        if len(t) - pos <= HARD_MAX:
            end = len(t)
        else:
            window = t[pos:pos + HARD_MAX]
            cut = max(window.rfind(", "), window.rfind("，"), window.rfind("、"))
            if cut < HARD_MAX // 4:
                cut = window.rfind(" ")
            end = pos + (cut + 1 if cut > 0 else HARD_MAX)
        piece = t[pos:end].rstrip()
        if piece:
            out.append(Sentence(piece, s.start + pos, s.start + pos + len(piece), s.item and first and not out,
                                s.number))
        pos = end
        while pos < len(t) and t[pos].isspace():
            pos += 1
    return out


def split_sentences(text: str) -> list[Sentence]:
    """All sentences of ``text`` in order, each with ``text[start:end] == sentence.text``."""
    sents: list[Sentence] = []
    offset = 0
    for line in text.split("\n"):
        stripped = line.lstrip()
        lead = len(line) - len(stripped)
        if stripped.strip():
            parts = [c for s in _split_line(stripped, offset + lead) for c in _clauses(s)]
            # Join a short list heading ("Increase credit support.") with the sentence after it.
            if len(parts) >= 2 and parts[0].item and len(parts[0].text.split()) <= HEADING_WORDS:
                first, second = parts[0], parts[1]
                joined = text[first.start:second.end]
                parts = [Sentence(joined, first.start, second.end, True, first.number), *parts[2:]]
            sents.extend(parts)
        offset += len(line) + 1
    return number_enumerations(text, sents)


_ORDINALS_EN = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                "eleventh", "twelfth")
_ORDINALS_FR = ("premi[eè]rement", "deuxi[eè]mement", "troisi[eè]mement", "quatri[eè]mement", "cinqui[eè]mement",
                "sixi[eè]mement", "septi[eè]mement", "huiti[eè]mement", "neuvi[eè]mement", "dixi[eè]mement")
# A sentence that opens one point of an enumeration written out in words: "One is to …",
# "The second is to …", "Second, …", "Secondly, …", "Deuxièmement, …".
_ENUMERATOR = [
    re.compile(rf"^(?:(?:the\s+)?{w}(?:ly)?\s*(?:,|:|\s+is\b|\s+are\b)|{f}\b\s*[,:]?)", re.I)
    for w, f in zip(_ORDINALS_EN, (*_ORDINALS_FR, "$^", "$^"))
]
_ONE_IS = re.compile(r"^one\s+is\b", re.I)


def _enumerated(text: str) -> int | None:
    """The number a sentence's opening ordinal word gives it ("The third is to …" → 3), if any."""
    if _ONE_IS.match(text):
        return 1
    for n, rx in enumerate(_ENUMERATOR, 1):
        if rx.match(text):
            return n
    return None


def number_enumerations(text: str, sents: list[Sentence]) -> list[Sentence]:
    """Number the points of enumerations written in words, as numbered list items are numbered.

    "… four measures. One is to implement … The second is to strengthen … The third is …"
    makes items 1, 2, 3, each numbering its opening sentence (``item``) and the sentences
    after it on the same line. Only runs that count up from one, at least to two, with no
    other number in between count: a lone "First, we must …" is prose. Sentences already
    in a numbered list keep their number.
    """
    marks = [None if x.number is not None else _enumerated(x.text) for x in sents]
    out = list(sents)
    i = 0
    while i < len(sents):
        if marks[i] != 1:
            i += 1
            continue
        run, expect = [i], 2
        for j in range(i + 1, len(sents)):
            if sents[j].number is not None:
                break
            if marks[j] == expect:
                run.append(j)
                expect += 1
            elif marks[j] is not None:
                break
        if len(run) < 2:
            i += 1
            continue
        for n, start in enumerate(run, 1):
            line_end = text.find("\n", sents[start].start)
            line_end = len(text) if line_end < 0 else line_end
            stop = run[n] if n < len(run) else len(sents)
            out[start] = replace(sents[start], item=True, number=n)
            for j in range(start + 1, stop):
                if sents[j].start >= line_end:
                    break
                out[j] = replace(sents[j], item=False, number=n)
        i = run[-1] + 1
    return out


MIN_WORDS = 4  # shorter fragments (dates, bylines) are never answer points, so never indexed


def answerable_sentences(doc_id: str, text: str) -> list[Sentence]:
    """The sentences of a document that can be quoted: what the index stores and embeds."""
    return [replace(s, doc_id=doc_id) for s in split_sentences(text) if len(s.text.split()) >= MIN_WORDS]


_LOST_INSIDE = re.compile(r"\?(?=\s*\S)")


def embedding_text(text: str) -> str:
    """What the model reads of a stored sentence: its text without the "?" marks inside it.

    Inside a sentence a "?" ends nothing: it is a character the page lost ("started
    construction? Together for the benefit of the enterprise? SME service action", "the first
    one? 1? It is a series of measures"). Read as written, such a sentence looks like a question
    to the model and comes near every question asked: it led answers it has nothing to do with.
    The quoted text is unchanged; only its vector and latent terms are computed on this one.
    """
    return " ".join(_LOST_INSIDE.sub(" ", text).split()) if "?" in text else text


def sentences_in(sentences: list[Sentence], start: int, end: int) -> list[Sentence]:
    """The sentences whose middle lies inside ``[start, end)`` (a chunk's span)."""
    return [s for s in sentences if start <= (s.start + s.end) // 2 < end]
