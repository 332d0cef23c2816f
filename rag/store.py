"""The on-disk index: a self-describing directory, written atomically.

Layout of ``index_dir``::

    CURRENT                 name of the live generation (replaced atomically)
    gen-<time>-<rand>/      one complete index
        manifest.json       format, model, dimension, chunking, fingerprint, counts, versions,
                            sha256 of every other file (written last; see rag/manifest.py)
        documents.jsonl     documents with their cleaned text
        chunks.jsonl        chunks (offsets into the cleaned text)
        vectors.npy         normalised float32 chunk embeddings (row i = chunk i)
        sentences.jsonl     answerable sentences (document id + span), for cited answers
        sentence_vectors.npy  their embeddings (row i = sentence i)
        dense.faiss         FAISS inner-product index over the vectors
        bm25/               bm25s arrays + vocabulary + languages

A new generation is written in full and fsynced before ``CURRENT`` is swapped
with ``os.replace``: a crash or Ctrl-C at any point leaves the previous
generation loadable. Old generations are removed after the swap.
"""

from __future__ import annotations

import bisect
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .errors import IndexCorruptError, IndexMissingError, IndexWriteError
from .lexical import BM25Index
from .manifest import FORMAT_VERSION, NAME, Manifest, damaged
from rag.sentences import Sentence
from .types import Chunk, Document

__all__ = ["FORMAT_VERSION", "IndexState", "Manifest", "build_faiss", "current_generation", "current_name",
           "fingerprint", "load", "read_manifest", "save", "write_lock"]


@dataclass
class IndexState:
    """Everything a search needs, loaded in memory. Replaced whole, never mutated."""

    manifest: Manifest
    documents: dict[str, Document]
    chunks: list[Chunk]
    vectors: np.ndarray
    bm25: BM25Index | None
    faiss_index: Any = None
    path: str = ""
    by_doc: dict[str, list[int]] = field(default_factory=dict)
    sentences: list[Sentence] = field(default_factory=list)
    sentence_vectors: np.ndarray | None = None
    sentences_by_doc: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.by_doc:
            for i, c in enumerate(self.chunks):
                self.by_doc.setdefault(c.doc_id, []).append(i)
        if self.faiss_index is None:
            self.faiss_index = build_faiss(self.vectors)
        if self.sentence_vectors is None:
            self.sentence_vectors = np.zeros((0, self.vectors.shape[1] if self.vectors.ndim == 2 else 0), np.float32)
        if not self.sentences_by_doc:
            for i, x in enumerate(self.sentences):  # stored in document order, by start
                self.sentences_by_doc.setdefault(x.doc_id, []).append(i)

    def sentences_in_chunk(self, chunk: Chunk) -> list[int]:
        """Rows of the sentences whose middle lies inside ``chunk`` (overlapping chunks share some)."""
        rows = self.sentences_by_doc.get(chunk.doc_id, [])
        mids = [(self.sentences[i].start + self.sentences[i].end) // 2 for i in rows]
        lo, hi = bisect.bisect_left(mids, chunk.start), bisect.bisect_left(mids, chunk.end)
        return rows[lo:hi]


def build_faiss(vectors: np.ndarray):
    import faiss

    dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 1
    index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def fingerprint(documents: dict[str, Document]) -> str:
    """A hash of the corpus: ids and content hashes, order-independent."""
    h = hashlib.sha256()
    for doc_id in sorted(documents):
        h.update(f"{doc_id}\0{documents[doc_id].content_hash}\n".encode())
    return h.hexdigest()[:16]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_error(index_dir: Path, exc: OSError) -> IndexWriteError:
    reason = exc.strerror or str(exc)
    return IndexWriteError(f"cannot write the index at {index_dir}: {reason}; the previous index is unchanged")


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index directory (across processes)."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fh = open(index_dir / ".lock", "w")
    except OSError as exc:
        raise _write_error(index_dir, exc) from exc
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def save(index_dir: Path, state: IndexState, _fail_after: str | None = None) -> Path:
    """Write ``state`` as a new generation and make it current, atomically.

    A disk that is full or read-only raises IndexWriteError and leaves the
    previous generation current. ``_fail_after`` names a step after which to
    raise, so that tests can simulate a crash mid-save.
    """
    try:
        return _save(index_dir, state, _fail_after)
    except OSError as exc:
        raise _write_error(index_dir, exc) from exc


def _save(index_dir: Path, state: IndexState, _fail_after: str | None) -> Path:
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    gen = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    tmp = index_dir / f".tmp-{gen}"
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "documents.jsonl", (d.to_json() for d in state.documents.values()))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_json() for c in state.chunks))
        if _fail_after == "chunks":
            raise KeyboardInterrupt("simulated crash after chunks")
        np.save(tmp / "vectors.npy", state.vectors.astype(np.float32))
        _write_jsonl(tmp / "sentences.jsonl", (x.to_json() for x in state.sentences))
        np.save(tmp / "sentence_vectors.npy", np.asarray(state.sentence_vectors, dtype=np.float32))
        try:
            faiss.write_index(state.faiss_index, str(tmp / "dense.faiss"))
        except RuntimeError as exc:  # faiss reports I/O errors this way
            raise OSError(errno.EIO, f"writing dense.faiss failed ({exc})") from exc
        if state.bm25 is not None:
            (tmp / "bm25").mkdir()
            state.bm25.save(tmp / "bm25")
        manifest = state.manifest.write(tmp)  # last: it holds the checksums of the files above
        for f in tmp.rglob("*"):
            if f.is_file():
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
        final = index_dir / gen
        os.replace(tmp, final)
        if _fail_after == "generation":
            raise KeyboardInterrupt("simulated crash before switching CURRENT")
        pointer = index_dir / f".CURRENT.{uuid.uuid4().hex[:6]}"
        pointer.write_text(gen + "\n", encoding="utf-8")
        with open(pointer, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(pointer, index_dir / "CURRENT")
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_stale(index_dir, keep=gen)
    state.manifest = manifest
    state.path = str(final)
    return final


def _remove_stale(index_dir: Path, keep: str) -> None:
    for p in index_dir.iterdir():
        if p.name == keep or not p.is_dir():
            continue
        if p.name.startswith("gen-") or p.name.startswith(".tmp-gen-"):
            shutil.rmtree(p, ignore_errors=True)


_GEN_NAME = re.compile(r"gen-[0-9A-Za-z-]+")


def current_name(index_dir: Path) -> str | None:
    """The name of the live generation as ``CURRENT`` says, or None when there is none.

    Raises IndexCorruptError when ``CURRENT`` is unreadable or names no valid
    generation, or is missing while generations exist.
    """
    pointer = index_dir / "CURRENT"
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        if index_dir.is_dir() and any(p.name.startswith("gen-") for p in index_dir.iterdir()):
            raise damaged(index_dir, "CURRENT is missing") from None
        return None
    except NotADirectoryError:
        return None
    except OSError as exc:
        raise damaged(index_dir, f"CURRENT cannot be read ({exc.strerror or exc})") from exc
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise damaged(index_dir, "CURRENT is not UTF-8 text") from exc
    if not _GEN_NAME.fullmatch(name):
        raise damaged(index_dir, f"CURRENT does not name a generation ({name[:40]!r})")
    return name


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's directory (see :func:`current_name`)."""
    name = current_name(index_dir)
    if name is None:
        return None
    gen = index_dir / name
    if not gen.is_dir():
        raise damaged(index_dir, f"CURRENT names {name}, which is missing")
    return gen


def read_manifest(index_dir: Path) -> Manifest | None:
    """The current generation's manifest (checked, files not verified), or None when there is no index."""
    gen = current_generation(index_dir)
    return None if gen is None else Manifest.read(gen, index_dir)


def _rows(path: Path, where: Path, parse) -> list:
    """Parse a JSON Lines file; any failure names the file."""
    try:
        with path.open(encoding="utf-8") as f:
            return [parse(json.loads(line)) for line in f]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise damaged(where, f"{path.name} cannot be parsed ({type(exc).__name__})") from exc


def _load_generation(index_dir: Path, gen: Path, model: str | None) -> IndexState:
    import faiss

    manifest = Manifest.read(gen, index_dir)
    # With no model to compare, only the format is checked.
    if model is not None:
        manifest.check_model(model, index_dir)
    manifest.verify_files(gen, index_dir)
    # The checksums passed; the checks below catch a manifest that lies about its rows.
    docs = _rows(gen / "documents.jsonl", index_dir, lambda d: Document(**d))
    documents = {d.id: d for d in docs}
    chunks = _rows(gen / "chunks.jsonl", index_dir, lambda c: Chunk(**c))
    try:
        vectors = np.load(gen / "vectors.npy", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise damaged(index_dir, f"vectors.npy cannot be read ({type(exc).__name__})") from exc
    try:
        sentence_vectors = np.load(gen / "sentence_vectors.npy", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise damaged(index_dir, f"sentence_vectors.npy cannot be read ({type(exc).__name__})") from exc
    sentences = _rows(gen / "sentences.jsonl", index_dir, lambda r: Sentence.from_json(r, documents[r["doc_id"]].text))
    try:
        index = faiss.read_index(str(gen / "dense.faiss"))
    except RuntimeError as exc:
        raise damaged(index_dir, "dense.faiss cannot be read") from exc
    bm25 = None
    if manifest.chunks:
        try:
            bm25 = BM25Index.load(gen / "bm25")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise damaged(index_dir, f"bm25/ cannot be read ({type(exc).__name__})") from exc
    counts = {
        "documents.jsonl": (len(docs), len(documents), manifest.documents),
        "chunks.jsonl": (len(chunks), manifest.chunks),
        "vectors.npy": (vectors.shape, (manifest.chunks, manifest.dimension)),
        "sentences.jsonl": (len(sentences), manifest.sentences),
        "sentence_vectors.npy": (sentence_vectors.shape, (manifest.sentences, manifest.dimension)),
        "dense.faiss": ((index.ntotal, index.d), (manifest.chunks, max(1, manifest.dimension))),
        "bm25/": (int(bm25.model.scores["num_docs"]) if bm25 else 0, manifest.chunks),
    }
    for name, values in counts.items():
        if any(v != values[-1] for v in values[:-1]):
            raise damaged(index_dir, f"{name} holds {values[0]} rows, {NAME} says {values[-1]}")
    return IndexState(manifest, documents, chunks, vectors, bm25, index, str(gen),
                      sentences=sentences, sentence_vectors=sentence_vectors)


def load(index_dir: Path, model: str | None) -> IndexState:
    """Load and verify the current generation; ``model=None`` skips the model check.

    Raises IndexMissingError, IndexMismatchError (format, model) or IndexCorruptError.
    """
    for _ in range(3):
        gen = current_generation(index_dir)
        if gen is None:
            raise IndexMissingError(f"no index at {index_dir}: run `rag index` first")
        try:
            return _load_generation(index_dir, gen, model)
        except IndexCorruptError:
            # Another process may have swapped CURRENT and removed this generation
            # while we read it: then load the new one instead of reporting damage.
            if current_name(index_dir) == gen.name:
                raise
    raise IndexCorruptError(f"index at {index_dir} kept changing while it was loaded: try again")
