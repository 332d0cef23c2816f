"""The embedded store: the index directory (``rag/store.py``) behind the Store interface.

A write makes a new generation that hard-links the untouched segments of the
previous one and adds one segment for the documents put (``rag/segment.py``),
then swaps ``CURRENT``; a view is one loaded, immutable :class:`IndexState`.
Filters are array masks over the segments' document columns; dense search is
exact below the ANN threshold and IVF-then-exact above it; BM25 is scored from
the segments' postings with corpus-wide statistics (``rag/lexical.py``).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from rag import segment, store
from rag.analysis import tokenize_query
from rag.errors import IndexCorruptError, IndexMismatchError
from rag import lexical as bm25
from rag.sentences import Sentence
from rag.types import Chunk, Document, Filters

from .base import BuildInfo, Counts, DocumentRecord, top


class EmbeddedView:
    """Search and fetch over one loaded generation (keys are row numbers)."""

    def __init__(self, state: store.IndexState) -> None:
        self.state = state
        self._last: tuple[str, list[bm25.Term]] | None = None
        self._last_masks: tuple[Filters, list[np.ndarray | None]] | None = None

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
        return BuildInfo(m.model, m.dimension, m.chunk_size, m.chunk_overlap, m.sentences_indexed, tuple(m.sources),
                         tuple(m.languages))

    def reusable_for(self, settings, model: str | None = None) -> bool:
        return self.state.manifest.reusable_for(settings, model)

    # -- search --------------------------------------------------------------
    def _masks(self, filters: Filters | None) -> list[np.ndarray | None]:
        """Per segment, the chunk rows a search may return (None: all rows), from array columns.

        The last filters' are kept: a hybrid search asks for them twice (dense, then lexical).
        """
        st = self.state
        alive = st.chunk_keys.alive
        if filters is None or filters.empty():
            return list(alive)
        if self._last_masks is not None and self._last_masks[0] == filters:
            return self._last_masks[1]
        out: list[np.ndarray | None] = []
        for i, seg in enumerate(st.segments):
            docs = st.doc_alive(i)
            if filters.doc_ids:
                wanted = np.zeros(seg.n_docs, bool)
                for d in filters.doc_ids:
                    row = seg.find(d)
                    if row >= 0:
                        wanted[row] = True
                docs &= wanted
            if filters.langs:
                docs &= np.isin(seg.column("lang"), [lang.encode("utf-8") for lang in filters.langs])
            if filters.date_from or filters.date_to:
                dates = seg.column("date")
                # Documents without a full date cannot be placed in a range.
                docs &= (np.char.str_len(dates) == 10) & ~np.char.startswith(dates, b"-")
                if filters.date_from:
                    docs &= dates >= filters.date_from.encode()
                if filters.date_to:
                    docs &= dates <= filters.date_to.encode()
            out.append(docs[seg.chunk_doc])
        self._last_masks = (filters, out)
        return out

    def _merge(self, parts: list[tuple[np.ndarray, np.ndarray]], n: int) -> tuple[np.ndarray, np.ndarray]:
        """Best ``n`` of per-segment (keys, scores); ties: lower key first."""
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        keys = np.concatenate([p[0] for p in parts]).astype(np.int64)
        scores = np.concatenate([p[1] for p in parts]).astype(np.float32)
        order = np.lexsort((keys, -scores))[:n]
        return keys[order], scores[order]

    def dense(self, qvec: np.ndarray, n: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        st = self.state
        qvec = np.asarray(qvec, np.float32).reshape(-1)
        parts = []
        for i, (seg, mask) in enumerate(zip(st.segments, self._masks(filters))):
            if n <= 0 or not seg.n_chunks or (mask is not None and not mask.any()):
                continue
            rows, sc = seg.nearest(qvec, n, mask)
            parts.append((st.chunk_keys.keys(i, rows), sc))
        return self._merge(parts, n)

    def _terms(self, query: str) -> tuple[list, list[bm25.Term]]:
        """The segments' live postings and the query's terms in them, idf over the whole store.

        The last query's are kept: hybrid search asks for them twice (lexical, then lexical_scores).
        """
        st = self.state
        live = [_Live(s, a, norm) for s, a, norm in zip(st.segments, st.chunk_keys.alive, st.bm25_norms())]
        cached = self._last
        if cached is not None and cached[0] == query:
            return live, cached[1]
        terms = bm25.prepare(tokenize_query(query, st.manifest.languages), live, st.chunk_keys.total)
        self._last = (query, terms)
        return live, terms

    def lexical(self, query: str, n: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        live, terms = self._terms(query)
        best = bm25.top(terms, live, n, self._masks(filters))
        # A chunk sharing no term with the query is not a hit (top returns scores > 0 only).
        parts = [(self.state.chunk_keys.keys(i, rows), sc) for i, (rows, sc) in enumerate(best)]
        return self._merge(parts, n)

    def _by_segment(self, keys: np.ndarray, per_segment) -> np.ndarray:
        keys = np.asarray(keys, np.int64)
        out = np.zeros(len(keys), np.float32)
        for seg, rows, pos in self.state.chunk_keys.split(keys):
            out[pos] = per_segment(seg, rows)
        return out

    def dense_scores(self, qvec: np.ndarray, keys: np.ndarray) -> np.ndarray:
        q = np.asarray(qvec, np.float32).reshape(-1)
        segs = self.state.segments
        return self._by_segment(keys, lambda seg, rows: segs[seg].vectors[rows] @ q)

    def lexical_scores(self, query: str, keys: np.ndarray) -> np.ndarray:
        live, terms = self._terms(query)
        return self._by_segment(keys, lambda seg, rows: bm25.scores_at(terms, live, seg, rows))

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        live = [_Live(s, a, norm) for s, a, norm in zip(self.state.segments, self.state.chunk_keys.alive,
                                                         self.state.bm25_norms())]
        out: dict[str, int] = {}
        for seg in live:
            vocabulary = seg.seg.vocabulary()
            for t in terms:
                if t in vocabulary and (n := len(seg.term(t)[0])):
                    out[t] = out.get(t, 0) + n
        return out

    # -- fetch ---------------------------------------------------------------
    def chunks(self, keys: Sequence[int]) -> list[Chunk]:
        return self.state.chunks.take(list(keys)) if len(keys) else []  # type: ignore[attr-defined]

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return self.chunks(self.state.chunk_keys_of(doc_id).tolist())

    def document(self, doc_id: str) -> Document | None:
        return self.state.documents.get(doc_id)

    def documents(self) -> list[Document]:
        return sorted(self.state.documents.values(), key=lambda d: d.id)

    def document_hashes(self) -> dict[str, str]:
        return self.state.documents.hashes()

    def sentences_in_chunks(self, chunks: Sequence[Chunk]) -> list[list[int]]:
        return [self.state.sentences_in_chunk(c) for c in chunks]

    def sentences_of(self, doc_id: str) -> list[int]:
        return self.state.sentence_keys_of(doc_id).tolist()

    def sentences(self, keys: Sequence[int]) -> list[Sentence]:
        return self.state.sentences.take(list(keys)) if len(keys) else []  # type: ignore[attr-defined]

    def sentence_vectors(self, keys: Sequence[int]) -> np.ndarray:
        keys = np.asarray(list(keys), np.int64)
        out = np.zeros((len(keys), self.state.manifest.dimension), np.float32)
        for seg, rows, pos in self.state.sentence_keys.split(keys):
            out[pos] = self.state.segments[seg].sentence_vectors[rows]
        return out

    def sentence_latent(self, keys: Sequence[int]) -> tuple[np.ndarray, np.ndarray] | None:
        keys = np.asarray(list(keys), np.int64)
        parts = self.state.sentence_keys.split(keys)
        segs = self.state.segments
        if not parts or any(segs[seg].latent is None for seg, _, _ in parts):
            return None
        k = {segs[seg].latent[0].shape[1] for seg, _, _ in parts}  # type: ignore[index]
        if len(k) != 1:
            return None  # segments written with different widths: not comparable row by row
        ids = np.full((len(keys), k.pop()), -1, np.int16)
        weights = np.zeros(ids.shape, np.float16)
        for seg, rows, pos in parts:
            lat = segs[seg].latent
            ids[pos], weights[pos] = lat[0][rows], lat[1][rows]  # type: ignore[index]
        return ids, weights


class _Live:
    """A segment's postings with its deleted rows left out (they count in no statistic)."""

    def __init__(self, seg, alive: np.ndarray | None, norm: np.ndarray) -> None:
        self.seg, self.alive, self.norm = seg, alive, norm
        self.rows = seg.n_chunks

    def term(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        rows, tf = self.seg.postings(term)
        if self.alive is None or not len(rows):
            return rows, tf
        keep = self.alive[rows]
        return rows[keep], tf[keep]


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
        old = None if self._cleared else self.old
        state = store.commit(self.owner.index_dir, old, self._put, self._deleted, info,
                             _fail_after=self.fail_after, ann_threshold=self.owner.ann_threshold)
        self.owner._remember(state)
        return EmbeddedView(state)


class EmbeddedStore:
    """An index directory: readers reload when ``CURRENT`` names another generation."""

    def __init__(self, index_dir: str | Path, model: str | None) -> None:
        import threading

        self.index_dir = Path(index_dir)
        self.model = model
        self._state: store.IndexState | None = None
        self._load_lock = threading.Lock()
        self.fail_after: str | None = None  # tests: simulate a crash mid-save
        self.ann_threshold = segment.ANN_THRESHOLD  # segments of this many chunks get an IVF index

    def _remember(self, state: store.IndexState) -> None:
        self._state = state

    def _loaded(self) -> list:
        """Segments open now: a reload reuses those the new generation still holds."""
        return list(self._state.segments) if self._state is not None else []

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
                    st = self._state = store.load(self.index_dir, self.model, self._loaded())
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
            return store.load(self.index_dir, None, self._loaded())
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
