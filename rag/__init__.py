"""rag-cite: ask your documents, get answers that quote their sources.

The public API, in one place::

    from rag import Engine, Settings, load_settings
    engine = Engine(load_settings())
    engine.index()                       # the bundled sample corpus
    answer = engine.ask("What SME financing measures were announced?")

Only light modules are imported here; ``Engine`` (numpy, FAISS, the embedding
model) loads on first use, so ``rag --help`` stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    ConfigError,
    EmptyCorpusError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
    LLMError,
    LoadError,
    ModelError,
    RagError,
)
from .settings import Settings, load_settings
from .types import Answer, Chunk, Citation, Document, Filters, Hit, IndexReport, display_date

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = [
    "Engine",
    "Settings",
    "load_settings",
    "Answer",
    "Chunk",
    "Citation",
    "Document",
    "Filters",
    "Hit",
    "IndexReport",
    "display_date",
    "RagError",
    "ConfigError",
    "EmptyCorpusError",
    "IndexMismatchError",
    "IndexMissingError",
    "InputError",
    "LLMError",
    "LoadError",
    "ModelError",
]


def __getattr__(name: str) -> Any:
    if name == "Engine":
        from .engine import Engine

        return Engine
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
