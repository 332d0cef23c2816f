"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 for tests.

It speaks the real protocol over real HTTP (``POST /v1/chat/completions``,
JSON replies, or SSE ``data:`` events ending in ``data: [DONE]`` when the
request asks to stream) and plays back a script of replies, one per request:
content, HTTP status, delays before and between chunks, or a raw body.
Every request body is recorded for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    chunk_delay: float = 0.0  # seconds between streamed chunks
    raw: str | None = None  # body sent verbatim (malformed replies)
    chunk_size: int = 8
    echo_auth: bool = False  # an error body that repeats the request's Authorization header (a leaky proxy)


class ChatCompletionsServer:
    def __init__(self, replies: list[Reply] | None = None) -> None:
        self.replies = list(replies or [])
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                reply = server.replies.pop(0) if server.replies else Reply(status=500, content="script exhausted")
                time.sleep(reply.delay)
                if self.path != "/v1/chat/completions":
                    return self._send(404, "application/json", json.dumps({"error": "not found"}))
                if reply.status >= 400:
                    message = reply.content
                    if reply.echo_auth:
                        message += f" (request had Authorization: {self.headers.get('Authorization')})"
                    return self._send(reply.status, "application/json", json.dumps({"error": {"message": message}}))
                if reply.raw is not None:
                    return self._send(200, "text/event-stream" if body.get("stream") else "application/json", reply.raw)
                if not body.get("stream"):
                    msg = {"id": "c1", "object": "chat.completion", "model": body.get("model"),
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.content},
                                        "finish_reason": "stop"}]}
                    return self._send(200, "application/json", json.dumps(msg))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for event in _events(reply, body.get("model")):
                        self.wfile.write(event.encode())
                        self.wfile.flush()
                        time.sleep(reply.chunk_delay)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def _send(self, status: int, ctype: str, text: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> "ChatCompletionsServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _events(reply: Reply, model: str | None) -> Iterator[str]:
    first = {"choices": [{"index": 0, "delta": {"role": "assistant"}}], "model": model}
    yield f"data: {json.dumps(first)}\n\n"
    text = reply.content
    for i in range(0, len(text), reply.chunk_size):
        ev = {"choices": [{"index": 0, "delta": {"content": text[i:i + reply.chunk_size]}}], "model": model}
        yield f"data: {json.dumps(ev)}\n\n"
    yield f"data: {json.dumps({'choices': [{'index': 0, 'delta': {}, 'finish_reason': 'stop'}]})}\n\n"
    yield "data: [DONE]\n\n"
