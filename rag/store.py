"""The on-disk index: a self-describing directory, written atomically.

Layout of ``index_dir``::

    CURRENT                 name of the live generation (replaced atomically)
    gen-<time>-<rand>/      one complete index
        manifest.json       format, model, dimension, chunking, fingerprint, counts, versions
        documents.jsonl     documents with their cleaned text
        chunks.jsonl        chunks (offsets into the cleaned text)
        vectors.npy         normalised float32 chunk embeddings (row i = chunk i)
        dense.faiss         FAISS inner-product index over the vectors
        bm25/               bm25s arrays + vocabulary + languages

A new generation is written in full and fsynced before ``CURRENT`` is swapped
with ``os.replace``: a crash or Ctrl-C at any point leaves the previous
generation loadable. Old generations are removed after the swap.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .errors import IndexMismatchError, IndexMissingError
from .lexical import BM25Index
from .types import Chunk, Document

FORMAT_VERSION = 1


@dataclass
class IndexState:
    """Everything a search needs, loaded in memory. Replaced whole, never mutated."""

    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: list[Chunk]
    vectors: np.ndarray
    bm25: BM25Index | None
    faiss_index: Any = None
    path: str = ""
    by_doc: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.by_doc:
            for i, c in enumerate(self.chunks):
                self.by_doc.setdefault(c.doc_id, []).append(i)
        if self.faiss_index is None:
            self.faiss_index = build_faiss(self.vectors)


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


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index directory (across processes)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def save(index_dir: Path, state: IndexState, _fail_after: str | None = None) -> Path:
    """Write ``state`` as a new generation and make it current, atomically.

    ``_fail_after`` names a step after which to raise, so that tests can
    simulate a crash mid-save.
    """
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
        faiss.write_index(state.faiss_index, str(tmp / "dense.faiss"))
        if state.bm25 is not None:
            (tmp / "bm25").mkdir()
            state.bm25.save(tmp / "bm25")
        _write_json(tmp / "manifest.json", state.manifest)
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
    state.path = str(final)
    return final


def _remove_stale(index_dir: Path, keep: str) -> None:
    for p in index_dir.iterdir():
        if p.name == keep or not p.is_dir():
            continue
        if p.name.startswith("gen-") or p.name.startswith(".tmp-gen-"):
            shutil.rmtree(p, ignore_errors=True)


def current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        return None
    gen = index_dir / pointer.read_text(encoding="utf-8").strip()
    return gen if gen.is_dir() else None


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    gen = current_generation(index_dir)
    if gen is None:
        return None
    return json.loads((gen / "manifest.json").read_text(encoding="utf-8"))


def check_manifest(manifest: dict[str, Any], model: str, where: Path) -> None:
    """Fail with a message naming the fix when the index does not match the settings."""
    fmt = manifest.get("format_version")
    if fmt != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {where} has format {fmt}, this version reads format {FORMAT_VERSION}: "
            f"run `rag index --rebuild` to rebuild it"
        )
    if manifest.get("model") != model:
        raise IndexMismatchError(
            f"index at {where} was built with model {manifest.get('model')!r} but the settings ask "
            f"for {model!r}: run `rag index --rebuild --model {model}` or pass --model "
            f"{manifest.get('model')}"
        )


def load(index_dir: Path, model: str | None) -> IndexState:
    """Load the current generation; ``model=None`` skips the model check."""
    import faiss

    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissingError(f"no index at {index_dir}: run `rag index` first")
    try:
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexMismatchError(
            f"index at {index_dir} is damaged ({exc}): run `rag index --rebuild`"
        ) from exc
    # With no model to compare, only the format is checked.
    check_manifest(manifest, manifest.get("model", "") if model is None else model, index_dir)
    documents: dict[str, Document] = {}
    with (gen / "documents.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            documents[d["id"]] = Document(**d)
    with (gen / "chunks.jsonl").open(encoding="utf-8") as f:
        chunks = [Chunk(**json.loads(line)) for line in f]
    vectors = np.load(gen / "vectors.npy")
    bm25 = BM25Index.load(gen / "bm25") if (gen / "bm25").is_dir() else None
    index = faiss.read_index(str(gen / "dense.faiss"))
    return IndexState(manifest, documents, chunks, vectors, bm25, index, str(gen))
