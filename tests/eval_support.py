"""A tiny corpus built in code and an Engine over it (hashing embedder: instant, real vectors)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from eval.schema import parse_set
from rag.embed import HashingEmbedder
from rag.engine import Engine
from rag.settings import Settings
from rag.types import Document

TEXTS = {
    "solar": ("Solar subsidies", "The ministry will grant solar subsidies of 300 yuan per panel to rural households. "
              "Applications open in March and close in June."),
    "steel": ("Steel capacity", "Steel capacity must fall by ten percent before 2025. Mills that exceed quotas pay a "
              "carbon levy of 50 yuan per tonne."),
    "ports": ("Port logistics", "Le port de Ningbo ouvrira trois nouveaux quais en 2024. Les droits de douane seront "
              "simplifiés pour les petites entreprises exportatrices."),
}

QUESTIONS = [
    {"id": "q1", "question": "solar subsidies per panel rural households", "lang": "en",
     "evidence": ["300 yuan per panel"], "answer_contains": ["300 yuan"], "category": "fact"},
    {"id": "q2", "question": "carbon levy tonne mills quotas", "lang": "en",
     "evidence": ["carbon levy of 50 yuan per tonne"], "category": "fact"},
    {"id": "q3", "question": "nouveaux quais port de Ningbo", "lang": "fr",
     "evidence": ["trois nouveaux quais"], "category": "french"},
    {"id": "q4", "question": "What is the price of bananas on Mars?", "lang": "en", "answerable": False,
     "category": "unanswerable"},
]


def documents() -> list[Document]:
    out = []
    for doc_id, (title, body) in TEXTS.items():
        text = f"{title}\n\n{body}"
        out.append(Document(id=doc_id, source=f"{doc_id}.txt", title=title, text=text,
                            lang="fr" if doc_id == "ports" else "en", date=None,
                            content_hash=hashlib.sha256(text.encode()).hexdigest()[:16]))
    return out


def tiny_engine(index_dir: Path, **settings) -> Engine:
    eng = Engine(Settings(index_dir=str(index_dir), **settings), embedder=HashingEmbedder(64))
    eng.index_documents(documents())
    return eng


def tiny_set(path: Path | None = None, questions=QUESTIONS):
    lines = [json.dumps(q) for q in questions]
    if path is not None:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return parse_set(lines, str(path))
    return parse_set(lines, "tiny.jsonl")


def write_beir(folder: Path) -> Path:
    """A BEIR folder over the tiny corpus: one query per document, judged relevant to it."""
    (folder / "qrels").mkdir(parents=True)
    with (folder / "corpus.jsonl").open("w") as fh:
        for doc_id, (title, body) in TEXTS.items():
            fh.write(json.dumps({"_id": doc_id, "title": title, "text": body, "metadata": {}}) + "\n")
    queries = {"1": "solar subsidies panel", "2": "carbon levy tonne steel", "3": "Ningbo quais", "9": "unjudged"}
    with (folder / "queries.jsonl").open("w") as fh:
        for qid, text in queries.items():
            fh.write(json.dumps({"_id": qid, "text": text}) + "\n")
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n1\tsolar\t1\n2\tsteel\t1\n3\tports\t1\n", encoding="utf-8")
    return folder
