"""Turn chosen sentences into answer text with numbered citations. Pure.

Citations are numbered in order of first use. Each quotes one sentence: its
``start``/``end`` are offsets into the cleaned document text and its
``text`` is exactly that slice, so a viewer can highlight it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from rag.types import Chunk, Citation, Hit

from rag.sentences import Sentence


@dataclass(frozen=True)
class Point:
    """A sentence chosen for the answer, with the retrieved chunk it came from."""

    sentence: Sentence
    chunk: Chunk
    score: float = 0.0


_LEAD = {
    "en": ("The documents answer this in {n} point{ps}, from {d} source{ds}:"),
    "fr": ("Les documents répondent en {n} point{ps}, tiré{ps} de {d} source{ds} :"),
}
_REFUSAL = {
    "en": "The documents don't say. No indexed passage answers this question; the closest passages are listed as related.",
    "fr": "Les documents ne le disent pas. Aucun passage indexé ne répond à cette question ; les passages les plus proches sont listés comme liés.",
}
_EMPTY = {
    "en": "The documents don't say: nothing in the index matches this question.",
    "fr": "Les documents ne le disent pas : rien dans l'index ne correspond à cette question.",
}


# What a thanks, a greeting or a goodbye gets (``intent.courtesy``): no search, no citation.
_COURTESY = {
    "thanks": {"en": "You're welcome. Ask another question about the documents whenever you like.",
               "fr": "Je vous en prie. Posez une autre question sur les documents quand vous voulez."},
    "greeting": {"en": "Hello. Ask a question about the documents: the answer quotes the passages it comes from.",
                 "fr": "Bonjour. Posez une question sur les documents : la réponse cite les passages d'où elle vient."},
    "bye": {"en": "Goodbye.", "fr": "Au revoir."},
}


def courtesy_text(kind: str, lang: str) -> str:
    """The reply to a thanks, a greeting or a goodbye, in its language."""
    return _COURTESY[kind]["fr" if lang == "fr" else "en"]


# The words around an answer (CLI and chat), in the question's language like the answer itself.
_LABELS = {
    "searched_for": {"en": "Searched for", "fr": "Recherche"},
    "related_passages": {"en": "Related passages (not citations)", "fr": "Passages liés (pas des citations)"},
    "related_documents": {"en": "Related documents (they do not answer it)",
                          "fr": "Documents liés (ils n'y répondent pas)"},
    "sources": {"en": "Sources", "fr": "Sources"},
    "unsupported": {"en": "Unsupported statements (no valid citation)",
                    "fr": "Affirmations non étayées (sans citation valide)"},
    "not_backed": {"en": "Not backed by a cited passage", "fr": "Sans passage cité à l'appui"},
    "note": {"en": "Note", "fr": "Remarque"},
    "not_found": {"en": "Not found in the documents", "fr": "Introuvable dans les documents"},
    "closest_shown": {"en": "The closest passages are shown below; none of them answers the question.",
                      "fr": "Les passages les plus proches sont affichés ci-dessous ; aucun ne répond à la question."},
    "no_source": {"en": "This answer cites no source.", "fr": "Cette réponse ne cite aucune source."},
    "open_document": {"en": "Open document", "fr": "Ouvrir le document"},
}


def label(key: str, lang: str) -> str:
    """A label shown around an answer, in the question's language (English for any other)."""
    return _LABELS[key]["fr" if lang == "fr" else "en"]


def heading(key: str, lang: str) -> str:
    """A label that introduces what follows it: "Sources:", "Sources :" (French puts a space first)."""
    return label(key, lang) + (" :" if lang == "fr" else ":")


def lead_line(lang: str, n_points: int, n_docs: int) -> str:
    """The answer's first line, in the question's language."""
    tmpl = _LEAD["fr" if lang == "fr" else "en"]
    return tmpl.format(n=n_points, ps="s" if n_points > 1 else "", d=n_docs, ds="s" if n_docs > 1 else "")


def refusal_text(lang: str, has_related: bool = True) -> str:
    """What a refused answer says, in the question's language."""
    table = _REFUSAL if has_related else _EMPTY
    return table["fr" if lang == "fr" else "en"]


# Bracketed numbers in document text ("as shown in [1]", "[2, 3]", "[ 4 ]"): anything the
# renderer or the citation checker could read as one of our markers.
_TEXT_MARKER = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")


def neutralise_markers(text: str) -> str:
    """Turn ``[n]`` written in a document into ``［n］`` (full-width brackets).

    Only the answer's own markers may point at a citation: a quoted sentence that
    says "see [1]" would otherwise be shown as a citation to source 1. The
    citation itself keeps the exact document text.
    """
    return _TEXT_MARKER.sub(lambda m: f"\uff3b{m.group(1)}\uff3d", text)


def display(text: str) -> str:
    """A quoted sentence as shown in the answer: whitespace collapsed, its own ``[n]`` neutralised."""
    return neutralise_markers(" ".join(text.split()))


def citation_for(n: int, sentence: Sentence, chunk: Chunk, score: float = 0.0) -> Citation:
    return Citation(
        n=n, doc_id=chunk.doc_id, title=chunk.title, date=chunk.date, lang=chunk.lang,
        source=chunk.source, start=sentence.start, end=sentence.end, text=sentence.text,
        passage=chunk, score=float(score),
    )


def compose(points: Sequence[Point], lang: str) -> tuple[str, tuple[Citation, ...]]:
    """(answer text, citations): a lead line, then one bullet per point ending in ``[n]``.

    Points quoting the same sentence share one number.
    """
    numbers: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    for p in points:
        key = (p.chunk.doc_id, p.sentence.start, p.sentence.end)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            citations.append(citation_for(numbers[key], p.sentence, p.chunk, p.score))
        lines.append(f"- {display(p.sentence.text)} [{numbers[key]}]")
    docs = {c.doc_id for c in citations}
    head = lead_line(lang, len(lines), len(docs))
    return "\n".join([head, *lines]), tuple(citations)


def related_hits(hits: Sequence[Hit], limit: int) -> tuple[Hit, ...]:
    """The closest passages to show beside a refusal: best first, one per chunk."""
    seen: set[str] = set()
    out: list[Hit] = []
    for h in hits:
        if h.chunk.id not in seen:
            seen.add(h.chunk.id)
            out.append(h)
        if len(out) >= limit:
            break
    return tuple(out)
