"""Documents tab: see what is indexed, upload files, delete documents.

Updates go through ``Engine.add`` / ``Engine.remove`` (incremental, atomic
swap), in their own concurrency group so the chat keeps answering while an
upload is being indexed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import threading

import gradio as gr

from rag.errors import InputError, RagError
from rag.loaders import doc_id_for
from rag.settings import Settings

from . import render
from .guard import inside, parse_origins, same_site
from .uploads import UPLOAD_TYPES, add_uploads, remove_documents, store_uploads, upload_dir

__all__ = ["DocumentsUI", "UPLOAD_TYPES", "build", "store_uploads", "upload_dir"]
HEADERS = ["Title", "Date", "Language", "Chunks", "Size", "Added", "Status", "ID"]
PREVIEW_CHARS = 20_000
POLL_S = 0.5  # how often the table shows indexing progress


@dataclass(frozen=True)
class DocumentsUI:
    changed: Any  # a hidden component whose change event means "the index changed"
    refresh: Any  # () -> updates for ``outputs``, run on page load
    outputs: list[Any]


def discard_temporaries(files: Iterable[str], cache: Path) -> None:
    """Delete uploaded files (and their emptied folders) from Gradio's upload folder."""
    for f in files:
        p = Path(f)
        if p.is_symlink() or not inside(str(p), cache):
            continue
        p.unlink(missing_ok=True)
        parent = p.parent
        if parent.resolve() != cache.resolve() and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()


def without_paths(message: str, paths: Iterable[Path]) -> str:
    """A message for people: server paths replaced by file names."""
    for p in sorted(paths, key=lambda x: -len(str(x))):
        message = message.replace(str(p), p.name)
    return message


def _documents(engine: Any) -> list[Any]:
    try:
        return engine.documents()
    except RagError:
        return []


def _file_facts(source: str) -> tuple[int | None, float | None]:
    """(size in bytes, modification time) of a document's file, or (None, None) when it is gone."""
    try:
        st = Path(source).stat()
    except (OSError, ValueError):
        return None, None
    return st.st_size, st.st_mtime


def rows(engine: Any, pending: Sequence[tuple[str, str]] = ()) -> list[list[object]]:
    """Table rows: files being indexed first (name, status), then every indexed document."""
    try:
        docs = engine.documents()
    except RagError:
        docs = []
    return render.document_rows(docs, [engine.chunk_count(d.id) for d in docs],
                                [_file_facts(d.source) for d in docs], pending)


def _one_line(text: str, hide: Iterable[Path]) -> str:
    return render.escape_md(without_paths(text.strip().splitlines()[0] if text.strip() else "", hide))


def report_text(report: Any, hide: Iterable[Path] = ()) -> str:
    hide = list(hide)
    parts = [f"**{report.documents} documents, {report.chunks} chunks** in the index."]
    for label, ids in (("Added", report.added), ("Updated", report.updated), ("Removed", report.removed)):
        if ids:
            parts.append(f"{label}: {render.escape_md(', '.join(ids))}.")
    if report.seconds:
        parts.append(f"({report.seconds:.1f} s)")
    lines = [" ".join(parts)]
    lines += [f"- Not added: {render.escape_md(Path(path).name)}: {_one_line(reason, hide)}"
              for path, reason in report.skipped]
    return "\n".join(lines)


def rejected_text(exc: RagError, names: Sequence[str], hide: Iterable[Path]) -> str:
    """One line per file that was not added, naming only the file, never a server path."""
    hide = list(hide)
    skipped = getattr(exc, "skipped", ())
    if skipped:
        return "\n".join(f"- Not added: {render.escape_md(Path(p).name)}: {_one_line(r, hide)}" for p, r in skipped)
    return f"- Not added: {_one_line(str(exc), hide)}"


def build(engine: Any, settings: Settings, cache: Path) -> DocumentsUI:
    """The tab; ``cache`` is Gradio's upload folder, the only place uploads are taken from."""
    allowed = parse_origins(settings.allowed_origins)

    def check_site(request: gr.Request | None, verb: str) -> None:
        # Changing the index needs a request from the app's own pages (or a listed origin):
        # another site's page must not make a logged-in browser add or delete documents.
        headers = getattr(request, "headers", None) or {}
        scheme = getattr(getattr(request, "url", None), "scheme", "http")
        if not same_site(headers, allowed, scheme):
            raise gr.Error(f"Documents can only be {verb} from this app's own pages.")

    def choices() -> list[tuple[str, str]]:
        return [(f"{r[0]} ({r[-1]})", str(r[-1])) for r in rows(engine)]

    editable = not settings.read_only
    with gr.Row():
        with gr.Column(scale=2, visible=editable):
            files = gr.File(label="Upload documents (.txt .md .html .pdf)", file_count="multiple",
                            file_types=UPLOAD_TYPES, elem_id="upload")
            add_btn = gr.Button("Add to index", variant="primary", elem_id="add-docs")
            status = gr.Markdown("", elem_id="index-status")
            with gr.Group():
                to_delete = gr.Dropdown(choices=choices(), multiselect=True, label="Delete documents",
                                        elem_id="delete-choice")
                del_btn = gr.Button("Delete selected", variant="stop", elem_id="delete-docs")
                with gr.Row(visible=False, elem_id="delete-confirm") as confirm_row:
                    confirm_text = gr.Markdown("")
                    yes_btn = gr.Button("Yes, delete", variant="stop", size="sm", elem_id="delete-yes")
                    no_btn = gr.Button("Cancel", size="sm", elem_id="delete-no")
        with gr.Column(scale=3):
            table = gr.Dataframe(value=rows(engine), headers=HEADERS, interactive=False, wrap=True,
                                 column_widths=["34%", "11%", "6%", "6%", "8%", "12%", "9%", "14%"],
                                 label="Indexed documents", elem_id="doc-table")
            with gr.Accordion("Preview the cleaned text", open=False, elem_id="preview"):
                pick = gr.Dropdown(choices=choices(), value=None, label="Document", elem_id="preview-choice")
                preview = gr.Textbox(label="Text as indexed (what answers quote)", lines=12, max_lines=24,
                                     interactive=False, elem_id="preview-text")
    changed = gr.Number(value=0, visible=False)

    def show_preview(doc_id: str | None) -> str:
        if not doc_id:
            return ""
        try:
            text = engine.document(doc_id).text
        except RagError as exc:
            return str(exc).splitlines()[0]
        return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + f"\n… ({len(text) - PREVIEW_CHARS} more characters)"

    pick.change(show_preview, pick, preview, queue=False, api_visibility="private")

    def add(paths: list[str] | None, n: float, request: gr.Request):
        """Index the chosen files; the table stays, the new files show their status in it."""
        paths = list(paths or [])
        try:
            if not editable:  # enforced here, not only hidden: events can be sent without the UI
                raise gr.Error("This chat is read-only: documents cannot be added here.")
            check_site(request, "added")
            if not paths:
                yield "Choose one or more files first.", gr.skip(), gr.skip(), None, n
                return
            target = upload_dir(settings)
            names = [Path(p).name for p in paths]
            done: dict[str, Any] = {"frac": 0.0}

            def work() -> None:
                # Checked (only files uploaded to this app, no silent replacement), then stored
                # and indexed crash-safely: see ui/uploads.py.
                try:
                    done["report"] = add_uploads(engine, paths, target, cache,
                                                 on_progress=lambda frac, _msg: done.update(frac=frac))
                except RagError as exc:
                    done["error"] = exc

            worker = threading.Thread(target=work, name="index-upload", daemon=True)
            worker.start()
            # The selection is cleared at once: a file is never sent twice.
            yield (f"Indexing {len(names)} file(s)…", rows(engine, [(nm, "queued") for nm in names]),
                   gr.skip(), None, n)
            while worker.is_alive():
                worker.join(POLL_S)
                status_ = f"indexing {int(100 * done['frac'])}%"
                yield gr.skip(), rows(engine, [(nm, status_) for nm in names]), gr.skip(), gr.skip(), n
        finally:
            discard_temporaries(paths, cache)
        hide = [target, *map(Path, paths), *(target / nm for nm in names)]
        if "error" in done:
            text = rejected_text(done["error"], names, hide)
            yield text, rows(engine), gr.update(choices=choices(), value=[]), None, n
            return
        yield report_text(done["report"], hide), rows(engine), gr.update(choices=choices(), value=[]), None, n + 1

    def delete(ids: list[str] | None, n: float, request: gr.Request):
        if not editable:
            raise gr.Error("This chat is read-only: documents cannot be deleted here.")
        check_site(request, "deleted")
        if not ids:
            return "Choose the documents to delete first.", gr.skip(), gr.skip(), n
        try:
            report = remove_documents(engine, list(ids), upload_dir(settings))
        except RagError as exc:
            return f"Not deleted: {render.escape_md(str(exc).splitlines()[0])}", gr.skip(), gr.skip(), n
        return report_text(report), rows(engine), gr.update(choices=choices(), value=[]), n + 1

    # One writer at a time, in a group of its own: chat events are not blocked.
    add_btn.click(add, [files, changed], [status, table, to_delete, files, changed], show_progress="hidden",
                  concurrency_limit=1, concurrency_id="index-writes", api_visibility="private")
    def ask_confirmation(ids: list[str] | None):
        """A delete cannot be undone: name what goes and ask once more."""
        if not ids:
            return "Choose the documents to delete first.", gr.update(visible=False), ""
        names = render.escape_md(", ".join(ids))
        return "", gr.update(visible=True), f"Delete {len(ids)} document(s) and their uploaded files? {names}"

    del_btn.click(ask_confirmation, [to_delete], [status, confirm_row, confirm_text], queue=False,
                  api_visibility="private")
    no_btn.click(lambda: gr.update(visible=False), None, confirm_row, queue=False, api_visibility="private")
    yes_btn.click(delete, [to_delete, changed], [status, table, to_delete, changed],
                  concurrency_limit=1, concurrency_id="index-writes", api_visibility="private")
    yes_btn.click(lambda: gr.update(visible=False), None, confirm_row, queue=False, api_visibility="private")

    def refresh():
        return rows(engine), gr.update(choices=choices()), gr.update(choices=choices())

    changed.change(lambda: gr.update(choices=choices()), None, pick, queue=False, api_visibility="private")
    return DocumentsUI(changed=changed, refresh=refresh, outputs=[table, to_delete, pick])
