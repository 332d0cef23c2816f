"""PDF text that reads as sentences.

PDF text extraction returns one line per printed line: a sentence wrapped over
three lines arrives as three fragments, and a word split at a line end keeps
its hyphen ("mainte-" / "nance"). Sentence splitting and answer selection need
paragraphs, so wrapped lines are joined back before cleaning. The stored text
is the reflowed text, so citation spans stay exact.
"""

from __future__ import annotations

import re

__all__ = ["reflow"]

_TERMINAL = tuple(".!?。:;»\"”)")
_LIST_ITEM = re.compile(r"^(?:[-•*·▪–]\s|\(?\d{1,3}[.)]\s|\(?[a-zA-Z][.)]\s|[IVX]{1,5}\.\s)")
_HYPHEN_END = re.compile(r"[A-Za-zÀ-ÿ]-$")


def _typical_width(lines: list[str]) -> int:
    """The width of a full line on this page: a high percentile of line lengths."""
    widths = sorted(len(ln) for ln in lines if ln)
    if not widths:
        return 0
    return widths[min(len(widths) - 1, int(len(widths) * 0.8))]


def _ends_paragraph(line: str, nxt: str, full: int) -> bool:
    if not line or not nxt:
        return True
    if _LIST_ITEM.match(nxt):
        return True
    short = len(line) < 0.7 * full
    if short and line.endswith(_TERMINAL):
        return True  # the last line of a paragraph stops early
    if short and not line.endswith((",", "-")) and nxt[:1].isupper() and len(line) < 0.5 * full:
        return True  # a heading or a byline on a line of its own
    return False


def reflow(text: str) -> str:
    """Join lines wrapped inside a paragraph; keep paragraph, heading and list-item breaks."""
    out: list[str] = []
    for page in text.split("\f") if "\f" in text else [text]:
        lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in page.split("\n")]
        full = _typical_width(lines)
        para = ""
        for i, line in enumerate(lines):
            if not line:
                if para:
                    out.append(para)
                    para = ""
                out.append("")
                continue
            if not para:
                para = line
            elif _HYPHEN_END.search(para) and line[:1].islower():
                para = para[:-1] + line  # "mainte-" + "nance"
            else:
                para = f"{para} {line}"
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if _ends_paragraph(line, nxt, full):
                out.append(para)
                para = ""
        if para:
            out.append(para)
        out.append("")
    joined = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()
