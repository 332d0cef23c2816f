"""Words, stopwords, stems and the question's language (English or French).

Pure helpers shared by sentence scoring, follow-up rewriting and the lead
line. Stemming uses PyStemmer (the Snowball stemmers bm25s also uses).
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

EN_STOP = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just me more most my no nor
not now of off on once only or other our ours out over own same she should so some such than that
the their theirs them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours said say says
according mention mentioned tell told about please show give did do does any anything
""".split())

FR_STOP = frozenset("""
a à au aux avec ce ces cet cette dans de des du elle elles en est et été être eu il ils je la le les
leur leurs lui ma mais me même mes moi mon ne nos notre nous on ont ou où par pas pour qu que quel
quelle quelles quels qui sa se ses son sont sur ta te tes toi ton tu un une vos votre vous y c d j l
m n s t est-ce ceux celles celui celle dont lors selon ainsi comme fait faut quoi comment quand
combien pourquoi sont été a-t-il a-t-elle t-il t-elle sera seront
""".split())

# Words that only French questions use often; English questions almost never.
_FR_MARKERS = frozenset("""
le la les des du de et est quel quelle quels quelles qui que quoi pour dans sur avec une un au aux
ce cette ces comment combien quand pourquoi où selon sont ont été qu l d
""".split())
_EN_MARKERS = frozenset("""
the of and is are was were what which who how when why for with in on to did does do a an this that
""".split())
_ACCENTS = re.compile(r"[àâçéèêëîïôûùüÿœæ]", re.I)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes and hyphens split words: l’industrie → l, industrie)."""
    return _WORD.findall(text.lower())


def question_lang(text: str) -> str:
    """``"fr"`` or ``"en"``: the language a lead line or refusal should use for this text."""
    toks = words(text)
    fr = sum(t in _FR_MARKERS for t in toks) + 2 * len(_ACCENTS.findall(text))
    en = sum(t in _EN_MARKERS for t in toks)
    return "fr" if fr > en else "en"


@lru_cache(maxsize=4)
def _stemmer(lang: str):
    import Stemmer

    return Stemmer.Stemmer("french" if lang == "fr" else "english")


def content_terms(text: str, lang: str = "en") -> frozenset[str]:
    """Stemmed content words: stopwords of both languages dropped, numbers kept."""
    toks = [t for t in words(text) if t not in EN_STOP and t not in FR_STOP and (len(t) > 1 or t.isdigit())]
    if not toks:
        return frozenset()
    return frozenset(_stemmer("fr" if lang == "fr" else "en").stemWords(toks))
