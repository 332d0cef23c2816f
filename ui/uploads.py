"""Uploaded files: stored crash-safely, indexed, and recovered at the next start.

Gradio hands the app temporary files. Each is copied into ``<upload dir>/.incoming/``
and fsynced, renamed into the upload dir, then indexed with ``Engine.add``:

* a server killed mid-copy leaves only a staging file, removed (and reported) at the next start;
* a server killed after the rename but before the index was saved leaves a stored file that the
  index lacks: the next start indexes it (or, read-only, reports it), see :func:`recover_uploads`;
* a file that cannot be indexed is not kept, so it is not retried at every start.

No Gradio here: ``ui/documents.py`` wires this to the Documents tab.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from rag.errors import EmptyCorpusError, IndexMissingError, InputError, RagError
from rag.loaders import doc_id_for
from rag.settings import Settings

from .guard import inside

UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".pptx", ".xlsx", ".csv", ".odt"]
STAGING = ".incoming"


def upload_dir(settings: Settings) -> Path:
    """Where uploaded files are kept (they are the source of truth for re-indexing)."""
    return Path(settings.upload_dir) if settings.upload_dir else Path(settings.index_dir) / "uploads"


def store_uploads(files: Sequence[str], target: Path, cache: Path, taken: Iterable[str] = ()) -> list[Path]:
    """Copy uploaded files from Gradio's upload folder ``cache`` to ``target``, keeping their names.

    Refuses (InputError, naming only the file) a path outside ``cache`` once
    symlinks are resolved: an event can name any path, and only what a person
    uploaded may be indexed. Refuses a name that would replace an indexed
    document (its id is in ``taken``) or an earlier upload: an upload never
    silently replaces a document; delete it first or rename the file.
    Every file is checked before any is stored; each is then copied into
    ``.incoming/``, fsynced and renamed into place, so it is stored whole or not at all.
    """
    taken = set(taken)
    checked: list[tuple[Path, Path]] = []
    for f in files:
        src = Path(f)
        name = src.name
        if not inside(str(f), cache) or not src.resolve().is_file():
            raise InputError(f"{name}: not a file uploaded to this app")
        if src.suffix.lower() not in UPLOAD_TYPES:
            raise InputError(f"{name}: unsupported file type (use {', '.join(UPLOAD_TYPES)})")
        dst = target / name
        doc_id = doc_id_for(dst, target)
        if doc_id in taken or dst.exists() or any(d == dst for _, d in checked):
            raise InputError(f"{name}: a document named {doc_id} is already indexed; "
                             "delete it first or rename the file")
        checked.append((src.resolve(), dst))
    staging = target / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    out = []
    for src, dst in checked:
        tmp = staging / dst.name
        shutil.copyfile(src, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dst)
        out.append(dst)
    try:
        staging.rmdir()
    except OSError:  # not empty: another upload is being stored right now; it removes it
        pass
    return out


def _indexed_sources(engine: Any) -> set[Path]:
    try:
        return {Path(d.source).resolve() for d in engine.documents()}
    except IndexMissingError:
        return set()


def _discard_unindexed(engine: Any, paths: Sequence[Path]) -> list[Path]:
    """Delete those of ``paths`` that no indexed document comes from; return them."""
    indexed = _indexed_sources(engine)
    gone = [p for p in paths if p.resolve() not in indexed and p.exists()]
    for p in gone:
        p.unlink()
    return gone


def add_uploads(engine: Any, files: Sequence[str], target: Path, cache: Path,
                on_progress: Callable[[float, str], None] | None = None):
    """Check and store the uploads (:func:`store_uploads`) and index them (``Engine.add``).

    Returns the IndexReport; files that could not be indexed are never kept, whether the
    others were indexed or the whole upload failed.
    """
    try:
        taken = [d.id for d in engine.documents()]
    except IndexMissingError:
        taken = []
    stored = store_uploads(files, target, cache, taken)
    try:
        report = engine.add(stored, on_progress=on_progress)
    except RagError:
        _discard_unindexed(engine, stored)
        raise
    # Every stored file that no indexed document comes from goes (skipped paths may be
    # spelled differently from ours, so the index is asked, not the report).
    _discard_unindexed(engine, stored)
    return report


def remove_documents(engine: Any, doc_ids: Sequence[str], target: Path):
    """Delete documents from the index and their uploaded files from ``target`` (IndexReport).

    Only files under ``target`` are removed: a document indexed from elsewhere (the sample
    corpus, a folder given to ``rag index``) keeps its file.
    """
    sources = {d.id: d.source for d in _documents_or_none(engine)}
    report = engine.remove(list(doc_ids))
    for doc_id in doc_ids:
        src = sources.get(doc_id)
        if src and inside(src, target) and Path(src).is_file():
            Path(src).unlink()
    return report


def _documents_or_none(engine: Any) -> list[Any]:
    try:
        return engine.documents()
    except IndexMissingError:
        return []


def recover_uploads(engine: Any, target: Path, index: bool = True) -> list[str]:
    """Finish what a crash interrupted: drop half-copied uploads, index stored ones the index lacks.

    With ``index=False`` (a read-only server) stored files are only reported. Returns one
    line per file for the server to print.
    """
    messages: list[str] = []
    staging = target / STAGING
    if staging.is_dir():
        for f in sorted(staging.iterdir()):
            if f.is_dir():
                shutil.rmtree(f)
            else:
                f.unlink()
            messages.append(f"removed {f.name}: its upload was interrupted before it was stored")
        staging.rmdir()
    if not target.is_dir():
        return messages
    indexed = _indexed_sources(engine)
    orphans = [f for f in sorted(target.iterdir())
               if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in UPLOAD_TYPES
               and f.resolve() not in indexed]
    if not orphans:
        return messages
    if not index:
        return messages + [f"{f.name} was uploaded to {target} but is not indexed (read-only: left as is)"
                           for f in orphans]
    try:
        reasons = dict(engine.add(orphans).skipped)
    except EmptyCorpusError as exc:  # not one of them is indexable
        reasons = {str(f): str(exc) for f in orphans}
    _discard_unindexed(engine, [f for f in orphans if str(f) in reasons])
    for f in orphans:
        if str(f) in reasons:
            messages.append(f"removed {f.name}: uploaded but cannot be indexed ({reasons[str(f)]})")
        else:
            messages.append(f"indexed {f.name}: it was uploaded but not indexed when the server stopped")
    return messages
