"""Report pieces: --fail-under parsing and checks, the terminal table, the self-contained HTML."""

from __future__ import annotations

import re

import pytest

from eval.configs import build_configs
from eval.harness import SET_METRICS
from eval.report import Bound, check_bounds, parse_bounds, terminal_table
from eval.report_html import render_html
from eval.run import evaluate_sets
from rag.errors import ConfigError
from tests.eval_support import QUESTIONS, tiny_engine, tiny_set


@pytest.fixture()
def tiny_report(tmp_path):
    eng = tiny_engine(tmp_path / "index")
    questions = QUESTIONS + [{"id": "q5", "question": "<script>alert(1)</script> zzz", "lang": "en",
                              "evidence": ["300 yuan per panel"]}]
    return evaluate_sets([tiny_set(tmp_path / "t.jsonl", questions)], build_configs(eng.settings, ["bm25", "dense"]),
                         eng, tmp_path / "cache", answers=False, progress=False)


def test_fail_under_specs_parse_with_optional_config():
    bounds = parse_bounds(["ndcg@10=0.7", "bm25:Hit@5=0.5"], SET_METRICS, ["bm25", "dense"])
    assert bounds == [Bound("ndcg@10", 0.7), Bound("hit@5", 0.5, "bm25")]


@pytest.mark.parametrize("spec, message", [
    ("ndcg@10", "expected [CONFIG:]METRIC=VALUE"),
    ("ndcg@11=0.5", "unknown metric 'ndcg@11'"),
    ("other:ndcg@10=0.5", "no configuration named 'other'"),
    ("ndcg@10=high", "'high' is not a number"),
])
def test_bad_fail_under_specs_are_config_errors(spec, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_bounds([spec], SET_METRICS, ["bm25"])


def test_check_bounds_reports_one_line_per_failing_config_and_bound():
    summaries = {"bm25": {"ndcg@10": 0.8, "refusal_recall": None}, "dense": {"ndcg@10": 0.6, "refusal_recall": 0.5}}
    lines = check_bounds(summaries, [Bound("ndcg@10", 0.7), Bound("refusal_recall", 0.4)])
    assert lines == ["dense: ndcg@10 = 0.600 is below 0.7", "bm25: refusal_recall is undefined (bound 0.4)"]
    assert check_bounds(summaries, [Bound("ndcg@10", 0.7, "bm25")]) == []


def test_terminal_table_has_a_row_per_config_and_group_pivots(tiny_report):
    table = terminal_table(tiny_report)
    rows = table.splitlines()
    assert rows[0].split()[:4] == ["config", "n", "Hit@5", "R@10"]
    assert rows[2].startswith("bm25") and rows[3].startswith("dense")
    assert "nDCG@10 by group" in table and "lang=fr" in table


def test_html_report_is_self_contained_and_escapes_text(tiny_report):
    html = render_html(tiny_report)
    assert html.startswith("<!doctype html>") and html.count("<svg") >= 3
    assert "<script" not in html and "&lt;script&gt;" in html
    # nothing that a browser would fetch: no src/href attributes, no CSS url()/@import
    assert not re.search(r"\s(src|href)=", html)
    assert "url(" not in html and "@import" not in html
    assert re.findall(r"https?://[^\"' ]+", html) == ["http://www.w3.org/2000/svg"] * html.count("<svg")
