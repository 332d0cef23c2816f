"""Feedback on answers (👍/👎, a comment, which source was wrong or what was missing), kept as
evaluation data: an append-only JSON Lines file next to the index (``<index_dir>/feedback.jsonl``).

Each record is one line written by one ``write`` call on a file opened for appending, under a
lock (a thread lock and ``flock``), so concurrent writers never interleave lines. Records hold
what a reviewer needs to turn a 👎 into an evaluation question (``eval/from_feedback.py``):
question, searched query, answer text, cited spans (doc id, offsets, quoted text). Never
secrets or server paths: a document is named by its id and title only.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError
from .types import Answer

__all__ = ["VERDICTS", "FeedbackRecord", "feedback_path", "record_for", "append", "read"]

VERDICTS = ("up", "down")
MAX_COMMENT = 2000  # characters kept of a comment
_LOCK = threading.Lock()


@dataclass(frozen=True)
class FeedbackRecord:
    question: str
    query: str
    answer: str
    citations: tuple[dict[str, Any], ...]
    verdict: str
    comment: str = ""
    wrong_sources: tuple[int, ...] = ()  # citation numbers the person said were wrong
    missing: str = ""  # what the answer should have said or found
    refused: bool = False
    time: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise InputError(f"feedback verdict must be one of {', '.join(VERDICTS)}, not {self.verdict!r}")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["citations"] = list(self.citations)
        d["wrong_sources"] = list(self.wrong_sources)
        return d


def feedback_path(index_dir: str | os.PathLike[str]) -> Path:
    return Path(index_dir) / "feedback.jsonl"


def record_for(answer: Answer, verdict: str, comment: str = "", wrong_sources: tuple[int, ...] = (),
               missing: str = "") -> FeedbackRecord:
    """The record for ``answer``: cited spans by document id and offsets, no file paths."""
    cits = tuple(
        {"n": c.n, "doc_id": c.doc_id, "title": c.title, "start": c.start, "end": c.end, "text": c.text}
        for c in answer.citations
    )
    known = {c.n for c in answer.citations}
    return FeedbackRecord(
        question=answer.question, query=answer.query, answer=answer.text, citations=cits, verdict=verdict,
        comment=(comment or "").strip()[:MAX_COMMENT], wrong_sources=tuple(n for n in wrong_sources if n in known),
        missing=(missing or "").strip()[:MAX_COMMENT], refused=answer.refused,
    )


def append(path: str | os.PathLike[str], record: FeedbackRecord) -> None:
    """Add one line to ``path`` (created if missing): one ``write`` under a lock, then fsync."""
    line = (json.dumps(record.to_json(), ensure_ascii=False) + "\n").encode("utf-8")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        fd = os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            try:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)  # other processes (a second server) append too
            except ImportError:  # Windows: the thread lock and O_APPEND remain
                pass
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


def read(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The records of ``path``; a line that is not JSON (a torn write after a crash) is skipped."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except ValueError:
                continue
