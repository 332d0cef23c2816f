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

__all__ = ["BuildInfo", "Counts", "DocumentRecord", "Store", "StoreView", "StoreWriter", "check_url", "describe", "open_store"]

_PG_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(url: str) -> bool:
    return url.startswith(_PG_SCHEMES)


def check_url(url: str) -> None:
    """ConfigError unless ``url`` is empty (the index directory) or a parseable postgresql:// URL.

    The message never repeats the URL: it may hold a password.
    """
    url = url.strip()
    if not url:
        return
    if not is_postgres(url):
        scheme = url.split("://", 1)[0][:20] + "://" if "://" in url else "a path"
        raise ConfigError(f"store must be empty (the index directory) or a postgresql:// URL, not {scheme} "
                          "(an index directory is --index-dir)")
    describe_url(url)


def open_store(settings: "Settings", model: str | None) -> Store:
    """The store that ``settings`` names; ``model`` is checked against what the index was built with."""
    url = settings.store.strip()
    check_url(url)
    if not url:
        from .embedded import EmbeddedStore

        return EmbeddedStore(settings.index_dir, model)
    try:
        import pgvector  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        raise ConfigError("a postgresql:// store needs the PostgreSQL driver: pip install 'rag-cite[postgres]'") from None
    from .postgres import PostgresStore

    return PostgresStore(url, model)


def describe(settings: "Settings") -> str:
    """Where the index lives, safe to print: the directory, or the database URL without its password."""
    url = settings.store.strip()
    return describe_url(url) if url else str(settings.index_dir)


def describe_url(url: str) -> str:
    """A database URL without its password; ConfigError, naming no part of it, if it cannot be parsed."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ConfigError(f"not a valid database URL ({exc})") from None
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)
