"""Chat handlers: stream an answer into the chatbot and fill the sources panel.

Handlers are plain functions over an ``Engine``; ``ui/app.py`` wires them to
Gradio components. Library errors (``RagError``) become one chat line here,
at the UI edge, never a traceback.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

from rag.errors import RagError
from rag.types import Answer, Filters

from . import render

EXAMPLES = (
    "What SME financing measures were announced?",
    "How does the ministry plan to stabilise industrial growth in the second quarter?",
    "What was said about building a strong manufacturing country?",
)


def make_filters(doc_ids: Sequence[str] | None, langs: Sequence[str] | None, date_from: str, date_to: str) -> Filters | None:
    """Build ``Filters`` from the settings widgets; ``None`` when nothing restricts."""
    filters = Filters.parse(doc_ids, langs, date_from, date_to)
    return None if filters.empty() else filters


def user_message(question: str) -> dict[str, Any]:
    return {"role": "user", "content": render.escape_md(question)}


def assistant_message(markdown: str) -> dict[str, Any]:
    return {"role": "assistant", "content": markdown}


def stream_answer(
    engine: Any,
    question: str,
    history: Sequence[tuple[str, str]],
    k: int | None,
    mode: str | None,
    filters: Filters | None,
) -> Iterator[tuple[str, Answer | None]]:
    """Yield (chat markdown, final answer or None) as the answer streams in."""
    partial = ""
    for item in engine.ask_stream(question, history=tuple(history), k=k, mode=mode, filters=filters):
        if isinstance(item, Answer):
            yield replaced_markdown(item) + render.answer_markdown(item), item
            return
        partial += str(item)
        yield render.streaming_markdown(partial), None


REPLACED = "[replaced]"  # first word of the /ask_stream event that withdraws the streamed text


def replaced_markdown(answer: Answer) -> str:
    """A line above the final bubble when it replaces generated text that had streamed ('' otherwise)."""
    if not answer.replaced:
        return ""
    return "<small>↺ The generated answer shown while streaming was withdrawn; this is the extractive answer.</small>\n\n"


def api_stream(items: Iterable[str | Answer]) -> Iterator[str]:
    """``/ask_stream`` outputs: the cumulative text, then the final text.

    When the final answer replaces streamed text, an explicit event
    ``"[replaced] <notice>"`` comes first, then the replacing text.
    """
    text = ""
    for item in items:
        if isinstance(item, Answer):
            if item.replaced:
                yield f"{REPLACED} {item.notice or ''}".strip()
            text = item.text
        else:
            text += str(item)
        yield text


def error_markdown(exc: RagError) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"⚠️ {render.escape_md(first)}"


def ask_json(
    engine: Any,
    question: str,
    history: Sequence[tuple[str, str]] = (),
    k: int | None = None,
    mode: str | None = None,
    filters: Filters | None = None,
) -> dict[str, Any]:
    """The API answer: ``Answer.to_json()`` (text, structured citations, related) or an error."""
    try:
        answer = engine.ask(question, history=tuple(history), k=k, mode=mode, filters=filters)
    except RagError as exc:
        return {"error": str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}
    return answer.to_json()
