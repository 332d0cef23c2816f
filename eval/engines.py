"""One Engine per distinct configuration, sharing index builds where possible."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from rag.engine import Engine
from rag.settings import Settings
from rag.types import Document

from .configs import RunConfig, cache_dir_for, corpus_fingerprint, index_key

__all__ = ["EnginePool"]


class EnginePool:
    """Hands out an Engine for each configuration.

    ``base`` is the engine whose documents are evaluated. When ``reuse_base``
    is true its own index serves every configuration with the same model and
    chunking; otherwise (BEIR, or other chunkings) the documents are indexed
    into ``cache_root`` with :meth:`Engine.index_documents`, once per
    (model, chunking, corpus) and reused by later runs.
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
        self.cache_root = Path(cache_root)
        self.label = label
        self.reuse_base = reuse_base
        self.progress = progress
        self._engines: dict[Settings, Engine] = {}
        self._built: set[str] = set()
        self.index_dirs: dict[str, str] = {}

    def _same_model(self, settings: Settings) -> bool:
        return settings.model == self.base.settings.model

    def engine_for(self, config: RunConfig) -> Engine:
        s = config.settings
        shared_emb = self.base.embedder if self._same_model(s) else None
        key = index_key(s, shared_emb)
        if self.reuse_base and key == index_key(self.base.settings, self.base.embedder):
            index_dir = str(self.base.index_dir)
        else:
            index_dir = str(cache_dir_for(self.cache_root, self.label, key, self.fingerprint))
        # k and mode are passed per call, so they never need an engine of their own.
        s = s.replace(index_dir=index_dir, k=self.base.settings.k, mode=self.base.settings.mode)
        self.index_dirs[config.name] = index_dir
        if s == self.base.settings.replace(index_dir=index_dir) and index_dir == str(self.base.index_dir):
            return self.base
        if s not in self._engines:
            eng = Engine(s, embedder=shared_emb)
            if index_dir != str(self.base.index_dir) and index_dir not in self._built:
                self._ensure_index(eng)
                self._built.add(index_dir)
            self._engines[s] = eng
        return self._engines[s]

    def _ensure_index(self, eng: Engine) -> None:
        from rag import store
        from rag.errors import IndexCorruptError, IndexMismatchError

        try:
            manifest = store.read_manifest(eng.index_dir)
        except (IndexCorruptError, IndexMismatchError):
            manifest = None  # a damaged or older cache is rebuilt below
        if (manifest is not None and manifest.reusable_for(eng.settings, eng.model_name)
                and manifest.fingerprint == self.fingerprint):
            return  # the cached build is current
        eng.index_documents(self.documents, progress=self.progress)
