"""Evaluation sets: JSON Lines, one question per line, validated on load.

A line looks like::

    {"id": "q01", "question": "...", "lang": "en", "answerable": true,
     "evidence": ["exact phrase from the source text"], "answer_contains": ["phrase"],
     "split": "test"}

``split`` says which part of the set a question belongs to: ``tune`` (settings
may be chosen on it) or ``test`` (held out, scored only). It is optional so
that other sets load unchanged; when present it must be one of :data:`SPLITS`.

``history`` (optional) makes the question a follow-up: the earlier questions of
the conversation, asked in order (each answered by the tool) before it.

Schema errors and evidence phrases that do not occur in the corpus are
:class:`EvalSetError` s naming the file and line, never silent zeros.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from rag.errors import InputError

from .metrics import fold

__all__ = [
    "EvalQuestion", "EvalSet", "EvalSetError", "SPLITS", "parse_set", "load_set", "check_evidence", "select_split",
]

REQUIRED = ("id", "question")
OPTIONAL_STR = ("lang", "category", "notes")
OPTIONAL_LIST = ("evidence", "answer_contains", "tags", "history")
KNOWN = set(REQUIRED) | set(OPTIONAL_STR) | set(OPTIONAL_LIST) | {"answerable", "split"}
SPLITS = ("tune", "test")


class EvalSetError(InputError):
    """An evaluation set line is malformed or names evidence the corpus lacks."""


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    lang: str = "und"
    answerable: bool = True
    evidence: tuple[str, ...] = ()
    answer_contains: tuple[str, ...] = ()
    category: str = ""
    split: str = ""  # "" when the line carries no split
    line: int = 0
    history: tuple[str, ...] = ()  # earlier questions of the conversation, asked first


@dataclass(frozen=True)
class EvalSet:
    name: str
    path: str
    questions: tuple[EvalQuestion, ...]


def _str_list(where: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EvalSetError(f"{where}: {key!r} must be a list of strings")
    if any(not v.strip() for v in value):
        raise EvalSetError(f"{where}: {key!r} contains an empty phrase")
    return tuple(value)


def _parse_line(where: str, raw: str, lineno: int) -> EvalQuestion:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise EvalSetError(f"{where}: bad JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise EvalSetError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - KNOWN)
    if unknown:
        raise EvalSetError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")
    for key in REQUIRED:
        if key not in obj:
            raise EvalSetError(f"{where}: missing {key!r}")
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise EvalSetError(f"{where}: {key!r} must be a non-empty string")
    for key in OPTIONAL_STR:
        if key in obj and not isinstance(obj[key], str):
            raise EvalSetError(f"{where}: {key!r} must be a string")
    split = obj.get("split", "")
    if "split" in obj and split not in SPLITS:
        raise EvalSetError(f"{where}: 'split' must be one of {', '.join(map(repr, SPLITS))}, got {split!r}")
    answerable = obj.get("answerable", True)
    if not isinstance(answerable, bool):
        raise EvalSetError(f"{where}: 'answerable' must be true or false")
    evidence = _str_list(where, "evidence", obj.get("evidence", []))
    contains = _str_list(where, "answer_contains", obj.get("answer_contains", []))
    _str_list(where, "tags", obj.get("tags", []))
    history = _str_list(where, "history", obj.get("history", []))
    if answerable and not evidence:
        raise EvalSetError(f"{where}: an answerable question needs at least one 'evidence' phrase")
    return EvalQuestion(
        id=obj["id"],
        question=obj["question"],
        lang=obj.get("lang", "und"),
        answerable=answerable,
        evidence=evidence,
        answer_contains=contains,
        category=obj.get("category", ""),
        split=split,
        line=lineno,
        history=history,
    )


def parse_set(lines: Iterable[str], path: str = "<set>") -> EvalSet:
    """Parse JSONL lines into an :class:`EvalSet`; blank lines are skipped."""
    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        q = _parse_line(f"{path}:{lineno}", raw, lineno)
        if q.id in seen:
            raise EvalSetError(f"{path}:{lineno}: duplicate id {q.id!r} (first on line {seen[q.id]})")
        seen[q.id] = lineno
        questions.append(q)
    if not questions:
        raise EvalSetError(f"{path}: the evaluation set has no questions")
    return EvalSet(name=Path(path).stem, path=path, questions=tuple(questions))


def load_set(path: str | Path) -> EvalSet:
    """Read and parse an evaluation set file."""
    p = Path(path)
    if not p.is_file():
        raise EvalSetError(f"evaluation set not found: {p}")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise EvalSetError(f"{p}: not UTF-8 text") from exc
    return parse_set(text.splitlines(), str(path))


def check_evidence(eval_set: EvalSet, corpus_texts: Sequence[str]) -> None:
    """Raise :class:`EvalSetError` naming the first evidence phrase absent from the corpus.

    The corpus is the cleaned text of the indexed documents; phrases are
    compared after folding whitespace and case, within one document.
    """
    folded = "\n\x00\n".join(fold(t) for t in corpus_texts)
    missing = [
        (q, phrase) for q in eval_set.questions for phrase in q.evidence if fold(phrase) not in folded
    ]
    if missing:
        q, phrase = missing[0]
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise EvalSetError(
            f"{eval_set.path}:{q.line}: evidence phrase {phrase!r} of {q.id!r} "
            f"does not occur in the indexed documents{more}"
        )


def select_split(eval_set: EvalSet, split: str) -> EvalSet:
    """The questions of ``eval_set`` in ``split``; every question must carry a split.

    A question without one would otherwise drop out of both parts unseen, so it
    is an :class:`EvalSetError` naming its line, as is a split with no questions.
    """
    if split not in SPLITS:
        raise EvalSetError(f"split must be one of {', '.join(map(repr, SPLITS))}, got {split!r}")
    unlabelled = [q for q in eval_set.questions if not q.split]
    if unlabelled:
        q = unlabelled[0]
        more = f" (and {len(unlabelled) - 1} more)" if len(unlabelled) > 1 else ""
        raise EvalSetError(f"{eval_set.path}:{q.line}: {q.id!r} has no 'split', so --split {split} "
                           f"cannot place it{more}")
    kept = tuple(q for q in eval_set.questions if q.split == split)
    if not kept:
        raise EvalSetError(f"{eval_set.path}: no question is in split {split!r}")
    return EvalSet(name=eval_set.name, path=eval_set.path, questions=kept)
