"""Soak test: many clients asking many questions, round after round; does the server's memory settle?

    .venv/bin/python bench/soak.py [--clients 50] [--questions 20] [--rounds 3] [--index-dir DIR]

Starts `rag serve` in its own process on a free 127.0.0.1 port over the sample
corpus (indexed into a temporary directory unless --index-dir is given). Each
round, ``--clients`` gradio_client users ask ``--questions`` questions each
through the /ask API, one after another, all users at once; questions come from
eval/sets/miit.jsonl. After each round it prints how many were answered and the
server's resident memory (RSS, from /proc), and at the end the ratio of the
last round's RSS to the first's. Bounded: every question has a time-out, every
round a deadline, and the server is stopped on the way out.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

QUESTION_TIMEOUT = 120.0
ROUND_DEADLINE = 1200.0


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def load_questions() -> list[str]:
    rows = (json.loads(line) for line in (ROOT / "eval" / "sets" / "miit.jsonl").read_text().splitlines() if line.strip())
    return [r["question"] for r in rows]


def start_server(port: int, index_dir: str, concurrency: int, max_queue: int) -> subprocess.Popen:
    import httpx

    cmd = [sys.executable, "-m", "rag", "serve", "--port", str(port), "--index-dir", index_dir,
           "--concurrency", str(concurrency), "--max-queue", str(max_queue)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.time() + 300
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.time() > deadline:
            server.kill()
            raise SystemExit("rag serve did not start")
        time.sleep(0.5)


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:  # open streams delay a graceful stop
        server.kill()
        server.wait()


def user(client, questions: list[str], stop_at: float) -> int:
    """Ask the questions one after another; return how many got an answer."""
    answered = 0
    for q in questions:
        if time.time() > stop_at:
            break
        try:
            out = client.submit(q, api_name="/ask").result(timeout=QUESTION_TIMEOUT)
        except Exception as exc:  # a time-out or a queue error counts as unanswered, and is shown
            print(f"  unanswered: {type(exc).__name__}: {str(exc)[:120]}", file=sys.stderr)
            continue
        if isinstance(out, dict) and "answer" in out and not out.get("error"):
            answered += 1
    return answered


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--questions", type=int, default=20, help="questions per client per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--index-dir")
    args = ap.parse_args()

    from gradio_client import Client

    from tests.browser_support import free_port

    pool_q = load_questions()
    per_round = args.clients * args.questions
    rows: list[tuple[int, int, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(port, args.index_dir or str(Path(tmp) / "index"), args.concurrency,
                              max(64, args.clients + 8))
        try:
            url = f"http://127.0.0.1:{port}"
            clients = [Client(url, verbose=False) for _ in range(args.clients)]
            print(f"server pid {server.pid}, RSS at start {rss_mb(server.pid):.0f} MB; "
                  f"{args.clients} clients x {args.questions} questions x {args.rounds} rounds, "
                  f"concurrency {args.concurrency}, {os.cpu_count()} CPUs", flush=True)
            for r in range(1, args.rounds + 1):
                t0 = time.time()
                work = [[pool_q[(c * args.questions + i + r) % len(pool_q)] for i in range(args.questions)]
                        for c in range(args.clients)]
                with ThreadPoolExecutor(args.clients) as ex:
                    futures = [ex.submit(user, cl, qs, t0 + ROUND_DEADLINE) for cl, qs in zip(clients, work)]
                    wait(futures)
                answered = sum(f.result() for f in futures)
                rows.append((r, answered, time.time() - t0, rss_mb(server.pid)))
                print(f"round {r}: answered {answered}/{per_round} in {rows[-1][2]:.1f} s, "
                      f"server RSS {rows[-1][3]:.0f} MB", flush=True)
            for cl in clients:
                cl.close()
        finally:
            stop_server(server)
    ratio = rows[-1][3] / rows[0][3]
    print(f"RSS round {rows[-1][0]} / round 1: {ratio:.3f} ({(ratio - 1) * 100:+.1f}%, target within 10%)")
    ok = all(a == per_round for _, a, _, _ in rows) and ratio <= 1.10
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
