"""The narrow interface between the index and everything that reads or writes it.

Retrieval (``rag/retrieve.py``), fusion and answering talk only to a
:class:`StoreView`; the Engine writes through a :class:`Store`. Two
implementations: ``embedded`` (today's index directory: atomic generations,
manifest checks; one machine) and ``postgres`` (PostgreSQL + pgvector, shared
by several servers and an indexing job).

Chunks and sentences are addressed by integer *keys* that the store hands out
(a row number in the embedded store, a primary key in PostgreSQL). Keys are
only meaningful to the view that returned them; candidates are compared and
fused by key so both stores break score ties the same way (lower key first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ContextManager, Protocol, Sequence

import numpy as np

from rag.sentences import Sentence
from rag.types import Chunk, Document, Filters

if TYPE_CHECKING:
    from rag.settings import Settings


@dataclass(frozen=True)
class DocumentRecord:
    """One document with everything indexed for it: what a writer adds or replaces."""

    document: Document
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray  # (len(chunks), dim), normalised float32
    sentences: tuple[Sentence, ...] = ()
    sentence_vectors: np.ndarray | None = None  # (len(sentences), dim)
    # The model's latent terms of each sentence (``Embedder.latent_terms``): (ids, weights), or None.
    sentence_latent: tuple[np.ndarray, np.ndarray] | None = None


@dataclass(frozen=True)
class Counts:
    documents: int
    chunks: int
    sentences: int


@dataclass(frozen=True)
class BuildInfo:
    """How the stored vectors were made; decides whether they can be reused."""

    model: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    sentences_indexed: bool
    sources: tuple[str, ...] = ()
    # The stored documents' languages, as the store last counted them (a writer's own are ignored).
    languages: tuple[str, ...] = ()


class StoreView(Protocol):
    """A consistent read view: search, fetch, count. What retrieval and answering use."""

    def generation(self) -> int: ...
    def counts(self) -> Counts: ...
    def build_info(self) -> BuildInfo: ...
    def reusable_for(self, settings: "Settings", model: str | None = None) -> bool: ...

    # search: (keys, scores), best first
    def dense(self, qvec: np.ndarray, n: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]: ...
    def lexical(self, query: str, n: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``n`` chunks sharing a term with ``query`` (a score > 0)."""
        ...
    def dense_scores(self, qvec: np.ndarray, keys: np.ndarray) -> np.ndarray: ...
    def lexical_scores(self, query: str, keys: np.ndarray) -> np.ndarray: ...
    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many live chunks hold each of ``terms`` (BM25 terms, as ``tokenize`` makes them);
        terms no chunk holds are left out."""
        ...

    # fetch
    def chunks(self, keys: Sequence[int]) -> list[Chunk | None]:
        """Chunks by key, in the order asked (None for a key a writer has removed since)."""
        ...
    def chunks_of(self, doc_id: str) -> list[Chunk]: ...
    def document(self, doc_id: str) -> Document | None: ...
    def documents(self) -> list[Document]: ...
    def document_hashes(self) -> dict[str, str]: ...
    def sentences_in_chunks(self, chunks: Sequence[Chunk]) -> list[list[int]]:
        """Keys of the sentences whose middle lies inside each chunk, in document order."""
        ...
    def sentences_of(self, doc_id: str) -> list[int]: ...
    def sentences(self, keys: Sequence[int]) -> list[Sentence]: ...
    def sentence_vectors(self, keys: Sequence[int]) -> np.ndarray: ...
    def sentence_latent(self, keys: Sequence[int]) -> tuple[np.ndarray, np.ndarray] | None:
        """The sentences' latent terms (ids, weights), or None when the store holds none for some of them."""
        ...

    @property
    def location(self) -> str: ...


class StoreWriter(Protocol):
    """Changes made inside :meth:`Store.writing`; they become visible together, or not at all."""

    view: StoreView | None  # what is stored now (None: nothing yet), read under the writer's lock

    def clear(self) -> None: ...
    def put(self, records: Sequence[DocumentRecord]) -> None: ...
    def delete(self, doc_ids: Sequence[str]) -> None: ...
    def commit(self, info: BuildInfo) -> StoreView: ...


class Store(Protocol):
    """Where an index lives. ``view()`` for readers; ``writing()`` for one writer at a time."""

    def exists(self) -> bool: ...
    def view(self) -> StoreView: ...
    def writing(self, tolerate_damage: bool = False) -> ContextManager[StoreWriter]: ...
    def close(self) -> None: ...


def top(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` best scores, best first (ties: lower position first)."""
    n = min(n, len(scores))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]

