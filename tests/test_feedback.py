"""rag.feedback (append-only JSON Lines) and eval.from_feedback (👎 → evaluation set), without Gradio."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from eval.from_feedback import eval_items
from eval.schema import parse_set
from rag.errors import InputError
from rag.feedback import FeedbackRecord, append, read


def _rec(verdict: str = "down", question: str = "What loan target?", wrong: tuple[int, ...] = (), comment: str = ""):
    cits = ({"n": 1, "doc_id": "d1", "title": "T", "start": 0, "end": 9, "text": "600 billion yuan"},
            {"n": 2, "doc_id": "d2", "title": "U", "start": 5, "end": 9, "text": "golden season"})
    return FeedbackRecord(question=question, query=question, answer="a [1] [2]", citations=cits, verdict=verdict,
                          comment=comment, wrong_sources=wrong)


def test_concurrent_feedback_lines_never_interleave(tmp_path):
    path = tmp_path / "feedback.jsonl"
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: append(path, _rec(comment="x" * 5000 + str(i))), range(64)))
    records = list(read(path))
    assert len(records) == 64 and all(r["verdict"] == "down" for r in records)


def test_an_unknown_verdict_is_refused():
    with pytest.raises(InputError):
        _rec(verdict="meh")


def test_thumbs_down_become_test_questions_with_the_sources_not_marked_wrong_as_evidence():
    items = eval_items([_rec(wrong=(1,)).to_json(), _rec("up", "Other?").to_json(), _rec(wrong=(1,)).to_json()])
    assert len(items) == 1  # 👍 skipped, duplicate question merged
    item = items[0]
    assert item["evidence"] == ["golden season"] and item["answerable"] and item["split"] == "test"
    assert item["notes"].startswith("from feedback: review")
    parse_set([json.dumps(i) for i in items], "fb.jsonl")


def test_a_thumbs_down_saying_the_documents_lack_it_becomes_an_unanswerable_question():
    [item] = eval_items([_rec(comment="the documents don't cover this").to_json()])
    assert item["answerable"] is False and item["evidence"] == []
