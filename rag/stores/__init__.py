"""Index stores behind one narrow interface (``base.py``): embedded (default) or PostgreSQL.

``settings.store`` chooses: empty for the index directory ``settings.index_dir``,
a ``postgresql://`` URL for a database shared by several servers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.errors import ConfigError

from .base import BuildInfo, Counts, DocumentRecord, Store, StoreView, StoreWriter

if TYPE_CHECKING:
    from rag.settings import Settings

__all__ = ["BuildInfo", "Counts", "DocumentRecord", "Store", "StoreView", "StoreWriter", "describe", "open_store"]

_PG_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(url: str) -> bool:
    return url.startswith(_PG_SCHEMES)


def open_store(settings: "Settings", model: str | None) -> Store:
    """The store that ``settings`` names; ``model`` is checked against what the index was built with."""
    url = settings.store.strip()
    if not url:
        from .embedded import EmbeddedStore

        return EmbeddedStore(settings.index_dir, model)
    if is_postgres(url):
        from .postgres import PostgresStore

        return PostgresStore(url, model)
    raise ConfigError(f"store must be empty (the index directory) or a postgresql:// URL, not {url[:40]!r}")


def describe(settings: "Settings") -> str:
    """Where the index lives, safe to print: the directory, or the database URL without its password."""
    url = settings.store.strip()
    return describe_url(url) if url else str(settings.index_dir)


def describe_url(url: str) -> str:
    """A database URL without its password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)
