"""Retrieve and score evidence for a question, then build the extractive answer.

This is the middle of ``ask``. It receives what it needs in an
:class:`AnswerContext` (a retriever, the loaded index generation, the
embedding model, the settings) and never calls back into its caller. Sentences
and their vectors were split and embedded at index time (``rag/indexer.py``):
answering embeds only the question, once, and the same vector serves search
and sentence scoring.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from rag import spelling
from rag.errors import IndexMismatchError, InputError
from rag.sentences import Sentence
from rag.types import Answer, Chunk, Filters, Hit

from . import compose, intent, refusal, select
from .terms import content_terms, question_lang, question_terms, split_borrowed

if TYPE_CHECKING:
    from rag.embed import Embedder
    from rag.retrieve import Retriever
    from rag.settings import Settings
    from rag.stores.base import StoreView

ITEM_SENTENCES = 5  # of a numbered item: its opening and up to four more (tune: 2 cited 113 of 134, 4 / 5 / 8: 114 / 115 / 114)
CANDIDATE_FACTOR = 4  # retrieve this many times k passages, at least MIN_CANDIDATES
MIN_CANDIDATES = 20
RELATED = 5


@dataclass(frozen=True)
class AnswerContext:
    """Everything the answer stage uses: a retriever bound to ``index`` (a store view), the view, the model, settings."""

    retriever: "Retriever"
    index: "StoreView"
    embedder: "Embedder"
    settings: "Settings"

    def thresholds(self) -> tuple[float, float]:
        """(least score of a point, score under which to refuse): the settings', or the model's own."""
        from rag.embed import Embedder

        s, e = self.settings, self.embedder
        return (s.min_sentence_score if s.min_sentence_score >= 0
                else getattr(e, "min_sentence_score", Embedder.min_sentence_score),
                s.refuse_below if s.refuse_below >= 0 else getattr(e, "refuse_below", Embedder.refuse_below))


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


class QueryMemo:
    """The embedding model, remembering query vectors for one ``ask``.

    Search and sentence scoring both need the question's vector; embedding it
    once halves the warm cost of an answer (the model call is ~90% of it).
    """

    def __init__(self, embedder: "Embedder") -> None:
        self._emb = embedder
        self.name, self.dim = embedder.name, embedder.dim
        self._vecs: dict[tuple[str, ...], np.ndarray] = {}

    def __getattr__(self, name: str):
        # the model's calibration (offsets, thresholds) reads through, as from the model itself
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._emb, name)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        key = tuple(texts)
        if key not in self._vecs:
            self._vecs[key] = self._emb.embed_queries(texts)
        return self._vecs[key]

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._emb.embed_documents(texts, progress)


def prepare(ctx: AnswerContext, question: str, history: Sequence[tuple[str, str]], k: int | None,
            mode: str | None, filters: Filters | None) -> Prepared:
    from .followup import rewrite_query

    s, state = ctx.settings, ctx.index
    if not state.build_info().sentences_indexed:
        raise IndexMismatchError(f"index at {state.location} was built without its sentence index (retrieval only): "
                                 "run `rag index --rebuild` to answer questions from it")
    timings: dict[str, float] = {}
    t = time.perf_counter()
    typed = question
    # "finacing", lower-case "smes": read as the collection's words, so that search and the
    # answer's word coverage find them; "on 27/05" as "on 27 May". The answer shows what was
    # searched ("Searched for …").
    typed_lang = question_lang(question)
    question, _ = spelling.corrected(question, state.build_info().languages, state.term_counts, typed_lang)
    question = intent.dates_in_words(question, typed_lang)
    timings["spelling"] = time.perf_counter() - t
    t = time.perf_counter()
    query, notice = rewrite_query(s, question, history)
    query = query[: s.max_question_chars]  # a follow-up borrows words: keep it searchable
    if history:
        timings["rewrite"] = time.perf_counter() - t
    k = s.k if k is None else k

    t = time.perf_counter()
    memo = QueryMemo(ctx.embedder)
    if k < 1:
        raise InputError("k must be at least 1")
    # The answer's pool is searched without lifting other languages (``even_languages``): the lift
    # ranks passages better, but a pool with more French passages lost two citations and one
    # refusal on miit's `tune` part and gained nothing on miit-xling's (README, "cross-lingual").
    hits = tuple(ctx.retriever.search(query, max(CANDIDATE_FACTOR * k, MIN_CANDIDATES), mode, filters, embedder=memo,
                                      even_languages=False))
    timings["retrieve"] = time.perf_counter() - t
    lang = question_lang(question, [(h.chunk.text, h.chunk.lang) for h in hits[:5]])

    t = time.perf_counter()
    rows: list[int] = []
    chunks: list[Chunk] = []
    seen: set[int] = set()
    for h, in_chunk in zip(hits, state.sentences_in_chunks([h.chunk for h in hits])):
        for r in in_chunk:
            if r not in seen:  # overlapping chunks share sentences
                seen.add(r)
                rows.append(r)
                chunks.append(h.chunk)
    # "measure 9", "the third measure", "the last measure": the numbered item itself
    asked = intent.asked_items(question)
    if not asked and history and intent.is_item_reference(query):
        asked = intent.asked_items(query)  # "what about the next one?" after measure 10: "measure 11"
    items = bool(asked) or intent.asks_last_item(question)
    found: list[tuple[int, Chunk]] = _item_sentences(state, hits, asked, intent.key_names(question)) if items else []
    for r, chunk in found:
        if r not in seen:
            seen.add(r)
            rows.append(r)
            chunks.append(chunk)
    qvec = memo.embed_queries([query.strip()])[0]
    qterms = question_terms(query, lang)
    sentences = list(state.sentences(rows))
    vecs = state.sentence_vectors(rows) if rows else np.zeros((0, ctx.embedder.dim), np.float32)
    sc = _score(ctx, qvec, query, lang, sentences, vecs, chunks)
    # A sentence in another language shares no word with the question, so its score is its cosine
    # alone, on which the document's generic sentences ("On May 27 the ministry held…") beat the one
    # that answers. The model's latent terms (concepts, in any language) rank such sentences among
    # themselves: one more model call, for the question, made only when such a sentence ranks at
    # least as high as the best one in the question's language (``select.other_language_leads``).
    behind = np.zeros(len(sc.sentences), dtype=bool)  # languages far behind the question's on latent terms
    if select.other_language_leads(sc.rank, sc.other, sc.eligible):
        q_latent = _question_latent(ctx, query)
        if q_latent is not None:
            # The sentence that answers may be outside the pool's passages of that language: the
            # documents' sentences nearest the question by latent terms join it when they beat
            # every sentence of their language already there (``LATENT_NEIGHBOURS``).
            latent = _latent_overlap(state, q_latent, rows)
            near = [] if items or latent is None else _latent_neighbours(state, q_latent, rows, chunks, sc.other,
                                                                         latent)
            if near:
                added = [r for r, _, _ in near]
                rows += added
                chunks += [c for _, c, _ in near]
                sentences += state.sentences(added)
                vecs = np.vstack([vecs, state.sentence_vectors(added)])
                latent = np.concatenate([latent, np.array([v for _, _, v in near], np.float32)])
                sc = _score(ctx, qvec, query, lang, sentences, vecs, chunks)
            if latent is not None:
                bonus = select.latent_bonus(latent, [c.lang for c in chunks], sc.other)
                sc.scores = (sc.scores + bonus).astype(np.float32)
                sc.rank = (sc.rank + (2 * bonus if sc.centred else bonus)).astype(np.float32)  # centred: once more
                # Which language answers is decided on the latent terms, comparable across languages:
                # a language far behind the question's own on them does not lead.
                behind = select.behind_on_latent(latent, [c.lang for c in chunks], sc.other, sc.eligible)
                sc.rank = select.below_own_language(sc.rank, behind, sc.other, sc.eligible)
    if (who := intent.asked_speaker(question)) is not None:
        # "What did Xiao Yaqing say about 5G?" is not answered by "Xu Xiaolan revealed that …".
        said = np.array([not intent.other_speaker(x.text, who) for x in sc.sentences], dtype=bool)
        sc.eligible = sc.eligible & said
    sentences, vecs, terms, other, eligible = sc.sentences, sc.vecs, sc.terms, sc.other, sc.eligible
    scores, cos, cov, rank, distinct, margin = sc.scores, sc.cos, sc.cov, sc.rank, sc.distinct, sc.margin
    dim = ctx.embedder.dim
    scores = np.where(eligible, scores, -1.0).astype(np.float32) if len(scores) else scores
    rank = np.where(eligible, rank, -9.0).astype(np.float32) if len(rank) else rank
    if len(scores) and eligible.any():
        b = int(np.argmax(scores))
        # A model's cosines between languages run lower than within one (e5: by about its
        # ``cross_lingual_offset``): a French sentence that answers an English question is
        # judged on the same scale as an English one.
        lifted = cos + getattr(ctx.embedder, "cross_lingual_offset", 0.0) * np.asarray(other, dtype=np.float32)
        ev = refusal.Evidence(float(scores[b]), float(lifted[eligible].max()), float(cov[eligible].max()),
                              len(qterms))
    else:
        ev = refusal.Evidence(0.0, 0.0, 0.0)
    picks: list[int] = []
    pool = [x.text for x in sentences]  # what the refusal checks read beside the chosen sentences
    if items:
        # "What did measure 9 say?": the numbered item itself, or a refusal when no document has it.
        wanted = {r for r, _ in found}
        # Each item's opening sentence leads ("15. Promote the financing …"), then the items' other
        # sentences by rank: "according to measure 15, which companies should pull the smaller
        # firms along?" is answered by its third sentence.
        picks = select.item_order([i for i, r in enumerate(rows) if r in wanted],
                                  [x.number for x in sentences], rank)[: s.max_points]
        # The item exists, but "by how many points must banks cut rates under measure 8?" is only
        # answered when the item states a figure, like any other question.
        refused = (not picks or refusal.lacks_asked_quantity(question, [sentences[i].text for i in picks],
                                                             [not other[i] for i in picks], pool)
                   or refusal.misses_key_facts(question, pool))
    else:
        min_score, refuse_below = ctx.thresholds()
        topic = intent.mention_topic(question)
        if topic is not None and not question_terms(topic, lang):
            topic = None  # "Did they talk about it?": a follow-up, searched with what it points back to
        if topic is not None:
            # "Did the ministry say anything about flood?": answered when a sentence names the
            # topic, whatever the cosine (refused at 0.81 < 0.82); refused when none does ("Did
            # the ministry talk about the semiconductor industry?" was answered from French
            # sentences on the May 27 meeting).
            names = eligible & (_mention_share(topic, lang, chunks, terms, other) >= MENTION_SHARE)
            refused = not names.any()
        else:
            refused = refusal.should_refuse(ev, refuse_below, getattr(ctx.embedder, "refuse_on", "score"))
        if not refused:
            if topic is not None:  # the sentences that name it are the answer
                scores, rank = np.where(names, scores, -1.0), np.where(names, rank, -9.0)
            picks = select.pick(scores, distinct, [c.doc_id for c in chunks], terms, s.max_points,
                                min_score, s.dedup_threshold, order=rank, rank_margin=margin)
            if topic is not None:
                picks = _lead_with(picks, rank, names, s.max_points, names)
            states = _states_what_is_asked(question)  # a figure for "how much", a date for "when"
            if picks and not other[picks[0]] and cov[picks[0]] > 0:
                # Led by a sentence in the question's language that shares its words, the answer takes
                # no sentence of another language that shares none: scored on their cosine alone, they
                # filled points 2-5 of "What's the rule for gifts?" with French lines on leave. Five
                # sample `tune` parts: 534 -> 520 points, citations and leads unchanged (evidence
                # coverage 0.891 -> 0.887); policies `tune`: 92 -> 62 points, unchanged. When that
                # lead lacks the figure or date asked for, such a sentence that states it stays:
                # "combien de mesures pour les PME ?", led by "Mettre en œuvre … les mesures de
                # service aux PME", lost "issued 20 policies and measures" and was refused.
                lead_states = states is None or states(sentences[picks[0]].text)
                picks = [picks[0], *(i for i in picks[1:] if not other[i] or cov[i] > 0
                                     or (not lead_states and not behind[i] and states(sentences[i].text)))]
            picks = select.title_not_first(picks, [select.is_title(sentences[i].text, chunks[i].title) for i in picks])
            texts = [sentences[i].text for i in picks]
            refused = (not picks or refusal.lacks_asked_quantity(question, texts, [not other[i] for i in picks],
                                                                 pool)
                       or refusal.misses_key_facts(question, pool))
            if not refused and states is not None:
                # "How much …", "when …": the point that states the figure or the date leads
                picks = select.lead_first(picks, [states(x) for x in texts], rank)
            elif not refused and (person := intent.asked_person(question)) is not None:
                # "Who is Xu Xiaolan?": the sentence that gives her title leads; it is brought in
                # from the pool when the picks only name her ("Xu Xiaolan revealed that …").
                picks = _lead_with(picks, rank, eligible, s.max_points,
                                   [intent.introduces(x.text, person) for x in sentences])
            elif not refused and (term := intent.asked_term(question)) is not None:
                # "Qu'est-ce que le GEM ?": a sentence that uses the acronym leads, in any language.
                picks = _lead_with(picks, rank, eligible, s.max_points, [intent.mentions(x.text, term) for x in sentences])
        if not refused and not items and intent.asks_publication(question):
            # "When was the article … released?": the page's own date line answers, though it is
            # a byline and never a point otherwise.
            dated = _publication_line(state, hits)
            if dated is not None:
                line, chunk = dated
                sentences.append(line)
                chunks.append(chunk)
                vecs = np.vstack([vecs, np.zeros((1, dim), np.float32)])
                terms.append(content_terms(line.text, chunk.lang))
                scores = np.append(scores, np.float32(ev.best_score))
                picks = [len(sentences) - 1]
    timings["answer"] = time.perf_counter() - t
    return Prepared(typed, query, lang, hits, tuple(sentences), tuple(chunks), vecs, tuple(terms),
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


def _lead_with(picks: Sequence[int], rank: np.ndarray, eligible: np.ndarray, max_points: int,
               says: Sequence[bool]) -> list[int]:
    """``picks`` led by the best-ranked eligible candidate for which ``says`` holds, brought in
    from the pool when no pick does; unchanged when no candidate does."""
    best = next((int(i) for i in np.argsort(-rank) if eligible[i] and says[i]), None)
    if best is None:
        return list(picks)
    return [best, *(i for i in picks if i != best)][:max_points]


# A follow-up's borrowed words, together, weigh at most this share of its own words in word coverage.
# policies-followups `tune` (7 answerable): lead 2 without; 0.5 / 0.25 of the own words: 4 / 3 (cited
# 4 / 3); 0.5 / 0.25 per borrowed word, whatever their number: 2 / 2.
BORROWED_WEIGHT = 0.5
_SAYING = ("talk talked talks speak spoke said say says mention mentioned discuss discussed tell told explain "
           "explained cover covered address addressed write wrote parler parlé dire dit mentionner mentionné "
           "évoquer évoqué expliquer expliqué")


def _borrowed_scale(query: str, lang: str) -> dict[str, float] | None:
    """The weights of the words a follow-up borrowed (``followup.rewrite``: "gifts (employees personal
    link supplier)"): "And what about gifts?" was answered by the previous answer's sentence, which
    holds every borrowed word and none of the follow-up's own."""
    own_words, borrowed_words = split_borrowed(query)
    own = question_terms(own_words, lang)
    borrowed = question_terms(borrowed_words, lang) - own
    # "Did they talk about it?": a follow-up whose own words only say that something was said has
    # no topic of its own; its borrowed words are the topic and keep their weight.
    if not borrowed or not own - question_terms(_SAYING, lang):
        return None
    weight = BORROWED_WEIGHT * min(1.0, max(1, len(own)) / len(borrowed))
    return {t: weight for t in borrowed}


# Rarity-weighted share of a mentioned topic's words ("the semiconductor industry") a sentence must
# hold to name it: "industry" is in most sentences, "semiconductor" in none.
MENTION_SHARE = 0.5


def _mention_share(topic: str, lang: str, chunks: Sequence[Chunk], terms: Sequence[frozenset[str]],
                   other: Sequence[bool]) -> np.ndarray:
    """Each candidate's rarity-weighted share of the topic's words, stemmed in its own language."""
    idf = select.idf_weights(terms)
    asked = {c.lang: question_terms(topic, c.lang) for c, o in zip(chunks, other) if o}
    own = question_terms(topic, lang)
    return np.array([select.coverage(asked[c.lang] if o else own, t, idf, len(terms))
                     for c, o, t in zip(chunks, other, terms)], dtype=np.float32)


@dataclass
class _Scored:
    """The candidates of an answer, scored (see ``_score``)."""

    sentences: list[Sentence]
    vecs: np.ndarray
    terms: list[frozenset[str]]
    other: list[bool]
    eligible: np.ndarray
    scores: np.ndarray
    cos: np.ndarray
    cov: np.ndarray
    rank: np.ndarray
    distinct: np.ndarray
    margin: float
    centred: bool


def _score(ctx: AnswerContext, qvec: np.ndarray, query: str, lang: str, sentences: list[Sentence],
           vecs: np.ndarray, chunks: Sequence[Chunk]) -> _Scored:
    """Score the candidate ``sentences`` (with their vectors, each in its chunk of ``chunks``) for the question."""
    terms = [content_terms(x.text, c.lang) for x, c in zip(sentences, chunks)]
    headings = [select.is_heading(x.text) for x in sentences]
    other = [c.lang in ("en", "fr") and c.lang != lang for c in chunks]
    # A sentence's words and the question's are compared stemmed alike: stemmed as English,
    # "Yaqing" is "yaqe" and "Xia" stays "xia", as French "yaqing" and "xi", so "Who is Han Xia?"
    # found no French sentence naming all of "Han Xia".
    qterms = question_terms(query, lang)
    asked = [question_terms(query, c.lang) if o else qterms for c, o in zip(chunks, other)]
    scores, cos, cov = select.score_sentences(qvec, vecs, qterms, terms, headings, other_language=other,
                                              question_terms_each=asked, scale=_borrowed_scale(query, lang))
    # Headings, the document's title, bylines and the document's own questions are never points,
    # and never count as evidence.
    eligible = np.array([not headings[i] and not select.is_label(sentences[i].text, chunks[i].title)
                         and not select.is_byline(sentences[i].text) and not select.is_question(sentences[i].text)
                         for i in range(len(sentences))], dtype=bool)
    # The scores above decide whether the documents answer at all (refusal) and which sentences
    # may be points. A model whose cosines sit in one narrow band ranks those by the sum of that
    # score and the same score on centred vectors (``select.center``), and tells duplicates apart
    # on the centred vectors: its raw cosines call any two sentences of one topic duplicates.
    # A pool of a few sentences has no mean worth removing: it is ranked on the scores alone.
    rank, distinct, margin, centred = scores, vecs, 0.0, False
    if getattr(ctx.embedder, "center_sentences", False) and len(vecs):
        cq, distinct = select.center(qvec, vecs, [c.lang for c in chunks], lang)
        if len(vecs) >= select.CENTER_POOL:
            rank = scores + select.mix((distinct @ cq).astype(np.float32), cov, headings,
                                       other_language=select.on_cosine(cov, other))
            margin, centred = select.RANK_MARGIN, True
    return _Scored(sentences, vecs, terms, other, eligible, scores, cos, cov, rank, distinct, margin, centred)


def _states_what_is_asked(question: str) -> Callable[[str], bool] | None:
    """The test a sentence passes when it states the kind of thing the question asks for: a
    figure for "how much / how many" (not one the question gives itself), a date for "when";
    None for other questions."""
    if refusal.asks_quantity(question):
        states = refusal.states_amount if refusal.asks_amount(question) else refusal.states_quantity
        given = intent.key_numbers(question)  # a figure the question gives is no answer to it
        return lambda sentence: states(refusal.without_figures(sentence, given))
    if intent.asks_date(question):
        return intent.states_date
    return None


def _question_latent(ctx: AnswerContext, query: str) -> np.ndarray | None:
    """The question's latent terms as a dense weight vector (one model call), or None when the
    model has none."""
    dim = int(getattr(ctx.embedder, "latent_dim", 0) or 0)
    if not dim:
        return None
    # "…, selon Xiao Yaqing ?": the name is in most sentences of the speech and would lead the
    # overlap; the latent terms are those of what is asked.
    q_ids, q_weights = ctx.embedder.latent_terms([intent.without_attribution(query.strip())], urgent=True)
    q = np.zeros(dim + 1, np.float32)  # the last slot holds the padding id -1
    keep = q_ids[0] >= 0
    q[q_ids[0][keep].astype(np.int64)] = q_weights[0][keep]
    return q


def _latent_overlap(state: "StoreView", q_latent: np.ndarray, rows: Sequence[int]) -> np.ndarray | None:
    """Each sentence's latent-term overlap with the question (dot product of unit-length weights),
    or None when the index holds no latent terms for them."""
    stored = state.sentence_latent(rows) if len(rows) else None
    if stored is None:
        return None
    ids, weights = stored
    return (q_latent[ids.astype(np.int64)] * weights.astype(np.float32)).sum(axis=1).astype(np.float32)


NEIGHBOUR_SCAN = 5000  # sentences read for them per question (about 1.3 MB of latent terms)
LATENT_NEIGHBOURS = 3  # five `tune` parts (134 answerable): cited 118 without; 1 / 2 / 3 / 5: 119 / 120 / 120 / 120


def _latent_neighbours(state: "StoreView", q_latent: np.ndarray, rows: Sequence[int], chunks: Sequence[Chunk],
                       other: Sequence[bool], latent: np.ndarray) -> list[tuple[int, Chunk, float]]:
    """Sentences of the pool's other-language documents, outside the pool, whose latent overlap
    with the question beats that of every pool sentence of their language (``latent``: the pool's
    overlaps): the best ``LATENT_NEIGHBOURS``, each with the chunk that holds it and its overlap.

    An English question answered by the French document finds the passages of that document
    that share its cosine's favourites (the document's opening lines), not always the one that
    answers ("what must companies keep an eye on besides production safety?": "veiller à la
    sécurité de la production et au contrôle de la qualité"); the latent terms find it anywhere
    in the document. Only documents already in the pool are read: the search chose them.
    """
    pooled = set(rows)
    best: dict[str, float] = {}  # per language: the best overlap in the pool
    for c, o, v in zip(chunks, other, latent):
        if o:
            best[c.lang] = max(best.get(c.lang, -np.inf), float(v))
    if not best:
        return []
    docs = list(dict.fromkeys(c.doc_id for c, o in zip(chunks, other) if o))
    cand: list[int] = []
    for d in docs:  # best-ranked documents first; a few thousand sentences at most are read
        cand += [r for r in state.sentences_of(d) if r not in pooled]
        if len(cand) >= NEIGHBOUR_SCAN:
            cand = cand[:NEIGHBOUR_SCAN]
            break
    near = _latent_overlap(state, q_latent, cand)
    if near is None:
        return []
    lang_of = {c.doc_id: c.lang for c, o in zip(chunks, other) if o}
    out: list[tuple[int, Chunk, float]] = []
    for j in np.argsort(-near, kind="stable"):
        if len(out) >= LATENT_NEIGHBOURS or float(near[j]) <= min(best.values()):
            break
        r = cand[int(j)]
        x = state.sentences([r])[0]
        if float(near[j]) <= best.get(lang_of.get(x.doc_id, ""), np.inf):
            continue
        chunk = next((c for c in state.chunks_of(x.doc_id) if c.start <= x.start and x.end <= c.end), None)
        if chunk is not None:
            out.append((r, chunk, float(near[j])))
    return out


def _publication_line(state: "StoreView", hits: Sequence[Hit]) -> tuple[Sentence, Chunk] | None:
    """The line stating the best-ranked document's publication date, with the chunk that holds it."""
    from rag.metadata import date_line

    if not hits:
        return None
    doc = state.document(hits[0].chunk.doc_id)
    span = date_line(doc.text, doc.date) if doc is not None else None
    if span is None:
        return None
    start, end = span
    chunk = next((c for c in state.chunks_of(doc.id) if c.start <= start and end <= c.end), None)
    if chunk is None:
        return None
    return Sentence(doc.text[start:end], start, end, doc_id=doc.id), chunk


def _item_sentences(state: "StoreView", hits: Sequence[Hit], items: Sequence[int],
                    names: Sequence[str] = ()) -> list[tuple[int, Chunk]]:
    """Rows of the sentences of numbered items ``items`` in the best-ranked document that has all of them.

    Documents are tried in retrieval order; a document whose list stops before
    the asked number does not answer ("measures 19 and 20" of an 18-item list),
    nor does one that never mentions a person the question names ("the fifth
    measure Xiao Yaqing introduced" is not item 5 of another notice's list).
    No ``items`` asks for the last item of the best-ranked document with a numbered list.
    """
    from rag.analysis import fold_accents

    wanted = [fold_accents(n.lower()) for n in names]
    for doc_id in dict.fromkeys(h.chunk.doc_id for h in hits):
        if wanted:
            doc = state.document(doc_id)
            text = fold_accents(doc.text.lower()) if doc is not None else ""
            if not all(n in text for n in wanted):
                continue
        keys = state.sentences_of(doc_id)
        sent = dict(zip(keys, state.sentences(keys)))
        if not items:
            listed = [sent[r].number for r in keys if sent[r].item and sent[r].number is not None]
            if not listed:
                continue
            items = (max(listed),)
        numbered = [r for r in keys if sent[r].number in items]
        if not {sent[r].number for r in numbered if sent[r].item} >= set(items):
            continue
        doc_chunks = state.chunks_of(doc_id)
        out: list[tuple[int, Chunk]] = []
        for n in items:
            for r in [r for r in numbered if sent[r].number == n][:ITEM_SENTENCES]:
                x = sent[r]
                chunk = next((c for c in doc_chunks if c.start <= x.start and x.end <= c.end), None)
                if chunk is not None:
                    out.append((r, chunk))
        return out
    return []
