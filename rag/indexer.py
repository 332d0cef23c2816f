"""Build a new IndexState from documents, reusing what has not changed.

Re-indexing a corpus in which nothing changed embeds nothing: a document's
chunks and vectors are carried over when its id, content hash, the model and
the chunking settings are all unchanged. Documents missing from the new set
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
    to_embed: list[int] = []
    added, updated, unchanged = [], [], []
    for doc_id in sorted(docs):
        doc = docs[doc_id]
        prev = old.documents.get(doc_id) if old is not None else None
        if reuse and prev is not None and prev.content_hash == doc.content_hash and doc_id in old.by_doc:
            for i in old.by_doc[doc_id]:
                chunks.append(old.chunks[i])
                rows.append(old.vectors[i])
            unchanged.append(doc_id)
            continue
        (updated if prev is not None else added).append(doc_id)
        for c in chunk_document(doc, chunk_size, chunk_overlap):
            to_embed.append(len(chunks))
            chunks.append(c)
            rows.append(None)
    removed = sorted(set(old.documents) - set(docs)) if old is not None else []
    if on_progress:
        on_progress(0.05, f"embedding {len(to_embed)} chunks")
    dim = embedder.dim
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    for i, row in enumerate(rows):
        if row is not None:
            vectors[i] = row
    if to_embed:
        # Embed in slices so that progress can be reported; within a slice the
        # model batches and sorts by length itself.
        batch = 256
        # Longest first across the whole job, so each model batch holds texts of
        # similar length and wastes little compute on padding.
        to_embed.sort(key=lambda i: -len(chunks[i].text))
        bar = None
        if progress and len(to_embed) > batch:
            from tqdm import tqdm

            bar = tqdm(total=len(to_embed), unit="chunk", desc="embedding")
        for b in range(0, len(to_embed), batch):
            idx = to_embed[b : b + batch]
            vectors[idx] = embedder.embed_documents([chunks[i].text for i in idx])
            if bar is not None:
                bar.update(len(idx))
            if on_progress:
                on_progress(0.05 + 0.85 * min(1.0, (b + batch) / len(to_embed)), f"embedded {min(b + batch, len(to_embed))}/{len(to_embed)} chunks")
        if bar is not None:
            bar.close()
    if on_progress:
        on_progress(0.92, "building BM25")
    bm25 = BM25Index.build([c.text for c in chunks], [c.lang for c in chunks]) if chunks else None
    manifest = Manifest(
        model=embedder.name, dimension=dim, chunk_size=chunk_size, chunk_overlap=chunk_overlap,
        fingerprint=fingerprint(docs), documents=len(docs), chunks=len(chunks),
        languages=tuple(sorted({d.lang for d in docs.values()})), sources=tuple(sources),
        versions=package_versions(),
    )
    state = IndexState(manifest, docs, chunks, vectors, bm25, build_faiss(vectors))
    counts = {
        "added": tuple(added),
        "updated": tuple(updated),
        "removed": tuple(removed),
        "unchanged": len(unchanged),
        "embedded_chunks": len(to_embed),
        "seconds": time.perf_counter() - t0,
    }
    return state, counts
