"""BM25 over chunks with language-aware tokenisation (bm25s + PyStemmer, see ``rag/analysis.py``).

Each chunk is tokenised with the stemmer and stopword list of its document's
language; a query is tokenised under every language present in the index, so
that an English query still matches English stems when the corpus is mixed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .analysis import tokenize, tokenize_query

class BM25Index:
    """A bm25s index over chunk texts; row ``i`` is chunk ``i`` of the store."""

    def __init__(self, model, langs: Sequence[str]) -> None:  # model: bm25s.BM25
        self.model = model
        self.langs = tuple(sorted(set(langs)))
        self._vocab = model.vocab_dict

    @classmethod
    def build(cls, texts: Sequence[str], langs: Sequence[str], k1: float = 1.2, b: float = 0.75) -> "BM25Index":
        import bm25s

        corpus = [tokenize(t, lang) for t, lang in zip(texts, langs)]
        model = bm25s.BM25(k1=k1, b=b, method="lucene")
        model.index(corpus, show_progress=False)
        return cls(model, langs)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no term matches)."""
        n = int(self.model.scores["num_docs"])
        toks = [t for t in tokenize_query(query, self.langs) if t in self._vocab]
        if not toks:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self.model.get_scores(toks), dtype=np.float32)

    def save(self, directory: Path) -> None:
        self.model.save(str(directory), show_progress=False)
        (directory / "langs.txt").write_text("\n".join(self.langs), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "BM25Index":
        import bm25s

        model = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        langs = (directory / "langs.txt").read_text(encoding="utf-8").split()
        return cls(model, langs)
