"""Answer → markdown/HTML for the chat and the sources panel (pure, no Gradio).

Every piece of document text is escaped here: a document that contains HTML
or ``<script>`` is shown as text, never interpreted. Chat messages are
markdown (the chatbot renders markdown), so text is HTML-escaped *and*
markdown-escaped; the sources panel is HTML, so text is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from typing import Callable, Iterable, Sequence
from urllib.parse import quote

from rag.answer.compose import heading, label
from rag.types import Answer, Citation, Document, Hit

NOT_FOUND = label("not_found", "en")
CONTEXT_CHARS = 280  # characters of context shown on each side of a quoted sentence

MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# ASCII punctuation that markdown may interpret; '&' and ';' are left alone so
# that HTML entities produced by html.escape survive.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$=:^])")

DocLink = Callable[[str, int, int], str]


def escape_html(text: str) -> str:
    return html.escape(text, quote=True)


def escape_md(text: str) -> str:
    """Make ``text`` literal in a markdown message: no HTML, no formatting, no links."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def doc_link(base: str = "") -> DocLink:
    """A function giving the URL of the document viewer scrolled to a span."""
    root = base.rstrip("/")

    def link(doc_id: str, start: int, end: int) -> str:
        return f"{root}/doc/{quote(doc_id, safe='')}?start={int(start)}&end={int(end)}#hl"

    return link


def _marker_md(numbers: str, known: set[int]) -> str:
    ns = [int(n) for n in re.split(r"\s*,\s*", numbers)]
    if not all(n in known for n in ns):
        return escape_md(f"[{numbers}]")
    return "".join(f'<sup class="cite">[{n}]</sup>' for n in ns)


_BULLET = re.compile(r"^(\s*)(?:[-*•]|(\d{1,3})[.)])\s+")


def _line_markdown(line: str, known: set[int]) -> str:
    out: list[str] = []
    prefix = ""
    m = _BULLET.match(line)
    if m:  # an answer's own list item stays a list item ("- " escaped would show literally)
        prefix = m.group(1) + (f"{m.group(2)}. " if m.group(2) else "- ")
        line = line[m.end():]
    pos = 0
    for mm in MARKER.finditer(line):
        out.append(escape_md(line[pos : mm.start()]))
        out.append(_marker_md(mm.group(1), known))
        pos = mm.end()
    out.append(escape_md(line[pos:]))
    return prefix + "".join(out)


def text_markdown(text: str, known: Iterable[int]) -> str:
    """Escape answer text, turning ``[n]`` markers of known citations into superscripts
    and the answer's own list lines (``- ``, ``* ``, ``1. ``) into a markdown list."""
    known_set = set(known)
    return "\n".join(_line_markdown(line, known_set) for line in text.split("\n"))


def file_name(source: str) -> str:
    """The last part of a path (either slash): what a user may see of where a document came from."""
    return source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


_basename = file_name


def _meta(date: str | None, lang: str, ui_lang: str = "en") -> str:
    parts = [display_date(date, ui_lang), (lang or "und").upper()]
    return " · ".join(parts)


def streaming_markdown(partial: str) -> str:
    """The chat bubble while the answer is still streaming (markers not yet resolved)."""
    return text_markdown(partial, known=range(1, 100)) + " ▍"


def answer_markdown(answer: Answer, link: DocLink | None = None) -> str:
    """The final chat bubble: answer with inline citations, sources list, notices.

    The bubble also carries its own source cards (hidden, ``.answer-sources``): clicking a
    citation in an earlier answer shows that answer's sources, not the latest's (ui/static/chat.js).
    """
    lang = answer.lang
    lines: list[str] = []
    if answer.query and answer.query.strip() != answer.question.strip():
        lines.append(f"<small>🔎 {heading('searched_for', lang)} *{escape_md(answer.query)}*</small>\n")
    if answer.refused:
        # One refusal line (the answer's own words), then each related document once.
        lines.append(f"**{text_markdown(answer.text, ()) if answer.text.strip() else label('not_found', lang) + '.'}**")
        docs = distinct_documents(answer.related)
        if docs:
            lines.append(f"\n{heading('related_documents', lang)}\n")
            for c in docs[:5]:
                lines.append(f"- {escape_md(c.title or c.doc_id)} <small>({escape_md(_meta(c.date, c.lang, lang))})</small>")
    else:
        lines.append(text_markdown(answer.text, (c.n for c in answer.citations)))
        if answer.citations:
            lines.append(f"\n**{label('sources', lang)}**\n")
            for c in answer.citations:
                lines.append(
                    f"<sup class=\"cite\">[{c.n}]</sup> {escape_md(c.title or c.doc_id)} "
                    f"<small>({escape_md(_meta(c.date, c.lang, lang))})</small>  "
                )
    if answer.flagged:
        # Statements an LLM wrote without a valid citation: shown, but marked as unverified.
        lines.append(f"\n<small>⚠️ {heading('not_backed', lang)}</small>")
        lines.extend(f"<small>- {escape_md(f)}</small>" for f in answer.flagged)
    if answer.notice:
        lines.append(f"\n<small>ℹ️ {escape_md(answer.notice)}</small>")
    if answer.citations or answer.related:
        lines.append(f'\n<div class="answer-sources">{sources_html(answer, link)}</div>')
    return "\n".join(lines)


def distinct_documents(hits: Sequence[Hit]) -> list:
    """The chunks of ``hits`` keeping the first of each document (a refusal lists documents, not passages)."""
    seen: set[str] = set()
    out = []
    for h in hits:
        if h.chunk.doc_id not in seen:
            seen.add(h.chunk.doc_id)
            out.append(h.chunk)
    return out


def _context(doc_text: str | None, passage_text: str, passage_start: int, start: int, end: int) -> tuple[str, str, str]:
    """Split the text around [start, end) into (before, quote, after), trimmed to CONTEXT_CHARS."""
    if doc_text is not None and 0 <= start <= end <= len(doc_text):
        text, base = doc_text, 0
    else:
        text, base = passage_text, passage_start
    s, e = start - base, end - base
    if not (0 <= s <= e <= len(text)):
        return "", passage_text, ""
    lo = max(0, s - CONTEXT_CHARS)
    hi = min(len(text), e + CONTEXT_CHARS)
    before = ("…" if lo > 0 else "") + text[lo:s]
    after = text[e:hi] + ("…" if hi < len(text) else "")
    return before, text[s:e], after


def _open_link(link: DocLink | None, doc_id: str, start: int, end: int, ui_lang: str = "en") -> str:
    """The "Open document" link to the whole cleaned text scrolled to the span (none without a link maker)."""
    if link is None:
        return ""
    href = escape_html(link(doc_id, start, end))
    return f'<a class="src-open" href="{href}" target="_blank" rel="noopener">{label("open_document", ui_lang)} ↗</a>'


def _citation_card(c: Citation, link: DocLink | None, ui_lang: str = "en") -> str:
    p = c.passage
    before, quote_, after = _context(None, p.text if p else c.text, p.start if p else c.start, c.start, c.end)
    open_link = _open_link(link, c.doc_id, c.start, c.end, ui_lang)
    return (
        f'<div class="src-card n{c.n}" id="src-{c.n}" data-doc="{escape_html(c.doc_id)}">'
        f'<div class="src-head"><span class="src-n">{c.n}</span>'
        f'<span class="src-title">{escape_html(c.title or c.doc_id)}</span></div>'
        f'<div class="src-meta">{escape_html(_meta(c.date, c.lang, ui_lang))}'
        f'{" · " + escape_html(_basename(c.source)) if c.source else ""}</div>'
        f'<div class="src-passage">{escape_html(before)}<mark>{escape_html(quote_)}</mark>{escape_html(after)}</div>'
        f"{open_link}</div>"
    )


def _hit_card(h: Hit, link: DocLink | None, ui_lang: str = "en") -> str:
    c = h.chunk
    text = c.text if len(c.text) <= 2 * CONTEXT_CHARS else c.text[: 2 * CONTEXT_CHARS] + "…"
    open_link = _open_link(link, c.doc_id, c.start, c.end, ui_lang)
    return (
        f'<div class="src-card related" data-doc="{escape_html(c.doc_id)}">'
        f'<div class="src-head"><span class="src-title">{escape_html(c.title or c.doc_id)}</span></div>'
        f'<div class="src-meta">{escape_html(_meta(c.date, c.lang, ui_lang))} · score {h.score:.2f}</div>'
        f'<div class="src-passage">{escape_html(text)}</div>{open_link}</div>'
    )


def one_block(html_: str) -> str:
    """Panel HTML on one line: the panel is a markdown component, where a blank line would end
    the HTML block and let markdown read the rest of a document's text."""
    return html_.replace("\r", "&#13;").replace("\n", "&#10;")


def sources_html(answer: Answer | None, link: DocLink | None = None) -> str:
    """The sources panel: one card per citation, or the related passages of a refusal (one line of HTML)."""
    return one_block(_sources_html(answer, link))


def _sources_html(answer: Answer | None, link: DocLink | None) -> str:
    if answer is None:
        return '<div class="src-empty">Sources of the answer appear here, with the quoted sentence highlighted.</div>'
    lang = answer.lang
    if answer.refused:
        cards = "".join(_hit_card(h, link, lang) for h in answer.related)
        return (f'<div class="src-refused" role="status"><strong>{label("not_found", lang)}.</strong> '
                f'{label("closest_shown", lang)}</div>{cards}')
    if not answer.citations:
        return f'<div class="src-empty">{label("no_source", lang)}</div>'
    return "".join(_citation_card(c, link, answer.lang) for c in answer.citations)


def hits_answer_html(hits: Sequence[Hit], link: DocLink | None = None) -> str:
    """Sources panel for plain search results (used when no answer is available)."""
    return one_block("".join(_hit_card(h, link) for h in hits))


def document_page(doc: Document, start: int | None = None, end: int | None = None) -> str:
    """A standalone HTML page with the whole cleaned document and the span highlighted."""
    text = doc.text
    if start is not None and end is not None and 0 <= start <= end <= len(text):
        body = (
            escape_html(text[:start])
            + f'<mark id="hl">{escape_html(text[start:end])}</mark>'
            + escape_html(text[end:])
        )
    else:
        body = escape_html(text)
    return f"""<!doctype html>
<html lang="{escape_html(doc.lang or 'und')}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape_html(doc.title)}</title>
<style>
body{{font:16px/1.6 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1f2937}}
h1{{font-size:1.4rem;line-height:1.3}} .meta{{color:#6b7280;font-size:.9rem;margin-bottom:1.5rem}}
pre{{white-space:pre-wrap;font:inherit}} mark{{background:#fde68a;padding:.1em 0;scroll-margin-top:30vh}}
</style></head><body>
<h1>{escape_html(doc.title)}</h1>
<div class="meta">{escape_html(_meta(doc.date, doc.lang))} · {escape_html(_basename(doc.source))}</div>
<pre>{body}</pre>
</body></html>"""


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def display_date(date: str | None, ui_lang: str = "en") -> str:
    """An ISO or partial date for people: ``2022-05-27`` stays, ``--05-27`` → ``27 May (year not stated)``
    (``ui_lang`` "fr": ``27 mai (année non précisée)``, "sans date")."""
    if ui_lang == "fr":
        from rag.types import display_date as spelled

        return spelled(date, "fr") if not date or date.startswith("--") else date
    if not date:
        return "undated"
    m = re.fullmatch(r"--(\d\d)-(\d\d)", date)
    if m and 1 <= int(m.group(1)) <= 12:
        return f"{int(m.group(2))} {MONTHS[int(m.group(1)) - 1]} (year not stated)"
    return date


def human_size(n: int | None) -> str:
    """``1536`` → ``1.5 KB``; ``None`` (no file) → ``""``."""
    if n is None:
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def document_rows(docs: Sequence[Document], chunk_counts: Sequence[int],
                  facts: Sequence[tuple[int | None, float | None]] | None = None,
                  pending: Sequence[tuple[str, str]] = ()) -> list[list[object]]:
    """Rows of the documents table: title, date, language, chunks, size, added, status, id.

    ``facts`` gives each document's file (size, mtime); ``pending`` lists files being indexed
    as (name, status), shown first so that the table never disappears while indexing.
    """
    import datetime as _dt

    facts = facts or [(None, None)] * len(docs)
    out: list[list[object]] = [[name, "", "", "", "", "", status, ""] for name, status in pending]
    for d, n, (size, mtime) in sorted(zip(docs, chunk_counts, facts), key=lambda p: p[0].title.lower()):
        added = _dt.datetime.fromtimestamp(mtime).strftime("%Y-%m-%d %H:%M") if mtime else ""
        title = d.title if len(d.title) <= 90 else d.title[:89] + "…"
        out.append([title, display_date(d.date) if d.date else "", d.lang, n, human_size(size), added, "ready", d.id])
    return out
