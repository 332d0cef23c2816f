"""The harness on a tiny corpus built in code: configurations, shared and cached indexes, BEIR."""

from __future__ import annotations

import pytest

from eval.beir import beir_documents, load_beir, rank_documents
from eval.configs import build_configs, parse_config_spec
from eval.run import evaluate_beir, evaluate_sets
from eval.schema import EvalSetError
from rag.errors import ConfigError, InputError
from rag.settings import Settings
from rag.types import Chunk, Hit
from tests.eval_support import QUESTIONS, tiny_engine, tiny_set, write_beir


def test_config_specs_accept_bare_modes_and_key_value_lists():
    assert parse_config_spec("bm25") == ("bm25", {"mode": "bm25"})
    assert parse_config_spec("small=chunk_size=500,k=8") == ("small", {"chunk_size": "500", "k": "8"})
    configs = build_configs(Settings(), [])
    assert [(c.name, c.settings.mode) for c in configs] == [("hybrid", "hybrid"), ("dense", "dense"), ("bm25", "bm25")]
    assert build_configs(Settings(), ["small=chunk_size=500,k=8"])[0].settings.chunk_size == 500


@pytest.mark.parametrize("spec, message", [
    ("small", "expected NAME=key=value"),
    ("x=chunk_size", "is not key=value"),
    ("x=colour=red", "unknown setting 'colour'"),
    ("x=mode=fuzzy", "mode must be hybrid, dense or bm25"),
    ("x=chunk_size=100,chunk_overlap=150", "chunk_size must be >= 50 and larger than chunk_overlap"),
    ("x=k=abc", "cannot use 'abc' as int"),
])
def test_bad_config_specs_are_config_errors(spec, message):
    with pytest.raises(ConfigError, match=message):
        build_configs(Settings(), [spec])


def test_duplicate_config_names_are_refused():
    with pytest.raises(ConfigError, match="used twice"):
        build_configs(Settings(), ["a=k=3", "a=k=4"])


def test_retrieval_only_configs_share_the_index_and_exact_questions_hit_first(tmp_path):
    eng = tiny_engine(tmp_path / "index")
    configs = build_configs(eng.settings, ["bm25", "wide=mode=bm25,k=8", "hybrid"])
    report = evaluate_sets([tiny_set()], configs, eng, tmp_path / "cache", answers=False, progress=False)
    assert {c["index_dir"] for c in report["configs"]} == {str(eng.index_dir)}
    assert not (tmp_path / "cache").exists()
    s = report["results"]["bm25"]["summary"]
    assert s["questions"] == 4 and s["answerable"] == 3
    assert s["hit@1"] == 1.0 and s["mrr@10"] == 1.0 and s["ndcg@10"] == 1.0
    assert s["citation_accuracy"] is None and s["refusal_precision"] is None
    assert set(report["results"]["bm25"]["breakdown"]) >= {"answerable", "unanswerable", "lang=en", "lang=fr",
                                                          "category=fact", "category=french"}
    q1 = report["results"]["bm25"]["questions"][0]
    assert q1["retrieved"][0]["doc_id"] == "solar" and q1["retrieved"][0]["matched"] == [0]
    assert report["corpus"]["documents"] == 3 and len(report["corpus"]["fingerprint"]) == 16


def test_a_chunk_size_config_gets_its_own_cached_index(tmp_path):
    eng = tiny_engine(tmp_path / "index")
    before = sorted(p.name for p in eng.index_dir.iterdir())
    configs = build_configs(eng.settings, ["base=mode=bm25", "small=mode=bm25,chunk_size=60,chunk_overlap=10"])
    report = evaluate_sets([tiny_set()], configs, eng, tmp_path / "cache", answers=False, progress=False)
    dirs = {c["name"]: c["index_dir"] for c in report["configs"]}
    assert dirs["base"] == str(eng.index_dir)
    assert dirs["small"].startswith(str(tmp_path / "cache"))
    assert sorted(p.name for p in eng.index_dir.iterdir()) == before
    small_hits = report["results"]["small"]["questions"][0]["retrieved"]
    assert max(len(p["text"]) for p in small_hits) <= 60 < max(
        len(p["text"]) for p in report["results"]["base"]["questions"][0]["retrieved"])


def test_evidence_typo_stops_the_run_naming_line_and_phrase(tmp_path):
    eng = tiny_engine(tmp_path / "index")
    bad = [dict(QUESTIONS[0]), {**QUESTIONS[1], "evidence": ["carbon levy of 60 yuan"]}]
    with pytest.raises(EvalSetError, match=r"bad.jsonl:2: evidence phrase 'carbon levy of 60 yuan' of 'q2'"):
        evaluate_sets([tiny_set(tmp_path / "bad.jsonl", bad)], build_configs(eng.settings, ["bm25"]), eng,
                      answers=False, progress=False)


def test_chunk_hits_map_to_documents_by_best_score():
    def hit(doc, score, i):
        return Hit(Chunk(f"{doc}#{i}", doc, "t", 0, 1), score, "x", i)

    hits = [hit("a", 0.9, 1), hit("b", 0.8, 2), hit("a", 0.95, 3), hit("c", 0.8, 4)]
    assert rank_documents(hits, 10) == ["a", "b", "c"]
    assert rank_documents(hits, 2) == ["a", "b"]


def test_beir_folder_is_indexed_and_scored_through_the_engine(tmp_path):
    data = load_beir(write_beir(tmp_path / "beir"))
    assert sorted(data.queries) == ["1", "2", "3"]  # unjudged queries are not evaluated
    docs = beir_documents(data)
    assert docs[0].text.startswith("Solar subsidies\n\nThe ministry")
    eng = tiny_engine(tmp_path / "index")
    report = evaluate_beir(str(tmp_path / "beir"), build_configs(eng.settings, ["bm25"]), eng,
                           tmp_path / "cache", progress=False)
    s = report["results"]["bm25"]["summary"]
    assert s["questions"] == 3
    assert s["ndcg@10"] == 1.0 and s["recall@100"] == 1.0 and s["mrr@10"] == 1.0
    assert report["configs"][0]["index_dir"].startswith(str(tmp_path / "cache"))


def test_beir_loader_names_what_is_missing(tmp_path):
    with pytest.raises(InputError, match="qrels"):
        (tmp_path / "corpus.jsonl").write_text("{}\n")
        (tmp_path / "queries.jsonl").write_text("{}\n")
        load_beir(tmp_path)


def test_breakdown_gives_every_metric_per_split_when_questions_carry_one(tmp_path):
    eng = tiny_engine(tmp_path / "index")
    split_of = {"q1": "tune", "q2": "test", "q3": "test", "q4": "test"}
    labelled = [{**q, "split": split_of[q["id"]]} for q in QUESTIONS]
    configs = build_configs(eng.settings, ["bm25"])
    report = evaluate_sets([tiny_set(tmp_path / "s.jsonl", labelled)], configs, eng, answers=False, progress=False)
    res = report["results"]["bm25"]
    assert res["breakdown"]["split=tune"]["questions"] == 1
    test = res["breakdown"]["split=test"]
    assert test["questions"] == 3 and test["unanswerable"] == 1
    assert set(test) == set(res["summary"])  # the same metrics as the whole-set summary
    assert [q["split"] for q in res["questions"]] == ["tune", "test", "test", "test"]
    assert report["sets"][0]["splits"] == ["test", "tune"]
    unlabelled = evaluate_sets([tiny_set()], configs, eng, answers=False, progress=False)
    assert not any(g.startswith("split=") for g in unlabelled["results"]["bm25"]["breakdown"])


def test_a_follow_up_is_asked_after_its_conversation_and_searched_as_rewritten(tmp_path):
    # An evaluation line with "history" is a follow-up: its earlier questions are asked first (each
    # answered by the tool) and the follow-up is searched as the tool rewrites it.
    eng = tiny_engine(tmp_path / "index")
    asked: list[tuple[str, tuple]] = []
    real_ask = eng.ask

    def ask(question, history=(), **kw):
        asked.append((question, tuple(q for q, _ in history)))
        return real_ask(question, history=history, **kw)

    eng.ask = ask  # type: ignore[method-assign]
    follow = {"id": "q5", "question": "How much is it per panel?", "history": ["solar subsidies rural households"],
              "lang": "en", "evidence": ["300 yuan per panel"], "category": "fact"}
    s = tiny_set(questions=[follow])
    assert s.questions[0].history == ("solar subsidies rural households",)
    report = evaluate_sets([s], build_configs(eng.settings, ["bm25"]), eng, tmp_path / "cache", progress=False)
    assert asked[-2:] == [("solar subsidies rural households", ()), ("How much is it per panel?", ("solar subsidies rural households",))]
    q = report["results"]["bm25"]["questions"][0]
    assert q["extra"]["history"] == ["solar subsidies rural households"] and "solar" in q["extra"]["query"]
    assert q["retrieved"][0]["doc_id"] == "solar"
