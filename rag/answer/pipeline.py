"""Retrieve and score evidence for a question, then build the extractive answer.

This is the I/O-bearing middle of ``ask``: it calls the engine (search,
documents, embedder) and keeps per-chunk sentence vectors in an LRU so a
warm question costs one search plus one query embedding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import numpy as np

from rag.errors import InputError
from rag.types import Answer, Chunk, Filters, Hit

from . import compose, refusal, select
from .cache import LRU
from .sentences import Sentence, sentences_in, split_sentences
from .terms import content_terms, question_lang

if TYPE_CHECKING:
    from rag.embed import Embedder
    from rag.engine import Engine

MIN_WORDS = 4  # shorter fragments (dates, bylines) are never answer points
CANDIDATE_FACTOR = 4  # retrieve this many times k passages, at least MIN_CANDIDATES
MIN_CANDIDATES = 20
RELATED = 5

_DOC_SENTENCES: LRU[list[Sentence]] = LRU(512)
_CHUNK_INFO: LRU["ChunkInfo"] = LRU(8192)


@dataclass(frozen=True)
class ChunkInfo:
    """A chunk's answerable sentences, their vectors, content terms and heading flags."""

    sentences: tuple[Sentence, ...]
    vecs: np.ndarray
    terms: tuple[frozenset[str], ...]
    headings: tuple[bool, ...]


@dataclass(frozen=True)
class Prepared:
    """Everything ``ask`` learned before writing an answer."""

    question: str
    query: str
    lang: str
    hits: tuple[Hit, ...]
    sentences: tuple[Sentence, ...]
    chunks: tuple[Chunk, ...]
    vecs: np.ndarray
    terms: tuple[frozenset[str], ...]
    scores: np.ndarray
    evidence: refusal.Evidence
    refused: bool
    picks: tuple[int, ...]
    k: int
    notice: str | None = None
    timings: dict[str, float] = field(default_factory=dict, compare=False)


def chunk_info(engine: "Engine", chunk: Chunk) -> ChunkInfo:
    """Sentences of ``chunk`` with vectors, cached by model, chunk and content."""
    emb = engine.embedder
    doc = engine.document(chunk.doc_id)
    key = (emb.name, chunk.doc_id, doc.content_hash, chunk.start, chunk.end)

    def build() -> ChunkInfo:
        sents = _DOC_SENTENCES.get((doc.id, doc.content_hash), lambda: split_sentences(doc.text))
        mine = tuple(s for s in sentences_in(sents, chunk.start, chunk.end) if len(s.text.split()) >= MIN_WORDS)
        vecs = emb.embed_documents([s.text for s in mine]) if mine else np.zeros((0, emb.dim), np.float32)
        terms = tuple(content_terms(s.text, chunk.lang) for s in mine)
        return ChunkInfo(mine, vecs, terms, tuple(select.is_heading(s.text) for s in mine))

    return _CHUNK_INFO.get(key, build)


class QueryMemo:
    """The engine's embedder, remembering query vectors for one ``ask``.

    Search and sentence scoring both need the question's vector; embedding it
    once halves the warm cost of an answer (the model call is ~90% of it).
    """

    def __init__(self, embedder: "Embedder") -> None:
        self._emb = embedder
        self.name, self.dim = embedder.name, embedder.dim
        self._vecs: dict[tuple[str, ...], np.ndarray] = {}

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        key = tuple(texts)
        if key not in self._vecs:
            self._vecs[key] = self._emb.embed_queries(texts)
        return self._vecs[key]

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._emb.embed_documents(texts, progress)


def prepare(engine: "Engine", question: str, history: Sequence[tuple[str, str]], k: int | None,
            mode: str | None, filters: Filters | None) -> Prepared:
    from .followup import rewrite_query

    s = engine.settings
    timings: dict[str, float] = {}
    t = time.perf_counter()
    query, notice = rewrite_query(s, question, history)
    query = query[: s.max_question_chars]  # a follow-up borrows words: keep it searchable
    if history:
        timings["rewrite"] = time.perf_counter() - t
    k = s.k if k is None else k
    lang = question_lang(question)

    t = time.perf_counter()
    memo = QueryMemo(engine.embedder)
    if k < 1:
        raise InputError("k must be at least 1")
    hits = tuple(engine.search(query, max(CANDIDATE_FACTOR * k, MIN_CANDIDATES), mode, filters, embedder=memo))
    timings["retrieve"] = time.perf_counter() - t

    t = time.perf_counter()
    seen: set[tuple[str, int]] = set()
    sentences: list[Sentence] = []
    chunks: list[Chunk] = []
    vec_parts: list[np.ndarray] = []
    terms: list[frozenset[str]] = []
    headings: list[bool] = []
    for h in hits:
        info = chunk_info(engine, h.chunk)
        for i, sent in enumerate(info.sentences):
            if (h.chunk.doc_id, sent.start) in seen:  # overlapping chunks share sentences
                continue
            seen.add((h.chunk.doc_id, sent.start))
            sentences.append(sent)
            chunks.append(h.chunk)
            vec_parts.append(info.vecs[i])
            terms.append(info.terms[i])
            headings.append(info.headings[i])
    dim = engine.embedder.dim
    vecs = np.stack(vec_parts) if vec_parts else np.zeros((0, dim), np.float32)
    qvec = memo.embed_queries([query.strip()])[0]
    qterms = content_terms(query, lang)
    scores, cos, cov = select.score_sentences(qvec, vecs, qterms, terms, headings)
    if len(scores):
        b = int(np.argmax(scores))
        ev = refusal.Evidence(float(scores[b]), float(cos.max()), float(cov.max()))
    else:
        ev = refusal.Evidence(0.0, 0.0, 0.0)
    refused = refusal.should_refuse(ev, s.refuse_below)
    picks: list[int] = []
    if not refused:
        picks = select.pick(scores, vecs, [c.doc_id for c in chunks], terms, s.max_points,
                            s.min_sentence_score, s.dedup_threshold)
        refused = not picks or refusal.lacks_asked_quantity(question, [sentences[i].text for i in picks])
    timings["answer"] = time.perf_counter() - t
    return Prepared(question, query, lang, hits, tuple(sentences), tuple(chunks), vecs, tuple(terms),
                    scores, ev, refused, tuple(picks), k, notice, timings)


def extractive_answer(p: Prepared) -> Answer:
    """The default answer: quoted sentences with citations, or a refusal with related passages."""
    t = time.perf_counter()
    if p.refused:
        related = compose.related_hits(p.hits, RELATED)
        text = compose.refusal_text(p.lang, bool(related))
        answer = Answer(question=p.question, query=p.query, text=text, related=related, refused=True,
                        lang=p.lang, notice=p.notice)
    else:
        points = [compose.Point(p.sentences[i], p.chunks[i], float(p.scores[i])) for i in p.picks]
        text, citations = compose.compose(points, p.lang)
        answer = Answer(question=p.question, query=p.query, text=text, citations=citations,
                        lang=p.lang, notice=p.notice)
    timings = dict(p.timings)
    timings["answer"] = timings.get("answer", 0.0) + time.perf_counter() - t
    from dataclasses import replace

    return replace(answer, timings=timings)


def warm(engine: "Engine", limit: int = 4000) -> int:
    """Split and embed the sentences of up to ``limit`` chunks ahead of the first questions.

    The first question touching a chunk otherwise pays for embedding its
    sentences (about a second for twenty cold chunks on two cores); a server
    calls this once at start so that people never see that cost.
    """
    chunks = engine.state().chunks[: max(0, min(limit, _CHUNK_INFO.maxsize))]
    for c in chunks:
        chunk_info(engine, c)
    return len(chunks)
