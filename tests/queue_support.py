"""Raw calls to a served Gradio app, the way an attacker would make them: no UI, no gradio_client checks.

``queue_call`` joins the queue for one event (by the ``elem_id`` of the component
that triggers it, or by its api_name) and reads the server-sent events until the
call completes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


@dataclass
class QueueResult:
    status: int  # HTTP status of the join request
    ok: bool  # the event completed successfully
    output: Any  # the completed message's output (data or error), or the join response text
    text: str  # everything the client saw, for asserting that no server path leaks

    @property
    def error(self) -> str:
        if isinstance(self.output, dict):
            return str(self.output.get("error") or "")
        return str(self.output)


def dependency(url: str, *, elem_id: str | None = None, api_name: str | None = None) -> dict[str, Any]:
    cfg = httpx.get(f"{url}/config", headers={"Origin": url}, timeout=30).json()
    by_id = {c["id"]: c for c in cfg["components"]}
    for dep in cfg["dependencies"]:
        if api_name is not None and dep.get("api_name") == api_name:
            return dep
        if elem_id is not None and any(
            by_id.get(t[0], {}).get("props", {}).get("elem_id") == elem_id for t in dep["targets"]
        ):
            return dep
    raise LookupError(elem_id or api_name)


def file_data(path: str | Path, name: str | None = None) -> dict[str, Any]:
    """A ``FileData`` payload naming any path (or URL) the caller likes."""
    return {"path": str(path), "orig_name": name or Path(str(path)).name, "meta": {"_type": "gradio.FileData"}}


def queue_call(url: str, dep: dict[str, Any], data: list[Any], headers: dict[str, str] | None = None,
               timeout: float = 120) -> QueueResult:
    session = uuid.uuid4().hex
    payload = {"data": data, "fn_index": dep["id"], "session_hash": session,
               "trigger_id": dep["targets"][0][0] if dep["targets"] else None, "event_data": None}
    with httpx.Client(headers=headers or {}, timeout=timeout) as client:
        if dep.get("queue") is False:  # events that skip the queue are posted directly
            r = client.post(f"{url}/gradio_api/run/predict", json=payload)
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text
            ok = r.status_code == 200 and isinstance(body, dict) and "error" not in body
            return QueueResult(r.status_code, ok, body, r.text)
        r = client.post(f"{url}/gradio_api/queue/join", json=payload)
        if r.status_code != 200:
            return QueueResult(r.status_code, False, r.text, r.text)
        seen = []
        with client.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as s:
            for line in s.iter_lines():
                if not line.startswith("data:"):
                    continue
                seen.append(line)
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return QueueResult(200, bool(msg.get("success")), msg.get("output"), "\n".join(seen))
    return QueueResult(200, False, None, "\n".join(seen))


def upload(url: str, path: Path, headers: dict[str, str] | None = None) -> httpx.Response:
    """Send a file to Gradio's upload endpoint, as the browser does before an event."""
    with open(path, "rb") as fh:
        return httpx.post(f"{url}/gradio_api/upload", files=[("files", (path.name, fh))],
                          headers=headers or {}, timeout=60)
