"""The report: ``report.json`` content, the terminal table and ``--fail-under`` bounds (pure)."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from rag.errors import ConfigError

__all__ = ["Bound", "parse_bounds", "check_bounds", "terminal_table", "versions", "fmt", "SET_COLUMNS", "BEIR_COLUMNS"]

SET_COLUMNS = (
    ("hit@5", "Hit@5"), ("recall@10", "R@10"), ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"),
    ("citation_accuracy", "CiteAcc"), ("lead_accuracy", "Lead"), ("evidence_coverage", "EvCov"), ("answer_contains", "AnsCont"),
    ("refusal_precision", "RefP"), ("refusal_recall", "RefR"),
)
BEIR_COLUMNS = (("ndcg@10", "nDCG@10"), ("recall@10", "R@10"), ("recall@100", "R@100"), ("mrr@10", "MRR@10"))


@dataclass(frozen=True)
class Bound:
    metric: str
    value: float
    config: str | None = None  # None: every configuration


def parse_bounds(specs: Sequence[str], known: Sequence[str], configs: Sequence[str]) -> list[Bound]:
    """Parse ``[CONFIG:]METRIC=VALUE`` specs, checking names before anything runs."""
    bounds = []
    for spec in specs:
        left, sep, value = spec.partition("=")
        config, _, metric = left.rpartition(":")
        metric = metric.strip().lower()
        if not sep or not metric:
            raise ConfigError(f"--fail-under {spec!r}: expected [CONFIG:]METRIC=VALUE")
        if metric not in known:
            raise ConfigError(f"--fail-under {spec!r}: unknown metric {metric!r} (known: {', '.join(known)})")
        if config and config not in configs:
            raise ConfigError(f"--fail-under {spec!r}: no configuration named {config!r}")
        try:
            number = float(value)
        except ValueError as exc:
            raise ConfigError(f"--fail-under {spec!r}: {value!r} is not a number") from exc
        bounds.append(Bound(metric, number, config or None))
    return bounds


def check_bounds(summaries: Mapping[str, Mapping[str, Any]], bounds: Sequence[Bound]) -> list[str]:
    """One line per (configuration, bound) that is not met; an undefined metric fails."""
    lines = []
    for b in bounds:
        for name, summary in summaries.items():
            if b.config and b.config != name:
                continue
            got = summary.get(b.metric)
            if got is None:
                lines.append(f"{name}: {b.metric} is undefined (bound {b.value:g})")
            elif got < b.value:
                lines.append(f"{name}: {b.metric} = {got:.3f} is below {b.value:g}")
    return lines


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _latency_cells(summary: Mapping[str, Any], key: str) -> str:
    lat = summary.get(key) or {}
    if not lat.get("n"):
        return "-"
    ms = lambda v: f"{v:.1f}" if v < 10 else f"{v:.0f}"
    return f"{ms(lat['p50_ms'])}/{ms(lat['p95_ms'])}"


def terminal_table(report: Mapping[str, Any]) -> str:
    """A short plain-text table: one row per configuration, then per-group rows."""
    beir = report["kind"] == "beir"
    columns = BEIR_COLUMNS if beir else SET_COLUMNS
    header = ["config", "n", *(label for _, label in columns), "search ms p50/p95"]
    if not beir:
        header.append("answer ms p50/p95")
    rows = []
    for name, res in report["results"].items():
        s = res["summary"]
        row = [name, str(s["questions"]), *(fmt(s.get(key)) for key, _ in columns), _latency_cells(s, "search_latency")]
        if not beir:
            row.append(_latency_cells(s, "answer_latency"))
        rows.append(row)
    parts = [_table(header, rows)]
    if not beir:
        names = list(report["results"])
        groups = list(report["results"][names[0]]["breakdown"])
        pivots = [("ndcg@10", "nDCG@10"), ("citation_accuracy", "citation accuracy"), ("lead_accuracy", "lead accuracy"),
                  ("refusal_rate", "refusal rate")]
        for key, label in pivots:
            grows = []
            for g in groups:
                cells = [report["results"][n]["breakdown"].get(g, {}).get(key) for n in names]
                if any(c is not None for c in cells):
                    n_q = report["results"][names[0]]["breakdown"][g]["questions"]
                    grows.append([g, str(n_q), *(fmt(c) for c in cells)])
            if grows:
                parts.append(_table([f"{label} by group", "n", *names], grows))
    return "\n\n".join(parts)


def versions() -> dict[str, str]:
    """Versions of Python and the packages that decide the figures."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("rag-cite", "sentence-transformers", "torch", "faiss-cpu", "bm25s", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
