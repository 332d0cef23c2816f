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


# What a question about the collection itself gets ("How many documents are there?"): the index's
# own list of documents, no citation. At most LISTED documents are named.
LISTED = 20
_COLLECTION = {
    "count": {"en": "The index holds {n} document{s}.", "fr": "L'index contient {n} document{s}."},
    "list": {"en": "The index holds {n} document{s}:", "fr": "L'index contient {n} document{s} :"},
    "more": {"en": "… and {n} more.", "fr": "… et {n} autre{s}."},
    "latest": {"en": "The most recent document is {doc}.", "fr": "Le document le plus récent est {doc}."},
    "oldest": {"en": "The oldest document is {doc}.", "fr": "Le document le plus ancien est {doc}."},
    "undated": {"en": "{n} of the {total} documents state{s} no full date.",
                "fr": "{n} des {total} documents n'indique{nt} pas de date complète."},
    "none_dated": {"en": "None of the {total} documents states a full date.",
                   "fr": "Aucun des {total} documents n'indique de date complète."},
    "empty": {"en": "The index holds no document.", "fr": "L'index ne contient aucun document."},
}


def collection_text(kind: str, docs: Sequence[tuple[str, str | None, str]], lang: str) -> str:
    """The reply to a question about the collection: ``docs`` are (title, date, language) triples."""
    from rag.types import display_date

    lang = "fr" if lang == "fr" else "en"
    t = {k: v[lang] for k, v in _COLLECTION.items()}
    n = len(docs)
    if not n:
        return t["empty"]

    def shown(doc: tuple[str, str | None, str]) -> str:
        return f"{doc[0]} ({display_date(doc[1], lang)}, {doc[2]})"

    if kind in ("latest", "oldest"):
        dated = sorted((d for d in docs if d[1] and re.fullmatch(r"\d{4}(?:-\d{2}){0,2}", d[1])), key=lambda d: d[1])
        if not dated:
            return t["none_dated"].format(total=n)
        title, date, doc_lang = dated[-1] if kind == "latest" else dated[0]
        quoted = f"« {title} »" if lang == "fr" else f"“{title}”"
        text = t[kind].format(doc=f"{quoted} ({display_date(date, lang)}, {doc_lang})")
        if len(dated) < n:
            k = n - len(dated)
            text += " " + t["undated"].format(n=k, total=n, s="s" if k == 1 else "", nt="nt" if k > 1 else "")
        return text
    listing = kind == "list" or n <= LISTED  # a count names the documents when they are few
    lines = [t["list" if listing else "count"].format(n=n, s="s" if n > 1 else "")]
    if listing:
        lines += [f"- {shown(d)}" for d in docs[:LISTED]]
        if n > LISTED:
            lines.append(t["more"].format(n=n - LISTED, s="s" if n - LISTED > 1 else ""))
    return "\n".join(lines)


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
