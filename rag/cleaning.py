"""Remove web noise from scraped documents while keeping the policy text intact.

Pure functions. The rules target noise that really occurs in scraped policy
news: advertising blocks, contact and copyright footers, site breadcrumbs,
view counters and short spam phrases injected into sentences. A line is only
dropped when it matches a noise rule; everything else is kept verbatim apart
from whitespace normalisation, so offsets into the cleaned text are stable.
"""

from __future__ import annotations

import re
import unicodedata

CLEANING_VERSION = 9  # 3: PDF lines reflowed into paragraphs, junk titles dropped; 4: enumerations in words;
# 5: a "?" after no question is a lost character, not a sentence end; 6: a run with no clause end
# is cut into sentences of at most 1000 characters (rag.sentences.HARD_MAX); 7: sentences are embedded
# without the "?" marks scraping left inside them (rag.sentences.embedding_text); 8: an acronym's
# plural is the acronym in BM25 terms ("SMEs" → "sme", rag.analysis); 9: English irregular past
# forms are their verb in BM25 terms ("lost" → "lose", rag.analysis.base_forms), and a short heading
# is the title, a metadata line never is (rag.metadata.extract_title)
# numbered, sentences described by the model's latent terms (documents indexed before are re-indexed)

_CONTACT = re.compile(
    r"^\s*(tel|cel|fax|e-?mail|add(ress)?|phone|mobile|contact|qq|wechat)\s*[:：]", re.I
)
_COPYRIGHT = re.compile(
    r"(all rights reserved|copyright\s*(©|\(c\))?|©\s*\d{4}|technical support\s*[:：]|"
    r"powered by|icp\s*(备|license)|tous droits réservés)",
    re.I,
)
_BREADCRUMB = re.compile(
    r"^\s*(current location|you are here|your location|vous êtes ici|position actuelle|home\s*[>»›])",
    re.I,
)
_COUNTER = re.compile(r"\bread a total of\s*\[?\d+\]?\s*times?\b|\bviews?\s*[:：]\s*\d+", re.I)
_RELATED = re.compile(r"^\s*(relevant keywords|related keywords|tags|mots[- ]clés)\s*[:：]?\s*$", re.I)
_BULLET_ONLY = re.compile(r"^\s*[•·●▪]\s*(detail|details|more|share|print|close)\s*$", re.I)
_SOURCE_LINE = re.compile(r"^\s*(source|from)\s*[:：]\s*\S.{0,60}$", re.I)
# Product/ad lines: a short title-cased line naming a machine or product, or a
# comma-separated keyword list, or a company-name line ending in a comma.
_AD_WORDS = re.compile(
    r"\b(machine|mahcine|machinery|equipment|ball mill|conche|refiner\w*|lubricating oil|"
    r"pressure testing|co\.,?\s*ltd|company limited|inc\.)\b",
    re.I,
)
_COMPANY = re.compile(r"\b(co\.,?\s*ltd\.?|company limited|gmbh|s\.a\.r\.l)\b", re.I)
# Spam phrases injected mid-sentence by content farms (found in the sample corpus).
_INLINE_SPAM = [
    re.compile(r"\s+with \d+(\.\d+)? lubricating oil analysis method\b", re.I),
    re.compile(r"\s+and tail support pressure testing machine\b", re.I),
]


def normalize_whitespace(text: str) -> str:
    """Unicode NFC, unify newlines, trim trailing spaces, collapse runs of blank lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.split("\n")]
    out: list[str] = []
    for ln in lines:
        if not ln and (not out or not out[-1]):
            continue
        out.append(ln)
    return "\n".join(out).strip()


def is_noise_line(line: str) -> bool:
    """True when a whole line is web furniture rather than document content."""
    s = line.strip()
    if not s:
        return False
    if _CONTACT.match(s) or _BREADCRUMB.match(s) or _RELATED.match(s) or _BULLET_ONLY.match(s):
        return True
    if _COPYRIGHT.search(s) and len(s) < 300:
        return True
    if _COUNTER.search(s) and not _strip_counter(s):
        return True
    words = s.split()
    ends_sentence = s[-1] in ".!?。;:»\"”)"
    if len(words) <= 12 and not ends_sentence:
        if _AD_WORDS.search(s) or _COMPANY.search(s):
            return True
        # Comma-separated keyword lists ("chocolate conche mahcine,chocolate ball mill").
        if s.count(",") >= 2 and len(s) < 160 and not re.search(r"\b(the|and|of|de|la|le|et)\b", s, re.I):
            return True
    if _SOURCE_LINE.match(s) and len(words) <= 8:
        return False  # keep "Source: ministry" lines: they are provenance, not noise
    return False


def _strip_counter(line: str) -> str:
    return _COUNTER.sub("", line).strip()


def clean_text(text: str) -> str:
    """Return the cleaned text of a scraped document."""
    text = normalize_whitespace(text)
    kept: list[str] = []
    for line in text.split("\n"):
        if is_noise_line(line):
            continue
        if _COUNTER.search(line):
            line = _strip_counter(line)
        for pat in _INLINE_SPAM:
            line = pat.sub("", line)
        kept.append(line)
    # Drop a trailing run of short lines that were the page footer (site names, empty keywords).
    while kept and (not kept[-1].strip() or _footer_like(kept[-1])):
        kept.pop()
    return normalize_whitespace("\n".join(kept))


def _footer_like(line: str) -> bool:
    s = line.strip()
    return len(s) < 40 and not re.search(r"[.!?。]$", s) and bool(_COMPANY.search(s) or s.endswith(","))
