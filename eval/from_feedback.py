"""👎 feedback → a reviewable evaluation set in the schema of ``eval/sets/*.jsonl`` (pure).

Each 👎 becomes one question with ``split: "test"`` and ``notes: "from feedback: review"``.
``answerable`` is a guess: true when some cited span was not marked wrong (it is the evidence)
and the comment does not say the documents lack the answer. ``evidence`` is the cited spans the person did not mark wrong: exact
text from the index, so ``rag eval`` can check it; a reviewer edits the rest.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Iterable

__all__ = ["eval_items"]

_NOT_COVERED = re.compile(r"\b(not (in|covered)|no answer|documents? (do(es)?n'?t|do not) (say|cover))\b", re.I)


def _guess_lang(text: str) -> str:
    return "fr" if re.search(r"[àâçéèêëîïôûùüÿœ]|\b(le|la|les|des|est|quelle?s?)\b", text, re.I) else "en"


def eval_items(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One evaluation question per 👎 record (👍 records are skipped), duplicates merged."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in records:
        if r.get("verdict") != "down" or not str(r.get("question", "")).strip():
            continue
        question = str(r["question"]).strip()
        key = hashlib.sha1(question.lower().encode()).hexdigest()[:10]
        if key in seen:
            continue
        seen.add(key)
        wrong = set(r.get("wrong_sources") or ())
        evidence = [c["text"] for c in r.get("citations") or () if c.get("n") not in wrong and c.get("text")]
        note = "from feedback: review"
        extra = "; ".join(x for x in (str(r.get("comment") or "").strip(), str(r.get("missing") or "").strip()) if x)
        item: dict[str, Any] = {
            "id": f"fb-{key}",
            "question": question,
            "lang": _guess_lang(question),
            # The schema needs evidence for an answerable question: without any (a refusal, or
            # every source marked wrong) the guess is "not answerable", flagged for review.
            "answerable": bool(evidence) and not _NOT_COVERED.search(extra),
            "evidence": evidence if evidence and not _NOT_COVERED.search(extra) else [],
            "split": "test",
            "notes": note + (f" ({extra})" if extra else ""),
        }
        out.append(item)
    return out
