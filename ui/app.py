"""The Gradio chat app: ``build_app(engine, settings)`` returns a FastAPI app, not launched.

Layout: a chat that streams answers with inline citations, a sources panel,
search settings, and a Documents tab to upload/delete documents. The Gradio
Blocks is mounted at ``/`` of a FastAPI app that also serves ``/embed.js``,
the document viewer ``/doc/{id}`` and the embedding example (see widget.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from rag.errors import RagError
from rag.settings import Settings

from . import chat, documents, feedback, render, widget
from .theme import CSS, HEAD, theme

EMPTY_DOCS = "No documents indexed yet: upload some in the Documents tab."


def _root_url(request: Any, settings: Settings) -> str:
    """Public root of the app for absolute links (they must work inside the embedded widget)."""
    try:
        from gradio.route_utils import get_root_url

        return get_root_url(request.request, route_path="/gradio_api/queue/join", root_path=settings.root_path or None)
    except Exception:  # no request (API call without HTTP context): relative links still work in the app
        return settings.root_path.rstrip("/")


def build_blocks(engine: Any, settings: Settings) -> Any:
    from gradio.utils import get_upload_folder

    cache = Path(get_upload_folder())

    def doc_choices() -> list[tuple[str, str]]:
        try:
            return [(f"{d.title[:70]} ({d.date or 'undated'})", d.id) for d in engine.documents()]
        except RagError:
            return []

    def lang_choices() -> list[str]:
        try:
            return sorted({d.lang for d in engine.documents()})
        except RagError:
            return []

    # delete_cache: uploads never sent to "Add to index" are removed after an hour.
    with gr.Blocks(title="Ask the documents", analytics_enabled=False, fill_width=True,
                   delete_cache=(3600, 3600)) as demo:
        pairs = gr.State([])  # (question, plain answer) for follow-up rewriting
        answers = gr.State({})  # chat message index → the answer's fields, for feedback (ui/feedback.py)
        with gr.Row(elem_id="topbar"):
            gr.Markdown('<div class="brand"><span class="logo">§</span> Ask the documents '
                    '<span class="tag">answers quote their sources</span></div>', sanitize_html=True)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=340):
                        chatbot = gr.Chatbot(
                            elem_id="chat",
                            show_label=False,
                            height=520,
                            latex_delimiters=[],
                            sanitize_html=True,
                            feedback_options=("Like", "Dislike"),
                            buttons=["copy"],
                            placeholder="Ask a question about the indexed documents. Every statement "
                                        "in the answer cites the sentence it comes from.",
                            examples=[{"text": q} for q in chat.EXAMPLES],
                        )
                        with gr.Row(elem_id="askrow"):
                            box = gr.Textbox(
                                elem_id="question", show_label=False, scale=8, max_lines=4,
                                placeholder="Ask a question… (follow-ups are understood)", autofocus=True,
                                max_length=settings.max_question_chars,
                            )
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                        hint = gr.Markdown("", elem_id="ask-hint")
                        with gr.Row():
                            clear = gr.Button("New conversation", size="sm", variant="secondary", elem_id="new-chat")
                            regen = gr.Button("Regenerate", size="sm", variant="secondary", elem_id="regenerate")
                            stop = gr.Button("Stop", size="sm", variant="stop", elem_id="stop")
                        with gr.Accordion("Search settings", open=False, elem_id="settings"):
                            with gr.Row():
                                k = gr.Slider(1, 20, value=settings.k, step=1, label="Passages to retrieve")
                                mode = gr.Radio(["hybrid", "dense", "bm25"], value=settings.mode, label="Search mode")
                            with gr.Row():
                                f_docs = gr.Dropdown(choices=doc_choices(), multiselect=True, label="Only these documents")
                                f_langs = gr.Dropdown(choices=lang_choices(), multiselect=True, label="Languages")
                            with gr.Row():
                                f_from = gr.Textbox(label="Date from", placeholder="2022-01-01")
                                f_to = gr.Textbox(label="Date to", placeholder="2022-12-31")
                    with gr.Column(scale=2, min_width=300):
                        gr.Markdown("### Sources", elem_id="sources-title")
                        # Markdown, not gr.HTML: Gradio 6 compiles gr.HTML values with `new Function`, which
                        # a script policy without 'unsafe-eval' (see ui/guard.py) refuses to run.
                        sources = gr.Markdown(render.sources_html(None), elem_id="sources", sanitize_html=True,
                                              latex_delimiters=[])
                        feedback.build(chatbot, answers, settings)
            with gr.Tab("Documents", id="documents"):
                doc_ui = documents.build(engine, settings, cache)

        # -- chat events ----------------------------------------------------
        def take_question(question: str, messages: list[dict[str, Any]]):
            # A question that cannot be asked sends nothing: a hint under the box, the chat untouched
            # (an exception here would cover the chat and the box with error badges).
            problem = chat.question_problem(question, settings.max_question_chars)
            if problem:
                return gr.skip(), gr.skip(), "", problem
            question = question.strip()
            return gr.update(value="", interactive=False), messages + [chat.user_message(question)], question, ""

        def respond(question: str, messages, history, k_, mode_, docs_, langs_, from_, to_, known,
                    request: gr.Request):
            if not question:  # nothing was taken (see take_question)
                yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                return
            link = render.doc_link(_root_url(request, settings))
            messages = list(messages)
            try:
                filters = chat.make_filters(docs_, langs_, from_, to_)
                final = None
                for md, answer in chat.stream_answer(engine, question, history, int(k_), mode_, filters):
                    final = answer
                    yield messages + [chat.assistant_message(md)], gr.skip(), gr.skip(), gr.skip(), gr.skip()
                if final is not None:
                    done = messages + [chat.assistant_message(render.answer_markdown(final, link))]
                    pairs_ = list(history) + [(question, final.text)]
                    known_ = {**known, len(messages): feedback.answer_fields(final)}
                    # Saved with the finished answer, in the same update: an answer that is stopped, or
                    # cancelled by "New conversation", never writes an older conversation back afterwards.
                    yield done, render.sources_html(final, link), pairs_, known_, save(done, pairs_, known_)
            except RagError as exc:
                failed = messages + [chat.assistant_message(chat.error_markdown(exc))]
                yield failed, gr.skip(), gr.skip(), gr.skip(), save(failed, history, known)

        pending = gr.State("")
        # The conversation is kept in the browser (localStorage, encrypted by Gradio): a reload
        # shows it again; the server keeps nothing.
        saved = gr.BrowserState({"messages": [], "pairs": [], "answers": {}}, storage_key="rag-conversation")
        settings_inputs = [k, mode, f_docs, f_langs, f_from, f_to]

        def save(messages, pairs_, known):
            return {"messages": messages, "pairs": pairs_, "answers": {str(i): v for i, v in known.items()}}

        def restore(state):
            state = state if isinstance(state, dict) else {}
            known = {int(i): v for i, v in (state.get("answers") or {}).items() if str(i).isdigit()}
            return state.get("messages") or [], [tuple(p) for p in state.get("pairs") or []], known

        def answer_after(event: Any) -> Any:
            """respond, then give the box back and remember the conversation; returns the respond event."""
            answering = event.success(
                respond, [pending, chatbot, pairs, *settings_inputs, answers],
                [chatbot, sources, pairs, answers, saved], api_visibility="private",
            )
            answering.then(lambda: gr.update(interactive=True), None, box, queue=False, api_visibility="private")
            return answering

        streams = [answer_after(trigger(take_question, [box, chatbot], [box, chatbot, pending, hint], queue=False,
                                        api_visibility="private"))
                   for trigger in (box.submit, send.click)]

        def use_example(evt: gr.SelectData):
            return evt.value["text"] if isinstance(evt.value, dict) else str(evt.value)

        streams.append(answer_after(chatbot.example_select(use_example, None, box, queue=False, api_visibility="private").then(
            take_question, [box, chatbot], [box, chatbot, pending, hint], queue=False, api_visibility="private")))

        def take_last(messages, pairs_):
            """Regenerate: ask the last answered question again, in place of its answer."""
            if not pairs_:
                return gr.skip(), gr.skip(), "", "Nothing to regenerate yet."
            question = pairs_[-1][0]
            users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
            kept = messages[: users[-1] + 1] if users else messages
            return gr.update(interactive=False), kept, question, ""

        streams.append(answer_after(regen.click(
            take_last, [chatbot, pairs], [box, chatbot, pending, hint], queue=False, api_visibility="private"
        ).success(lambda p: p[:-1], pairs, pairs, queue=False, api_visibility="private")))
        stop.click(lambda: gr.update(interactive=True), None, box, cancels=streams, queue=False,
                   api_visibility="private")

        def new_conversation():
            return [], [], render.sources_html(None), {}, {"messages": [], "pairs": [], "answers": {}}

        clear.click(new_conversation, None, [chatbot, pairs, sources, answers, saved], cancels=streams,
                    queue=False, api_visibility="private").then(
            lambda: gr.update(interactive=True), None, box, queue=False, api_visibility="private")
        demo.load(restore, saved, [chatbot, pairs, answers], queue=False, api_visibility="private")

        # Keep the filter choices in step with the indexed documents.
        def refresh_filters():
            return gr.update(choices=doc_choices()), gr.update(choices=lang_choices())

        doc_ui.changed.change(refresh_filters, None, [f_docs, f_langs], queue=False, api_visibility="private")
        demo.load(refresh_filters, None, [f_docs, f_langs], queue=False, api_visibility="private")
        demo.load(doc_ui.refresh, None, doc_ui.outputs, queue=False, api_visibility="private")

        # -- API for programs (gradio_client): structured JSON ----------------
        def ask(question: str, k: int = 0, mode: str = "", doc_ids: list[str] | None = None,
                langs: list[str] | None = None, date_from: str = "", date_to: str = "",
                history: list[list[str]] | None = None) -> dict:
            """Answer a question; returns text with [n] markers, structured citations and related passages."""
            try:
                filters = chat.make_filters(doc_ids, langs, date_from, date_to)
            except RagError as exc:
                return {"error": str(exc)}
            hist = [(str(q), str(a)) for q, a in (history or [])]
            return chat.ask_json(engine, question, hist, k or None, mode or None, filters)

        gr.api(ask, api_name="ask")

        def ask_stream(question: str, k: int = 0, mode: str = "") -> Iterator[str]:
            """Stream the answer text as it grows (cumulative); "[replaced] <notice>" withdraws it. /ask has citations."""
            try:
                yield from chat.api_stream(engine.ask_stream(question, k=k or None, mode=mode or None))
            except RagError as exc:
                raise gr.Error(str(exc).strip().splitlines()[0]) from exc

        gr.api(ask_stream, api_name="ask_stream")
    return demo


def build_app(engine: Any, settings: Settings | None = None) -> Any:
    """The FastAPI app with the chat mounted at ``/`` (not launched: serve it with uvicorn)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from fastapi import FastAPI

    settings = settings or engine.settings
    demo = build_blocks(engine, settings)
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=settings.max_queue)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    widget.install(app, engine, settings)
    auth_kwargs: dict[str, Any] = {}
    if settings.auth_header:
        header = settings.auth_header
        auth_kwargs["auth_dependency"] = lambda request: request.headers.get(header) or None
    elif settings.auth:
        auth_kwargs["auth"] = widget.parse_auth(settings.auth)
    gr.mount_gradio_app(
        app, demo, path="/", root_path=settings.root_path or None, footer_links=[], ssr_mode=False,
        theme=theme(), css=CSS, head=HEAD, show_error=True, max_file_size=int(settings.max_upload_mb * 1024 * 1024),
        run_history=False,  # no /gradio_api/runs page: questions are not recorded anywhere
        **auth_kwargs,
    )
    return app
