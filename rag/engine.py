"""The library's front door: index, search and ask over one index directory.

An Engine holds the loaded index in memory. Writers (index/add/remove) build a
complete new state, save it atomically, then swap the reference; readers
(search/ask) take the reference once per call, so a search never sees a
half-updated index and the chat keeps working while indexing runs.

Other writers exist (a `rag index --add` while `rag serve` runs, a second
Engine): readers reload when ``CURRENT`` names another generation, and
writers re-read the latest generation under the lock and apply their change
on top of it, so no writer drops what another wrote.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from . import store
from .embed import Embedder, load_embedder
from .errors import EmptyCorpusError, IndexCorruptError, IndexMismatchError, InputError, LoadError
from .indexer import build_state
from .limits import check_question
from .loaders import iter_files, load_file
from .retrieve import IndexRetriever
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
        """The current index, reloaded when another writer replaced it since it was loaded.

        Raises IndexMissingError, IndexMismatchError or IndexCorruptError.
        """
        st = self._state
        name = store.current_name(self.index_dir)
        if st is None or name is None or Path(st.path).name != name:
            with self._load_lock:
                st = self._state
                if st is None or Path(st.path).name != store.current_name(self.index_dir):
                    st = self._state = store.load(self.index_dir, self.model_name)
        return st

    def has_index(self) -> bool:
        """Whether an index (possibly damaged: loading says how) exists in ``index_dir``."""
        d = self.index_dir
        return (d / "CURRENT").exists() or (d.is_dir() and any(p.name.startswith("gen-") for p in d.iterdir()))

    # -- writing -----------------------------------------------------------
    def _latest(self, tolerate_damage: bool = False) -> store.IndexState | None:
        """The generation on disk now (call under the write lock), reloaded if another writer
        replaced the one in memory. With ``tolerate_damage`` (a full re-index from the
        files) an index that is damaged or of another format counts as none."""
        try:
            name = store.current_name(self.index_dir)
            if name is None:
                return None
            st = self._state
            if st is not None and Path(st.path).name == name:
                return st
            return store.load(self.index_dir, None)
        except (IndexCorruptError, IndexMismatchError):
            if tolerate_damage:
                return None
            raise

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

    def _commit(self, docs: Sequence[Document], old: store.IndexState | None, skipped, sources,
                progress: bool, on_progress: Progress | None, rebuild: bool = False,
                _fail_after: str | None = None) -> IndexReport:
        s = self.settings
        state, counts = build_state(
            docs, None if rebuild else old, self.embedder, s,
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
            embedded_sentences=counts["embedded_sentences"],
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
                raise EmptyCorpusError(f"no indexable documents in {', '.join(map(str, paths))}{detail}",
                                       skipped=tuple(skipped))
            # A rebuild never reads the old index: it is what repairs a damaged one.
            old = None if rebuild else self._latest(tolerate_damage=True)
            return self._commit(docs, old, skipped, [str(p) for p in paths],
                                progress, on_progress, rebuild, _fail_after)

    def index_documents(self, documents: Iterable[Document], progress: bool = False,
                        on_progress: Progress | None = None) -> IndexReport:
        """Index pre-built Documents (e.g. a BEIR corpus), replacing the current contents."""
        docs = list(documents)
        if not docs:
            raise EmptyCorpusError("no documents to index")
        with self._write_lock, store.write_lock(self.index_dir):
            return self._commit(docs, self._latest(tolerate_damage=True), [], [], progress, on_progress)

    def add(self, paths: Sequence[str | Path], progress: bool = False,
            on_progress: Progress | None = None) -> IndexReport:
        """Add or update the given files, keeping every other indexed document."""
        with self._write_lock, store.write_lock(self.index_dir):
            # Fail on a damaged index before reading any file: adding to it would drop the rest.
            old = self._latest()
            new, skipped = self._load_docs(paths, on_progress)
            if not new:
                reason = f": {skipped[0][1]}" if skipped else ""
                raise EmptyCorpusError(f"nothing indexable in {', '.join(map(str, paths))}{reason}",
                                       skipped=tuple(skipped))
            docs = dict(old.documents) if old else {}
            docs.update({d.id: d for d in new})
            sources = list(old.manifest.sources) if old else []
            return self._commit(list(docs.values()), old, skipped, sources, progress, on_progress)

    def remove(self, doc_ids: Sequence[str]) -> IndexReport:
        """Delete documents (and their chunks) from the index."""
        with self._write_lock, store.write_lock(self.index_dir):
            old = self._latest()
            if old is None:
                raise InputError("no index to remove documents from")
            unknown = [d for d in doc_ids if d not in old.documents]
            if unknown:
                raise InputError(f"unknown document id: {unknown[0]}")
            docs = [d for i, d in old.documents.items() if i not in set(doc_ids)]
            if not docs:
                raise InputError("cannot remove every document: the index would be empty")
            return self._commit(docs, old, [], old.manifest.sources, False, None)

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
        check_question(query or "", self.settings.max_question_chars, "query")
        mode = mode or self.settings.mode
        emb = None if mode == "bm25" else (embedder or self.embedder)
        return IndexRetriever(self.state(), self.settings).search(query, k, mode, filters, embedder=emb)

    def ask(self, question: str, history: Sequence[tuple[str, str]] = (), k: int | None = None,
            mode: str | None = None, filters: Filters | None = None) -> Answer:
        from .answer import ask

        return ask(self.answer_context(), question, history, k=k, mode=mode, filters=filters)

    def ask_stream(self, question: str, history: Sequence[tuple[str, str]] = (), k: int | None = None,
                   mode: str | None = None, filters: Filters | None = None) -> Iterator[str | Answer]:
        from .answer import ask_stream

        return ask_stream(self.answer_context(), question, history, k=k, mode=mode, filters=filters)

    def answer_context(self):
        """What the answer stage needs: one loaded generation, a retriever bound to it, the model."""
        from .answer import AnswerContext

        state = self.state()
        return AnswerContext(IndexRetriever(state, self.settings), state, self.embedder, self.settings)

