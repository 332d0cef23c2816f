"""The library's front door: index, search and ask over one store.

An Engine reads and writes through a :class:`~rag.stores.base.Store`: the
embedded index directory by default, or a PostgreSQL database when
``settings.store`` is a ``postgresql://`` URL. Writers (index/add/remove)
work inside ``store.writing()``, which holds the store's write lock (a file
lock, or the generation row in PostgreSQL) and sees what is stored *now*, so
no writer drops what another wrote. Readers take one view per call, so a
search never sees a half-updated index and the chat keeps working while
indexing runs.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from . import store
from .embed import AUTO, ENGLISH_MODEL, Embedder, choose_model, load_embedder
from .errors import EmptyCorpusError, IndexMissingError, InputError, LoadError
from .indexer import build_records, plan
from .limits import check_question
from .loaders import iter_files, load_file
from .retrieve import IndexRetriever
from .settings import SAMPLE_CORPUS, Settings
from .stores import open_store
from .stores.base import BuildInfo, Store, StoreView, StoreWriter
from .types import Answer, Document, Filters, Hit, IndexReport

Progress = Callable[[float, str], None]


class Engine:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self._fixed = embedder  # a model object from the caller: used for everything, whatever the index holds
        self._store: Store | None = None
        self._load_lock = threading.Lock()
        self._write_lock = threading.Lock()

    # -- parts -------------------------------------------------------------
    @property
    def index_dir(self) -> Path:
        return Path(self.settings.index_dir)

    @property
    def location(self) -> str:
        """Where the index lives, for people: the directory, or the database URL without its password."""
        from .stores import describe

        return describe(self.settings)

    @property
    def auto(self) -> bool:
        """``--model auto``: the index's model is chosen from its documents' languages (``choose_model``)."""
        return self._fixed is None and self.settings.model == AUTO

    @property
    def model_name(self) -> str | None:
        """The model a stored index must have been built with; None under ``--model auto`` (its own)."""
        if self._fixed is not None:
            return self._fixed.name
        return None if self.auto else self.settings.model

    def _load(self, name: str) -> Embedder:
        if self._fixed is not None:
            return self._fixed
        s = self.settings
        return load_embedder(name, s.device, s.batch_size)  # once per process and name

    @property
    def embedder(self) -> Embedder:
        """The model questions are embedded with: under ``--model auto``, the one the index was built with."""
        if self.auto:
            try:
                return self._embedder_of(self.view())
            except IndexMissingError:
                return self._load(ENGLISH_MODEL)
        return self._load(self.settings.model)

    def model_for(self, documents: Iterable[Document], view: StoreView | None) -> str:
        """The model an index of ``documents`` is built with, over the stored ``view`` (None: from scratch)."""
        if not self.auto:
            return self.embedder.name
        info = view.build_info() if view is not None else None
        documents = list(documents)
        if info is not None and not documents:
            return info.model  # a removal re-embeds nothing
        languages = {d.lang for d in documents} | set(info.languages if info is not None else ())
        return choose_model(languages, info.model if info is not None else None)

    def _embedder_of(self, view: StoreView) -> Embedder:
        """The model that embeds questions against ``view``'s vectors."""
        return self._load(view.build_info().model) if self.auto else self.embedder

    @property
    def store(self) -> Store:
        if self._store is None:
            with self._load_lock:
                if self._store is None:
                    self._store = open_store(self.settings, self.model_name)
        return self._store

    def view(self) -> StoreView:
        """The current index (reloaded when another writer replaced it).

        Raises IndexMissingError, IndexMismatchError or IndexCorruptError.
        """
        return self.store.view()

    def state(self) -> store.IndexState:
        """The loaded generation of the embedded store (tests and tools that read its arrays)."""
        v = self.view()
        st = getattr(v, "state", None)
        if st is None:
            raise InputError(f"Engine.state() reads the embedded index's arrays; the index at {self.location} "
                             "is not one: use Engine.view() (the store interface)")
        return st

    def has_index(self) -> bool:
        """Whether an index (possibly damaged: loading says how) exists."""
        return self.store.exists()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    # -- writing -----------------------------------------------------------
    def _load_docs(self, paths: Iterable[str | Path], on_progress: Progress | None) -> tuple[list[Document], list[tuple[str, str]]]:
        follow = self.settings.follow_symlinks
        files = list(iter_files(paths, follow_symlinks=follow))
        docs: dict[str, Document] = {}
        skipped: list[tuple[str, str]] = []
        for n, (f, root) in enumerate(files):
            try:
                doc = load_file(f, root, follow_symlinks=follow)
            except LoadError as exc:
                skipped.append((exc.path, exc.reason))
                continue
            except Exception as exc:  # noqa: BLE001 - one bad file (a parser bug, a bomb) must not abort the run
                skipped.append((str(f), f"unexpected error ({type(exc).__name__}: {exc})"))
                continue
            if doc.id in docs and docs[doc.id].source != doc.source:
                import hashlib

                suffix = hashlib.sha1(doc.source.encode()).hexdigest()[:6]
                doc = Document(**{**doc.to_json(), "id": f"{doc.id}-{suffix}"})
            docs[doc.id] = doc
            if on_progress and files:
                on_progress(0.05 * (n + 1) / len(files), f"read {f.name}")
        return list(docs.values()), skipped

    def _apply(self, w: StoreWriter, target: dict[str, Document], deletes: Sequence[str], skipped, sources,
               progress: bool, on_progress: Progress | None, rebuild: bool = False) -> IndexReport:
        """Make ``target`` documents current (embedding only what changed), delete ``deletes``, commit."""
        s = self.settings
        old = None if rebuild else w.view
        embedder = self._load(self.model_for(target.values(), old))
        name = embedder.name
        reusable = old is not None and old.reusable_for(s, name)
        stored = old.document_hashes() if old is not None else {}
        if old is not None and not reusable:
            # Stored vectors are stale (another model or chunking): every kept document is re-embedded.
            for d in old.documents():
                if d.id not in target and d.id not in deletes:
                    target[d.id] = d
        p = plan(target, stored, reusable)
        todo = [target[i] for i in (*p.added, *p.updated)]
        records, counts = build_records(todo, embedder, s, progress=progress, on_progress=on_progress)
        if rebuild or (w.view is not None and not reusable):
            w.clear()
        w.delete(list(deletes))
        w.put(records)
        if on_progress:
            on_progress(0.92, "writing the index")
        info = BuildInfo(name, embedder.dim, s.chunk_size, s.chunk_overlap, s.index_sentences, tuple(sources))
        view = w.commit(info)
        if on_progress:
            on_progress(1.0, "done")
        n = view.counts()
        kept = len(set(stored) - set(target) - set(deletes)) if not rebuild else 0
        return IndexReport(
            documents=n.documents, chunks=n.chunks,
            added=p.added, updated=p.updated, removed=tuple(sorted(deletes)),
            unchanged=len(p.unchanged) + kept, embedded_chunks=counts["embedded_chunks"],
            embedded_sentences=counts["embedded_sentences"],
            skipped=tuple(skipped), seconds=0.0, path=self.location,
        )

    def _timed(self, fn, *args, **kw) -> IndexReport:
        import time
        from dataclasses import replace

        t = time.perf_counter()
        report = fn(*args, **kw)
        return replace(report, seconds=time.perf_counter() - t)

    def index(self, paths: Sequence[str | Path] | None = None, progress: bool = False,
              on_progress: Progress | None = None, rebuild: bool = False,
              _fail_after: str | None = None) -> IndexReport:
        """Make the index hold exactly the documents under ``paths`` (default: sample corpus)."""
        paths = list(paths) if paths else [SAMPLE_CORPUS]
        st = self.store
        if _fail_after is not None:
            st.fail_after = _fail_after  # type: ignore[attr-defined]  # embedded store only (tests)
        try:
            # A rebuild never reads the old index: it is what repairs a damaged one.
            with self._write_lock, st.writing(tolerate_damage=True) as w:
                docs, skipped = self._load_docs(paths, on_progress)
                if not docs:
                    detail = f" ({len(skipped)} file(s) skipped: {skipped[0][0]}: {skipped[0][1]})" if skipped else ""
                    raise EmptyCorpusError(f"no indexable documents in {', '.join(map(str, paths))}{detail}",
                                           skipped=tuple(skipped))
                target = {d.id: d for d in docs}
                deletes = [] if rebuild or w.view is None else sorted(set(w.view.document_hashes()) - set(target))
                return self._timed(self._apply, w, target, deletes, skipped, [str(p) for p in paths],
                                   progress, on_progress, rebuild)
        finally:
            if _fail_after is not None:
                st.fail_after = None  # type: ignore[attr-defined]

    def index_documents(self, documents: Iterable[Document], progress: bool = False,
                        on_progress: Progress | None = None) -> IndexReport:
        """Index pre-built Documents (e.g. a BEIR corpus), replacing the current contents."""
        docs = list(documents)
        if not docs:
            raise EmptyCorpusError("no documents to index")
        with self._write_lock, self.store.writing(tolerate_damage=True) as w:
            target = {d.id: d for d in docs}
            deletes = [] if w.view is None else sorted(set(w.view.document_hashes()) - set(target))
            return self._timed(self._apply, w, target, deletes, [], [], progress, on_progress)

    def add(self, paths: Sequence[str | Path], progress: bool = False,
            on_progress: Progress | None = None) -> IndexReport:
        """Add or update the given files, keeping every other indexed document."""
        # Fail on a damaged index before reading any file: adding to it would drop the rest.
        with self._write_lock, self.store.writing() as w:
            new, skipped = self._load_docs(paths, on_progress)
            if not new:
                reason = f": {skipped[0][1]}" if skipped else ""
                raise EmptyCorpusError(f"nothing indexable in {', '.join(map(str, paths))}{reason}",
                                       skipped=tuple(skipped))
            sources = list(w.view.build_info().sources) if w.view is not None else []
            return self._timed(self._apply, w, {d.id: d for d in new}, [], skipped, sources, progress, on_progress)

    def remove(self, doc_ids: Sequence[str]) -> IndexReport:
        """Delete documents (and their chunks) from the index."""
        with self._write_lock, self.store.writing() as w:
            old = w.view
            if old is None:
                raise InputError("no index to remove documents from")
            stored = old.document_hashes()
            unknown = [d for d in doc_ids if d not in stored]
            if unknown:
                raise InputError(f"unknown document id: {unknown[0]}")
            if not set(stored) - set(doc_ids):
                raise InputError("cannot remove every document: the index would be empty")
            return self._timed(self._apply, w, {}, sorted(set(doc_ids)), [], old.build_info().sources, False, None)

    # -- reading -----------------------------------------------------------
    def documents(self) -> list[Document]:
        return self.view().documents()

    def document(self, doc_id: str) -> Document:
        doc = self.view().document(doc_id)
        if doc is None:
            raise InputError(f"unknown document id: {doc_id}")
        return doc

    def chunk_count(self, doc_id: str) -> int:
        return len(self.view().chunks_of(doc_id))

    def search(self, query: str, k: int | None = None, mode: str | None = None,
               filters: Filters | None = None, embedder: Embedder | None = None) -> list[Hit]:
        """Top-``k`` passages. ``embedder`` overrides the engine's own for this call (the
        answer pipeline passes one that remembers the query vector it also scores with)."""
        check_question(query or "", self.settings.max_question_chars, "query")
        mode = mode or self.settings.mode
        view = self.view()
        emb = None if mode == "bm25" else (embedder or self._embedder_of(view))
        return IndexRetriever(view, self.settings).search(query, k, mode, filters, embedder=emb)

    def ask(self, question: str, history: Sequence[tuple[str, str]] = (), k: int | None = None,
            mode: str | None = None, filters: Filters | None = None) -> Answer:
        from .answer import ask

        return ask(self.answer_context(), question, history, k=k, mode=mode, filters=filters)

    def ask_stream(self, question: str, history: Sequence[tuple[str, str]] = (), k: int | None = None,
                   mode: str | None = None, filters: Filters | None = None) -> Iterator[str | Answer]:
        from .answer import ask_stream

        return ask_stream(self.answer_context(), question, history, k=k, mode=mode, filters=filters)

    def answer_context(self):
        """What the answer stage needs: one store view, a retriever bound to it, the model."""
        from .answer import AnswerContext

        view = self.view()
        return AnswerContext(IndexRetriever(view, self.settings), view, self._embedder_of(view), self.settings)
