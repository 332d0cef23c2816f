r"""One analyzer for every place that turns text into terms: BM25, answer scoring, follow-ups.

Words are ``[^\W_]+`` runs, lower-cased; stemming is Snowball (PyStemmer, the
stemmers bm25s uses) for the text's language; stopword lists are bm25s's. BM25
tokens also fold accents after stemming, so "telephone" finds "téléphone".
Stemmers and stopword sets are cached per thread (PyStemmer objects are not
thread-safe).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Sequence

__all__ = ["STEMMER_NAMES", "words", "base_forms", "stemmer", "stopwords", "fold_accents", "tokenize", "tokenize_query",
           "word_terms"]

STEMMER_NAMES = {
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
# "SMEs" and "SME" are one word, but lower-cased "smes" is no English stem of "sme": a question
# about "SMEs" missed the sentence on "SME loans" (BM25 and answer terms alike).
_ACRONYM_PLURAL = re.compile(r"\b([A-Z]{2,})s\b")
# English irregular past forms, which no stemmer joins to their verb: "What if I lose my laptop?"
# found no word in "Lost or stolen devices must be reported". Forms that are also other words
# ("found", "left", "saw", "ground", "bound", "lay") are left alone.
_IRREGULAR_EN = {
    form: base
    for base, forms in {
        "arise": "arose arisen", "become": "became", "begin": "began begun", "bend": "bent",
        "bring": "brought", "build": "built", "buy": "bought", "catch": "caught", "choose": "chose chosen",
        "come": "came", "deal": "dealt", "draw": "drew drawn", "drive": "drove driven", "eat": "ate eaten",
        "fall": "fell fallen", "feed": "fed", "feel": "felt", "fight": "fought", "fly": "flew flown",
        "forbid": "forbade forbidden", "forget": "forgot forgotten", "forgive": "forgave forgiven",
        "foresee": "foresaw foreseen", "freeze": "froze frozen", "give": "gave given", "get": "got gotten",
        "go": "went gone", "grow": "grew grown", "hear": "heard", "hide": "hid hidden", "hold": "held",
        "keep": "kept", "know": "knew known", "lead": "led", "lend": "lent", "lose": "lost", "make": "made",
        "mean": "meant", "meet": "met", "pay": "paid", "rebuild": "rebuilt", "ride": "rode ridden",
        "rise": "rose risen", "run": "ran", "seek": "sought", "sell": "sold", "send": "sent",
        "shake": "shook shaken", "shrink": "shrank shrunk", "sink": "sank sunk", "sit": "sat", "sleep": "slept",
        "speak": "spoke spoken", "spend": "spent", "stand": "stood", "steal": "stole stolen", "strike": "struck",
        "swear": "swore sworn", "take": "took taken", "teach": "taught", "tear": "tore torn", "tell": "told",
        "think": "thought", "throw": "threw thrown", "understand": "understood", "undertake": "undertook undertaken",
        "uphold": "upheld", "wear": "wore worn", "win": "won", "withdraw": "withdrew withdrawn",
        "withhold": "withheld", "write": "wrote written", "break": "broke broken", "bear": "bore borne",
        "blow": "blew blown", "drink": "drank drunk", "sing": "sang sung", "weave": "wove woven",
        "wake": "woke woken", "overtake": "overtook overtaken", "sweep": "swept", "stick": "stuck",
    }.items()
    for form in forms.split()
}


def base_forms(words: list[str], lang: str) -> list[str]:
    """``words`` with English irregular past forms as their verb ("lost" → "lose"); others unchanged."""
    if lang != "en":
        return words
    return [_IRREGULAR_EN.get(w, w) for w in words]
_local = threading.local()


def stopwords(lang: str) -> frozenset[str]:
    cache = getattr(_local, "stop", None)
    if cache is None:
        cache = _local.stop = {}
    if lang not in cache:
        import bm25s.stopwords as sw

        words = getattr(sw, _STOPWORD_LISTS.get(lang, ""), ())
        extra = {"fr": ("l", "d", "qu", "s", "n", "c", "j", "m", "t")}.get(lang, ())
        cache[lang] = frozenset(w.lower() for w in (*words, *extra))
    return cache[lang]


def stemmer(lang: str):  # -> Stemmer.Stemmer | None
    cache = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    if lang not in cache:
        name = STEMMER_NAMES.get(lang)
        if name is None:
            cache[lang] = None
        else:
            import Stemmer

            cache[lang] = Stemmer.Stemmer(name)
    return cache[lang]


def _lower(text: str) -> str:
    """``text`` lower-cased, an acronym's plural as the acronym ("SMEs" → "sme")."""
    return _ACRONYM_PLURAL.sub(r"\1", text).lower()


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes and hyphens split words: l’industrie → l, industrie)."""
    return _TOKEN.findall(_lower(text))


def fold_accents(s: str) -> str:
    if s.isascii():  # nothing to fold; most tokens, and the costly path otherwise (index builds)
        return s
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def tokenize(text: str, lang: str) -> list[str]:
    """Lowercase word tokens, stopwords removed, stemmed for ``lang``, accents folded."""
    # Split French elisions (l’industrie → industrie) before tokenising.
    text = re.sub(r"\b([ldjmntsc]|qu)['’]", " ", _lower(text))
    stop = stopwords(lang)
    return _terms_of([w for w in _TOKEN.findall(text) if w not in stop], lang)


def word_terms(words: Sequence[str], lang: str) -> list[str | None]:
    """Each lower-case word's term for ``lang``, as :func:`tokenize` makes it (None for a stopword)."""
    stop = stopwords(lang)
    terms = iter(_terms_of([w for w in words if w not in stop], lang))
    return [None if w in stop else next(terms) for w in words]


def _terms_of(words: list[str], lang: str) -> list[str]:
    """Content words as terms: base forms, stemmed for ``lang``, accents folded."""
    words = base_forms(words, lang)
    stem = stemmer(lang)
    if stem is not None:
        words = stem.stemWords(words)
    return [fold_accents(w) for w in words]


def tokenize_query(text: str, langs: Sequence[str]) -> list[str]:
    """Union of the query's tokens under each language, each distinct token once."""
    seen: dict[str, None] = {}
    for lang in langs or ("en",):
        for tok in tokenize(text, lang):
            seen.setdefault(tok, None)
    return list(seen)
