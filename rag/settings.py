"""One Settings object, built once at an entry point.

Precedence: defaults < config file (TOML) < ``RAG_*`` environment variables
< explicit overrides (command-line flags). Nothing below the entry point reads
the environment: it receives a ``Settings``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "all-MiniLM-L6-v2"
SAMPLE_CORPUS = PROJECT_ROOT / "corpus" / "sample"
DEFAULT_INDEX = PROJECT_ROOT / "index" / "default"


@dataclass(frozen=True)
class Settings:
    """Every tunable of the product. Field names match ``RAG_<NAME>`` env vars."""

    # Index
    index_dir: str = str(DEFAULT_INDEX)
    model: str = DEFAULT_MODEL
    chunk_size: int = 1000
    chunk_overlap: int = 150
    batch_size: int = 32
    device: str = "cpu"

    # Retrieval
    k: int = 5
    mode: str = "hybrid"
    fusion: str = "convex"  # "convex" (z-score weighted sum) or "rrf"
    dense_weight: float = 0.5
    rrf_k: int = 60
    candidates: int = 100

    # Answers
    max_points: int = 5
    min_sentence_score: float = 0.32
    refuse_below: float = 0.32
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
    if settings.mode not in ("hybrid", "dense", "bm25"):
        raise ConfigError(f"mode must be hybrid, dense or bm25, not {settings.mode!r}")
    if settings.llm_params:
        import json

        try:
            ok = isinstance(json.loads(settings.llm_params), dict)
        except json.JSONDecodeError:
            ok = False
        if not ok:
            raise ConfigError(f"llm_params must be a JSON object, not {settings.llm_params!r}")
    if settings.chunk_overlap >= settings.chunk_size or settings.chunk_size < 50:
        raise ConfigError("chunk_size must be >= 50 and larger than chunk_overlap")
    return settings
