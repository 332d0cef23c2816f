"""The embedded store: today's index directory (``rag/store.py``) behind the Store interface.

Unchanged on-disk format: a write builds a complete new generation (reusing
the rows of untouched documents), saves it atomically and swaps ``CURRENT``;
a view is one loaded, immutable :class:`IndexState`.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from rag import store
from rag.errors import IndexCorruptError, IndexMismatchError
from rag.lexical import BM25Index
from rag.manifest import Manifest, package_versions
from rag.sentences import Sentence
from rag.types import Chunk, Document, Filters

from .base import BuildInfo, Counts, DocumentRecord, top


class EmbeddedView:
    """Search and fetch over one loaded generation (keys are row numbers)."""

    def __init__(self, state: store.IndexState) -> None:
        self.state = state

    @property
    def location(self) -> str:
        return self.state.path

    def generation(self) -> int:
        # The generation's directory name, as a number: it changes with every write.
        import zlib

        return zlib.crc32(Path(self.state.path).name.encode()) if self.state.path else 0

    def counts(self) -> Counts:
        m = self.state
        return Counts(len(m.documents), len(m.chunks), len(m.sentences))

    def build_info(self) -> BuildInfo:
        m = self.state.manifest
        return BuildInfo(m.model, m.dimension, m.chunk_size, m.chunk_overlap, m.sentences_indexed, tuple(m.sources))

    def reusable_for(self, settings, model: str | None = None) -> bool:
        return self.state.manifest.reusable_for(settings, model)

    # -- search --------------------------------------------------------------
    def _rows(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.empty():
            return None
        return np.array([i for i, c in enumerate(self.state.chunks) if filters.accepts(c)], dtype=np.int64)

    def dense(self, qvec: np.ndarray, n: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        st = self.state
        rows = self._rows(filters)
        if rows is None:
            n = min(n, len(st.chunks))
            if n <= 0:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            scores, ids = st.faiss_index.search(qvec.reshape(1, -1).astype(np.float32), n)
            keep = ids[0] >= 0
            return ids[0][keep].astype(np.int64), scores[0][keep]
        sc = st.vectors[rows] @ qvec
        order = top(sc, n)
        return rows[order], sc[order]

    def _bm25(self, query: str) -> np.ndarray:
        st = self.state
        return st.bm25.scores(query) if st.bm25 else np.zeros(len(st.chunks), np.float32)

    def lexical(self, query: str, n: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        full = self._bm25(query)
        rows = self._rows(filters)
        pool = rows if rows is not None else np.arange(len(self.state.chunks))
        sc = full[pool]
        order = top(sc, n)
        order = order[sc[order] > 0]  # a chunk sharing no term with the query is not a hit
        return pool[order], sc[order]

    def dense_scores(self, qvec: np.ndarray, keys: np.ndarray) -> np.ndarray:
        return self.state.vectors[np.asarray(keys, dtype=np.int64)] @ qvec

    def lexical_scores(self, query: str, keys: np.ndarray) -> np.ndarray:
        return self._bm25(query)[np.asarray(keys, dtype=np.int64)]

    # -- fetch ---------------------------------------------------------------
    def chunks(self, keys: Sequence[int]) -> list[Chunk]:
        return [self.state.chunks[int(i)] for i in keys]

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [self.state.chunks[i] for i in self.state.by_doc.get(doc_id, [])]

    def document(self, doc_id: str) -> Document | None:
        return self.state.documents.get(doc_id)

    def documents(self) -> list[Document]:
        return sorted(self.state.documents.values(), key=lambda d: d.id)

    def document_hashes(self) -> dict[str, str]:
        return {i: d.content_hash for i, d in self.state.documents.items()}

    def sentences_in_chunks(self, chunks: Sequence[Chunk]) -> list[list[int]]:
        return [self.state.sentences_in_chunk(c) for c in chunks]

    def sentences_of(self, doc_id: str) -> list[int]:
        return list(self.state.sentences_by_doc.get(doc_id, []))

    def sentences(self, keys: Sequence[int]) -> list[Sentence]:
        return [self.state.sentences[int(r)] for r in keys]

    def sentence_vectors(self, keys: Sequence[int]) -> np.ndarray:
        return self.state.sentence_vectors[list(keys)]


class EmbeddedWriter:
    """Collects puts and deletes; ``commit`` writes one new generation holding them all."""

    def __init__(self, owner: "EmbeddedStore", old: store.IndexState | None, fail_after: str | None) -> None:
        self.owner, self.old, self.fail_after = owner, old, fail_after
        self.view = EmbeddedView(old) if old is not None else None
        self._put: dict[str, DocumentRecord] = {}
        self._deleted: set[str] = set()
        self._cleared = False

    def clear(self) -> None:
        self._cleared, self._put, self._deleted = True, {}, set()

    def put(self, records: Sequence[DocumentRecord]) -> None:
        for r in records:
            self._put[r.document.id] = r
            self._deleted.discard(r.document.id)

    def delete(self, doc_ids: Sequence[str]) -> None:
        for d in doc_ids:
            self._put.pop(d, None)
            self._deleted.add(d)

    def commit(self, info: BuildInfo) -> EmbeddedView:
        state = assemble(None if self._cleared else self.old, self._put, self._deleted, info)
        store.save(self.owner.index_dir, state, _fail_after=self.fail_after)
        self.owner._remember(state)
        return EmbeddedView(state)


def assemble(old: store.IndexState | None, put: dict[str, DocumentRecord], deleted: set[str],
             info: BuildInfo) -> store.IndexState:
    """A complete new IndexState: ``old`` minus ``deleted``, with ``put`` added or replacing, in doc-id order."""
    docs: dict[str, Document] = {}
    if old is not None:
        docs.update({i: d for i, d in old.documents.items() if i not in deleted})
    docs.update({i: r.document for i, r in put.items()})
    dim = info.dimension
    chunks: list[Chunk] = []
    rows: list[np.ndarray] = []
    sentences: list[Sentence] = []
    srows: list[np.ndarray] = []
    for doc_id in sorted(docs):
        rec = put.get(doc_id)
        if rec is not None:
            chunks.extend(rec.chunks)
            rows.append(np.asarray(rec.vectors, np.float32).reshape(len(rec.chunks), dim))
            if rec.sentences:
                sentences.extend(rec.sentences)
                srows.append(np.asarray(rec.sentence_vectors, np.float32).reshape(len(rec.sentences), dim))
            continue
        assert old is not None
        idx = old.by_doc.get(doc_id, [])
        chunks.extend(old.chunks[i] for i in idx)
        rows.append(old.vectors[idx].reshape(len(idx), dim))
        sidx = old.sentences_by_doc.get(doc_id, [])
        sentences.extend(old.sentences[i] for i in sidx)
        srows.append(old.sentence_vectors[sidx].reshape(len(sidx), dim))
    vectors = np.concatenate(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
    svectors = np.concatenate(srows).astype(np.float32) if srows else np.zeros((0, dim), np.float32)
    bm25 = BM25Index.build([c.text for c in chunks], [c.lang for c in chunks]) if chunks else None
    manifest = Manifest(
        model=info.model, dimension=dim, chunk_size=info.chunk_size, chunk_overlap=info.chunk_overlap,
        fingerprint=store.fingerprint(docs), documents=len(docs), chunks=len(chunks), sentences=len(sentences),
        sentences_indexed=info.sentences_indexed,
        languages=tuple(sorted({d.lang for d in docs.values()})), sources=tuple(info.sources),
        versions=package_versions(),
    )
    return store.IndexState(manifest, docs, chunks, vectors, bm25, store.build_faiss(vectors),
                            sentences=sentences, sentence_vectors=svectors)


class EmbeddedStore:
    """An index directory: readers reload when ``CURRENT`` names another generation."""

    def __init__(self, index_dir: str | Path, model: str | None) -> None:
        import threading

        self.index_dir = Path(index_dir)
        self.model = model
        self._state: store.IndexState | None = None
        self._load_lock = threading.Lock()
        self.fail_after: str | None = None  # tests: simulate a crash mid-save

    def _remember(self, state: store.IndexState) -> None:
        self._state = state

    def exists(self) -> bool:
        d = self.index_dir
        return (d / "CURRENT").exists() or (d.is_dir() and any(p.name.startswith("gen-") for p in d.iterdir()))

    def view(self) -> EmbeddedView:
        """The current generation, reloaded when another writer replaced it since it was loaded.

        Raises IndexMissingError, IndexMismatchError or IndexCorruptError.
        """
        st = self._state
        name = store.current_name(self.index_dir)
        if st is None or name is None or Path(st.path).name != name:
            with self._load_lock:
                st = self._state
                if st is None or Path(st.path).name != store.current_name(self.index_dir):
                    st = self._state = store.load(self.index_dir, self.model)
        return EmbeddedView(st)

    def _latest(self, tolerate_damage: bool) -> store.IndexState | None:
        """The generation on disk now (under the write lock). With ``tolerate_damage`` (a full
        re-index) an index that is damaged or of another format counts as none."""
        try:
            name = store.current_name(self.index_dir)
            if name is None:
                return None
            st = self._state
            if st is not None and Path(st.path).name == name:
                return st
            return store.load(self.index_dir, None)
        except (IndexCorruptError, IndexMismatchError):
            if tolerate_damage:
                return None
            raise

    @contextmanager
    def writing(self, tolerate_damage: bool = False) -> Iterator[EmbeddedWriter]:
        with store.write_lock(self.index_dir):
            old = self._latest(tolerate_damage)
            yield EmbeddedWriter(self, old, self.fail_after)

    def close(self) -> None:
        pass
