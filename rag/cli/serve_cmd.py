"""`rag serve`: the chat UI and the embeddable widget (Gradio), on 127.0.0.1 by default."""

from __future__ import annotations

import argparse
import os
import sys

from .common import build_settings, open_engine


def register(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "serve", parents=[common], help="start the chat web app and widget",
        description="Serve the chat UI at http://HOST:PORT/ with /embed.js for intranet pages. "
        "Indexes the sample corpus first if there is no index yet.",
    )
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1; 0.0.0.0 for the network)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--root-path", metavar="PATH", help="public sub-path behind a reverse proxy, e.g. /rag")
    p.add_argument("--allowed-origins", metavar="LIST",
                   help="comma-separated origins allowed to embed the widget and call the app (default: none, same-origin only)")
    p.add_argument("--auth", metavar="USER:PW[,...]", help="require a Gradio login (better: RAG_AUTH or the config file)")
    p.add_argument("--auth-header", metavar="HEADER", help="trust this header, set by a reverse proxy, as the user name")
    p.add_argument("--concurrency", type=int, metavar="N", help="questions answered at once (default 8)")
    p.add_argument("--max-queue", type=int, metavar="N", help="questions waiting before users are asked to retry (default 64)")
    p.add_argument("--read-only", action="store_true", default=None,
                   help="no upload or delete from the UI (recommended for a widget on a shared intranet page)")
    p.add_argument("--max-question-chars", type=int, metavar="N", help="longest question accepted (default 2000)")
    p.add_argument("--max-upload-mb", type=float, metavar="MB", help="largest file accepted for upload (default 50)")
    p.add_argument("--embed-example", action="store_true", default=None,
                   help="serve the demo page /embed-example.html (off by default)")
    p.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = build_settings(
        args, host=args.host, port=args.port, root_path=args.root_path, allowed_origins=args.allowed_origins,
        auth=args.auth, auth_header=args.auth_header, concurrency=args.concurrency, max_queue=args.max_queue,
        read_only=args.read_only, max_question_chars=args.max_question_chars, max_upload_mb=args.max_upload_mb,
        embed_example=args.embed_example,
    )
    engine = open_engine(settings)
    if not engine.has_index():
        print(f"no index at {engine.location}: indexing the sample corpus first…", file=sys.stderr)
        engine.index()
    engine.view()  # fail now (one line) on a mismatched index, not at the first question
    from ui.uploads import recover_uploads, upload_dir

    # Uploads a previous server was killed in the middle of: index them (or report, read-only).
    for line in recover_uploads(engine, upload_dir(settings), index=not settings.read_only):
        print(f"rag: {line}", file=sys.stderr)
    engine.view()
    # Load the model before serving: answer sentences were embedded at index time, so the
    # first question then costs what later ones do.
    engine.embedder
    import uvicorn

    from ui.app import build_app

    app = build_app(engine, settings)
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    print(f"Chat:   http://{shown}:{settings.port}{settings.root_path}/", file=sys.stderr)
    print(f"Widget: <script src=\"http://{shown}:{settings.port}{settings.root_path}/embed.js\" async></script>",
          file=sys.stderr)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    return 0
