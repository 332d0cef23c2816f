"""Content terms of questions and sentences, and the question's language (English or French).

Pure helpers shared by sentence scoring, follow-up rewriting and the lead
line. Words and stems come from the one analyzer, ``rag/analysis.py`` (the
same the BM25 index uses); the language from the one guesser,
``rag.metadata.detect_language`` (the same documents get). What is answer-
specific is only the stop list: question words of both languages ("what",
"quel", "said", "according") carry no content.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from rag import analysis
from rag.analysis import words
from rag.metadata import detect_language

EN_STOP = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just me more most my no nor
not now of off on once only or other our ours out over own same she should so some such than that
the their theirs them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours said say says
according mention mentioned tell told about please show give did do does any anything
whats wheres whos hows whens whys thats isnt dont doesnt didnt wasnt werent arent hasnt havent hadnt
shouldnt couldnt wouldnt wont cant im ive youre theyre theres heres
""".split())

FR_STOP = frozenset("""
a à au aux avec ce ces cet cette dans de des du elle elles en est et été être eu il ils je la le les
leur leurs lui ma mais me même mes moi mon ne nos notre nous on ont ou où par pas pour qu que quel
quelle quelles quels qui sa se ses son sont sur ta te tes toi ton tu un une vos votre vous y c d j l
m n s t est-ce ceux celles celui celle dont lors selon ainsi comme fait faut quoi comment quand
combien pourquoi sont été a-t-il a-t-elle t-il t-elle sera seront cest quest jai quil
si suis es sommes êtes ai as avons avez avais avait avaient étais était étaient serai serais serait
soit sois ça cela ceci ici là donc car ni oui aussi fais faire font faites faisons
""".split())

def question_lang(text: str, passages: Sequence[tuple[str, str]] = ()) -> str:
    """``"fr"`` or ``"en"``: the language a lead line or refusal should use for this text.

    A question too short to tell ("Loans?", "Subventions ?") takes the language of the first of
    ``passages`` ((text, language) pairs, best first) in English or French that uses one of its
    words: the word belongs to that language's vocabulary. English when none does.
    """
    lang = detect_language(text)
    if lang == "und" and passages:
        asked = {w for w in words(text) if len(w) > 2}
        for passage, plang in passages:
            if plang in ("en", "fr") and asked & set(words(passage)):
                return plang
    return "fr" if lang == "fr" else "en"


# English contractions split at the apostrophe left "don", "didn", "ve", "re" and, through
# "won" → "win", a verb as terms of "why don't small firms get loans?" and "it won't be paid".
_CONTRACTION = re.compile(r"\b(?:(won|can|shan)['’]t|(\w+)n['’]t|(\w+)['’](?:re|ve|ll|m|d))\b", re.I)


def _expand(m: re.Match) -> str:
    if m.group(1):
        return {"won": "will", "shan": "shall"}.get(m.group(1).lower(), m.group(1)) + " "
    return f"{m.group(2) or m.group(3)} "


@lru_cache(maxsize=1 << 15)
def content_terms(text: str, lang: str = "en") -> frozenset[str]:
    """Stemmed content words: stopwords of both languages dropped, numbers kept.

    Memoised (pure, immutable result): every question scores the same indexed
    sentences again, and this is the answer step's largest cost after the model.
    """
    toks = [t for t in words(_CONTRACTION.sub(_expand, text)) if t not in EN_STOP and t not in FR_STOP
            and (len(t) > 1 or t.isdigit())]
    if not toks:
        return frozenset()
    lang = "fr" if lang == "fr" else "en"
    return frozenset(analysis.stemmer(lang).stemWords(analysis.base_forms(toks, lang)))


# "List the measures about taxes", "Describe …", "Résumez …": the verb that opens a request says
# what to do with the answer, not what it is about. As a content word "list" made "included in the
# list of key enterprises" the best match for the tax question. Only the opening verb goes: "the
# white list" inside a question is content.
_REQUEST = re.compile(
    r"^\s*(?:please\s+|s'il (?:te|vous) pla[iî]t,?\s+)?"
    r"(?:list|name|describe|explain|summari[sz]e|outline|enumerate|detail|identify"
    r"|liste[zr]?|d[ée]cri[st]|d[ée]crivez|explique[zr]?|r[ée]sume[zr]?|cite[zr]?|[ée]num[èe]re[zr]?"
    r"|nomme[zr]?)\b[\s,:]*", re.IGNORECASE)


def without_request(question: str) -> str:
    """The question without the verb of a request that opens it ("List the measures" → "the measures")."""
    return _REQUEST.sub("", question, count=1)


# A rewritten follow-up carries the words it borrowed from earlier turns in a closing
# parenthesis: "meals (hotel cap capital cities)" (``followup.rewrite``).
_BORROWED = re.compile(r"(?s)(.*?)\s*\(([^()]*)\)\s*")


def with_borrowed(own: str, borrowed: Sequence[str]) -> str:
    """A follow-up's query: its own words, then the words it borrows in a closing parenthesis."""
    return f"{own} ({' '.join(borrowed)})"


def split_borrowed(query: str) -> tuple[str, str]:
    """(own words, borrowed words) of a query written by :func:`with_borrowed`; (query, "") otherwise."""
    m = _BORROWED.fullmatch(query)
    return (m.group(1), m.group(2)) if m else (query, "")


def question_terms(question: str, lang: str = "en") -> frozenset[str]:
    """The content terms of a question, without the verb of a request that opens it ("List …")."""
    return content_terms(without_request(question), lang)
