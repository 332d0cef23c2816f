"""Pure checks on generated text: loop cutting, citation support, follow-up rewrite validation."""

from __future__ import annotations

from rag.answer.followup import rewrite_problem, rewrite_query
from rag.answer.loops import cut_loop, find_loop
from rag.answer.support import SUPPORT_MIN, support
from rag.answer.terms import content_terms
from rag.answer.verify import check_citations, withdraw_unsupported
from rag.settings import Settings
from tests.chat_completions_server import ChatCompletionsServer, Reply

# -- loops ----------------------------------------------------------------------------------------


def test_repeated_date_loop_is_cut_after_its_first_occurrence():
    text = "Plans were issued on " + " ".join(["2022-09-22"] * 30)
    cut, loop = cut_loop(text)
    assert cut == "Plans were issued on 2022-09-22" and loop.period == 1


def test_repeated_phrase_loop_is_found_mid_text():
    phrase = "the ministry will support SMEs [1]."
    text = "Guarantees grow [2]. " + " ".join([phrase] * 4) + " End."
    loop = find_loop(text)
    assert loop is not None and loop.period == len(phrase.split())
    assert cut_loop(text)[0] == "Guarantees grow [2]. " + phrase


def test_natural_prose_with_repeated_words_is_not_a_loop():
    prose = ("It is what it is, and that is that. The notice said that the the plan, the plan and the fund "
             "support SMEs; SMEs, SMEs and banks. Loans to SMEs grew, loans to SMEs fell, loans to SMEs held.")
    assert find_loop(prose) is None


# -- citation support -----------------------------------------------------------------------------

PASSAGES = [
    "Establish and improve the credit guarantee system for small and medium-sized enterprises, and strive to "
    "achieve the goal of 600 billion yuan for SME loans this year.",
    "The second quarter is the golden season of production, and it is also an important stage to reverse "
    "the decline in industrial growth.",
    "Relevant departments should regard the implementation of ten major industrial restructuring and "
    "rejuvenation plans as the top priority of the current work.",
]
SUPPORTED = [  # (statement, passage index)
    ("The ministry aims for 600 billion yuan of SME loans this year.", 0),
    ("The credit guarantee system for small and medium-sized enterprises will be improved.", 0),
    ("The second quarter is the golden season of production.", 1),
    ("Reversing the decline in industrial growth is important in the second quarter.", 1),
    ("Ten industrial restructuring and rejuvenation plans are the top priority.", 2),
]
UNSUPPORTED = [  # what a small model wrote under "[1] … [2] …" labels
    ("2022-09-22 The ministry opened a new office in Shanghai.", 0),
    ("Exports of electric vehicles doubled in March.", 1),
    ("The central bank cut interest rates by half a point.", 2),
    ("Steel output fell while coal prices rose sharply.", 0),
    ("SME loans were cancelled for the whole year.", 1),
    # passage words mixed with invented content: the hard cases
    ("The ministry opened 600 new offices in Shanghai and Beijing.", 0),
    ("Industrial growth in the second quarter doubled exports of electric vehicles.", 1),
    ("The top priority is cutting taxes on imported cars and phones.", 2),
    ("Small enterprises received free land and tax holidays from the ministry.", 0),
]
NEAR_MISS = [  # same words, wrong fact: lexical overlap cannot see these (printed, not asserted)
    ("SME loans of 600 billion yuan were cancelled this year.", 0),
    ("The second quarter is the worst season of production.", 1),
]


def _scores(pairs):
    terms = [content_terms(p) for p in PASSAGES]
    return [support(s, [terms[i]]) for s, i in pairs]


def test_support_threshold_separates_supported_from_unsupported_statements():
    ok, bad = _scores(SUPPORTED), _scores(UNSUPPORTED)
    print(f"\nsupport: supported {[round(x, 2) for x in ok]}, unsupported {[round(x, 2) for x in bad]}, "
          f"near misses {[round(x, 2) for x in _scores(NEAR_MISS)]}")
    assert min(ok) >= SUPPORT_MIN > max(bad)


def test_unsupported_statements_lose_their_markers_and_are_flagged():
    terms = [content_terms(p) for p in PASSAGES]
    text = ("Key points:\n[1] 2022-09-22 The ministry opened a new office in Shanghai.\n"
            "- The second quarter is the golden season of production [2].\n"
            "- Ten restructuring plans are the top priority [1, 3].")
    out, rejected = withdraw_unsupported(text, 3, lambda st, cited: support(st, [terms[n - 1] for n in cited]) >= SUPPORT_MIN)
    assert rejected == ("2022-09-22 The ministry opened a new office in Shanghai.",)
    checked = check_citations(out, 3)
    assert checked.flagged == ("2022-09-22 The ministry opened a new office in Shanghai.",)
    assert checked.order == (2, 1, 3)


# -- follow-up rewrite ----------------------------------------------------------------------------

HIST = [("What SME financing measures were announced?",
         "Several measures were announced: the credit guarantee system for small firms is improved and "
         "the goal is 600 billion yuan of SME loans this year [1].")]


def test_good_llm_rewrite_is_accepted():
    assert rewrite_problem("SME financing credit guarantees announced", "and guarantees?", HIST) is None


def test_rewrite_that_copies_the_previous_answer_is_rejected():
    copy = "the credit guarantee system for small firms is improved and the goal is 600 billion guarantees"
    assert rewrite_problem(copy, "and guarantees?", HIST) == "copies the previous answer"


def test_rewrite_that_drops_the_followups_words_or_runs_long_is_rejected():
    assert "guarantees" in rewrite_problem("SME financing measures announced", "and guarantees?", HIST)
    assert "more than" in rewrite_problem("guarantees " * 40, "and guarantees?", HIST)


def test_rejected_llm_rewrite_falls_back_to_the_rules_with_a_notice():
    with ChatCompletionsServer([Reply(HIST[0][1])]) as srv:
        s = Settings(llm_url=srv.url, llm_model="m", llm_timeout=5)
        q, notice = rewrite_query(s, "and guarantees?", HIST)
    assert q.startswith("guarantees") and "SME" in q
    assert "rejected" in notice and "rule-based" in notice


def test_requests_carry_max_tokens_and_extra_params():
    from rag.answer import llm

    with ChatCompletionsServer([Reply("ok")]) as srv:
        s = Settings(llm_url=srv.url, llm_model="m", llm_max_tokens=77, llm_params='{"repeat_penalty": 1.2}')
        llm.chat(s, [{"role": "user", "content": "hi"}])
    body = srv.requests[0]["body"]
    assert body["max_tokens"] == 77 and body["repeat_penalty"] == 1.2 and body["stream"] is False
