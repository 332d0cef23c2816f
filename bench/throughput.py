"""Indexing throughput: this project's Engine vs LangChain FAISS.from_texts on the same texts.

Both use the same bundled all-MiniLM-L6-v2 on the CPU and run in the same
process, alternately, so machine load affects them alike.

    .venv/bin/pip install -e '.[bench]'        # langchain-community, langchain-huggingface
    .venv/bin/python bench/throughput.py --docs 500 --rounds 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval.beir import beir_documents, load_beir  # noqa: E402
from rag.embed import ENGLISH_MODEL, bundled_model_path, load_embedder  # noqa: E402
from rag.engine import Engine  # noqa: E402
from rag.settings import Settings  # noqa: E402


def time_ours(docs, embedder) -> float:
    d = Path(tempfile.mkdtemp(prefix="rag-tp-"))
    try:
        t = time.perf_counter()
        Engine(Settings(index_dir=str(d / "idx")), embedder=embedder).index_documents(docs)
        return time.perf_counter() - t
    finally:
        shutil.rmtree(d, ignore_errors=True)


def time_langchain(texts, lc_embeddings) -> float:
    from langchain_community.vectorstores import FAISS

    t = time.perf_counter()
    FAISS.from_texts(texts, lc_embeddings)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("beir_dir", nargs="?", default=str(ROOT.parent / "shared" / "bench" / "scifact"))
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    data = load_beir(args.beir_dir)
    docs = beir_documents(data)[: args.docs]
    texts = [d.text for d in docs]
    emb = load_embedder(ENGLISH_MODEL)  # the model --model auto picks for English SciFact; LangChain loads the same
    emb.embed_documents(["warm up"])
    try:
        from langchain_huggingface import HuggingFaceEmbeddings

        lc = HuggingFaceEmbeddings(model_name=str(bundled_model_path()), model_kwargs={"device": "cpu"})
        lc.embed_documents(["warm up"])
    except ImportError:
        lc = None
        print("langchain-huggingface not installed: pip install -e '.[bench]' to compare", file=sys.stderr)
    ours, theirs = [], []
    for _ in range(args.rounds):
        ours.append(time_ours(docs, emb))
        if lc is not None:
            theirs.append(time_langchain(texts, lc))
    o = statistics.median(ours)
    # Work done: tokens the model actually sees (it truncates each input at max_seq_length).
    from rag.chunking import chunk_document

    model = emb._model  # the SentenceTransformer behind the bundled embedder
    limit = model.max_seq_length

    def seen(text_list):
        return sum(min(limit, len(ids)) for ids in model.tokenizer(text_list, add_special_tokens=True)["input_ids"])

    chunk_texts = [c.text for d in docs for c in chunk_document(d, 1000, 150)]
    our_tokens, lc_tokens, all_tokens = seen(chunk_texts), seen(texts), sum(
        len(ids) for ids in model.tokenizer(texts)["input_ids"])
    print(f"{len(docs)} SciFact documents, {os.cpu_count()} cores, median of {args.rounds} rounds")
    print(f"rag Engine.index_documents: {o:.1f}s = {len(docs) / o:.1f} docs/s, {our_tokens / o:.0f} tokens/s; "
          f"embeds {len(chunk_texts)} chunks = {our_tokens} tokens ({100 * our_tokens / all_tokens:.0f}% of the text, overlap included)")
    if theirs:
        t = statistics.median(theirs)
        print(f"LangChain FAISS.from_texts: {t:.1f}s = {len(docs) / t:.1f} docs/s, {lc_tokens / t:.0f} tokens/s; "
              f"embeds {len(texts)} texts = {lc_tokens} tokens ({100 * lc_tokens / all_tokens:.0f}% of the text: "
              f"each document is cut at {limit} tokens)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
