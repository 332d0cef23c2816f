"""Configurations compared in one run, and the engines (index builds) they need.

A configuration is a name plus setting overrides (``small=chunk_size=500,k=8``).
Configurations that differ only in search or answer settings share one index;
those that change the model or the chunking get their own build in a cache
folder, keyed by those settings and the corpus fingerprint, so a second run
reuses it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from rag.embed import Embedder
from rag.errors import ConfigError
from rag.settings import Settings
from rag.settings import check as check_settings
from rag.types import Document

__all__ = [
    "RunConfig",
    "INDEX_KEYS",
    "DEFAULT_CONFIGS",
    "parse_config_spec",
    "build_configs",
    "index_key",
    "corpus_fingerprint",
    "cache_dir_for",
    "public_settings",
]

# Settings that change what is stored in an index.
INDEX_KEYS = ("model", "chunk_size", "chunk_overlap")
DEFAULT_CONFIGS = ("hybrid=mode=hybrid", "dense=mode=dense", "bm25=mode=bm25")
MODES = ("hybrid", "dense", "bm25")
SECRET_KEYS = ("llm_key", "auth")


@dataclass(frozen=True)
class RunConfig:
    name: str
    overrides: tuple[tuple[str, str], ...]
    settings: Settings


def parse_config_spec(spec: str) -> tuple[str, dict[str, str]]:
    """Parse ``NAME=key=value,key=value``; a bare mode name (``bm25``) means ``bm25=mode=bm25``."""
    spec = spec.strip()
    if spec in MODES:
        return spec, {"mode": spec}
    name, sep, rest = spec.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise ConfigError(f"--config {spec!r}: expected NAME=key=value[,key=value...]")
    overrides: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--config {spec!r}: {part!r} is not key=value")
        overrides[key.strip().replace("-", "_").lower()] = value.strip()
    return name.strip(), overrides


def build_configs(base: Settings, specs: Sequence[str]) -> list[RunConfig]:
    """Turn ``--config`` specs into validated configurations (defaults: hybrid, dense, bm25)."""
    configs: list[RunConfig] = []
    for spec in specs or DEFAULT_CONFIGS:
        name, overrides = parse_config_spec(spec)
        if any(c.name == name for c in configs):
            raise ConfigError(f"--config: the name {name!r} is used twice")
        if "index_dir" in overrides:
            raise ConfigError(f"--config {name}: index_dir cannot vary per configuration")
        settings = base.replace(**overrides)
        if settings.mode not in MODES:
            raise ConfigError(f"--config {name}: mode must be hybrid, dense or bm25, not {settings.mode!r}")
        if settings.chunk_overlap >= settings.chunk_size or settings.chunk_size < 50:
            raise ConfigError(f"--config {name}: chunk_size must be >= 50 and larger than chunk_overlap")
        if settings.k < 1:
            raise ConfigError(f"--config {name}: k must be at least 1")
        try:
            check_settings(settings)
        except ConfigError as exc:
            raise ConfigError(f"--config {name}: {exc}") from exc
        configs.append(RunConfig(name, tuple(sorted(overrides.items())), settings))
    return configs


def index_key(settings: Settings, embedder: Embedder | None = None) -> tuple[str, int, int]:
    """What an index build depends on besides the documents."""
    model = embedder.name if embedder is not None else settings.model
    return (model, settings.chunk_size, settings.chunk_overlap)


def corpus_fingerprint(documents: Iterable[Document]) -> str:
    """Order-independent hash of document ids and content hashes, as in the index manifest."""
    from rag.store import fingerprint

    return fingerprint({d.id: d for d in documents})


def cache_dir_for(cache_root: Path, label: str, key: tuple[str, int, int], fingerprint: str) -> Path:
    """A stable folder for one (corpus, model, chunking) build."""
    digest = hashlib.sha256(json.dumps([label, list(key), fingerprint]).encode()).hexdigest()[:12]
    model = "".join(ch if ch.isalnum() else "-" for ch in key[0])[-24:]
    return cache_root / f"{label}-{model}-c{key[1]}-o{key[2]}-{digest}"


def public_settings(settings: Settings) -> dict[str, object]:
    """Settings for the report, without secrets."""
    data = dataclasses.asdict(settings)
    for key in SECRET_KEYS:
        if data.get(key):
            data[key] = "***"
    return data
