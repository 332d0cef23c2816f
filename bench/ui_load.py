"""Time to first token with N simultaneous questions through the served app (gradio_client).

    .venv/bin/python bench/ui_load.py [--n 20] [--concurrency 8] [--index-dir DIR] [--while-indexing]

Starts the real server (`rag serve`) in its own process on 127.0.0.1 over the
sample corpus (indexed into a temporary directory unless --index-dir is
given), sends N questions at once to the streaming endpoint /ask_stream from
this process and prints time to first token and total time (median, p90,
max). With --while-indexing a ~500 KB text file is uploaded through the Documents
tab's own event just before the questions, so they are timed while the server
indexes it. Server and clients live in separate processes so that the clients'
polling threads do not compete with the server for one interpreter lock.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

QUESTIONS = [
    "What SME financing measures were announced?",
    "How will industrial growth be stabilised in the second quarter?",
    "What did Xiao Yaqing say about manufacturing?",
    "Which policies help SMEs resume production?",
]


def one(client, question: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    job = client.submit(question, api_name="/ask_stream")
    first = None
    while not job.done():
        if first is None and job.outputs():
            first = time.perf_counter() - t0
        time.sleep(0.02)
    job.result(timeout=300)
    total = time.perf_counter() - t0
    return (first if first is not None else total), total


def big_text(kb: int = 500) -> str:
    """About ``kb`` KB of plain text (distinct numbered paragraphs, so chunks are not duplicates)."""
    para = ("The Fennick regional broadband programme connects rural schools, clinics and farms; "
            "each district reports its progress every quarter to the programme office. ")
    out, i = ["Fennick broadband programme report"], 0
    while sum(map(len, out)) < kb * 1024:
        out.append(f"{i}. {para}")
        i += 1
    return "\n\n".join(out)


class Indexing:
    """Upload a ~500 KB file and press "Add to index" as a browser does (Gradio's queue protocol:
    the event is private, so gradio_client will not call it), in a thread that reads the stream."""

    def __init__(self, url: str, folder: Path) -> None:
        import threading
        import uuid

        import httpx

        path = folder / "fennick_broadband_report.txt"
        path.write_text(big_text(), encoding="utf-8")
        headers = {"Origin": url}  # writes are accepted only from the app's own pages
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            cfg = http.get("/config").json()
            add_id = next(c["id"] for c in cfg["components"] if c.get("props", {}).get("elem_id") == "add-docs")
            dep = next(d for d in cfg["dependencies"] if [add_id, "click"] in [list(t) for t in d["targets"]])
            with open(path, "rb") as fh:
                [stored] = http.post("/gradio_api/upload", files={"files": (path.name, fh, "text/plain")}).json()
        self.session = uuid.uuid4().hex
        data = [[{"path": stored, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}], 0]
        body = {"data": data, "fn_index": dep["id"], "trigger_id": add_id, "session_hash": self.session,
                "event_data": None}
        self.url, self.headers, self.body, self.finished = url, headers, body, None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import httpx

        with httpx.Client(base_url=self.url, headers=self.headers, timeout=600) as http:
            http.post("/gradio_api/queue/join", json=self.body).raise_for_status()
            with http.stream("GET", f"/gradio_api/queue/data?session_hash={self.session}") as stream:
                for line in stream.iter_lines():
                    if '"process_completed"' in line:
                        self.finished = time.perf_counter()
                        if '"success": false' in line or '"success":false' in line:
                            raise SystemExit(f"indexing failed: {line[:300]}")
                        return

    def done(self) -> bool:
        return self.finished is not None

    def wait(self, timeout: float) -> None:
        self.thread.join(timeout)
        if self.finished is None:
            raise SystemExit("indexing did not finish")


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--index-dir")
    ap.add_argument("--while-indexing", action="store_true",
                    help="upload and index a ~500 KB text file while the questions are asked")
    args = ap.parse_args()

    import subprocess

    import httpx
    from gradio_client import Client

    from tests.browser_support import free_port

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        index_dir = args.index_dir or str(Path(tmp) / "index")
        cmd = [sys.executable, "-m", "rag", "serve", "--port", str(port), "--index-dir", index_dir,
               "--concurrency", str(args.concurrency), "--max-queue", str(max(64, args.n))]
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 300
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.time() > deadline:
                    raise SystemExit("rag serve did not start")
                time.sleep(0.5)
            # One client per simulated user, as in real life (one browser each), made before timing.
            clients = [Client(url, verbose=False) for _ in range(args.n)]
            one(clients[0], QUESTIONS[0])  # warm the model and the app path
            qs = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.n)]
            indexing = Indexing(url, Path(tmp)) if args.while_indexing else None
            if indexing is not None:
                time.sleep(2.0)  # let the upload arrive and the indexing start
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.n) as pool:
                res = list(pool.map(lambda cq: one(*cq), zip(clients, qs)))
            wall = time.perf_counter() - t0
            if indexing is not None:
                still = not indexing.done()
                t_idx = time.perf_counter()
                indexing.wait(timeout=600)
                print(f"indexing the upload {'was still running' if still else 'had finished'} when the "
                      f"last answer came; it finished {time.perf_counter() - t_idx:.1f} s later")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:  # open streaming connections delay a graceful stop
                server.kill()
                server.wait()
    ttft = [r[0] for r in res]
    total = [r[1] for r in res]
    print(f"{args.n} simultaneous questions, concurrency {args.concurrency}, {os.cpu_count()} CPUs: "
          f"all answered in {wall:.2f} s")
    print(f"time to first token: median {statistics.median(ttft):.2f} s, p90 {pct(ttft, .9):.2f} s, "
          f"max {max(ttft):.2f} s")
    print(f"time to full answer: median {statistics.median(total):.2f} s, p90 {pct(total, .9):.2f} s, "
          f"max {max(total):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
