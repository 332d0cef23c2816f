"""One loaded index generation: its segments, their tombstones, and the key space over them.

Chunks and sentences are addressed by *keys*: the live rows of all segments,
numbered in segment order, so that ``state.chunks[k]`` is key ``k`` and
``len(state.chunks)`` the number of live chunks. ``chunks``, ``sentences``
and ``documents`` are lazy views (sequence, sequence, mapping) that build
``Chunk``, ``Sentence`` and ``Document`` objects only for what is read, so a
million chunks are never a million Python objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from .lexical import length_norm
from .manifest import Manifest
from .segment import Segment
from .sentences import Sentence
from .types import Chunk, Document


class Keys:
    """Keys ↔ (segment, row) for one kind of row (chunks or sentences)."""

    def __init__(self, sizes: Sequence[int], alive: Sequence[np.ndarray | None]) -> None:
        self.alive = list(alive)  # per segment: a bool mask of live rows, or None (all live)
        self.live = [None if a is None else np.flatnonzero(a) for a in self.alive]
        counts = [n if lv is None else len(lv) for n, lv in zip(sizes, self.live)]
        self.base = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(counts, out=self.base[1:])
        self.total = int(self.base[-1])

    def keys(self, seg: int, rows: np.ndarray) -> np.ndarray:
        """Keys of live ``rows`` of segment ``seg``."""
        rows = np.asarray(rows, np.int64)
        lv = self.live[seg]
        return self.base[seg] + (rows if lv is None else np.searchsorted(lv, rows))

    def split(self, keys: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(segment, rows, positions in ``keys``) for each segment that ``keys`` touch."""
        keys = np.asarray(keys, np.int64)
        if len(keys) and (keys.min() < 0 or keys.max() >= self.total):
            raise IndexError(f"key out of range 0..{self.total - 1}")
        seg_of = np.searchsorted(self.base, keys, side="right") - 1
        out = []
        for seg in np.unique(seg_of):
            pos = np.flatnonzero(seg_of == seg)
            local = keys[pos] - self.base[seg]
            lv = self.live[int(seg)]
            out.append((int(seg), local if lv is None else lv[local], pos))
        return out

    def rows(self, seg: int, n: int) -> np.ndarray:
        lv = self.live[seg]
        return np.arange(n, dtype=np.int64) if lv is None else lv


class _Lazy(Sequence):
    """A read-only sequence of chunks or sentences, built on demand from the segments."""

    def __init__(self, state: "IndexState", kind: str) -> None:
        self.state, self.kind = state, kind
        self.keys = state.chunk_keys if kind == "chunks" else state.sentence_keys

    def __len__(self) -> int:
        return self.keys.total

    def take(self, keys: Sequence[int]) -> list:
        out: list = [None] * len(keys)
        for seg, rows, pos in self.keys.split(np.asarray(keys, np.int64)):
            s = self.state.segments[seg]
            objs = s.chunks(rows) if self.kind == "chunks" else s.sentences(rows)
            for p, o in zip(pos, objs):
                out[int(p)] = o
        return out

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return self.take(range(*i.indices(len(self))))
        i = int(i)
        if i < 0:
            i += len(self)
        return self.take([i])[0]

    def __iter__(self) -> Iterator:
        for lo in range(0, len(self), 1024):
            yield from self.take(range(lo, min(len(self), lo + 1024)))


class Documents(Mapping):
    """Live documents by id (a read-only mapping), read from the segments on demand."""

    def __init__(self, state: "IndexState") -> None:
        self.state = state

    def __getitem__(self, doc_id: str) -> Document:
        found = self.state.find(doc_id)
        if found is None:
            raise KeyError(doc_id)
        seg, row = found
        return self.state.segments[seg].document(row)

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self.state.find(doc_id) is not None

    def __len__(self) -> int:
        return self.state.manifest.documents

    def _live(self) -> Iterator[tuple[Segment, int]]:
        """(segment, row) of every live document, in segment order."""
        for seg, s in enumerate(self.state.segments):
            for row in np.flatnonzero(self.state.doc_alive(seg)):
                yield s, int(row)

    def __iter__(self) -> Iterator[str]:
        return (s.doc_id(row) for s, row in self._live())

    def hashes(self) -> dict[str, str]:
        return {s.doc_id(row): s.content_hash(row) for s, row in self._live()}


@dataclass(eq=False)
class IndexState:
    """Everything a search needs: one generation's segments, loaded (mapped). Never mutated."""

    manifest: Manifest
    segments: list[Segment]
    path: str = ""
    chunk_keys: Keys = field(init=False)
    sentence_keys: Keys = field(init=False)

    def __post_init__(self) -> None:
        self._dead: list[np.ndarray | None] = []
        chunk_alive, sent_alive = [], []
        for entry, s in zip(self.manifest.segments, self.segments):
            deleted = entry["deleted"]
            if deleted:
                dead = np.zeros(s.n_docs, bool)
                dead[np.asarray(deleted, np.int64)] = True
                self._dead.append(dead)
                chunk_alive.append(~dead[s.chunk_doc])
                sent_alive.append(~dead[s.sent_table[:, 0]])
            else:
                self._dead.append(None)
                chunk_alive.append(None)
                sent_alive.append(None)
        self.chunk_keys = Keys([s.n_chunks for s in self.segments], chunk_alive)
        self.sentence_keys = Keys([s.n_sentences for s in self.segments], sent_alive)
        self.chunks: Sequence[Chunk] = _Lazy(self, "chunks")
        self.sentences: Sequence[Sentence] = _Lazy(self, "sentences")
        self.documents = Documents(self)
        n = self.chunk_keys.total
        dl = sum(float(s.lengths.sum() if a is None else s.lengths[a].sum())
                 for s, a in zip(self.segments, self.chunk_keys.alive))
        self.avgdl = dl / n if n else 0.0
        self._norms: list[np.ndarray] | None = None

    def bm25_norms(self) -> list[np.ndarray]:
        """Per segment, each row's BM25 length normalisation under this generation's mean length."""
        if self._norms is None:
            self._norms = [length_norm(s.lengths, self.avgdl or 1.0) for s in self.segments]
        return self._norms

    def doc_alive(self, seg: int) -> np.ndarray:
        dead = self._dead[seg]
        return np.ones(self.segments[seg].n_docs, bool) if dead is None else ~dead

    def find(self, doc_id: str) -> tuple[int, int] | None:
        """(segment, row) of a live document."""
        for seg, s in enumerate(self.segments):
            row = s.find(doc_id)
            if row >= 0 and (self._dead[seg] is None or not self._dead[seg][row]):
                return seg, row
        return None

    def _keys_of(self, doc_id: str, table, lo: str, hi: str) -> np.ndarray:
        """Keys of a live document's rows in ``table`` (chunks or sentences), from its ``lo``/``hi`` columns."""
        found = self.find(doc_id)
        if found is None:
            return np.zeros(0, np.int64)
        seg, row = found
        d = self.segments[seg].docs[row]
        return table.keys(seg, np.arange(int(d[lo]), int(d[hi])))

    def chunk_keys_of(self, doc_id: str) -> np.ndarray:
        return self._keys_of(doc_id, self.chunk_keys, "chunk_lo", "chunk_hi")

    def sentence_keys_of(self, doc_id: str) -> np.ndarray:
        return self._keys_of(doc_id, self.sentence_keys, "sent_lo", "sent_hi")

    def sentences_in_chunk(self, chunk: Chunk) -> list[int]:
        """Keys of the sentences whose middle lies inside ``chunk`` (overlapping chunks share some)."""
        found = self.find(chunk.doc_id)
        if found is None:
            return []
        seg, row = found
        return self.sentence_keys.keys(seg, self.segments[seg].sentences_in(row, chunk.start, chunk.end)).tolist()

    @property
    def vectors(self) -> np.ndarray:
        """All live chunk vectors in key order, copied into memory (tests and tools; search never does this)."""
        return self._stack("vectors", self.chunk_keys)

    @property
    def sentence_vectors(self) -> np.ndarray:
        return self._stack("sentence_vectors", self.sentence_keys)

    def _stack(self, attr: str, keys: Keys) -> np.ndarray:
        dim = self.manifest.dimension
        parts = [np.asarray(getattr(s, attr)[keys.rows(i, len(getattr(s, attr)))], np.float32)
                 for i, s in enumerate(self.segments)]
        return np.concatenate(parts) if parts else np.zeros((0, dim), np.float32)
