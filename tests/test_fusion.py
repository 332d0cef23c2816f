import numpy as np

from rag.fusion import convex, minmax, ranks, rrf, zscore


def test_ranks_are_one_based_best_first():
    assert ranks(np.array([0.1, 0.9, 0.5])).tolist() == [3, 1, 2]


def test_rrf_matches_hand_computation():
    d = np.array([0.9, 0.1, 0.5])   # ranks 1,3,2
    l = np.array([1.0, 3.0, 2.0])   # ranks 3,1,2
    got = rrf(d, l, k=60)
    want = [1 / 61 + 1 / 63, 1 / 63 + 1 / 61, 1 / 62 + 1 / 62]
    assert np.allclose(got, want)


def test_convex_weights_normalised_scores():
    d = np.array([0.8, 0.6, 0.4])
    l = np.array([0.0, 10.0, 5.0])
    assert np.allclose(convex(d, l, 1.0), zscore(d))
    assert np.allclose(convex(d, l, 0.0), zscore(l))
    both = convex(d, l, 0.5)
    assert np.argmax(both) == 1  # good in both beats best in one
    assert np.allclose(minmax(np.array([2.0, 4.0, 3.0])), [0.0, 1.0, 0.5])


def test_constant_scores_do_not_divide_by_zero():
    assert np.all(zscore(np.array([0.0, 0.0])) == 0)
    assert np.all(np.isfinite(convex(np.array([1.0, 1.0]), np.array([0.0, 0.0]))))
