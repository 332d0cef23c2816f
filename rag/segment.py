"""One immutable segment of an index generation: columnar documents, chunks, sentences, vectors, postings.

Files of a segment directory, written once and never opened for writing again
(later generations hard-link them)::

    text.bin              UTF-8: for each document its id, content hash and cleaned text
    docs.npy              per document: offsets into text.bin and documents.jsonl, its chunk and
                          sentence rows, language and date (the columns filters read)
    documents.jsonl       per document: source, title, language, date, meta (chunk ids when not <id>#NNNN)
    chunks.npy            per chunk (int64): document row, start, end, length in BM25 tokens
    vectors.npy           normalised float32 chunk vectors, memory-mapped
    sentences.npy         per answerable sentence (int64): document row, start, end, item, number (-1: none)
    sentence_vectors.npy  their float32 vectors, memory-mapped
    terms.bin, terms.npy  sorted BM25 vocabulary (UTF-8 + offsets) and each term's posting range
    postings.npy          int32 (2, nnz): rows and term frequencies, term-major (``rag/lexical.py``)
    ann.faiss             an IVF index (8-bit scalar-quantised) over the vectors; only when the
                          segment holds ``ann_threshold`` chunks or more

Rows are numbered within the segment. ``Document``, ``Chunk`` and ``Sentence``
objects are built on demand from these arrays, for the rows asked only.
"""

from __future__ import annotations

import bisect
import json
import mmap
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .manifest import ANN_FILE, LATENT_FILES, SEGMENT_FILES, damaged
from .lexical import build_postings
from .sentences import Sentence
from .types import Chunk, Document

LATENT_IDS, LATENT_WEIGHTS = LATENT_FILES

__all__ = ["ANN_FILE", "ANN_THRESHOLD", "SEGMENT_FILES", "Segment", "write"]
ANN_THRESHOLD = 50_000  # chunks; below it a segment is searched exactly (numpy over the mapped vectors)
ANN_PROBE_SHARE = 1 / 16  # share of IVF lists searched per query
ANN_MIN_CANDIDATES = 200  # rows the IVF index proposes per query, re-ranked exactly


def _doc_dtype(lang_width: int, date_width: int) -> np.dtype:
    ints = [(f, "<i8") for f in ("id_lo", "hash_lo", "text_lo", "text_hi", "meta_lo", "meta_hi",
                                 "chunk_lo", "chunk_hi", "sent_lo", "sent_hi")]
    return np.dtype([*ints, ("lang", f"S{max(1, lang_width)}"), ("date", f"S{max(1, date_width)}")])


def _write_jsonl(path: Path, rows: Iterable[dict]) -> list[int]:
    """Write JSON lines; returns the byte offset of each line and of the end."""
    offsets = [0]
    with path.open("wb") as f:
        for row in rows:
            data = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
            f.write(data)
            offsets.append(offsets[-1] + len(data))
    return offsets


def write(path: Path, records: Sequence[Any], dim: int, ann_threshold: int = ANN_THRESHOLD) -> dict[str, Any]:
    """Write ``records`` (DocumentRecords, sorted by document id) as a segment at ``path``.

    Returns the segment's manifest entry (counts, whether it has an ANN index).
    """
    path.mkdir()
    n_docs = len(records)
    docs = [r.document for r in records]
    cols = {k: np.zeros(n_docs, np.int64) for k in _doc_dtype(1, 1).names[:10]}
    pos = 0
    chunk_rows: list[tuple[int, int, int]] = []
    sent_rows: list[tuple[int, int, int, int, int]] = []
    metas: list[dict] = []
    with (path / "text.bin").open("wb") as f:
        for i, r in enumerate(records):
            d = r.document
            parts = [d.id.encode("utf-8"), d.content_hash.encode("utf-8"), d.text.encode("utf-8")]
            cols["id_lo"][i], cols["hash_lo"][i] = pos, pos + len(parts[0])
            cols["text_lo"][i] = pos + len(parts[0]) + len(parts[1])
            pos = cols["text_hi"][i] = cols["text_lo"][i] + len(parts[2])
            f.write(b"".join(parts))
            meta = {"source": d.source, "title": d.title, "lang": d.lang, "date": d.date, "meta": d.meta}
            ids = [c.id for c in r.chunks]
            if ids != [f"{d.id}#{k:04d}" for k in range(len(ids))]:
                meta["chunk_ids"] = ids
            metas.append(meta)
            cols["chunk_lo"][i] = len(chunk_rows)
            for c in r.chunks:
                if (c.doc_id, c.title, c.source, c.lang, c.date) != (d.id, d.title, d.source, d.lang, d.date):
                    raise ValueError(f"chunk {c.id} does not carry its document's fields")
                chunk_rows.append((i, c.start, c.end))
            cols["chunk_hi"][i] = len(chunk_rows)
            cols["sent_lo"][i] = len(sent_rows)
            for x in r.sentences:
                sent_rows.append((i, x.start, x.end, int(x.item), -1 if x.number is None else x.number))
            cols["sent_hi"][i] = len(sent_rows)
    offsets = _write_jsonl(path / "documents.jsonl", metas)
    cols["meta_lo"], cols["meta_hi"] = np.asarray(offsets[:-1], np.int64), np.asarray(offsets[1:], np.int64)
    langs = [d.lang.encode("utf-8") for d in docs]
    dates = [(d.date or "").encode("utf-8") for d in docs]
    table = np.zeros(n_docs, _doc_dtype(max(map(len, langs), default=1), max(map(len, dates), default=1)))
    for k, v in cols.items():
        table[k] = v
    table["lang"], table["date"] = langs, dates
    np.save(path / "docs.npy", table)

    postings = build_postings((docs[i].text[s:e] for i, s, e in chunk_rows), (docs[i].lang for i, _, _ in chunk_rows))
    chunks = np.zeros((len(chunk_rows), 4), np.int64)
    if chunk_rows:
        chunks[:, :3] = chunk_rows
    chunks[:, 3] = postings.lengths
    np.save(path / "chunks.npy", chunks)
    vectors = _stack([r.vectors for r in records], len(chunk_rows), dim)
    np.save(path / "vectors.npy", vectors)
    np.save(path / "sentences.npy", np.asarray(sent_rows, np.int64).reshape(len(sent_rows), 5))
    with_sentences = [r for r in records if r.sentences]
    np.save(path / "sentence_vectors.npy", _stack([r.sentence_vectors for r in with_sentences], len(sent_rows), dim))
    latent = 0
    if sent_rows and all(r.sentence_latent is not None for r in with_sentences):
        ids = np.concatenate([np.asarray(r.sentence_latent[0], np.int16) for r in with_sentences])
        weights = np.concatenate([np.asarray(r.sentence_latent[1], np.float16) for r in with_sentences])
        if ids.shape != weights.shape or ids.ndim != 2 or len(ids) != len(sent_rows):
            raise ValueError(f"latent terms of shape {ids.shape} for {len(sent_rows)} sentences")
        np.save(path / LATENT_IDS, ids)
        np.save(path / LATENT_WEIGHTS, weights)
        latent = int(ids.shape[1])
    term_bytes = [t.encode("utf-8") for t in postings.terms]
    with (path / "terms.bin").open("wb") as f:
        f.write(b"".join(term_bytes))
    terms = np.zeros((len(term_bytes) + 1, 2), np.int64)
    terms[1:, 0] = np.cumsum([len(t) for t in term_bytes], dtype=np.int64)
    terms[:, 1] = postings.ptr
    np.save(path / "terms.npy", terms)
    np.save(path / "postings.npy", np.ascontiguousarray(postings.pairs.T))
    ann = len(chunk_rows) >= max(1, ann_threshold)
    if ann:
        _write_ann(path / ANN_FILE, vectors)
    entry = {"name": path.name, "documents": n_docs, "chunks": len(chunk_rows), "sentences": len(sent_rows),
             "ann": ann}
    if latent:
        entry["latent"] = latent
    return entry


def _stack(parts: list, rows: int, dim: int) -> np.ndarray:
    out = np.empty((rows, dim), np.float32)
    i = 0
    for p in parts:
        if p is None:
            continue
        p = np.asarray(p, np.float32).reshape(-1, dim)
        out[i : i + len(p)] = p
        i += len(p)
    if i != rows:
        raise ValueError(f"{i} vectors for {rows} rows")
    return out


def _write_ann(path: Path, vectors: np.ndarray) -> None:
    """An inverted-file index with 8-bit codes: about a quarter of the vectors' size in memory."""
    import errno

    import faiss

    n, dim = vectors.shape
    # Small lists (64 rows, up to 4096 lists): a query unlike every passage (a short question)
    # ranks small lists' centroids far better than large ones', so few lists need probing.
    # sqrt(n) lists gave recall@10 0.76 at 100k rows probing 1/16 of them; 2048 lists 0.996.
    nlist = max(1, min(4096, n // 64))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    # k-means on 16 rows a list, 6 rounds: minutes, not an hour, at a million rows on 2 cores.
    sample = vectors if n <= 16 * nlist else vectors[np.random.default_rng(0).choice(n, 16 * nlist, replace=False)]
    index.cp.min_points_per_centroid = 1  # tiny test segments: no warning about few points
    index.cp.niter = 6
    index.train(np.ascontiguousarray(sample))
    for lo in range(0, n, 100_000):
        index.add(np.ascontiguousarray(vectors[lo : lo + 100_000]))
    try:
        faiss.write_index(index, str(path))
    except RuntimeError as exc:  # faiss reports I/O errors this way
        raise OSError(errno.EIO, f"writing {path.name} failed ({exc})") from exc


class Segment:
    """A segment opened for reading: arrays memory-mapped, objects built on demand."""

    def __init__(self, path: Path, entry: dict[str, Any], files: dict[str, str], where: Path | str) -> None:
        self.path, self.name, self.files = path, entry["name"], files
        self.where = where
        self.docs = self._npy("docs.npy")
        self.chunk_table = self._npy("chunks.npy")
        self.vectors = self._npy("vectors.npy")
        self.sent_table = self._npy("sentences.npy")
        self.sentence_vectors = self._npy("sentence_vectors.npy")
        self.term_table = self._npy("terms.npy")
        self.pairs = self._npy("postings.npy")
        self.blob = self._map("text.bin")
        self.meta = self._map("documents.jsonl")
        self.term_blob = self._map("terms.bin")
        self.n_docs, self.n_chunks, self.n_sentences = len(self.docs), len(self.chunk_table), len(self.sent_table)
        self._check(entry)
        # Small per-row columns that every query reads, in memory (4 bytes a chunk each).
        self.chunk_doc = np.ascontiguousarray(self.chunk_table[:, 0], dtype=np.int32)
        self.lengths = np.ascontiguousarray(self.chunk_table[:, 3], dtype=np.float32)
        self.ann = self._read_ann() if entry.get("ann") else None
        # The sentences' latent terms, in segments written with a model that has them.
        self.latent: tuple[np.ndarray, np.ndarray] | None = None
        if entry.get("latent"):
            ids, weights = self._npy(LATENT_IDS), self._npy(LATENT_WEIGHTS)
            if ids.shape != weights.shape or ids.shape != (self.n_sentences, int(entry["latent"])):
                raise self._damaged(LATENT_IDS, "does not match the manifest (rows or shape)")
            self.latent = (ids, weights)
        self._cols: dict[str, np.ndarray] = {}
        self._vocabulary: frozenset[str] | None = None

    # -- opening -------------------------------------------------------------
    def _damaged(self, name: str, what: str):
        return damaged(self.where, f"{self.name}/{name} {what}")

    def _npy(self, name: str) -> np.ndarray:
        try:
            # A plain ndarray over the mapping: np.memmap's indexing is slow for many small reads.
            return np.load(self.path / name, mmap_mode="r", allow_pickle=False).view(np.ndarray)
        except (OSError, ValueError) as exc:
            raise self._damaged(name, f"cannot be read ({type(exc).__name__})") from exc

    def _map(self, name: str) -> bytes | mmap.mmap:
        try:
            with open(self.path / name, "rb") as f:
                size = f.seek(0, 2)
                return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except (OSError, ValueError) as exc:
            raise self._damaged(name, f"cannot be read ({type(exc).__name__})") from exc

    def _read_ann(self):
        import faiss

        try:
            index = faiss.read_index(str(self.path / ANN_FILE))
        except RuntimeError as exc:
            raise self._damaged(ANN_FILE, "cannot be read") from exc
        if index.ntotal != self.n_chunks or index.d != self.vectors.shape[1]:
            raise self._damaged(ANN_FILE, f"holds {index.ntotal} rows, the segment {self.n_chunks}")
        index.nprobe = min(index.nlist, max(8, int(np.ceil(index.nlist * ANN_PROBE_SHARE))))
        return index

    def _check(self, entry: dict[str, Any]) -> None:
        """The checksums passed; these catch a manifest that lies about its rows."""
        dim = self.vectors.shape[1] if self.vectors.ndim == 2 else -1
        shapes = {
            "docs.npy": (self.docs.dtype.names is not None and self.docs.ndim == 1, self.n_docs == entry["documents"]),
            "chunks.npy": (self.chunk_table.ndim == 2 and self.chunk_table.shape[1] == 4,
                           self.n_chunks == entry["chunks"]),
            "vectors.npy": (self.vectors.ndim == 2 and self.vectors.dtype == np.float32, len(self.vectors) == self.n_chunks),
            "sentences.npy": (self.sent_table.ndim == 2 and self.sent_table.shape[1] == 5,
                              self.n_sentences == entry["sentences"]),
            "sentence_vectors.npy": (self.sentence_vectors.ndim == 2,
                                     self.sentence_vectors.shape == (self.n_sentences, dim)),
            "terms.npy": (self.term_table.ndim == 2 and self.term_table.shape[1] == 2,
                          len(self.term_table) >= 1 and int(self.term_table[-1, 1]) == self.pairs.shape[-1]),
            "postings.npy": (self.pairs.ndim == 2 and self.pairs.shape[0] == 2, True),
        }
        for name, ok in shapes.items():
            if not all(ok):
                raise self._damaged(name, "does not match the manifest (rows or shape)")
        if self.n_docs and (int(self.docs["text_hi"][-1]) != len(self.blob)
                            or int(self.docs["meta_hi"][-1]) != len(self.meta)):
            raise self._damaged("text.bin", "does not match docs.npy")

    # -- documents -----------------------------------------------------------
    def _blob_text(self, row: int, lo: str, hi: str) -> str:
        """UTF-8 text of document ``row`` between two of its offset columns in ``text.bin``."""
        d = self.docs[row]
        return bytes(self.blob[int(d[lo]) : int(d[hi])]).decode("utf-8")

    def doc_id(self, row: int) -> str:
        return self._blob_text(row, "id_lo", "hash_lo")

    def content_hash(self, row: int) -> str:
        return self._blob_text(row, "hash_lo", "text_lo")

    def find(self, doc_id: str) -> int:
        """The row of ``doc_id`` (ids are stored sorted), or -1."""
        i = bisect.bisect_left(range(self.n_docs), doc_id, key=self.doc_id)
        return i if i < self.n_docs and self.doc_id(i) == doc_id else -1

    def text(self, row: int) -> str:
        return self._blob_text(row, "text_lo", "text_hi")

    def _meta(self, row: int) -> dict:
        d = self.docs[row]
        return json.loads(bytes(self.meta[int(d["meta_lo"]) : int(d["meta_hi"])]))

    def document(self, row: int) -> Document:
        m = self._meta(row)
        return Document(id=self.doc_id(row), source=m["source"], title=m["title"], text=self.text(row),
                        lang=m["lang"], date=m["date"], content_hash=self.content_hash(row), meta=m["meta"])

    def column(self, name: str) -> np.ndarray:
        """A document column (``lang``, ``date``) as a contiguous array, kept after first use."""
        if name not in self._cols:
            self._cols[name] = np.ascontiguousarray(self.docs[name])
        return self._cols[name]

    # -- chunks and sentences ----------------------------------------------------
    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        """Chunks by row; a document's text and metadata are read once for all its chunks asked."""
        out: list[Chunk] = []
        cache: dict[int, tuple[str, str, dict]] = {}
        for r in rows:
            doc_row, start, end = (int(v) for v in self.chunk_table[r, :3])
            if doc_row not in cache:
                cache[doc_row] = (self.doc_id(doc_row), self.text(doc_row), self._meta(doc_row))
            doc_id, text, m = cache[doc_row]
            k = int(r) - int(self.docs[doc_row]["chunk_lo"])
            cid = m["chunk_ids"][k] if "chunk_ids" in m else f"{doc_id}#{k:04d}"
            out.append(Chunk(id=cid, doc_id=doc_id, text=text[start:end], start=start, end=end, title=m["title"],
                             source=m["source"], lang=m["lang"], date=m["date"]))
        return out

    def sentences(self, rows: Sequence[int]) -> list[Sentence]:
        out: list[Sentence] = []
        docs: dict[int, tuple[str, str]] = {}  # a document's id and text, read once for all its sentences
        for r in rows:
            doc_row, start, end, item, number = (int(v) for v in self.sent_table[r])
            if doc_row not in docs:
                docs[doc_row] = (self.doc_id(doc_row), self.text(doc_row))
            doc_id, text = docs[doc_row]
            out.append(Sentence(text[start:end], start, end, bool(item), None if number < 0 else number, doc_id))
        return out

    def sentences_in(self, doc_row: int, start: int, end: int) -> np.ndarray:
        """Rows of the document's sentences whose middle lies in ``[start, end)``."""
        lo, hi = int(self.docs[doc_row]["sent_lo"]), int(self.docs[doc_row]["sent_hi"])
        t = self.sent_table[lo:hi]
        mids = (t[:, 1] + t[:, 2]) // 2
        return lo + np.flatnonzero((mids >= start) & (mids < end))

    # -- BM25 ------------------------------------------------------------------
    def _term(self, i: int) -> str:
        return bytes(self.term_blob[int(self.term_table[i, 0]) : int(self.term_table[i + 1, 0])]).decode("utf-8")

    def vocabulary(self) -> frozenset[str]:
        """Every BM25 term of this segment, read once (set lookups for the many words a
        misspelling is tried as, instead of a binary search each)."""
        if self._vocabulary is None:
            blob, offsets = bytes(self.term_blob), self.term_table[:, 0].tolist()
            self._vocabulary = frozenset(blob[offsets[i]:offsets[i + 1]].decode("utf-8")
                                         for i in range(len(offsets) - 1))
        return self._vocabulary

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, term frequencies) of ``term`` in this segment, rows increasing."""
        n = len(self.term_table) - 1
        i = bisect.bisect_left(range(n), term, key=self._term)
        if i >= n or self._term(i) != term:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        lo, hi = int(self.term_table[i, 1]), int(self.term_table[i + 1, 1])
        return self.pairs[0, lo:hi], self.pairs[1, lo:hi]

    # -- dense -----------------------------------------------------------------
    def nearest(self, qvec: np.ndarray, n: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``n`` rows among ``mask`` (None: all) by inner product, scored exactly.

        With an ANN index the IVF lists propose candidates, which are re-scored
        from the float vectors; without one every row allowed is scored.
        """
        from .stores.base import top

        if self.ann is not None and n > 0:
            import faiss

            want = max(n, ANN_MIN_CANDIDATES)
            params = None
            if mask is not None:
                bits = np.packbits(mask.astype(np.uint8), bitorder="little")
                sel = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
                params = faiss.SearchParametersIVF(sel=sel, nprobe=self.ann.nprobe)
            _, ids = self.ann.search(qvec.reshape(1, -1).astype(np.float32), want, params=params)
            rows = ids[0][ids[0] >= 0].astype(np.int64)
            if len(rows) < min(n, self.n_chunks if mask is None else int(mask.sum())):
                rows = None  # the probed lists hold too few allowed rows: score them all
            if rows is not None:
                rows.sort()
                sc = self.vectors[rows] @ qvec
                order = top(sc, n)
                return rows[order], sc[order]
        if mask is None:
            sc = self.vectors @ qvec
            order = top(sc, n)
            return order.astype(np.int64), sc[order]
        rows = np.flatnonzero(mask)
        sc = self.vectors[rows] @ qvec
        order = top(sc, n)
        return rows[order], sc[order]
