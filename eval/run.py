"""Entry points used by ``rag eval``: build the report for sets or a BEIR folder, write it.

Library code: takes Settings and an Engine, returns the report as a dict that
``report.json`` stores as is; printing and exit codes belong to the CLI.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

from rag.engine import Engine

from .configs import RunConfig, public_settings
from .engines import EnginePool
from .report import now, versions
from .schema import EvalSet, check_evidence

__all__ = ["evaluate_sets", "evaluate_beir", "write_report", "default_cache_root"]


def default_cache_root(engine: Engine) -> Path:
    """Index builds for other chunkings/models live next to the main index, never inside it."""
    return engine.index_dir.parent / "eval-cache"


def _file_sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _config_json(cfg: RunConfig, pool: EnginePool) -> dict[str, Any]:
    return {
        "name": cfg.name,
        "overrides": dict(cfg.overrides),
        "index_dir": pool.index_dirs.get(cfg.name),
        "settings": public_settings(cfg.settings),
    }


def evaluate_sets(
    sets: Sequence[EvalSet],
    configs: Sequence[RunConfig],
    engine: Engine,
    cache_root: Path | None = None,
    answers: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    """Evaluate sets against the documents indexed in ``engine`` under every configuration."""
    from .harness import run_sets
    from .summary import breakdown, failures, summarize

    documents = engine.documents()
    for s in sets:
        check_evidence(s, [d.text for d in documents])
    pool = EnginePool(engine, documents, cache_root or default_cache_root(engine), "set", True, progress)
    per_config = run_sets(sets, configs, pool, answers=answers, progress=progress)
    results = {
        name: {
            "summary": summarize(rs),
            "breakdown": breakdown(rs),
            "failures": failures(rs),
            "questions": [r.to_json() for r in rs],
        }
        for name, rs in per_config.items()
    }
    return {
        "kind": "set",
        "created": now(),
        "sets": [{"name": s.name, "path": s.path, "questions": len(s.questions), "sha256": _file_sha(s.path),
                  "splits": sorted({q.split for q in s.questions if q.split})}
                 for s in sets if Path(s.path).is_file()],
        "corpus": {"fingerprint": pool.fingerprint, "documents": len(documents),
                   "languages": sorted({d.lang for d in documents})},
        "answers": answers,
        "configs": [_config_json(c, pool) for c in configs],
        "versions": versions(),
        "results": results,
    }


def evaluate_beir(
    folder: str,
    configs: Sequence[RunConfig],
    engine: Engine,
    cache_root: Path | None = None,
    max_queries: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Index a BEIR corpus (cached) and compute its retrieval metrics under every configuration."""
    from .beir import beir_documents, load_beir, run_beir

    data = load_beir(folder)
    documents = beir_documents(data)
    # Retrieval only: the sentence index that answers need is not built.
    from dataclasses import replace

    configs = [replace(c, settings=c.settings.replace(index_sentences=False)) for c in configs]
    engine.settings = engine.settings.replace(index_sentences=False)
    pool = EnginePool(engine, documents, cache_root or default_cache_root(engine), f"beir-{data.name}",
                      reuse_base=False, progress=progress)
    results = run_beir(data, configs, pool, max_queries=max_queries, progress=progress)
    return {
        "kind": "beir",
        "created": now(),
        "sets": [{"name": data.name, "path": data.path, "questions": len(data.queries),
                  "evaluated": min(len(data.queries), max_queries or len(data.queries))}],
        "corpus": {"fingerprint": pool.fingerprint, "documents": len(documents), "languages": ["en"]},
        "answers": False,
        "configs": [_config_json(c, pool) for c in configs],
        "versions": versions(),
        "results": results,
    }


def write_report(report: dict[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.json`` and the self-contained ``report.html``; return their paths."""
    from .report_html import render_html

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "report.json"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    html_path = out / "report.html"
    html_path.write_text(render_html(report), encoding="utf-8")
    return json_path, html_path
