"""Build a new IndexState from documents, reusing what has not changed.

Re-indexing a corpus in which nothing changed embeds nothing: a document's
chunks, answerable sentences and their vectors are carried over when its id,
content hash, the model and the chunking settings are all unchanged. Sentences
are split and embedded here, once, so that answering a question embeds only
the question. Documents missing from the new set
are dropped. The BM25 arrays are rebuilt every time (milliseconds per
thousand chunks), the dense vectors never needlessly.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable, Sequence

import numpy as np

from .chunking import chunk_document
from .embed import Embedder
from .lexical import BM25Index
from .manifest import Manifest, package_versions
from .settings import Settings
from .store import IndexState, build_faiss, fingerprint
from rag.sentences import Sentence, answerable_sentences
from .types import Chunk, Document

Progress = Callable[[float, str], None]


def build_state(
    documents: Iterable[Document],
    old: IndexState | None,
    embedder: Embedder,
    settings: Settings,
    progress: bool = False,
    on_progress: Progress | None = None,
    sources: Sequence[str] = (),
) -> tuple[IndexState, dict[str, object]]:
    """Return the new state and counts: added/updated/removed/unchanged doc ids, embedded chunks."""
    t0 = time.perf_counter()
    docs = {d.id: d for d in documents}
    chunk_size, chunk_overlap = settings.chunk_size, settings.chunk_overlap
    reuse = old is not None and old.manifest.reusable_for(settings, embedder.name)
    chunks: list[Chunk] = []
    rows: list[np.ndarray | None] = []
    sentences: list[Sentence] = []
    srows: list[np.ndarray | None] = []
    added, updated, unchanged = [], [], []
    for doc_id in sorted(docs):
        doc = docs[doc_id]
        prev = old.documents.get(doc_id) if old is not None else None
        if reuse and prev is not None and prev.content_hash == doc.content_hash and doc_id in old.by_doc:
            for i in old.by_doc[doc_id]:
                chunks.append(old.chunks[i])
                rows.append(old.vectors[i])
            for i in old.sentences_by_doc.get(doc_id, []):
                sentences.append(old.sentences[i])
                srows.append(old.sentence_vectors[i])
            unchanged.append(doc_id)
            continue
        (updated if prev is not None else added).append(doc_id)
        for c in chunk_document(doc, chunk_size, chunk_overlap):
            chunks.append(c)
            rows.append(None)
        for x in answerable_sentences(doc_id, doc.text) if settings.index_sentences else ():
            sentences.append(x)
            srows.append(None)
    removed = sorted(set(old.documents) - set(docs)) if old is not None else []
    embed = _Embedding(embedder, sum(r is None for r in rows) + sum(r is None for r in srows), progress, on_progress)
    vectors = embed.fill([c.text for c in chunks], rows, "chunks")
    sentence_vectors = embed.fill([x.text for x in sentences], srows, "sentences")
    embed.close()
    dim = embedder.dim
    if on_progress:
        on_progress(0.92, "building BM25")
    bm25 = BM25Index.build([c.text for c in chunks], [c.lang for c in chunks]) if chunks else None
    manifest = Manifest(
        model=embedder.name, dimension=dim, chunk_size=chunk_size, chunk_overlap=chunk_overlap,
        fingerprint=fingerprint(docs), documents=len(docs), chunks=len(chunks), sentences=len(sentences),
        sentences_indexed=settings.index_sentences,
        languages=tuple(sorted({d.lang for d in docs.values()})), sources=tuple(sources),
        versions=package_versions(),
    )
    state = IndexState(manifest, docs, chunks, vectors, bm25, build_faiss(vectors),
                       sentences=sentences, sentence_vectors=sentence_vectors)
    counts = {
        "added": tuple(added),
        "updated": tuple(updated),
        "removed": tuple(removed),
        "unchanged": len(unchanged),
        "embedded_chunks": embed.counts["chunks"],
        "embedded_sentences": embed.counts["sentences"],
        "seconds": time.perf_counter() - t0,
    }
    return state, counts


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
