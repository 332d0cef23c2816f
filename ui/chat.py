"""Chat handlers: stream an answer into the chatbot and fill the sources panel.

Handlers are plain functions over an ``Engine``; ``ui/app.py`` wires them to
Gradio components. Library errors (``RagError``) become one chat line here,
at the UI edge, never a traceback.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator, Sequence

from rag.errors import InputError, RagError
from rag.limits import check_question
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


def question_problem(question: str | None, max_chars: int) -> str:
    """Why ``question`` cannot be sent (a short hint for under the box), or ``""`` when it can."""
    text = (question or "").strip()
    if not text:
        return "Type a question first."
    try:
        check_question(text, max_chars)
    except InputError as exc:
        return render.escape_md(str(exc).strip().splitlines()[0])
    return ""


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


_ABS_PATH = re.compile(r"(?<![\w.:/])(?:/[^\s/:;,'\"`]+)+/?")


def without_server_paths(message: str) -> str:
    """``index at /srv/rag/index has format 1`` → ``index at index has format 1``: never show a server path."""
    return _ABS_PATH.sub(lambda m: render.file_name(m.group(0)), message)


def error_markdown(exc: RagError) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"⚠️ {render.escape_md(without_server_paths(first))}"


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
    return public_json(answer.to_json())


def public_json(data: Any) -> Any:
    """``data`` with every ``source`` reduced to its file name: a server path is never shown to a user."""
    if isinstance(data, dict):
        return {k: (render.file_name(v) if k == "source" and isinstance(v, str) else public_json(v))
                for k, v in data.items()}
    if isinstance(data, list):
        return [public_json(v) for v in data]
    return data
