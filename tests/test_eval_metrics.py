"""Metric functions against hand-computed cases, and nDCG against ranx."""

from __future__ import annotations

import math
import random

import pytest

from eval import metrics as m

F = frozenset


def test_fold_ignores_case_and_whitespace_runs():
    assert m.fold("  The\n  Ministry\tof  ") == "the ministry of"
    assert m.phrases_in("Voir  la\nPolitique", ["la politique", "absent", "VOIR"]) == F({0, 2})


def test_hit_and_mrr_use_the_first_passage_with_evidence():
    matched = [F(), F(), F({0}), F()]
    assert m.hit_at_k(matched, 2) == 0.0
    assert m.hit_at_k(matched, 3) == 1.0
    assert m.mrr_at_k(matched, 10) == pytest.approx(1 / 3)
    assert m.mrr_at_k(matched, 2) == 0.0


def test_recall_counts_distinct_phrases_found_in_top_k():
    matched = [F({0}), F({0}), F({1, 0}), F({2})]
    assert m.recall_at_k(matched, 4, 2) == pytest.approx(1 / 4)
    assert m.recall_at_k(matched, 4, 3) == pytest.approx(2 / 4)
    assert m.recall_at_k(matched, 4, 10) == pytest.approx(3 / 4)


def test_ndcg_binary_relevance_hand_computed():
    # relevant at ranks 2 and 3, two evidence phrases -> ideal = 1 + 1/log2(3)
    matched = [F(), F({0}), F({1})]
    expected = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert m.ndcg_at_k(matched, 2, 10) == pytest.approx(expected)
    assert m.ndcg_at_k([F({0})], 1, 10) == 1.0
    # overlapping chunks repeating one phrase cannot push nDCG above 1
    assert m.ndcg_at_k([F({0}), F({0})], 1, 10) == 1.0
    assert m.ndcg_at_k([F()], 0, 10) == 0.0


def test_graded_metrics_hand_computed():
    qrels = {"a": 2, "b": 1, "z": 1}
    ranked = ["x", "a", "b", "y"]
    dcg = 2 / math.log2(3) + 1 / math.log2(4)
    idcg = 2 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m.graded_ndcg_at_k(ranked, qrels, 10) == pytest.approx(dcg / idcg)
    assert m.graded_recall_at_k(ranked, qrels, 2) == pytest.approx(1 / 3)
    assert m.graded_recall_at_k(ranked, qrels, 100) == pytest.approx(2 / 3)
    assert m.graded_mrr_at_k(ranked, qrels) == 0.5


def test_graded_ndcg_matches_ranx_on_random_runs():
    ranx = pytest.importorskip("ranx")
    rng = random.Random(7)
    docs = [f"d{i}" for i in range(60)]
    qrels_d, run_d = {}, {}
    for q in range(40):
        qid = f"q{q}"
        qrels_d[qid] = {d: rng.choice([1, 1, 2, 3]) for d in rng.sample(docs, rng.randint(1, 6))}
        run_d[qid] = {d: rng.random() for d in rng.sample(docs, rng.randint(5, 30))}
    ours = []
    for qid, scores in run_d.items():
        ranked = sorted(scores, key=scores.get, reverse=True)
        ours.append(m.graded_ndcg_at_k(ranked, qrels_d[qid], 10))
    theirs = ranx.evaluate(ranx.Qrels(qrels_d), ranx.Run(run_d), "ndcg@10")
    assert sum(ours) / len(ours) == pytest.approx(theirs, abs=1e-9)
    for name, fn in (("recall@10", lambda r, q: m.graded_recall_at_k(r, q, 10)), ("mrr@10", m.graded_mrr_at_k)):
        vals = [fn(sorted(s, key=s.get, reverse=True), qrels_d[q]) for q, s in run_d.items()]
        assert sum(vals) / len(vals) == pytest.approx(ranx.evaluate(ranx.Qrels(qrels_d), ranx.Run(run_d), name))


def test_citation_accuracy_and_coverage():
    evidence = ["digital transformation", "small and medium-sized enterprises"]
    cites = ["Promote DIGITAL\ntransformation now.", "Unrelated sentence."]
    assert m.citation_accuracy(cites, evidence) == 1.0
    assert m.evidence_coverage(cites, evidence) == 0.5
    assert m.citation_accuracy([], evidence) == 0.0
    assert m.evidence_coverage(cites + ["help small and medium-sized enterprises"], evidence) == 1.0
    # the leading point is what a reader takes as the answer
    assert m.lead_accuracy(cites, evidence) == 1.0
    assert m.lead_accuracy(list(reversed(cites)), evidence) == 0.0
    assert m.lead_accuracy([], evidence) == 0.0


def test_answer_contains_rate():
    assert m.answer_contains_rate("The rate rose by 14.1% in Q1.", ["14.1%", "Q1", "2023"]) == pytest.approx(2 / 3)
    assert m.answer_contains_rate("anything", []) == 1.0


def test_refusal_precision_and_recall():
    # (answerable, refused)
    pairs = [(False, True), (False, True), (False, False), (True, True), (True, False), (True, False)]
    p, r = m.refusal_precision_recall(pairs)
    assert p == pytest.approx(2 / 3)
    assert r == pytest.approx(2 / 3)
    assert m.refusal_precision_recall([(True, False)]) == (None, None)


def test_percentile_interpolates_like_numpy():
    xs = [10.0, 1.0, 4.0, 7.0]
    assert m.percentile(xs, 50) == pytest.approx(5.5)
    assert m.percentile(xs, 95) == pytest.approx(9.55)
    assert m.percentile([3.0], 95) == 3.0
    assert m.percentile([], 50) is None
    assert m.mean([1.0, None, 3.0]) == 2.0
