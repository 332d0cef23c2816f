"""Evaluation-set validation: every mistake is a one-line error naming the line."""

from __future__ import annotations

import json

import pytest

from eval.schema import EvalSetError, check_evidence, load_set, parse_set, select_split

GOOD = {"id": "q01", "question": "What?", "lang": "en", "answerable": True, "evidence": ["Alpha  Beta"]}


def lines(*objs):
    return [o if isinstance(o, str) else json.dumps(o) for o in objs]


def test_valid_set_parses_with_defaults():
    s = parse_set(lines(GOOD, "", {"id": "q02", "question": "Who?", "answerable": False}), "x.jsonl")
    assert [q.id for q in s.questions] == ["q01", "q02"]
    assert s.questions[1].line == 3 and s.questions[1].evidence == () and s.questions[1].lang == "und"
    assert s.name == "x"


@pytest.mark.parametrize(
    "bad, message",
    [
        ("{not json", "x.jsonl:2: bad JSON"),
        ('["a list"]', "x.jsonl:2: expected a JSON object"),
        ({"question": "no id", "evidence": ["a"]}, "x.jsonl:2: missing 'id'"),
        ({"id": "q9", "evidence": ["a"]}, "x.jsonl:2: missing 'question'"),
        ({"id": 3, "question": "q", "evidence": ["a"]}, "x.jsonl:2: 'id' must be a non-empty string"),
        ({"id": "q9", "question": "q", "evidence": "a"}, "'evidence' must be a list of strings"),
        ({"id": "q9", "question": "q", "evidence": ["a"], "answerable": "yes"}, "'answerable' must be true or false"),
        ({"id": "q9", "question": "q"}, "needs at least one 'evidence' phrase"),
        ({"id": "q9", "question": "q", "evidance": ["a"]}, "unknown field(s) 'evidance'"),
        ({"id": "q01", "question": "again", "evidence": ["a"]}, "x.jsonl:2: duplicate id 'q01' (first on line 1)"),
        ({"id": "q9", "question": "q", "evidence": ["a"], "split": "train"}, "x.jsonl:2: 'split' must be one of"),
        ({"id": "q9", "question": "q", "evidence": ["a"], "split": "Test"}, "'split' must be one of 'tune', 'test'"),
        ({"id": "q9", "question": "q", "evidence": ["a"], "split": None}, "'split' must be one of"),
        ({"id": "q9", "question": "q", "evidence": ["a"], "split": ""}, "'split' must be one of"),
    ],
)
def test_schema_errors_name_the_line(bad, message):
    with pytest.raises(EvalSetError) as exc:
        parse_set(lines(GOOD, bad), "x.jsonl")
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_evidence_phrase_is_an_error_naming_line_and_phrase():
    s = parse_set(lines(GOOD, {"id": "q02", "question": "q", "evidence": ["alpha beta", "Gamma typo"]}), "s.jsonl")
    check_evidence(parse_set(lines(GOOD), "s.jsonl"), ["xx ALPHA\nbeta yy"])  # folded match passes
    with pytest.raises(EvalSetError, match=r"s.jsonl:2: evidence phrase 'Gamma typo' of 'q02' does not occur"):
        check_evidence(s, ["xx alpha beta yy", "gamma"])


def test_evidence_never_matches_across_two_documents():
    s = parse_set(lines({"id": "q1", "question": "q", "evidence": ["end start"]}), "s.jsonl")
    with pytest.raises(EvalSetError):
        check_evidence(s, ["the end", "start here"])


def test_load_set_reports_missing_file_and_empty_set(tmp_path):
    with pytest.raises(EvalSetError, match="not found"):
        load_set(tmp_path / "nope.jsonl")
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match="no questions"):
        load_set(empty)


def test_split_is_read_when_given_and_empty_when_absent():
    s = parse_set(lines({**GOOD, "split": "tune"}, {**GOOD, "id": "q02", "split": "test"}, {**GOOD, "id": "q03"}))
    assert [q.split for q in s.questions] == ["tune", "test", ""]


def test_select_split_keeps_only_that_part():
    s = parse_set(lines({**GOOD, "split": "tune"}, {**GOOD, "id": "q02", "split": "test"},
                        {**GOOD, "id": "q03", "split": "test"}), "x.jsonl")
    assert [q.id for q in select_split(s, "test").questions] == ["q02", "q03"]
    assert [q.id for q in select_split(s, "tune").questions] == ["q01"]
    assert select_split(s, "test").name == "x"


def test_select_split_refuses_unlabelled_questions_and_empty_parts():
    s = parse_set(lines({**GOOD, "split": "tune"}, {**GOOD, "id": "q02"}), "x.jsonl")
    with pytest.raises(EvalSetError, match=r"x.jsonl:2: 'q02' has no 'split'"):
        select_split(s, "tune")
    only_tune = parse_set(lines({**GOOD, "split": "tune"}), "x.jsonl")
    with pytest.raises(EvalSetError, match="no question is in split 'test'"):
        select_split(only_tune, "test")
    with pytest.raises(EvalSetError, match="split must be one of"):
        select_split(only_tune, "dev")


@pytest.mark.parametrize("name,corpus", [("miit", "rag/sample"), ("miit-xling", "rag/sample"), ("miit-extra", "rag/sample"),
                                         ("miit-blind", "rag/sample"), ("miit-fresh", "rag/sample"),
                                         ("miit-everyday", "rag/sample"),
                                         ("policies", "eval/corpora/policies"),
                                         ("policies-followups", "eval/corpora/policies"),
                                         ("policies-everyday", "eval/corpora/policies")])
def test_the_shipped_sets_pass_the_authoring_checks_with_their_split_rule(name, corpus, capsys):
    from pathlib import Path

    from eval.check_set import check, expected_split

    root = Path(__file__).resolve().parent.parent
    errors, _ = check(root / "eval" / "sets" / f"{name}.jsonl", root / corpus)
    assert errors == []
    # the rules: miit q01-q70 tune then every fifth; miit-xling even ids tune
    assert [expected_split(n) for n in (70, 71, 75)] == ["tune", "test", "tune"]
    assert [expected_split(n, (1, 2)) for n in (1, 2, 25, 26)] == ["test", "tune", "test", "tune"]
    # miit-extra is tuning data only
    assert {expected_split(n, (10**6, 1)) for n in range(1, 100)} == {"tune"}
