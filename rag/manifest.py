"""The manifest of an index generation: how it was built, what it holds, checksums of its files.

One type owns it, as bm25s's ``params.index.json`` is owned by its index: the
indexer builds a ``Manifest``, the store writes it last into a generation
(:meth:`Manifest.write` hashes every other file), loading reads and verifies
it (:meth:`Manifest.read`, :meth:`Manifest.verify_files`), and the indexer and
the evaluation cache ask it whether a build can be reused
(:meth:`Manifest.reusable_for`).

Every failure is a typed error whose one-line message names the damaged file
and the command that repairs it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Mapping

from .cleaning import CLEANING_VERSION
from .errors import IndexCorruptError, IndexMismatchError
from .settings import Settings

# 2: the manifest carries row counts, a sha256 of every file and a checksum of itself.
# 3: answerable sentences and their vectors are part of the index (sentences.jsonl, sentence_vectors.npy).
# 4: a generation is immutable segments (columnar, memory-mapped, hard-linked between generations)
#    plus tombstones; BM25 is per-segment postings scored with global statistics (rag/segment.py).
FORMAT_VERSION = 4
NAME = "manifest.json"
REBUILD = "run `rag index --rebuild PATH ...` with the files or folders you indexed"
SEGMENT_FILES = ("text.bin", "docs.npy", "documents.jsonl", "chunks.npy", "vectors.npy", "sentences.npy",
                 "sentence_vectors.npy", "terms.bin", "terms.npy", "postings.npy")
ANN_FILE = "ann.faiss"
# The sentences' latent terms (``Embedder.latent_terms``), in segments whose entry says "latent": K.
LATENT_FILES = ("sentence_latent_ids.npy", "sentence_latent_weights.npy")
_SEGMENT_NAME = re.compile(r"seg-[0-9A-Za-z-]+")
# Segment entry field -> JSON type it must have.
_SEGMENT_TYPES: dict[str, type] = {"name": str, "documents": int, "chunks": int, "sentences": int, "ann": bool,
                                   "deleted": list, "langs": list}


def damaged(where: Path | str, what: str) -> IndexCorruptError:
    """The error for a damaged index: one line naming the file and the repair."""
    return IndexCorruptError(f"index at {where} is damaged: {what}: {REBUILD}")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _self_checksum(data: Mapping[str, Any]) -> str:
    body = {k: v for k, v in data.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _version(pkg: str) -> str:
    try:
        return importlib_metadata.version(pkg)
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def package_versions() -> dict[str, str]:
    return {p: _version(p) for p in ("rag-cite", "sentence-transformers", "faiss-cpu", "bm25s", "torch")}


# Field name -> JSON type it must have on disk.
_TYPES: dict[str, type | tuple[type, ...]] = {
    "format_version": int, "model": str, "dimension": int, "chunk_size": int, "chunk_overlap": int,
    "cleaning_version": int, "fingerprint": str, "documents": int, "chunks": int, "sentences": int,
    "sentences_indexed": bool,
    "languages": list,
    "sources": list, "built_at": str, "versions": dict, "files": dict, "segments": list,
}


@dataclass(frozen=True)
class Manifest:
    """What a generation holds and how it was built. ``files`` maps relative path -> sha256."""

    model: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    fingerprint: str
    documents: int
    chunks: int
    sentences: int = 0
    sentences_indexed: bool = True
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    cleaning_version: int = CLEANING_VERSION
    format_version: int = FORMAT_VERSION
    built_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    versions: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    # One entry per segment, in key order: name, counts (rows stored, deleted included), ann,
    # deleted (document rows tombstoned), langs (languages of its live documents).
    segments: tuple[Mapping[str, Any], ...] = ()

    def required_files(self) -> list[str]:
        """Every file the generation must hold, by its segments."""
        out = []
        for seg in self.segments:
            out += [f"{seg['name']}/{f}" for f in SEGMENT_FILES]
            if seg["ann"]:
                out.append(f"{seg['name']}/{ANN_FILE}")
            if seg.get("latent"):
                out += [f"{seg['name']}/{f}" for f in LATENT_FILES]
        return out

    # -- decisions ---------------------------------------------------------
    def reusable_for(self, settings: Settings, model: str | None = None) -> bool:
        """True when chunks and vectors of this build are valid under ``settings``.

        ``model`` is the embedder's name when it differs from ``settings.model``
        (an Engine given an embedder object).
        """
        return (
            self.model == (model or settings.model)
            and self.chunk_size == settings.chunk_size
            and self.chunk_overlap == settings.chunk_overlap
            and self.sentences_indexed == settings.index_sentences
            and self.cleaning_version == CLEANING_VERSION
            and self.format_version == FORMAT_VERSION
        )

    def check_model(self, model: str, where: Path | str) -> None:
        """Fail with a message naming the fix when the index was built with another model."""
        if self.model != model:
            raise IndexMismatchError(
                f"index at {where} was built with model {self.model!r} but the settings ask "
                f"for {model!r}: run `rag index --rebuild --model {model}` or pass --model {self.model}"
            )

    # -- serialisation -----------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["languages"], data["sources"] = list(self.languages), list(self.sources)
        data["versions"], data["files"] = dict(self.versions), dict(sorted(self.files.items()))
        data["segments"] = [dict(seg) for seg in self.segments]
        data["checksum"] = _self_checksum(data)
        return data

    @classmethod
    def from_json(cls, data: Any, where: Path | str) -> "Manifest":
        """Parse and check a manifest: format first (an old index asks for a rebuild), then integrity."""
        if not isinstance(data, dict):
            raise damaged(where, f"{NAME} is not a JSON object")
        fmt = data.get("format_version")
        if not isinstance(fmt, int) or isinstance(fmt, bool):
            raise damaged(where, f"{NAME} has no format version")
        if fmt != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index at {where} has format {fmt}, this version reads format {FORMAT_VERSION}: "
                f"run `rag index --rebuild` to rebuild it"
            )
        if data.get("checksum") != _self_checksum(data):
            raise damaged(where, f"{NAME} does not match its checksum (edited or damaged)")
        for name, typ in _TYPES.items():
            value = data.get(name)
            if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
                raise damaged(where, f"{NAME} field {name!r} is missing or not a {getattr(typ, '__name__', typ)}")
        for seg in data["segments"]:
            bad = not isinstance(seg, dict) or not _SEGMENT_NAME.fullmatch(str(seg.get("name", ""))) or any(
                not isinstance(seg.get(k), t) or (t is int and isinstance(seg.get(k), bool))
                for k, t in _SEGMENT_TYPES.items()) or not isinstance(seg.get("latent", 0), int)
            if bad or not all(isinstance(r, int) and 0 <= r < seg["documents"] for r in seg["deleted"]):
                raise damaged(where, f"{NAME} has a malformed segment entry")
        kwargs = {name: data[name] for name in _TYPES}
        kwargs["languages"], kwargs["sources"] = tuple(data["languages"]), tuple(data["sources"])
        kwargs["segments"] = tuple(data["segments"])
        return cls(**kwargs)

    def write(self, gen: Path) -> "Manifest":
        """Hash the files of the generation, write the manifest last and return it with the hashes.

        Files already in ``files`` (segments hard-linked from the previous generation, whose
        checksums were computed when they were written) keep their checksum: not re-read.
        """
        files = {}
        for p in sorted(gen.rglob("*")):
            if p.is_file() and p.name != NAME:
                rel = str(p.relative_to(gen))
                files[rel] = self.files.get(rel) or sha256_file(p)
        sealed = dataclasses.replace(self, files=files)
        (gen / NAME).write_text(json.dumps(sealed.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
        return sealed

    @classmethod
    def read(cls, gen: Path, where: Path | str | None = None) -> "Manifest":
        """Read and check the manifest of generation ``gen`` (``where`` names the index in messages)."""
        where = gen.parent if where is None else where
        path = gen / NAME
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError as exc:
            raise damaged(where, f"{NAME} is missing") from exc
        except UnicodeDecodeError as exc:
            raise damaged(where, f"{NAME} is not UTF-8 text") from exc
        except OSError as exc:
            raise damaged(where, f"{NAME} cannot be read ({exc.strerror or exc})") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise damaged(where, f"{NAME} is not valid JSON ({exc.msg}, line {exc.lineno})") from exc
        return cls.from_json(data, where)

    def verify_files(self, gen: Path, where: Path | str, trusted: Mapping[str, str] | None = None) -> None:
        """Every file the manifest lists is present with its checksum, and nothing else is there.

        ``trusted`` maps files already verified (segments a reader has loaded) to their
        checksums: a file listed with that same checksum is not read again.
        """
        trusted = trusted or {}
        missing_required = sorted(set(self.required_files()) - set(self.files))
        if missing_required:
            raise damaged(where, f"{NAME} does not list {missing_required[0]}")
        present = {str(p.relative_to(gen)) for p in gen.rglob("*") if p.is_file() and p.name != NAME}
        for name in sorted(self.files):
            if name not in present:
                raise damaged(where, f"{name} is missing")
        for name in sorted(present - set(self.files)):
            raise damaged(where, f"{name} is not listed in {NAME}")
        for name, digest in sorted(self.files.items()):
            if trusted.get(name) == digest:
                continue
            try:
                actual = sha256_file(gen / name)
            except OSError as exc:
                raise damaged(where, f"{name} cannot be read ({exc.strerror or exc})") from exc
            if actual != digest:
                raise damaged(where, f"{name} does not match its checksum (truncated or altered)")
