"""Rule-based rewriting of follow-up questions (pure)."""

from __future__ import annotations

from rag.answer.followup import is_followup, rewrite, rewrite_query
from rag.settings import Settings

FIRST = ("What SME financing measures were announced?", "The documents answer this ... [1]")


def test_what_about_followup_borrows_the_previous_topic():
    q = rewrite("and what about guarantees?", [FIRST])
    assert q.startswith("guarantees") and "SME financing measures" in q


def test_short_wh_followup_borrows_the_previous_topic():
    assert rewrite("which provinces?", [FIRST]) == "which provinces (SME financing measures announced)"


def test_french_followup():
    q = rewrite("et les garanties ?", [("Quelles mesures de financement pour les PME ?", "...")])
    assert q.startswith("les garanties") and "PME" in q and "financement" in q


def test_pronoun_followup():
    assert is_followup("What are they?") and "SME" in rewrite("What are they?", [FIRST])


def test_self_contained_question_is_not_rewritten():
    assert rewrite("Who is Xiao Yaqing?", [FIRST]) == "Who is Xiao Yaqing?"
    assert rewrite("What is the capital of Australia?", [FIRST]) == "What is the capital of Australia?"


def test_chained_followups_keep_the_original_topic():
    hist = [FIRST, ("and what about guarantees?", "...")]
    q = rewrite("which provinces?", hist)
    assert "guarantees" in q and "SME" in q


def test_no_history_means_no_rewrite_and_no_llm_call():
    s = Settings(llm_url="http://127.0.0.1:9/v1", llm_model="m")  # would fail if called
    assert rewrite_query(s, "which provinces?", ()) == ("which provinces?", None)
