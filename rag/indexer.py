"""Decide what to (re-)embed, and chunk, split and embed it into DocumentRecords.

Re-indexing a corpus in which nothing changed embeds nothing: a document's
chunks, answerable sentences and their vectors are carried over when its id,
content hash, the model and the chunking settings are all unchanged. Sentences
are split and embedded here, once, so that answering a question embeds only
the question. Documents missing from the new set
are dropped. The BM25 arrays are rebuilt every time (milliseconds per
thousand chunks), the dense vectors never needlessly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from .chunking import chunk_document
from .embed import Embedder
from .settings import Settings
from .stores.base import DocumentRecord
from rag.sentences import Sentence, answerable_sentences, embedding_text
from .types import Chunk, Document

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Plan:
    """Which documents of a target set need chunking and embedding, and which are kept as stored."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]


def plan(target: Mapping[str, Document], stored: Mapping[str, str], reusable: bool) -> Plan:
    """Compare ``target`` documents with ``stored`` (id → content hash).

    A document is unchanged when its id and content hash match and the stored
    vectors are ``reusable`` (same model, chunking, format).
    """
    added, updated, unchanged = [], [], []
    for doc_id in sorted(target):
        prev = stored.get(doc_id)
        if prev is None:
            added.append(doc_id)
        elif reusable and prev == target[doc_id].content_hash:
            unchanged.append(doc_id)
        else:
            updated.append(doc_id)
    return Plan(tuple(added), tuple(updated), tuple(unchanged))


def build_records(
    documents: Sequence[Document],
    embedder: Embedder,
    settings: Settings,
    progress: bool = False,
    on_progress: Progress | None = None,
) -> tuple[list[DocumentRecord], dict[str, int]]:
    """Chunk, split into answerable sentences and embed ``documents`` (in id order).

    Returns the records and how many chunks and sentences were embedded.
    """
    docs = sorted(documents, key=lambda d: d.id)
    chunks: list[list[Chunk]] = []
    sentences: list[list[Sentence]] = []
    for doc in docs:
        chunks.append(chunk_document(doc, settings.chunk_size, settings.chunk_overlap))
        sentences.append(answerable_sentences(doc.id, doc.text) if settings.index_sentences else [])
    flat_c = [c for cs in chunks for c in cs]
    flat_s = [x for xs in sentences for x in xs]
    embed = _Embedding(embedder, len(flat_c) + len(flat_s), progress, on_progress)
    vectors = embed.fill([c.text for c in flat_c], [None] * len(flat_c), "chunks")
    read = [embedding_text(x.text) for x in flat_s]  # without the "?" marks scraping left inside
    svectors = embed.fill(read, [None] * len(flat_s), "sentences")
    embed.close()
    # A model with a latent-terms head (multilingual-e5) describes each sentence by them too, so
    # that answering ranks sentences in another language than the question on shared concepts.
    latent = None
    if flat_s and getattr(embedder, "latent_dim", 0):
        latent = embedder.latent_terms(read)
    records: list[DocumentRecord] = []
    i = j = 0
    for doc, cs, xs in zip(docs, chunks, sentences):
        lat = None if latent is None else (latent[0][j : j + len(xs)], latent[1][j : j + len(xs)])
        records.append(DocumentRecord(doc, tuple(cs), vectors[i : i + len(cs)], tuple(xs), svectors[j : j + len(xs)],
                                      lat))
        i, j = i + len(cs), j + len(xs)
    return records, {"embedded_chunks": embed.counts["chunks"], "embedded_sentences": embed.counts["sentences"]}


class _Embedding:
    """Embeds the rows that have no vector yet, in slices, reporting progress over the whole job."""

    SLICE = 256  # texts per model call; the model batches and length-sorts within a slice

    def __init__(self, embedder: Embedder, total: int, progress: bool, on_progress: Progress | None) -> None:
        self.embedder, self.total, self.on_progress = embedder, total, on_progress
        self.done = 0
        self.counts: dict[str, int] = {}
        self.bar = None
        if on_progress:
            on_progress(0.05, f"embedding {total} chunks and sentences")
        if progress and total > self.SLICE:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="text", desc="embedding")

    def fill(self, texts: Sequence[str], rows: Sequence[np.ndarray | None], what: str) -> np.ndarray:
        """A (len(texts), dim) array: carried-over rows as given, the others embedded."""
        vectors = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        todo = [i for i, r in enumerate(rows) if r is None]
        for i, r in enumerate(rows):
            if r is not None:
                vectors[i] = r
        # Longest first across the whole job, so each model batch holds texts of
        # similar length and wastes little compute on padding.
        todo.sort(key=lambda i: -len(texts[i]))
        for b in range(0, len(todo), self.SLICE):
            idx = todo[b : b + self.SLICE]
            vectors[idx] = self.embedder.embed_documents([texts[i] for i in idx])
            self.done += len(idx)
            if self.bar is not None:
                self.bar.update(len(idx))
            if self.on_progress:
                self.on_progress(0.05 + 0.85 * self.done / max(1, self.total),
                                 f"embedded {self.done}/{self.total} chunks and sentences")
        self.counts[what] = len(todo)
        return vectors

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
