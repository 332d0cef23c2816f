"""BM25 over chunks with language-aware tokenisation (bm25s + PyStemmer).

Each chunk is tokenised with the stemmer and stopword list of its document's
language; a query is tokenised under every language present in the index, so
that an English query still matches English stems when the corpus is mixed.
Accents are folded after stemming so "telephone" finds "téléphone".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path
from typing import Sequence

import numpy as np

_STEMMER_NAMES = {
    "en": "english", "fr": "french", "de": "german", "es": "spanish", "it": "italian",
    "pt": "portuguese", "nl": "dutch", "sv": "swedish", "da": "danish", "no": "norwegian",
    "ru": "russian", "fi": "finnish", "tr": "turkish",
}
_STOPWORD_LISTS = {
    "en": "STOPWORDS_EN", "fr": "STOPWORDS_FRENCH", "de": "STOPWORDS_GERMAN",
    "es": "STOPWORDS_SPANISH", "it": "STOPWORDS_ITALIAN", "pt": "STOPWORDS_PORTUGUESE",
    "nl": "STOPWORDS_DUTCH", "sv": "STOPWORDS_SWEDISH", "da": "STOPWORDS_DANISH",
    "no": "STOPWORDS_NORWEGIAN", "ru": "STOPWORDS_RUSSIAN", "tr": "STOPWORDS_TURKISH",
}
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_local = threading.local()


def _stopwords(lang: str) -> frozenset[str]:
    cache = getattr(_local, "stop", None)
    if cache is None:
        cache = _local.stop = {}
    if lang not in cache:
        import bm25s.stopwords as sw

        words = getattr(sw, _STOPWORD_LISTS.get(lang, ""), ())
        extra = {"fr": ("l", "d", "qu", "s", "n", "c", "j", "m", "t")}.get(lang, ())
        cache[lang] = frozenset(w.lower() for w in (*words, *extra))
    return cache[lang]


def _stemmer(lang: str):  # -> Stemmer.Stemmer | None
    cache = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    if lang not in cache:
        name = _STEMMER_NAMES.get(lang)
        if name is None:
            cache[lang] = None
        else:
            import Stemmer

            cache[lang] = Stemmer.Stemmer(name)
    return cache[lang]


def fold_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def tokenize(text: str, lang: str) -> list[str]:
    """Lowercase word tokens, stopwords removed, stemmed for ``lang``, accents folded."""
    # Split French elisions (l’industrie → industrie) before tokenising.
    text = re.sub(r"\b([ldjmntsc]|qu)['’]", " ", text.lower())
    stop = _stopwords(lang)
    words = [w for w in _TOKEN.findall(text) if w not in stop]
    stemmer = _stemmer(lang)
    if stemmer is not None:
        words = stemmer.stemWords(words)
    return [fold_accents(w) for w in words]


def tokenize_query(text: str, langs: Sequence[str]) -> list[str]:
    """Union of the query's tokens under each language, each distinct token once."""
    seen: dict[str, None] = {}
    for lang in langs or ("en",):
        for tok in tokenize(text, lang):
            seen.setdefault(tok, None)
    return list(seen)


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
