"""One Engine per distinct configuration, sharing index builds where possible."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from rag.engine import Engine
from rag.errors import ConfigError, IndexCorruptError, IndexMismatchError, IndexMissingError, InputError
from rag.settings import Settings
from rag.stores import describe, is_postgres, open_store
from rag.types import Document

from .configs import RunConfig, cache_dir_for, corpus_fingerprint, index_key

__all__ = ["EnginePool"]


class EnginePool:
    """Hands out an Engine for each configuration.

    ``base`` is the engine whose documents are evaluated. When ``reuse_base``
    is true its own index serves every configuration with the same model and
    chunking; otherwise (BEIR, or other chunkings) the documents are indexed
    with :meth:`Engine.index_documents`, once per (model, chunking, corpus) and
    reused by later runs: into ``cache_root`` on the embedded store, into the
    base's database on PostgreSQL (which holds one index, so a build there
    replaces the previous one and is refused over documents it did not write).
    """

    def __init__(
        self,
        base: Engine,
        documents: Sequence[Document],
        cache_root: Path,
        label: str,
        reuse_base: bool = True,
        progress: bool = False,
    ) -> None:
        self.base = base
        self.documents = list(documents)
        self.fingerprint = corpus_fingerprint(self.documents)
        self.hashes = {d.id: d.content_hash for d in self.documents}
        self.cache_root = Path(cache_root)
        self.label = label
        self.reuse_base = reuse_base
        self.progress = progress
        self.shared = is_postgres(base.settings.store.strip())
        self._engines: dict[Settings, Engine] = {}
        self._built: set[str] = set()
        self.index_dirs: dict[str, str] = {}  # configuration -> where its index lives (for the report)

    def _same_model(self, settings: Settings) -> bool:
        # Under --model auto each engine picks its model from the documents: none is shared.
        return settings.model == self.base.settings.model and not self.base.auto

    def engine_for(self, config: RunConfig) -> Engine:
        s = config.settings
        shared_emb = self.base.embedder if self._same_model(s) else None
        key = index_key(s, shared_emb)
        base_key = key == index_key(self.base.settings, None if self.base.auto else self.base.embedder)
        if self.reuse_base and base_key:
            index_dir = str(self.base.index_dir)
        elif self.shared and self.reuse_base:
            # The database holds the index being evaluated: building another one there would replace it.
            raise ConfigError(f"--config {config.name} changes the model or chunking, which needs another index: "
                              f"the database at {describe(self.base.settings)} holds one; compare those on the "
                              "embedded store (without --store)")
        else:
            index_dir = str(cache_dir_for(self.cache_root, self.label, key, self.fingerprint))
        # k and mode are passed per call, so they never need an engine of their own.
        s = s.replace(index_dir=index_dir, k=self.base.settings.k, mode=self.base.settings.mode)
        self.index_dirs[config.name] = describe(s)
        if s == self.base.settings.replace(index_dir=index_dir) and index_dir == str(self.base.index_dir):
            return self.base
        if s not in self._engines:
            self._engines[s] = Engine(s, embedder=shared_emb)
        eng = self._engines[s]
        # One database holds one build: check it on every switch (configurations run one after another).
        if self.shared or index_dir not in self._built:
            self._ensure_index(eng)
            self._built.add(index_dir)
        return eng

    def _current(self, eng: Engine) -> bool:
        """Whether ``eng``'s store already holds these documents, built as ``eng``'s settings ask."""
        try:
            view = eng.view()
        except (IndexMissingError, IndexCorruptError, IndexMismatchError):
            return False  # nothing yet, a damaged or an older build: rebuilt
        return (view.reusable_for(eng.settings, eng.model_for(self.documents, view))
                and view.document_hashes() == self.hashes)

    def _ensure_index(self, eng: Engine) -> None:
        if self._current(eng):
            return
        if self.shared:
            self._refuse_foreign_documents(eng.settings)
        eng.index_documents(self.documents, progress=self.progress)

    def _refuse_foreign_documents(self, settings: Settings) -> None:
        """An evaluation build replaces what the database holds: only over an earlier build of this corpus."""
        st = open_store(settings, None)  # any model: what matters is which documents are there
        try:
            if not st.exists():
                return
            try:
                stored = st.view().document_hashes()
            except (IndexCorruptError, IndexMismatchError):
                return
        finally:
            st.close()
        foreign = sorted(set(stored) - set(self.hashes))
        if foreign:
            raise InputError(
                f"the database at {describe(settings)} holds {len(foreign)} document(s) that are not in the "
                f"evaluated corpus (e.g. {foreign[0]!r}); evaluating would replace them: use an empty database")
