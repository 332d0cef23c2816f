"""Check the citations of a generated answer. Pure.

Markers that point to no passage are removed, the valid ones renumbered in
order of first use, and every statement without a valid marker is flagged:
a generated sentence is only trusted when it names its source.
``withdraw_unsupported`` runs first and removes the markers of statements
that their cited passages do not support, so those are flagged too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

_GROUP = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)+)\]")
_MARK = re.compile(r"\s?\[(\d+)\]")
# A sentence ends at . ! ? followed by any citation markers, then space or end.
_END = re.compile(r"[.!?。](?:\s*\[\d+\])*(?=\s|$)")


@dataclass(frozen=True)
class Checked:
    """A generated answer after citation checking.

    ``order`` lists the original passage numbers in first-use order (new
    number ``i+1`` is passage ``order[i]``); ``statements`` maps each new
    number to the sentences that cite it.
    """

    text: str
    order: tuple[int, ...]
    flagged: tuple[str, ...]
    removed: int
    statements: dict[int, tuple[str, ...]]


def statements(text: str) -> list[str]:
    """Split answer text into statements (lines, then sentence ends keeping trailing markers)."""
    out: list[str] = []
    for line in text.split("\n"):
        pos = 0
        for m in _END.finditer(line):
            out.append(line[pos:m.end()].strip())
            pos = m.end()
        if line[pos:].strip():
            out.append(line[pos:].strip())
    return [s for s in out if s]


def _needs_citation(statement: str) -> bool:
    bare = _MARK.sub("", statement).strip(" -*•\t")
    return len(bare.split()) >= 4 and not bare.endswith(":")


def _ungroup(text: str) -> str:
    """``[1, 2]`` → ``[1][2]``."""
    return _GROUP.sub(lambda m: "".join(f"[{x.strip()}]" for x in re.split(r"[,;]", m.group(1))), text)


def withdraw_unsupported(text: str, n_passages: int,
                         supported: Callable[[str, tuple[int, ...]], bool]) -> tuple[str, tuple[str, ...]]:
    """``text`` with the markers removed from statements that ``supported(statement, cited)`` rejects.

    Returns the new text and the rejected statements (without markers).
    Only valid markers (``1..n_passages``) count as citing.
    """
    text = _ungroup(text)
    rejected: list[str] = []
    lines: list[str] = []
    for line in text.split("\n"):
        pos, parts = 0, []
        ends = [m.end() for m in _END.finditer(line)]
        if not ends or line[ends[-1]:].strip():
            ends.append(len(line))
        for end in ends:
            piece = line[pos:end]
            pos = end
            cited = tuple(n for n in (int(x) for x in re.findall(r"\[(\d+)\]", piece)) if 1 <= n <= n_passages)
            bare = _MARK.sub("", piece).strip()
            if cited and not supported(bare, cited):
                rejected.append(bare)
                lead = piece[:len(piece) - len(piece.lstrip())]
                piece = lead + re.sub(r"[ \t]+([.,;:!?])", r"\1", _MARK.sub("", piece).strip())
            parts.append(piece)
        lines.append("".join(parts) + line[pos:])
    return "\n".join(lines), tuple(rejected)


def check_citations(text: str, n_passages: int) -> Checked:
    """Validate ``[n]`` markers of ``text`` against passages ``1..n_passages``."""
    text = _ungroup(text)
    order: list[int] = []
    removed = 0

    def renumber(m: re.Match[str]) -> str:
        nonlocal removed
        n = int(m.group(1))
        if not 1 <= n <= n_passages:
            removed += 1
            return ""
        if n not in order:
            order.append(n)
        return f"{m.group(0)[:-len(m.group(1)) - 2]}[{order.index(n) + 1}]"

    text = _MARK.sub(renumber, text)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text).strip()
    flagged: list[str] = []
    cited: dict[int, list[str]] = {}
    for st in statements(text):
        nums = [int(x) for x in re.findall(r"\[(\d+)\]", st)]
        if not nums:
            if _needs_citation(st):
                flagged.append(st)
            continue
        for n in nums:
            cited.setdefault(n, []).append(_MARK.sub("", st).strip())
    return Checked(text, tuple(order), tuple(flagged), removed, {k: tuple(v) for k, v in cited.items()})
