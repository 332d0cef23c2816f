"""The library's front door: index, search and ask over one index directory.

An Engine holds the loaded index in memory. Writers (index/add/remove) build a
complete new state, save it atomically, then swap the reference; readers
(search/ask) take the reference once per call, so a search never sees a
half-updated index and the chat keeps working while indexing runs.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from . import store
from .embed import Embedder, load_embedder
from .errors import EmptyCorpusError, InputError, LoadError, RagError
from .indexer import build_state
from .limits import check_question
from .loaders import iter_files, load_file
from .retrieve import search as _search
from .settings import SAMPLE_CORPUS, Settings
from .types import Answer, Document, Filters, Hit, IndexReport

Progress = Callable[[float, str], None]


class Engine:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self._embedder = embedder
        self._state: store.IndexState | None = None
        self._load_lock = threading.Lock()
        self._write_lock = threading.Lock()

    # -- parts -------------------------------------------------------------
    @property
    def index_dir(self) -> Path:
        return Path(self.settings.index_dir)

    @property
    def model_name(self) -> str:
        return self._embedder.name if self._embedder is not None else self.settings.model

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._load_lock:
                if self._embedder is None:
                    s = self.settings
                    self._embedder = load_embedder(s.model, s.device, s.batch_size)
        return self._embedder

    def state(self) -> store.IndexState:
        """The loaded index (raises IndexMissingError / IndexMismatchError)."""
        st = self._state
        if st is None:
            with self._load_lock:
                if self._state is None:
                    self._state = store.load(self.index_dir, self.model_name)
                st = self._state
        return st

    def has_index(self) -> bool:
        return store.current_generation(self.index_dir) is not None

    # -- writing -----------------------------------------------------------
    def _existing(self) -> store.IndexState | None:
        if self._state is not None:
            return self._state
        if not self.has_index():
            return None
        try:
            return store.load(self.index_dir, None)
        except (RagError, OSError, ValueError, KeyError, TypeError):
            # An index of another format, or one damaged outside our atomic writes,
            # cannot be reused: the write that follows rebuilds it from the files.
            return None

    def _load_docs(self, paths: Iterable[str | Path], on_progress: Progress | None) -> tuple[list[Document], list[tuple[str, str]]]:
        files = list(iter_files(paths))
        docs: dict[str, Document] = {}
        skipped: list[tuple[str, str]] = []
        for n, (f, root) in enumerate(files):
            try:
                doc = load_file(f, root)
            except LoadError as exc:
                skipped.append((exc.path, exc.reason))
                continue
            if doc.id in docs and docs[doc.id].source != doc.source:
                import hashlib

                suffix = hashlib.sha1(doc.source.encode()).hexdigest()[:6]
                doc = Document(**{**doc.to_json(), "id": f"{doc.id}-{suffix}"})
            docs[doc.id] = doc
            if on_progress and files:
                on_progress(0.05 * (n + 1) / len(files), f"read {f.name}")
        return list(docs.values()), skipped

    def _commit(self, docs: Sequence[Document], old: store.IndexState | None, skipped, sources,
                progress: bool, on_progress: Progress | None, rebuild: bool = False,
                _fail_after: str | None = None) -> IndexReport:
        s = self.settings
        state, counts = build_state(
            docs, None if rebuild else old, self.embedder, s.chunk_size, s.chunk_overlap,
            progress=progress, on_progress=on_progress, sources=sources,
        )
        store.save(self.index_dir, state, _fail_after=_fail_after)
        self._state = state
        if on_progress:
            on_progress(1.0, "done")
        return IndexReport(
            documents=len(state.documents), chunks=len(state.chunks),
            added=counts["added"], updated=counts["updated"], removed=counts["removed"],
            unchanged=counts["unchanged"], embedded_chunks=counts["embedded_chunks"],
            skipped=tuple(skipped), seconds=counts["seconds"], path=str(self.index_dir),
        )

    def index(self, paths: Sequence[str | Path] | None = None, progress: bool = False,
              on_progress: Progress | None = None, rebuild: bool = False,
              _fail_after: str | None = None) -> IndexReport:
        """Make the index hold exactly the documents under ``paths`` (default: sample corpus)."""
        paths = list(paths) if paths else [SAMPLE_CORPUS]
        with self._write_lock, store.write_lock(self.index_dir):
            docs, skipped = self._load_docs(paths, on_progress)
            if not docs:
                detail = f" ({len(skipped)} file(s) skipped: {skipped[0][0]}: {skipped[0][1]})" if skipped else ""
                raise EmptyCorpusError(f"no indexable documents in {', '.join(map(str, paths))}{detail}")
            return self._commit(docs, self._existing(), skipped, [str(p) for p in paths],
                                progress, on_progress, rebuild, _fail_after)

    def index_documents(self, documents: Iterable[Document], progress: bool = False,
                        on_progress: Progress | None = None) -> IndexReport:
        """Index pre-built Documents (e.g. a BEIR corpus), replacing the current contents."""
        docs = list(documents)
        if not docs:
            raise EmptyCorpusError("no documents to index")
        with self._write_lock, store.write_lock(self.index_dir):
            return self._commit(docs, self._existing(), [], [], progress, on_progress)

    def add(self, paths: Sequence[str | Path], progress: bool = False,
            on_progress: Progress | None = None) -> IndexReport:
        """Add or update the given files, keeping every other indexed document."""
        with self._write_lock, store.write_lock(self.index_dir):
            new, skipped = self._load_docs(paths, on_progress)
            if not new:
                reason = f": {skipped[0][1]}" if skipped else ""
                raise EmptyCorpusError(f"nothing indexable in {', '.join(map(str, paths))}{reason}")
            old = self._existing()
            docs = dict(old.documents) if old else {}
            docs.update({d.id: d for d in new})
            sources = list(old.manifest.get("sources", [])) if old else []
            return self._commit(list(docs.values()), old, skipped, sources, progress, on_progress)

    def remove(self, doc_ids: Sequence[str]) -> IndexReport:
        """Delete documents (and their chunks) from the index."""
        with self._write_lock, store.write_lock(self.index_dir):
            old = self._existing()
            if old is None:
                raise InputError("no index to remove documents from")
            unknown = [d for d in doc_ids if d not in old.documents]
            if unknown:
                raise InputError(f"unknown document id: {unknown[0]}")
            docs = [d for i, d in old.documents.items() if i not in set(doc_ids)]
            if not docs:
                raise InputError("cannot remove every document: the index would be empty")
            return self._commit(docs, old, [], old.manifest.get("sources", []), False, None)

    # -- reading -----------------------------------------------------------
    def documents(self) -> list[Document]:
        return sorted(self.state().documents.values(), key=lambda d: d.id)

    def document(self, doc_id: str) -> Document:
        doc = self.state().documents.get(doc_id)
        if doc is None:
            raise InputError(f"unknown document id: {doc_id}")
        return doc

    def chunk_count(self, doc_id: str) -> int:
        return len(self.state().by_doc.get(doc_id, ()))

    def search(self, query: str, k: int | None = None, mode: str | None = None,
               filters: Filters | None = None, embedder: Embedder | None = None) -> list[Hit]:
        """Top-``k`` passages. ``embedder`` overrides the engine's own for this call (the
        answer pipeline passes one that remembers the query vector it also scores with)."""
        if not query or not query.strip():
            raise InputError("empty query")
        s = self.settings
        check_question(query, s.max_question_chars, "query")
        mode = mode or s.mode
        if mode not in ("hybrid", "dense", "bm25"):
            raise InputError(f"unknown search mode {mode!r} (use hybrid, dense or bm25)")
        k = s.k if k is None else k
        if k < 1:
            raise InputError("k must be at least 1")
        state = self.state()
        emb = None if mode == "bm25" else (embedder or self.embedder)
        return _search(state, emb, query.strip(), k, mode, filters, s.fusion, s.dense_weight,
                       s.rrf_k, s.candidates)

    def ask(self, question: str, history: Sequence[tuple[str, str]] = (), k: int | None = None,
            mode: str | None = None, filters: Filters | None = None) -> Answer:
        from .answer import ask

        return ask(self, question, history, k=k, mode=mode, filters=filters)

    def ask_stream(self, question: str, history: Sequence[tuple[str, str]] = (), k: int | None = None,
                   mode: str | None = None, filters: Filters | None = None) -> Iterator[str | Answer]:
        from .answer import ask_stream

        return ask_stream(self, question, history, k=k, mode=mode, filters=filters)

