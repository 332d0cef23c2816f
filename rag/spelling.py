"""Read a question's misspelt words as the collection's words: "finacing" as "financing".

A word of the question that no indexed passage contains cannot match anything by its letters:
BM25 ignores it, and the answer stage weighs it as the rarest word of the question, so every
sentence in the question's language covers less of it and sentences in another language (scored
on their cosine alone) take the lead. Lower-case "what did miit say about smes?" was answered
from French lines that "What did MIIT say about SMEs?" is not.

A lower-case word of five letters or more that neither the collection nor a dictionary of the
question's or the collection's languages holds (pyspellchecker's word lists, shipped inside its
wheel) is read as the collection's word one edit away (a letter left out, added, swapped with
the next, or, from seven letters, one letter changed), the one in most passages. A lower-case
plural whose singular the collection has is read as that singular: "smes" is "SMEs" typed in
lower case, and lower-cased "smes" is no stem of "sme". Words typed with a capital after the
first word (names, acronyms) are taken as the asker wrote them: "Xu Xiaolin" may be someone the
documents do not name, and a near miss must stay one. Without the dictionary, real words the
collection happens to lack were "corrected" too: "leaders" to "leades", "rains" to "trains",
"combien" to "combin" (37 of the 197 `tune` questions of the evaluation sets). A collection in a
language with no dictionary is left as typed (documents of no known language, "und", do not count).

The collection is asked through ``counts``, which returns how many passages hold each of the
given terms (terms it lacks are left out), and the dictionary through ``is_word``.
"""

from __future__ import annotations

import functools
import re
from typing import Callable, Sequence

from .analysis import stopwords, word_terms

__all__ = ["Correction", "corrections", "corrected", "dictionary_word", "MIN_LENGTH", "MIN_CHANGE_LENGTH"]

MIN_LENGTH = 5  # shorter words have too many neighbours one edit away ("rents", "rests")
MIN_CHANGE_LENGTH = 7  # a changed letter (not one left out, added or swapped) only in longer words
MAX_WORDS = 8  # at most this many distinct unknown words are looked at in one question
MAX_LENGTH = 30  # no word of the dictionaries is longer; a 2,000-letter "word" took 9 s to try

Correction = tuple[str, str]  # (as typed, as read)
Counts = Callable[[Sequence[str]], dict[str, int]]
IsWord = Callable[[str, Sequence[str]], "bool | None"]
DICTIONARY_LANGS = ("en", "fr", "de", "es", "it", "pt", "nl", "ru")  # pyspellchecker's, of the analyzer's


@functools.lru_cache(maxsize=None)
def _dictionary(lang: str) -> frozenset[str]:
    from spellchecker import SpellChecker

    return frozenset(SpellChecker(language=lang, distance=1).word_frequency.dictionary)


def dictionary_word(word: str, langs: Sequence[str]) -> bool | None:
    """Whether ``word`` (lower case) is a word of one of ``langs``; None when one of them has no
    dictionary (then no word of the question is taken for a typing slip)."""
    if any(lang not in DICTIONARY_LANGS for lang in langs):
        return None
    return any(word in _dictionary(lang) for lang in langs)


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_ALPHABET = {"en": "abcdefghijklmnopqrstuvwxyz", "fr": "abcdefghijklmnopqrstuvwxyzéèêàâçîïôûùë"}


def _variants(word: str, lang: str) -> list[str]:
    """Words one edit away from ``word``, the likelier kinds of typing slip first."""
    letters = _ALPHABET.get(lang, _ALPHABET["en"])
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = [a + b[1:] for a, b in splits if b]  # a letter too many ("finnancing")
    out += [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1 and b[0] != b[1]]  # swapped ("recieve")
    out += [a + c + b for a, b in splits for c in letters]  # a letter left out ("finacing")
    if len(word) >= MIN_CHANGE_LENGTH:
        out += [a + c + b[1:] for a, b in splits[1:] if b for c in letters if c != b[0]]  # changed, not the first
    return list(dict.fromkeys(v for v in out if len(v) >= 2))


def _candidates(question: str, langs: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, lower-cased word) of the words that may be misspelt: lower case, not a
    function word, long enough."""
    stop = frozenset().union(*(stopwords(lang) for lang in (*langs, "en", "fr")))
    out = []
    for i, m in enumerate(_WORD.finditer(question)):
        w = m.group()
        if "'" in w or "’" in w:
            continue
        if w != w.lower() and (i > 0 or w.isupper()):  # a name or an acronym, typed so on purpose
            continue
        low = w.lower()
        if low in stop or not 4 <= len(low) <= MAX_LENGTH:
            continue
        out.append((m.start(), m.end(), low))
    return out


def corrections(question: str, langs: Sequence[str], counts: Counts, lang: str = "en",
                is_word: IsWord = dictionary_word) -> list[tuple[int, int, Correction]]:
    """Where the question's misspelt words are and what they read as: (start, end, (typed, read)).

    ``langs``: the collection's languages; ``lang``: the question's."""
    langs = tuple(dict.fromkeys(langs or ("en",)))
    words = _candidates(question, langs)
    if not words:
        return []
    # Known means known in the question's language: French-stemmed, lower-case "smes" is the
    # collection's "sme", but the answer reads the question's words stemmed as English.
    forms = dict(zip([w for _, _, w in words], _terms([w for _, _, w in words], (lang,))))
    known = counts(sorted(set().union(*forms.values())))
    unknown = [(s, e, w) for s, e, w in words if forms[w] and not forms[w] & known.keys()]
    if not unknown:
        return []
    dict_langs = tuple(dict.fromkeys(x for x in (lang, *langs) if x != "und"))
    reads: dict[str, str | None] = {}  # each distinct word is tried once
    for w in dict.fromkeys(w for _, _, w in unknown):
        if len(reads) == MAX_WORDS:
            break
        word = is_word(w, dict_langs)
        if word is None:
            return []  # no dictionary for one of the languages: nothing is a slip for sure
        if word:
            reads[w] = None
            continue
        options = [w[:-1]] if w.endswith("s") else []  # "smes": the plural of a known acronym
        if len(w) >= MIN_LENGTH:
            options += _variants(w, lang)
        read = _best(options, langs, counts)
        reads[w] = read if read != w else None
    return [(s, e, (question[s:e], reads[w])) for s, e, w in unknown if reads.get(w)]


def _terms(words: Sequence[str], langs: Sequence[str]) -> list[set[str]]:
    """Each word's BM25 terms under each of ``langs`` (what ``tokenize`` makes of it alone)."""
    out: list[set[str]] = [set() for _ in words]
    for lang in langs:
        for i, t in enumerate(word_terms(words, lang)):
            if t is not None:
                out[i].add(t)
    return out


def _best(options: Sequence[str], langs: Sequence[str], counts: Counts) -> str | None:
    """The option that the most passages hold under one of its terms (the first one on a tie), or None."""
    options = list(dict.fromkeys(options))
    terms = _terms(options, langs)
    found = counts(sorted(set().union(*terms))) if terms else {}
    best, best_n = None, 0
    for o, ts in zip(options, terms):
        n = max((found.get(t, 0) for t in ts), default=0)
        if n > best_n:
            best, best_n = o, n
    return best


def corrected(question: str, langs: Sequence[str], counts: Counts, lang: str = "en",
              is_word: IsWord = dictionary_word) -> tuple[str, tuple[Correction, ...]]:
    """The question with its misspelt words read as the collection's, and what was read so."""
    fixes = corrections(question, langs, counts, lang, is_word)
    if not fixes:
        return question, ()
    parts, at = [], 0
    for s, e, (_, read) in fixes:
        parts += [question[at:s], read]
        at = e
    parts.append(question[at:])
    return "".join(parts), tuple(f for _, _, f in fixes)
