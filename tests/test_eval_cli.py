"""`rag eval` end to end on the real sample index: reports, exit codes of --fail-under, errors."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from rag.cli import main

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent


def _answers_available() -> bool:
    try:
        return hasattr(importlib.import_module("rag.answer"), "ask")
    except ImportError:
        return False


ANSWERS = _answers_available()


def small_set(tmp_path: Path, ids=("q01", "q03", "q21", "q60", "q62")) -> Path:
    rows = [json.loads(l) for l in (ROOT / "eval/sets/miit.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    chosen = [r for r in rows if r["id"] in ids]
    chosen.append(next(r for r in rows if not r["answerable"]))
    path = tmp_path / "small.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in chosen), encoding="utf-8")
    return path


def run(tmp_path, sample_index_dir, *extra: str) -> int:
    args = ["eval", "--index-dir", str(sample_index_dir), "--out", str(tmp_path / "out"),
            "--cache-dir", str(tmp_path / "cache"), "--quiet"]
    if not ANSWERS:
        args.append("--no-answers")
    return main([*args, *extra])


def test_eval_writes_reports_and_exits_zero_when_bounds_hold(tmp_path, sample_index_dir, capsys):
    code = run(tmp_path, sample_index_dir, str(small_set(tmp_path)), "--config", "bm25", "--config", "hybrid",
               "--fail-under", "hit@10=0.1", "--fail-under", "hybrid:mrr@10=0.1")
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.splitlines()[0].startswith("config") and "\nbm25 " in out.out and "\nhybrid " in out.out
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert list(report["results"]) == ["bm25", "hybrid"]
    assert report["corpus"]["documents"] == 5 and report["versions"]["python"]
    summary = report["results"]["hybrid"]["summary"]
    assert summary["questions"] == 6 and summary["hit@10"] > 0.5
    assert summary["search_latency"]["n"] == 6 and summary["search_latency"]["p95_ms"] > 0
    if ANSWERS:
        assert summary["citation_accuracy"] is not None and summary["answer_latency"]["n"] == 6
    assert (tmp_path / "out" / "report.html").read_text(encoding="utf-8").count("<svg") >= 3


def test_eval_exits_one_with_a_line_per_failing_bound(tmp_path, sample_index_dir, capsys):
    code = run(tmp_path, sample_index_dir, str(small_set(tmp_path)), "--config", "bm25", "--config", "dense",
               "--fail-under", "ndcg@10=1.01", "--fail-under", "hit@10=0.0")
    err = capsys.readouterr().err
    assert code == 1
    lines = [l for l in err.splitlines() if l.startswith("rag: fail-under:")]
    assert len(lines) == 2
    assert lines[0].startswith("rag: fail-under: bm25: ndcg@10 = ") and lines[0].endswith("is below 1.01")
    assert lines[1].startswith("rag: fail-under: dense: ndcg@10 = ")


@pytest.mark.parametrize("content, extra, message", [
    (None, ["--fail-under", "ndgc@10=0.5"], "unknown metric 'ndgc@10'"),
    (None, ["--config", "x=chunk_size=abc"], "cannot use 'abc' as int"),
    ('{"id": "q1", "question": "ok", "evidence": ["MIIT"]}\n{"id": "q1"', [], "bad.jsonl:2: bad JSON"),
    ('{"id": "q1", "question": "ok", "evidence": ["MIIT"]}\n{"id": "q1", "question": "x", "evidence": ["a"]}', [],
     "bad.jsonl:2: duplicate id 'q1'"),
    ('{"id": "q1", "question": "loans?", "evidence": ["600 billion yuan for SME loanz"]}', [],
     "bad.jsonl:1: evidence phrase '600 billion yuan for SME loanz' of 'q1' does not occur"),
])
def test_eval_errors_are_one_line_with_exit_two(tmp_path, sample_index_dir, capsys, content, extra, message):
    path = small_set(tmp_path)
    if content is not None:
        path = tmp_path / "bad.jsonl"
        path.write_text(content, encoding="utf-8")
    code = run(tmp_path, sample_index_dir, str(path), *extra)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("rag: error: ") and message in err[-1]
    assert not (tmp_path / "out" / "report.json").exists()


def test_eval_needs_sets_or_beir(tmp_path, sample_index_dir, capsys):
    assert run(tmp_path, sample_index_dir) == 2
    assert "give evaluation SET file(s) or --beir DIR" in capsys.readouterr().err


def test_eval_docs_indexes_given_files_in_the_cache_not_the_main_index(tmp_path, capsys):
    from tests.eval_support import TEXTS, tiny_set

    corpus = tmp_path / "docs"
    corpus.mkdir()
    for doc_id, (title, body) in TEXTS.items():
        (corpus / f"{doc_id}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    set_path = tmp_path / "tiny.jsonl"
    tiny_set(set_path)
    main_index = tmp_path / "index"
    code = main(["eval", str(set_path), "--docs", str(corpus), "--index-dir", str(main_index), "--model", "hashing-64",
                 "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out"), "--no-answers", "--quiet",
                 "--config", "bm25", "--fail-under", "hit@1=1"])
    assert code == 0, capsys.readouterr().err
    assert not main_index.exists()
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["corpus"]["documents"] == 3
    assert report["configs"][0]["index_dir"].startswith(str(tmp_path / "cache" / "docs-"))


def _tiny_docs_run(tmp_path, questions, *extra: str) -> int:
    """`rag eval` over the tiny corpus in files, hashing embedder: no model to load."""
    from tests.eval_support import TEXTS, tiny_set

    corpus = tmp_path / "docs"
    corpus.mkdir(exist_ok=True)
    for doc_id, (title, body) in TEXTS.items():
        (corpus / f"{doc_id}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    set_path = tmp_path / "split.jsonl"
    tiny_set(set_path, questions)
    return main(["eval", str(set_path), "--docs", str(corpus), "--index-dir", str(tmp_path / "index"),
                 "--model", "hashing-64", "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out"),
                 "--no-answers", "--quiet", "--config", "bm25", *extra])


def test_eval_split_evaluates_only_that_part_of_the_set(tmp_path, capsys):
    from tests.eval_support import QUESTIONS

    split_of = {"q1": "tune", "q2": "test", "q3": "test", "q4": "tune"}
    labelled = [{**q, "split": split_of[q["id"]]} for q in QUESTIONS]
    code = _tiny_docs_run(tmp_path, labelled, "--split", "test", "--fail-under", "hit@1=1")
    assert code == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    res = report["results"]["bm25"]
    assert [q["id"] for q in res["questions"]] == ["q2", "q3"]
    assert res["summary"]["questions"] == 2 and report["sets"][0]["splits"] == ["test"]
    assert list(g for g in res["breakdown"] if g.startswith("split=")) == ["split=test"]
    assert "split=test" in capsys.readouterr().out

    assert _tiny_docs_run(tmp_path, labelled) == 0
    whole = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["results"]["bm25"]
    assert whole["summary"]["questions"] == 4
    assert whole["breakdown"]["split=tune"]["questions"] == 2 and whole["breakdown"]["split=test"]["questions"] == 2


def test_eval_split_on_a_set_without_splits_is_an_error_naming_the_line(tmp_path, capsys):
    from tests.eval_support import QUESTIONS

    assert _tiny_docs_run(tmp_path, QUESTIONS, "--split", "tune") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("rag: error: ") and "split.jsonl:1: 'q1' has no 'split'" in err[-1]
