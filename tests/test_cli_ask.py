"""`rag ask`: output shapes and every error path (one line, non-zero exit)."""

from __future__ import annotations

import json

import pytest

from rag.cli import main


def _err(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rag: error: ")
    return err[0]


def test_empty_question_fails(capsys):
    assert main(["ask", "  "]) == 2
    assert "empty question" in _err(capsys)


def test_question_and_batch_together_fail(capsys, tmp_path):
    assert main(["ask", "q", "--batch", str(tmp_path / "x.jsonl")]) == 2
    assert "not both" in _err(capsys)


def test_missing_batch_file_fails(capsys, tmp_path):
    assert main(["ask", "--batch", str(tmp_path / "none.jsonl"), "--json"]) == 2
    assert "batch file not found" in _err(capsys)


@pytest.mark.parametrize("lines,expect", [
    (['{"id": 1, "question": "ok?"}', '{"id": 2, "question": '], ":2: not valid JSON"),
    (['{"id": 1, "question": "ok?"}', "", '["a"]'], ":3: expected a JSON object"),
    (['{"id": 1, "question": ""}'], ":1: missing or empty 'question'"),
])
def test_bad_batch_line_names_the_line(capsys, tmp_path, lines, expect):
    f = tmp_path / "b.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["ask", "--batch", str(f), "--json", "--index-dir", str(tmp_path / "idx")]) == 2
    assert expect in _err(capsys)
    assert capsys.readouterr().out == ""


def test_missing_index_fails(capsys, tmp_path):
    assert main(["ask", "What SME financing measures were announced?", "--index-dir", str(tmp_path / "none")]) == 2
    assert "index" in _err(capsys).lower()


def test_bad_date_filter_fails(capsys, tmp_path):
    assert main(["ask", "q", "--date-from", "yesterday", "--index-dir", str(tmp_path)]) == 2
    assert "--date-from" in _err(capsys)


@pytest.mark.e2e
def test_batch_writes_one_json_line_per_input(capsys, tmp_path, sample_index_dir):
    f = tmp_path / "b.jsonl"
    rows = [{"id": "a", "question": "What SME financing measures were announced?", "answerable": True},
            {"id": "b", "question": "What is the capital of Australia?"}]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert main(["ask", "--batch", str(f), "--json", "--index-dir", str(sample_index_dir)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    assert {"id", "answer", "refused", "citations", "related", "query", "ms"} <= set(out[0])
    assert out[0]["citations"] and not out[0]["refused"] and out[1]["refused"] and out[1]["related"]
    assert {"n", "doc_id", "title", "date", "lang", "source", "start", "end", "text"} <= set(out[0]["citations"][0])


@pytest.mark.e2e
def test_human_output_lists_numbered_sources(capsys, sample_index_dir):
    assert main(["ask", "What SME financing measures were announced?", "--index-dir", str(sample_index_dir)]) == 0
    out = capsys.readouterr().out
    assert "Sources:" in out and "  [1] " in out and "[1]" in out.split("Sources:")[0]


def test_the_words_around_a_french_answer_are_french():
    from rag.cli.ask_cmd import _human
    from rag.types import Answer, Chunk, Hit

    chunk = Chunk(id="d1#0", doc_id="d1", text="Le 27 mai.", start=0, end=10, title="T", source="t.txt",
                  lang="fr", date="--05-27")
    out = _human(Answer(question="Quoi ?", query="Quoi ? mai", text="Les documents ne le disent pas.", refused=True,
                        related=(Hit(chunk=chunk, score=0.1, retriever="hybrid", rank=1),), lang="fr"))
    assert "(recherche : Quoi ? mai)" in out and "Passages liés (pas des citations) :" in out
    assert "Related" not in out and "27 mai (année non précisée)" in out


@pytest.mark.parametrize("command", ["ask", "search"])
def test_too_long_question_fails_with_one_line_before_touching_the_index(capsys, tmp_path, command):
    assert main([command, "why " * 1000, "--index-dir", str(tmp_path / "none")]) == 2
    err = _err(capsys)
    assert "too long" in err and "2000" in err and "max_question_chars" in err


def test_too_long_question_in_a_batch_names_the_line(capsys, tmp_path):
    f = tmp_path / "b.jsonl"
    f.write_text(json.dumps({"id": 1, "question": "ok?"}) + "\n" + json.dumps({"id": 2, "question": "x" * 5000}) + "\n")
    assert main(["ask", "--batch", str(f), "--json", "--index-dir", str(tmp_path / "none")]) == 2
    err = _err(capsys)
    assert ":2:" in err and "too long" in err


@pytest.mark.parametrize("command", ["ask", "search"])
@pytest.mark.parametrize("question", ["???", "🚀🚀", "… !"])
def test_a_question_without_a_word_fails_with_one_line(capsys, tmp_path, command, question):
    # "???" was answered with five points: every sentence is some distance from nothing.
    assert main([command, question, "--index-dir", str(tmp_path / "none")]) == 2
    err = _err(capsys)
    assert "has no words" in err and "\n" not in err.strip()
