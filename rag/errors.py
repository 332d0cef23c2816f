"""Typed errors. Library code raises these; only the CLI and UI turn them into messages."""

from __future__ import annotations


class RagError(Exception):
    """Base class: the message is one line meant for a person."""


class InputError(RagError):
    """Bad input from the user: empty query, missing path, bad batch line."""


class LoadError(RagError):
    """A file could not be read or is not a supported document."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class EmptyCorpusError(RagError):
    """No indexable document was found; ``skipped`` says why, file by file: ``(path, reason)``."""

    def __init__(self, message: str, skipped: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.skipped = tuple(skipped)


class IndexMissingError(RagError):
    """No index at the configured location."""


class IndexMismatchError(RagError):
    """The index on disk was built with another model, chunking or format."""


class IndexCorruptError(RagError):
    """A file of the index on disk is missing, truncated or altered (checksums, row counts)."""


class IndexWriteError(RagError):
    """The index could not be written (disk full, read-only, not a directory); the previous one is intact."""


class ModelError(RagError):
    """The embedding model could not be loaded."""


class LLMError(RagError):
    """The configured LLM server failed, timed out or returned nothing usable."""


class ConfigError(RagError):
    """A configuration file or setting is invalid."""


class StoreError(RagError):
    """The index database cannot be reached or refused a statement (see the message)."""
