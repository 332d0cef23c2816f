"""The on-disk index: a self-describing directory, written atomically, in immutable segments.

Layout of ``index_dir``::

    CURRENT                 name of the live generation (replaced atomically)
    gen-<time>-<rand>/      one complete index
        manifest.json       format, model, dimension, chunking, fingerprint, counts, versions,
                            sha256 of every other file, and the segments in key order with
                            their tombstones (deleted document rows) (see rag/manifest.py)
        seg-<time>-<rand>/  one segment (rag/segment.py): text.bin, docs.npy, documents.jsonl,
                            chunks.npy, vectors.npy, sentences.npy, sentence_vectors.npy,
                            terms.bin, terms.npy, postings.npy, and ann.faiss above the ANN threshold

A write creates a new generation directory: the previous generation's
untouched segments are hard links to the same files (O(1); segment files are
never opened for writing after they are created), the documents put form one
new segment, and documents deleted or replaced become tombstones. Too many
segments (more than ``MAX_SEGMENTS``), or one with more than
``MAX_DELETED_SHARE`` of its chunks deleted, are merged into the new segment;
``rag index --rebuild`` writes one. Checksums of linked files are copied from
the previous manifest, not recomputed, and a reader reloading after another
process's write reuses the segments it has open (``load(..., loaded=...)``).

Each generation is complete and fsynced before ``CURRENT`` is swapped with
``os.replace``: a crash or Ctrl-C at any point leaves the previous generation
loadable. Old generations are removed after the swap (their files live on
where the new generation links them).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from . import segment
from .errors import IndexCorruptError, IndexMissingError, IndexWriteError
from .manifest import FORMAT_VERSION, NAME, Manifest, damaged, package_versions
from .segment import Segment
from .state import IndexState
from .stores.base import BuildInfo, DocumentRecord
from .types import Document

__all__ = ["FORMAT_VERSION", "IndexState", "Manifest", "commit", "current_generation", "current_name",
           "fingerprint", "load", "read_manifest", "write_lock"]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


MAX_SEGMENTS = 8  # more after a write: every segment but the largest is merged into one
MAX_DELETED_SHARE = 0.3  # a segment with more of its chunks deleted is rewritten without them


def _doc_print(doc_id: str, content_hash: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{doc_id}\0{content_hash}".encode()).digest()[:8], "big")


def fingerprint(documents: Mapping[str, Document]) -> str:
    """A hash of the corpus: ids and content hashes, order-independent.

    The sum (mod 2^64) of one hash per document, so that a write updates it
    from the documents it adds and removes, without reading the others.
    """
    return f"{sum(_doc_print(i, d.content_hash) for i, d in documents.items()) % 2**64:016x}"


def commit(index_dir: Path, old: IndexState | None, put: Mapping[str, DocumentRecord], deleted: set[str],
           info: BuildInfo, _fail_after: str | None = None, ann_threshold: int = segment.ANN_THRESHOLD) -> IndexState:
    """Write a new generation: ``old`` minus ``deleted``, with ``put`` added or replacing; make it current.

    Untouched segments are hard-linked from ``old``'s generation; the documents
    put form one new segment; tombstones mark the rows deleted or replaced.
    A disk that is full or read-only raises IndexWriteError and leaves the
    previous generation current. ``_fail_after`` names a step after which to
    raise, so that tests can simulate a crash mid-commit.
    """
    try:
        return _commit(index_dir, old, put, deleted, info, _fail_after, ann_threshold)
    except OSError as exc:
        raise _write_error(index_dir, exc) from exc


@dataclass
class _Kept:
    seg: Segment
    entry: Mapping[str, Any]
    dead: set[int]

    def live(self, kind: str = "chunk") -> int:
        """Live rows of ``kind`` (chunk, sent) once the dead documents are gone."""
        d, rows = self.seg.docs, np.asarray(sorted(self.dead), np.int64)
        total = self.seg.n_chunks if kind == "chunk" else self.seg.n_sentences
        return total - int((d[f"{kind}_hi"][rows] - d[f"{kind}_lo"][rows]).sum()) if len(rows) else total


def _records(k: _Kept) -> list[DocumentRecord]:
    """The live documents of a segment as records again (for a merge)."""
    s, out = k.seg, []
    for row in range(s.n_docs):
        if row in k.dead:
            continue
        d = s.docs[row]
        c, x = range(int(d["chunk_lo"]), int(d["chunk_hi"])), range(int(d["sent_lo"]), int(d["sent_hi"]))
        latent = None if s.latent is None else (np.asarray(s.latent[0][x.start:x.stop]),
                                                 np.asarray(s.latent[1][x.start:x.stop]))
        out.append(DocumentRecord(s.document(row), tuple(s.chunks(c)), np.asarray(s.vectors[c.start:c.stop]),
                                  tuple(s.sentences(x)), np.asarray(s.sentence_vectors[x.start:x.stop]), latent))
    return out


def _link_segment(src: Path, dst: Path, names: list[str]) -> None:
    dst.mkdir()
    for name in names:
        try:
            os.link(src / name, dst / name)  # O(1): the file is immutable, both generations share it
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            shutil.copy2(src / name, dst / name)


def _commit(index_dir: Path, old: IndexState | None, put: Mapping[str, DocumentRecord], deleted: set[str],
            info: BuildInfo, _fail_after: str | None, ann_threshold: int) -> IndexState:
    index_dir.mkdir(parents=True, exist_ok=True)
    gen = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    tmp = index_dir / f".tmp-{gen}"
    tmp.mkdir()
    try:
        fp = int(old.manifest.fingerprint, 16) if old is not None else 0
        kept: list[_Kept] = []
        gone = set(deleted) | set(put)
        for seg, entry in zip(old.segments if old else [], old.manifest.segments if old else []):
            dead = set(entry["deleted"])
            for doc_id in gone:
                row = seg.find(doc_id)
                if row >= 0 and row not in dead:
                    dead.add(row)
                    fp -= _doc_print(doc_id, seg.content_hash(row))
            if len(dead) < seg.n_docs:
                kept.append(_Kept(seg, entry, dead))
        fp += sum(_doc_print(i, r.document.content_hash) for i, r in put.items())
        # Merge policy: too many segments, or one mostly deleted, and they are rewritten into the new one.
        merge = [k for k in kept if k.seg.n_chunks and 1 - k.live() / k.seg.n_chunks > MAX_DELETED_SHARE]
        if len(kept) + bool(put) > MAX_SEGMENTS:
            largest = max(kept, key=_Kept.live)
            merge = [k for k in kept if k is not largest]
        records = dict(put)
        for k in merge:
            records.update({r.document.id: r for r in _records(k)})
        entries: list[dict[str, Any]] = []
        known: dict[str, str] = {}
        segments: list[Segment | None] = []
        counts: list[tuple[int, int, int]] = []  # live documents, chunks, sentences per segment
        for k in kept:
            if any(k is m for m in merge):
                continue
            name = k.seg.name
            _link_segment(Path(old.path) / name, tmp / name, sorted(k.seg.files))  # type: ignore[union-attr]
            known.update({f"{name}/{f}": d for f, d in k.seg.files.items()})
            langs = list(k.entry["langs"])
            if len(k.dead) != len(k.entry["deleted"]):
                alive = np.ones(k.seg.n_docs, bool)
                alive[sorted(k.dead)] = False
                langs = sorted({v.decode("utf-8") for v in np.unique(k.seg.column("lang")[alive])})
            entries.append({**k.entry, "deleted": sorted(k.dead), "langs": langs})
            segments.append(k.seg)
            counts.append((k.seg.n_docs - len(k.dead), k.live("chunk"), k.live("sent")))
        if records:
            name = f"seg-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
            rows = [records[i] for i in sorted(records)]
            entry = segment.write(tmp / name, rows, info.dimension, ann_threshold)
            entries.append({**entry, "deleted": [], "langs": sorted({r.document.lang for r in rows})})
            segments.append(None)
            counts.append((entry["documents"], entry["chunks"], entry["sentences"]))
        if _fail_after == "chunks":
            raise KeyboardInterrupt("simulated crash after writing the new segment")
        manifest = Manifest(
            model=info.model, dimension=info.dimension, chunk_size=info.chunk_size,
            chunk_overlap=info.chunk_overlap, fingerprint=f"{fp % 2**64:016x}",
            documents=sum(c[0] for c in counts), chunks=sum(c[1] for c in counts),
            sentences=sum(c[2] for c in counts), sentences_indexed=info.sentences_indexed,
            languages=tuple(sorted({lang for e in entries for lang in e["langs"]})), sources=tuple(info.sources),
            versions=package_versions(), files=known, segments=tuple(entries),
        )
        manifest = manifest.write(tmp)  # last: it holds the checksums of the files above
        for rel in manifest.files:
            if rel not in known:
                with open(tmp / rel, "rb") as fh:
                    os.fsync(fh.fileno())
        for d in [tmp, *(p for p in tmp.iterdir() if p.is_dir())]:
            _fsync_dir(d)
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
    opened = [s if s is not None else Segment(final / e["name"], e, _files_of(manifest, e["name"]), index_dir)
              for e, s in zip(entries, segments)]
    return IndexState(manifest, opened, str(final))


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


def _files_of(manifest: Manifest, name: str) -> dict[str, str]:
    """A segment's files (names within it) and their checksums, as the manifest lists them."""
    prefix = f"{name}/"
    return {f[len(prefix):]: d for f, d in manifest.files.items() if f.startswith(prefix)}


def _load_generation(index_dir: Path, gen: Path, model: str | None, loaded: Sequence[Segment] = ()) -> IndexState:
    manifest = Manifest.read(gen, index_dir)
    # With no model to compare, only the format is checked.
    if model is not None:
        manifest.check_model(model, index_dir)
    # Segments this process has open already (the previous generation's, hard-linked into this
    # one with the same checksums) are reused: neither re-read nor re-verified.
    have = {s.name: s for s in loaded}
    reuse: dict[str, Segment] = {}
    for entry in manifest.segments:
        s = have.get(entry["name"])
        if s is not None and s.files == _files_of(manifest, s.name):
            reuse[s.name] = s
    trusted = {f"{s.name}/{f}": d for s in reuse.values() for f, d in s.files.items()}
    manifest.verify_files(gen, index_dir, trusted)
    segments = [reuse.get(e["name"]) or Segment(gen / e["name"], e, _files_of(manifest, e["name"]), index_dir)
                for e in manifest.segments]
    state = IndexState(manifest, segments, str(gen))
    # The checksums passed; these catch a manifest that lies about its rows.
    for e, s in zip(manifest.segments, segments):
        if e["documents"] != s.n_docs:
            raise damaged(index_dir, f"{NAME} says {e['documents']} documents in {s.name}, it holds {s.n_docs}")
    counts = {"documents": (sum(e["documents"] - len(e["deleted"]) for e in manifest.segments), manifest.documents),
              "chunks": (state.chunk_keys.total, manifest.chunks),
              "sentences": (state.sentence_keys.total, manifest.sentences)}
    for what, (found, said) in counts.items():
        if found != said:
            raise damaged(index_dir, f"{NAME} says {said} {what}, the segments hold {found}")
    return state


def load(index_dir: Path, model: str | None, loaded: Sequence[Segment] = ()) -> IndexState:
    """Load and verify the current generation; ``model=None`` skips the model check.

    ``loaded``: segments this process has open (an earlier generation's), reused when unchanged.

    Raises IndexMissingError, IndexMismatchError (format, model) or IndexCorruptError.
    """
    for _ in range(3):
        gen = current_generation(index_dir)
        if gen is None:
            raise IndexMissingError(f"no index at {index_dir}: run `rag index` first")
        try:
            return _load_generation(index_dir, gen, model, loaded)
        except IndexCorruptError:
            # Another process may have swapped CURRENT and removed this generation
            # while we read it: then load the new one instead of reporting damage.
            if current_name(index_dir) == gen.name:
                raise
    raise IndexCorruptError(f"index at {index_dir} kept changing while it was loaded: try again")
