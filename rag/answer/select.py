"""Score candidate sentences against the question and pick diverse, non-redundant points.

Pure functions over arrays. A sentence's score mixes meaning and words:
``w·cos(question, sentence) + (1−w)·coverage``, where coverage is the
IDF-weighted share of the question's content terms that the sentence
contains (IDF over the candidate pool, so a term every candidate shares
counts little and a term no candidate has counts most). Selection is greedy
like Maximal Marginal Relevance (Carbonell & Goldstein, 1998): near-
duplicates are skipped and each further point from an already-cited document
pays a small penalty, so a broad question is answered from several documents.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np

SEMANTIC_WEIGHT = 0.65
HEADING_PENALTY = 0.08  # bare headings ("Increase credit support") say less than sentences
DOC_PENALTY = 0.06  # per point already taken from the same document
RELATIVE_FLOOR = 0.7  # a point must score at least this share of the best point
LEXICAL_DUPLICATE = 0.6  # Jaccard of content terms above which two sentences say the same
# With a separate ranking (centred vectors), a sentence within this much of the best-ranked one is a
# point even when its uncentred score is under the floor. `tune` parts (119 answerable): cited 102
# without; 0.06 / 0.08 / 0.10 / 0.12 cited 103 / 105 / 103 / 103 (0.12 also answered a near miss).
RANK_MARGIN = 0.08
# With that ranking, a sentence ranked more than this under the best is no point: "What is the hotel
# cap in capital cities?" drew "Responsable : Direction des ressources humaines." from a French
# document (its score is its cosine, and every e5 cosine passes 0.7 × the best score). Five `tune`
# parts: a cited sentence holding the evidence ranks at most 0.58 under the best; 0.5 / 0.6 / 0.7
# drop 75 / 38 / 12 of the 404 other points (0.5 also one citation); nothing else changed at 0.6.
RANK_FLOOR = 0.6


def idf_weights(term_sets: Sequence[frozenset[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of each term over the candidate sentences."""
    n = len(term_sets)
    df: dict[str, int] = {}
    for terms in term_sets:
        for t in terms:
            df[t] = df.get(t, 0) + 1
    return {t: math.log(1.0 + n / (1.0 + d)) for t, d in df.items()}


def coverage(question_terms: frozenset[str], terms: frozenset[str], idf: dict[str, float], n: int,
             scale: dict[str, float] | None = None) -> float:
    """IDF-weighted fraction of the question's terms found in ``terms`` (0..1); ``scale`` multiplies
    the weight of some terms (a follow-up's borrowed words count less than its own)."""
    if not question_terms:
        return 0.0
    unseen = math.log(1.0 + n)  # a question term absent from every candidate weighs most
    scale = scale or {}
    total = sum(idf.get(t, unseen) * scale.get(t, 1.0) for t in question_terms)
    found = sum(idf.get(t, unseen) * scale.get(t, 1.0) for t in question_terms & terms)
    return found / total if total else 0.0


def is_heading(text: str) -> bool:
    """A short line with no closing punctuation: a title, not a statement.

    A table row ("Guarantee fund | 50 billion yuan | Hubei", see ``rag.office``) states its
    cells' facts without punctuation, and is no heading.
    """
    t = text.rstrip()
    if " | " in t:
        return False
    return len(t.split()) <= 12 and not t.endswith((".", "!", "?", ";", "。", "»", "\"", "”"))


_ASKS = re.compile(
    r"^\W*(?:how|what|why|when|where|which|who|whom|whose|is|are|do|does|did|can|could|should|will|would|"
    r"comment|pourquoi|quand|o[uù]|quel(?:le)?s?|qui|que|qu['’]est-ce|combien|est-ce)\b[^?]*\?[\s\"”»]*$", re.I)


def is_question(text: str) -> bool:
    """A sentence of the document that asks ("How to further help small and medium-sized enterprises
    get out of trouble?"): it introduces what follows and answers nothing."""
    return bool(_ASKS.match(text.strip()))


_NOT_ALNUM = re.compile(r"[\W_]+")  # runs of characters that are not letters or digits


def _norm(text: str) -> str:
    return _NOT_ALNUM.sub(" ", text.lower()).strip()


def is_title(text: str, title: str) -> bool:
    """The document's title (or most of it) repeated as a sentence."""
    a, b = _norm(text), _norm(title)
    if not a or not b:
        return False
    if a == b or b.startswith(a):
        return True
    return a.startswith(b) and len(a) <= 1.2 * len(b)


_CLOSING = (".", "!", "?", ";", "。", "»", "\"", "”")


def is_label(text: str, title: str) -> bool:
    """A title that labels rather than states ("Ministry of X: To ensure stable growth"): never a point.

    Many news documents take their first sentence as title ("Le 27 mai, le
    Ministère … a tenu une téléconférence."); such a title states a fact and
    stays a candidate, though it may not lead the answer (see :func:`title_not_first`).
    """
    t = text.rstrip()
    if t.endswith(_CLOSING) or not (":" in t or "：" in t or len(t.split()) <= 12):
        return False  # cheap tests first: most candidate sentences end with punctuation
    return is_title(text, title)


def title_not_first(picks: Sequence[int], titles: Sequence[bool]) -> list[int]:
    """Answers lead with the answer: a title-sentence leading the points moves behind the next one."""
    if len(picks) >= 2 and titles[0] and not titles[1]:
        return [picks[1], picks[0], *picks[2:]]
    return list(picks)


_BYLINE = re.compile(
    r"^\W*(source|author|authors|editor|editors|responsible editor|reporter|by|photo|photographer|"
    r"auteur|auteurs|rédacteur|rédactrice|journaliste|crédit|publié|published|posted|updated|"
    r"release date|date de publication|views?|vues?|tel|tél|fax|e-?mail|contact|"
    # when a policy took effect and who owns it: "Adopté le 15 janvier 2025.", "Owner: Finance Department."
    r"adopté|adoptée|en vigueur|effective date|effective from|date d['’]effet|approuvé le|approuvée le)\b\s*[:：]?"
    r"|^\W*(?:owner|responsable|responsible|owned by)\s*[:：]",
    re.I,
)


def is_byline(text: str) -> bool:
    """Bylines, sources, contact and publication lines: metadata, never answer points."""
    return bool(_BYLINE.match(text.strip())) and len(text.split()) <= 25


def item_order(picks: Sequence[int], numbers: Sequence[int | None], rank: np.ndarray) -> list[int]:
    """Numbered-item sentences ``picks`` (in document order): each item's first sentence, in the
    order the items come, then the others best-ranked first."""
    heads: dict[int | None, int] = {}
    for i in picks:
        heads.setdefault(numbers[i], i)
    opening = list(heads.values())
    rest = sorted((i for i in picks if i not in opening), key=lambda i: (-float(rank[i]), i))
    return opening + rest


def lead_first(picks: Sequence[int], satisfies: Sequence[bool], rank: np.ndarray | None = None) -> list[int]:
    """Move the best pick that states what the question asks for (a figure, a date) to the front,
    when it ranks within ``LEAD_MARGIN`` of the first pick (``rank``: each sentence's rank)."""
    for pos, i in enumerate(picks):
        if satisfies[pos] and (rank is None or float(rank[i]) >= float(rank[picks[0]]) - LEAD_MARGIN):
            return [i, *picks[:pos], *picks[pos + 1 :]]
    return list(picks)


# A date or figure far down the answer is no reason to lead with it: "when do I need three quotes?"
# led with "… ils doivent être pris avant le 31 mars" (a French line on leave, 0.36 under "Purchases
# between 5,000 and 50,000 euros require three written quotes"). Half of ``RANK_FLOOR``; 0.25, 0.35
# and no margin answer every `tune` question alike (0.15 changes one near miss's answer).
LEAD_MARGIN = 0.3


CENTER_LEAST = 8  # candidates of one language that give it its own mean (fewer: the pool's)
CENTER_POOL = 2 * CENTER_LEAST  # candidates under which ranking does not use centred vectors


def center(question_vec: np.ndarray, sentence_vecs: np.ndarray, langs: Sequence[str],
           question_lang: str, least: int = CENTER_LEAST) -> tuple[np.ndarray, np.ndarray]:
    """The question and candidate vectors minus what the candidates share, re-normalised.

    Some models (multilingual-e5) put every sentence of a collection in a narrow cone: all
    cosines sit between 0.7 and 0.9, and the sentence most like the collection as a whole
    (an opening line, a generic "the conference stressed…") wins every question. Subtracting
    the candidates' mean leaves what distinguishes them. The mean is taken per language, when
    the pool holds ``least`` sentences of it, so the part of a vector that only says "French"
    is removed too and an English question meets French sentences on their content.
    """
    if len(sentence_vecs) == 0:
        return question_vec, sentence_vecs
    pool = sentence_vecs.mean(0)
    means: dict[str, np.ndarray] = {}
    for lang in set(langs):
        rows = [i for i, x in enumerate(langs) if x == lang]
        means[lang] = sentence_vecs[rows].mean(0) if len(rows) >= least else pool
    q = question_vec - means.get(question_lang, pool)
    v = sentence_vecs - np.stack([means[x] for x in langs])
    return _unit(q), _unit(v)


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.where(n == 0, 1.0, n)).astype(np.float32)


def score_sentences(
    question_vec: np.ndarray,
    sentence_vecs: np.ndarray,
    question_terms: frozenset[str],
    term_sets: Sequence[frozenset[str]],
    headings: Sequence[bool] = (),
    semantic_weight: float = SEMANTIC_WEIGHT,
    other_language: Sequence[bool] = (),
    question_terms_each: Sequence[frozenset[str]] | None = None,
    scale: dict[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(score, cosine, coverage) arrays, one value per candidate sentence.

    A sentence in another language than the question (``other_language``) shares
    no words with it by construction: its score is its cosine alone, instead of
    a mix in which the word part is always zero. ``question_terms_each``, when
    given, holds the question's terms for each sentence (stemmed in its language).
    """
    if len(term_sets) == 0:
        z = np.zeros(0, dtype=np.float32)
        return z, z, z
    cos = (sentence_vecs @ question_vec).astype(np.float32)
    idf = idf_weights(term_sets)
    asked = [question_terms] * len(term_sets) if question_terms_each is None else question_terms_each
    cov = np.array([coverage(q, t, idf, len(term_sets), scale) for q, t in zip(asked, term_sets)], dtype=np.float32)
    return mix(cos, cov, headings, semantic_weight, on_cosine(cov, other_language)), cos, cov


def on_cosine(cov: np.ndarray, other_language: Sequence[bool]) -> np.ndarray:
    """Which sentences are scored on their cosine alone: those in another language than the
    question, and every one when none in the question's language shares a word with it.

    Then the word part says nothing of the question's own language but still halved its
    sentences' scores against the other language's: "Do tiny vendors get their money faster?"
    (no English sentence holds "tiny", "vendors" or "faster") was answered by French lines on leave
    although "Small suppliers … are paid within 30 days" had the best cosine. Sample `tune` parts:
    no answer changed; policies `tune`: cited and led 15 → 16 of 16.
    """
    other = np.asarray(other_language, dtype=bool) if len(other_language) else np.zeros(len(cov), dtype=bool)
    own = ~other
    if own.any() and other.any() and not cov[own].any():
        return np.ones(len(cov), dtype=bool)
    return other


def mix(
    cos: np.ndarray,
    cov: np.ndarray,
    headings: Sequence[bool] = (),
    semantic_weight: float = SEMANTIC_WEIGHT,
    other_language: Sequence[bool] = (),
) -> np.ndarray:
    """The score of :func:`score_sentences` from its cosines and coverages (another cosine,
    e.g. on centred vectors, reuses the coverages)."""
    score = semantic_weight * cos + (1.0 - semantic_weight) * cov
    if len(other_language):
        score = np.where(np.asarray(other_language, dtype=bool), cos, score).astype(np.float32)
    if len(headings):
        score = score - HEADING_PENALTY * np.asarray(headings, dtype=np.float32)
    return score


LATENT_WEIGHT = 1.0  # tune parts, 119 answerable: 0.7 / 1.0 / 1.5 / 2.5 cited 98 / 99 / 100 / 99 with 256 features
# a sentence, 100 at 1.0 with the 64 kept (97 without latent terms)


def other_language_leads(rank: np.ndarray, other_language: Sequence[bool], eligible: np.ndarray) -> bool:
    """Whether a sentence in another language than the question is among the best ranked:
    ranks at least as high as the best eligible sentence in the question's language (or the
    pool has none). Only then can the latent terms (``latent_bonus``) change the answer much.

    Calling them only then, rather than whenever the pool mixes languages, answered the five
    `tune` parts (134 answerable) alike or better (cited 115 -> 116, lead 89 -> 93; calling them
    whenever the other language comes within 0.05 / 0.10 / 0.30 of the lead: 116 / 115 / 115,
    lead 91 / 91 / 90) and saves the question's second model call on the rest (a third of the
    questions that mix languages on the sample set).
    """
    lang_other, ok = np.asarray(other_language, dtype=bool), np.asarray(eligible, dtype=bool)
    other, own = lang_other & ok, ~lang_other & ok
    if not other.any():
        return False
    return not own.any() or float(rank[other].max()) >= float(rank[own].max())


# How far another language's best latent overlap may fall under that of the question's own
# language before its sentences may not lead (``behind_on_latent``). `tune` parts of all seven sets
# (180 answerable): cited 163 without, 164 at 0.04 and at 0.05, lead 132 -> 137 at both; 0.05
# changes the sample less (one cross-lingual question lost there against two at 0.04).
LATENT_GATE = 0.05


def behind_on_latent(overlap: np.ndarray, langs: Sequence[str], other_language: Sequence[bool],
                     eligible: np.ndarray, gate: float = LATENT_GATE) -> np.ndarray:
    """The sentences of each other language whose best latent overlap with the question falls more
    than ``gate`` under the best of the question's own language (eligible sentences only).

    Scored on their cosine alone, another language's sentences outrank the question's own
    language whenever its word coverage is partial, as it is for everyday questions: "ma copine
    accouche le mois prochain, j'ai droit à combien de jours en tant que papa ?" was answered by
    English lines on invoices, although "La naissance … donne droit à trois jours pour le second
    parent" had the best cosine. Latent terms are concepts, comparable across languages: of the
    110 answerable `tune` questions whose pool mixes two languages, where the answer was in the
    question's language (48) the other language's best overlap fell more than 0.05 under in 39;
    where it was in the other language (62), in one.
    """
    other = np.asarray(other_language, dtype=bool)
    ok = np.asarray(eligible, dtype=bool)
    own = ~other & ok
    out = np.zeros(len(overlap), dtype=bool)
    if not own.any():
        return out
    best_own = float(overlap[own].max())
    lang_of = np.asarray(list(langs))
    for lang in set(lang_of[other].tolist()):
        rows = other & (lang_of == lang)
        if (rows & ok).any() and float(overlap[rows & ok].max()) < best_own - gate:
            out |= rows
    return out


def below_own_language(rank: np.ndarray, demoted: np.ndarray, other_language: Sequence[bool],
                       eligible: np.ndarray) -> np.ndarray:
    """``rank`` with the ``demoted`` sentences shifted, together, just under the best eligible
    sentence of the question's own language (their order among themselves kept)."""
    own = ~np.asarray(other_language, dtype=bool) & np.asarray(eligible, dtype=bool)
    top = demoted & np.asarray(eligible, dtype=bool)
    if not demoted.any() or not own.any() or not top.any():
        return rank
    shift = min(0.0, float(rank[own].max()) - float(rank[top].max()) - 0.01)
    return np.where(demoted, rank + shift, rank).astype(np.float32)


def latent_bonus(overlap: np.ndarray, langs: Sequence[str], other_language: Sequence[bool],
                 weight: float = LATENT_WEIGHT) -> np.ndarray:
    """What latent-term overlap adds to the score of each sentence in another language than the question.

    The overlap is centred on the mean of the candidates of the same language, so it reorders
    the sentences of that language among themselves (the one that answers above the document's
    generic ones) without lifting them, as a group, over the question's own language.
    Sentences in the question's language score on its words already: they get nothing.
    """
    out = np.zeros(len(overlap), np.float32)
    other = np.asarray(other_language, dtype=bool)
    lang_of = np.asarray(list(langs))
    for lang in set(lang_of[other].tolist()):
        rows = other & (lang_of == lang)
        out[rows] = weight * (overlap[rows] - overlap[rows].mean())
    return out


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if (a or b) else 1.0


def pick(
    scores: np.ndarray,
    vecs: np.ndarray,
    doc_ids: Sequence[str],
    term_sets: Sequence[frozenset[str]],
    max_points: int,
    min_score: float,
    dedup_threshold: float,
    doc_penalty: float = DOC_PENALTY,
    relative_floor: float = RELATIVE_FLOOR,
    order: np.ndarray | None = None,
    rank_margin: float = 0.0,
    rank_floor: float = RANK_FLOOR,
) -> list[int]:
    """Indices of the chosen sentences, best first.

    A sentence qualifies when its score reaches ``min_score`` and
    ``relative_floor`` × the best score. Among qualifying sentences the one
    with the highest score minus ``doc_penalty`` per point already taken from
    its document is chosen next, unless its cosine similarity to a chosen
    sentence exceeds ``dedup_threshold`` or their content terms overlap more
    than ``LEXICAL_DUPLICATE`` (the same measure repeated). ``order`` (default: ``scores``)
    ranks the qualifying sentences when it differs from what qualifies them (``center``); then a
    sentence ranked within ``rank_margin`` of the best qualifies too: e5's uncentred scores sit in
    one narrow band, and a paraphrase's answer ("They are not allowed to blindly withdraw loans")
    can rank fourth on the centred vectors yet share no word with the question. With that
    ranking a sentence ranked more than ``rank_floor`` under the best is no point, whatever its
    score: a sentence in another language scores its cosine alone, and e5's cosines all pass the
    relative floor.
    """
    if len(scores) == 0 or max_points <= 0:
        return []
    floor = max(min_score, relative_floor * float(scores.max()))
    rank = scores if order is None else order
    centred = order is not None and rank_margin > 0
    near = float(rank.max()) - rank_margin if centred else math.inf
    far = float(rank.max()) - rank_floor if centred else -math.inf
    pool = [i for i in np.argsort(-rank, kind="stable") if (scores[i] >= floor or rank[i] >= near) and rank[i] >= far]
    chosen: list[int] = []
    per_doc: dict[str, int] = {}
    while pool and len(chosen) < max_points:
        best = max(pool, key=lambda i: (rank[i] - doc_penalty * per_doc.get(doc_ids[i], 0), -i))
        pool.remove(best)
        if any(float(vecs[best] @ vecs[j]) > dedup_threshold or
               jaccard(term_sets[best], term_sets[j]) > LEXICAL_DUPLICATE for j in chosen):
            continue
        chosen.append(int(best))
        per_doc[doc_ids[best]] = per_doc.get(doc_ids[best], 0) + 1
    return chosen
