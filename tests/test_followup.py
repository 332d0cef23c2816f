"""Rule-based rewriting of follow-up questions (pure)."""

from __future__ import annotations

import pytest

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


# Issue 10: a question that names its own subject is searched as asked, whatever came before.
UNRELATED = ("What is the capital of Australia?", "The documents don't say.")
STANDALONE = [
    "What did measure 25 say?",  # the issue's example: a numbered measure is its own subject
    "What does article 12 require?",
    "Who is Xiao Yaqing?",
    "What is the capital of Australia?",
    "When was the SME guarantee fund created?",
    "How much VAT relief did exporters get in 2021?",
    "Is there a loan scheme for farmers?",
    "What measures support small businesses this year?",
    "Which provinces cut the electricity price for factories?",
    "Que dit la mesure 25 ?",
    "Quelles aides pour les PME en 2021 ?",
    "Y a-t-il des prêts pour les agriculteurs ?",
    "Y a-t-il un plan Covid ?",
    "Existe-t-il une aide au loyer ?",
    "Qu'est-ce que le fonds de garantie des PME ?",
    "Combien d'entreprises ont reçu une subvention à Shanghai ?",
    "And what is the capital of Australia?",
    "What are the next steps for SMEs?",
]
FOLLOWUP = [
    "and what about guarantees?",
    "which provinces?",
    "What are they?",
    "When did it start?",
    "Who announced those?",
    "How much was that?",
    "When does this measure end?",
    "what about 2022?",
    "et les garanties ?",
    "qu'en est-il des banques ?",
    "Quand a-t-elle été annoncée ?",
    "Combien ont-ils reçu ?",
    "Qui a annoncé ces mesures ?",
    "et en 2022 ?",
    "and the interest rates?",  # a bare noun phrase after "and": elliptical
    "And for small firms?",
    "et les taux d'intérêt ?",
    "Is that more than last year?",  # "that" as the subject points back
    "Was that enough?",
]


@pytest.mark.parametrize("question", STANDALONE)
def test_question_naming_its_own_subject_is_searched_as_asked(question):
    assert not is_followup(question)
    assert rewrite(question, [UNRELATED]) == question


@pytest.mark.parametrize("question", FOLLOWUP)
def test_question_leaning_on_the_previous_turn_is_rewritten(question):
    assert is_followup(question)
    assert "Australia" in rewrite(question, [UNRELATED])


def test_issue_example_measure_25_after_unrelated_question():
    assert rewrite("What did measure 25 say?", [UNRELATED]) == "What did measure 25 say?"


def test_a_second_what_about_takes_the_place_of_the_first_in_the_topic():
    hist = [FIRST, ("What about guarantees?", "...")]
    assert rewrite("and the interest rates?", hist) == "the interest rates (SME financing measures announced)"
    hist = [("Quelles mesures de financement pour les PME ?", "..."), ("et les garanties ?", "...")]
    assert rewrite("et les taux ?", hist) == "les taux (mesures financement PME)"
    # a time or a group narrows the topic, it does not replace its subject
    hist = [FIRST, ("What about guarantees?", "...")]
    assert rewrite("and in 2022?", hist) == "in 2022 (guarantees SME financing measures announced)"


def test_the_next_or_previous_one_after_a_numbered_item_is_its_neighbour():
    hist = [("What did measure 9 say?", "..."), ("And measure 10?", "...")]
    assert rewrite("what about the next one", hist) == "measure 11"
    assert rewrite("And the previous measure?", hist) == "measure 9"
    assert rewrite("La mesure suivante ?", [("Que dit la mesure 3 ?", "...")]) == "mesure 4"
    assert rewrite("the next one?", hist + [("what about the next one", "...")]) == "measure 12"  # chained
    assert rewrite("the previous one?", [("What did measure 1 say?", "...")]) != "measure 0"
    assert rewrite("the next one?", [FIRST]) == "the next one (SME financing measures announced)"
    assert rewrite("What are the next steps for SMEs?", hist) == "What are the next steps for SMEs?"


def test_the_verb_of_an_earlier_request_is_no_topic_to_borrow():
    # "Summarize it" then "Who issued it?" searched "Who issued it (Summarize notice second quarter)".
    turns = [("What did the notice on the second quarter say?", "..."), ("Summarize it", "...")]
    q = rewrite("Who issued it?", turns)
    assert "notice" in q and "Summarize" not in q, q


def test_french_en_pointing_back_makes_a_follow_up():
    # "Et combien peut-on en reporter ?" after the paid-leave question was searched on its own:
    # "en" ("of them") points back, as "en France" or "en 2022" do not.
    turns = [("Combien de jours de congés payés par an ?", "...")]
    assert is_followup("Et combien peut-on en reporter ?") and "congés" in rewrite("Et combien peut-on en reporter ?", turns)
    assert is_followup("Combien en reste-t-il ?")
    assert not is_followup("Que fait le ministère en France pour les PME ?")
