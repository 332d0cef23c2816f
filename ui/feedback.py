"""👍/👎 under every answer, an optional comment and, on 👎, which source was wrong / what was
missing; stored by ``rag.feedback`` next to the index, to become evaluation data.

``answers`` is a ``gr.State`` dict: chat message index → the answer's feedback fields
(``rag.feedback.record_for(...).to_json()`` without verdict), filled by the chat handler.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from rag.feedback import FeedbackRecord, append, feedback_path
from rag.settings import Settings
from rag.types import Answer

__all__ = ["answer_fields", "build"]


def answer_fields(answer: Answer) -> dict[str, Any]:
    """What feedback on ``answer`` records besides the verdict (JSON-safe, for a State)."""
    from rag.feedback import record_for

    data = record_for(answer, "up").to_json()
    for key in ("verdict", "comment", "wrong_sources", "missing", "time"):
        data.pop(key, None)
    return data


def source_choices(fields: dict[str, Any]) -> list[tuple[str, int]]:
    return [(f"[{c['n']}] {c['title'][:60]}", int(c["n"])) for c in fields.get("citations", [])]


def build(chatbot: Any, answers: Any, settings: Settings) -> None:
    path = feedback_path(settings.index_dir)
    with gr.Group(visible=False, elem_id="feedback") as box:
        title = gr.Markdown("", elem_id="feedback-title")
        comment = gr.Textbox(label="Comment (optional)", max_lines=3, max_length=2000, elem_id="feedback-comment")
        wrong = gr.CheckboxGroup(label="Which source was wrong?", choices=[], visible=False, elem_id="feedback-wrong")
        missing = gr.Textbox(label="What was missing?", max_lines=3, max_length=2000, visible=False,
                             elem_id="feedback-missing")
        with gr.Row():
            send = gr.Button("Send feedback", variant="primary", size="sm", elem_id="feedback-send")
            cancel = gr.Button("Cancel", size="sm", elem_id="feedback-cancel")
    done = gr.Markdown("", elem_id="feedback-done")
    pending = gr.State(None)  # (message index, verdict)

    def on_like(evt: gr.LikeData, known: dict[Any, Any]):
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        fields = known.get(index) or known.get(str(index))
        if fields is None or evt.liked is None:  # not an answer (an error line) or the vote was undone
            return gr.update(visible=False), gr.skip(), gr.skip(), gr.skip(), gr.skip(), None, ""
        down = not evt.liked
        label = "👎 What was wrong with this answer?" if down else "👍 Thanks. Anything to add?"
        return (gr.update(visible=True), label, gr.update(value=""),
                gr.update(visible=down and bool(fields.get("citations")), choices=source_choices(fields), value=[]),
                gr.update(visible=down, value=""), (index, "down" if down else "up"), "")

    def on_send(choice: Any, known: dict[Any, Any], text: str, wrong_: list[int] | None, missing_: str):
        if not choice:
            return gr.update(visible=False), None, ""
        index, verdict = choice
        fields = known.get(index) or known.get(str(index))
        if fields is None:
            return gr.update(visible=False), None, ""
        record = FeedbackRecord(
            question=fields["question"], query=fields["query"], answer=fields["answer"],
            citations=tuple(fields.get("citations", ())), verdict=verdict, comment=(text or "").strip()[:2000],
            wrong_sources=tuple(int(n) for n in wrong_ or ()), missing=(missing_ or "").strip()[:2000],
            refused=bool(fields.get("refused")),
        )
        try:
            append(path, record)
        except OSError:
            return gr.update(visible=False), None, "Feedback could not be saved on the server."
        return gr.update(visible=False), None, "Thanks: your feedback was saved" + (
            " and will be reviewed as a test question." if verdict == "down" else ".")

    chatbot.like(on_like, [answers], [box, title, comment, wrong, missing, pending, done], queue=False,
                 api_visibility="private")
    send.click(on_send, [pending, answers, comment, wrong, missing], [box, pending, done], queue=False,
               api_visibility="private")
    cancel.click(lambda: (gr.update(visible=False), None), None, [box, pending], queue=False, api_visibility="private")
