"""When to say "the documents don't say". Pure.

The decision looks at the best candidate sentence: its combined score
(see ``select``) and how much of the question's content it covers. The
thresholds were calibrated on the sample corpus with the labelled MIIT
evaluation set (``eval/sets/miit.jsonl``, ``answerable`` flags) by
``bench/calibrate_refusal.py``, which prints both score distributions and
the accuracy of every candidate threshold; the chosen values and the
measured error rates are recorded in that script's docstring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .intent import DAY_OF_MONTH


@dataclass(frozen=True)
class Evidence:
    """The strongest support the retrieved passages give for a question."""

    best_score: float
    best_cosine: float  # a sentence in another language than the question lifted by the model's cross_lingual_offset
    best_coverage: float
    question_terms: int = 0  # content terms of the question


# A sentence that holds every content word of a question of two or more is evidence whatever
# its cosine: e5 gives "What did the council approve?" 0.81 against "The council approved a
# budget of 12 million euros for road repairs in 2024." (refused under 0.82), while no `tune`
# question refused on its cosine has a sentence covering all of its words (their best: 0.46).
FULL_COVERAGE = 0.999
FULL_COVERAGE_TERMS = 2


def evidence_value(ev: Evidence, on: str = "score") -> float:
    """What a model's refusal threshold compares: the best combined score, or (``on="cosine"``)
    the best sentence's cosine alone, which separates answerable questions better for a model
    whose cosines sit in one narrow band (multilingual-e5: AUC 0.90 against 0.72 on ``tune``)."""
    return ev.best_cosine if on == "cosine" else ev.best_score


def should_refuse(ev: Evidence, refuse_below: float, on: str = "score") -> bool:
    """True when even the best sentence scores under the calibrated ``refuse_below``, unless it
    holds every content word of the question (``FULL_COVERAGE``)."""
    if ev.best_coverage >= FULL_COVERAGE and ev.question_terms >= FULL_COVERAGE_TERMS:
        return False
    return evidence_value(ev, on) < refuse_below


# Expected-answer-type check: a question that asks for a quantity is only
# answered when a chosen sentence states one. A sentence about the right topic
# without the figure ("reduce the loan interest rate" for "what relending rate
# did the central bank set?") is related, not an answer.
_QUANTITY_Q = re.compile(
    r"\b(how (many|much)|by how much|how long(?! ago)|combien de temps|durée|what (percentage|proportion|share|amount|sum|number|rate)|"
    r"(growth|interest|tax|vat|unemployment|exchange) rate|combien|"
    r"quel(le)?s? (est |sont |était )?(le |la |les )?(montant|taux|pourcentage|nombre|part|budget))\b",
    re.I,
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    "hundred|thousand|million|billion|trillion|dozen|half|double|"
    "un|une|deux|trois|quatre|cinq|sept|huit|neuf|dix|douze|quinze|vingt|trente|cent|mille|milliard|milliards"
)
# A number glued to letters names something ("5G", "G20", "3D"): it counts nothing.
# Alone, "one", "un" and "une" are articles and pronouns far more often than counts ("one company,
# one policy", "une réunion"): only with a unit ("un million d'euros", _AMOUNT_A) do they state one.
_COUNT_WORDS = "|".join(w for w in _NUMBER_WORDS.split("|") if w not in ("one", "un", "une"))
_QUANTITY_A = re.compile(
    rf"(\d+(?:[.,]\s?\d+)?\s*(%|percent|pour\s*cent|yuan|billion|million|trillion|times)|"
    rf"(?<![\w/-])(?!(19|20)\d\d\b)\d+(?:[.,]\d+)?(?![\d/-]|[^\W\d_])|\b({_COUNT_WORDS})\b)",
    re.I,
)
_QUOTED = re.compile(r"[\"“«]([^\"“”«»]{3,80})[\"”»]")


# Digits that scraping left in place of other characters count nothing: glued to the next word
# ("1On February 5th"), in a run of lone digits ("together with the 1 1 department") or a lone
# digit between the "?" marks scraping left for quotation marks ("the first one? 1? It is").
_GARBLED = re.compile(r"\b\d+(?=[A-Z][a-z])|(?<![\w.,])\d(?:[\s?]+\d)+(?![\w.,%])|(?<=\?)\s*\d\s*(?=\?)")


def _not_counting(sentence: str) -> str:
    """The sentence without what has digits or number words but counts nothing: quoted names in
    title case ("Ten Thousands of People Help Ten Thousand Enterprises") and days of the month
    ("On May 9", "le 27 mai")."""
    def drop(m: re.Match[str]) -> str:
        words = re.findall(r"[^\W_]+", m.group(1))
        long = [w for w in words if len(w) > 3]
        named = len(words) >= 2 and bool(long) and all(w[0].isupper() or w[0].isdigit() for w in long)
        return " " if named else m.group(0)
    return _GARBLED.sub(" ", DAY_OF_MONTH.sub(" ", _QUOTED.sub(drop, sentence)))


def asks_quantity(question: str) -> bool:
    """True for questions whose answer is a number, amount or rate."""
    return bool(_QUANTITY_Q.search(question))


def states_quantity(sentence: str) -> bool:
    """True when a sentence states a number other than a bare year, a day of the month or one
    inside a quoted name."""
    return bool(_QUANTITY_A.search(_not_counting(sentence)))


_AMOUNT_Q = re.compile(
    # "how much notice / time / leave" asks for a duration, not money
    r"\b(how much(?!\s+(?:time|notice|leave|holidays?|vacation|longer|earlier|later|delay|warning|advance|in\s+advance)\b)|"
    r"cost|costs|price|budget|amount|spend|spent|invest\w*|fund(?:s|ing)?|loans?|"
    r"combien (?:coûte|co[uû]tent|d'argent)|montant|co[uû]t|prix|budget|financement)\b",
    re.I,
)
_UNITS = (r"%|percent|pour\s?cent|yuan|rmb|cny|dollars?|usd|euros?|eur|"
          r"billions?|millions?|trillions?|thousands?|milliards?|mille")
_AMOUNT_A = re.compile(
    # "45 million yuan", "$3", and written out: "two million", "deux millions d'euros"
    rf"([$€£¥]\s?\d|\d[\d,.]*\s?({_UNITS})|\b({_NUMBER_WORDS})\s+({_UNITS})\b)",
    re.I,
)


def asks_amount(question: str) -> bool:
    """A quantity question about money or a share ("how much will it cost"), not a count."""
    return asks_quantity(question) and bool(_AMOUNT_Q.search(question))


def states_amount(sentence: str) -> bool:
    """True when a sentence states a figure with a unit, a currency or a scale word (outside a quoted name)."""
    return bool(_AMOUNT_A.search(_not_counting(sentence)))


_RATE_Q = re.compile(
    r"\b(rate|rates|percentage|percent|proportion|share|ratio|taux|pourcentage|proportion|part)\b", re.I)
_RATE_A = re.compile(
    rf"(\d[\d,.]*\s?(%|percent|per\s?cent|pour\s?cent|percentage points?|points? de pourcentage|"
    rf"basis points?|points? de base|bp)\b|\d\s?%|\b({_NUMBER_WORDS})\s+(percent|per\s?cent|pour\s?cent)\b)",
    re.I,
)


def asks_rate(question: str) -> bool:
    """A quantity question about a rate or a share ("what growth rate…", "quel taux…"): answered by a percentage."""
    return asks_quantity(question) and bool(_RATE_Q.search(question))


def states_rate(sentence: str) -> bool:
    """True when a sentence states a percentage or percentage points."""
    return bool(_RATE_A.search(sentence))


def _stem(word: str) -> str:
    return word.lower().rstrip("s")[:6]


# What a count question counts: "how many yuan", "how many companies", "combien d'entreprises".
_COUNTED = re.compile(r"\bhow\s+many\s+(?:more\s+|of\s+(?:the\s+)?)?([^\W\d_][\w-]*)(?:\s+([^\W\d_][\w-]*))?", re.I)
_COUNTED_FR = re.compile(r"\bcombien\s+d(?:e\s+|['’]\s*)(?:la\s+|les\s+)?([^\W\d_][\w-]*)", re.I)


# A span of time is counted in any unit: "combien de jours pour envoyer le certificat ?" is answered
# by "sous 48 heures". "Combien de temps", "combien de fois", "how many times" ask for a duration or
# a frequency, which counts no noun: "combien de temps …" was refused for want of a figure of "temps".
_TIME_UNITS = frozenset(_stem(w) for w in (
    "minutes hours days weeks months years heures jours semaines mois années annees").split())
_NOT_COUNTED = frozenset({"temps", "fois", "times", "time", "often"})


def counted(question: str) -> frozenset[str]:
    """Stems of the words a count question counts ("How many yuan of funds…" → {"yuan"}, "how many
    big plans" → {"big", "plan"}, "combien d'entreprises" → {"entrep"}, "combien de jours" → every
    unit of time); empty for other questions and for "combien de temps", "how many times"."""
    out: set[str] = set()
    for m in [*_COUNTED.finditer(question), *_COUNTED_FR.finditer(question)]:
        if m.group(1).lower() in _NOT_COUNTED:
            continue
        out.update(_stem(w) for w in m.groups() if w and len(w) > 2 and w.lower() not in ("of", "the", "and", "did", "does",
                                                                                        "have", "has", "are", "were"))
    if out & _TIME_UNITS:
        out |= _TIME_UNITS
    return frozenset(out)


# The period a figure is for: "in the first quarter", "au deuxième trimestre", "in the first half", "in 2022".
_ORD = {"first": 1, "1st": 1, "premier": 1, "second": 2, "2nd": 2, "deuxième": 2, "deuxieme": 2, "third": 3,
        "3rd": 3, "troisième": 3, "troisieme": 3, "fourth": 4, "4th": 4, "quatrième": 4, "quatrieme": 4}
_PERIOD = re.compile(r"\b(first|1st|second|2nd|third|3rd|fourth|4th|premier|deuxi[eè]me|second|troisi[eè]me|"
                     r"quatri[eè]me)\s+(quarter|trimestre|half|semestre)\b|\bq([1-4])\b|\b((?:19|20)\d\d)\b", re.I)


def periods(text: str) -> dict[str, frozenset[int]]:
    """The quarters, halves and years a text names: ``{"quarter": {1}, "year": {2022}}``."""
    out: dict[str, set[int]] = {}
    for m in _PERIOD.finditer(text):
        if m.group(1):
            kind = "quarter" if m.group(2).lower() in ("quarter", "trimestre") else "half"
            out.setdefault(kind, set()).add(_ORD[m.group(1).lower()])
        elif m.group(3):
            out.setdefault("quarter", set()).add(int(m.group(3)))
        else:
            out.setdefault("year", set()).add(int(m.group(4)))
    return {k: frozenset(v) for k, v in out.items()}


def other_period(question: str, sentence: str) -> bool:
    """True when the sentence gives its figure for another quarter, half or year than the question
    asks about: "increased by 14% in the first quarter" does not answer "by how much did it grow in
    the second quarter?". A sentence that names no period of that kind may still answer."""
    asked, named = periods(question), periods(sentence)
    return any(kind in named and not (named[kind] & want) for kind, want in asked.items())


# What a "by how much did X grow" question measures: X. A figure about something else ("operating
# income and profits rose 14%") does not answer "by what percentage did industrial value added rise?".
_MEASURED = re.compile(
    r"\b(?:by\s+)?(?:how\s+much|what\s+(?:percentage|percent|proportion|share|amount))\s+(?:did|does|do|has|have|had|will|"
    r"would|was|were|is|are)\s+(?P<x>.+?)\s+(?:rise|risen|grow|grown|increase|increased|fall|fallen|drop|dropped|"
    r"decline|declined|decrease|decreased|expand|expanded|shrink|shrunk|go\s+up|go\s+down)\b"
    # "how much money was put into the relief funds for SMEs?": what the money went to is measured
    r"|\bhow\s+much(?:\s+(?:money|funding|cash|capital))?\s+(?:was|were|is|are|has\s+been|have\s+been|will\s+be|would\s+be)"
    r"\s+(?:put|invested|allocated|spent|given|granted|provided|earmarked|set\s+aside|injected|paid)\s+"
    r"(?:into|in|to|for|on)\s+(?P<z>[^?]+)"
    r"|\bde\s+combien\s+(?:a|ont|avait|avaient|va|vont)(?:-t-(?:il|elle|ils|elles))?\s+(?:progress[ée]|augment[ée]|"
    r"baiss[ée]|diminu[ée]|cr[uû]|recul[ée])\s+(?P<y>.+?)(?=\s+(?:au|en|dans|pendant|depuis|sur|selon|par)\b|\s*[?,.]|$)",
    re.I,
)
# "What is the interest rate cut for small firms?", "what was the growth rate of profits of SMEs?",
# "quel est le taux de chômage des jeunes ?": the rate of what (the words around "rate", less the
# words that only say it is a rate).
_MEASURED_RATE = re.compile(
    r"\bwhat\s+(?:is|was|are|were|will\s+be)\s+(?:the\s+)?(?P<a>[^?]*?)\b(?:rate|rates|percentage|share|proportion|ratio)"
    r"\b(?P<b>[^?]*)"
    r"|\bquel(?:le)?s?\s+(?:est|était|sont|étaient|sera)\s+(?:le|la|les|l['’])\s*(?:taux|pourcentage|part|proportion)"
    r"\b(?P<c>[^?]*)",
    re.I,
)
_RATE_WORDS = "rate rates growth percentage percent share proportion ratio taux pourcentage part croissance"
MEASURED_SHARE = 0.5  # rarity-weighted share of the measured thing's words (those the passages use) a stating sentence holds


def measured_terms(question: str) -> tuple[frozenset[str], str]:
    """Content stems of what a "(by) how much did X grow?" or "what is the X rate (of Y)?" question
    measures (X, or X and Y less the words that only say it is a rate), and the language they are
    stemmed in; no stems for other questions."""
    from .terms import content_terms

    cut = r"\b(?:in|during|over|since|according|from|between|en|au|dans|pendant|depuis|selon)\b"
    m = _MEASURED.search(question)
    if m:
        lang = "fr" if m.group("y") else "en"
        x = re.split(cut, m.group("x") or m.group("y") or m.group("z"), maxsplit=1)[0]
        generic: frozenset[str] = frozenset()
    else:
        m = _MEASURED_RATE.search(question)
        if not m:
            return frozenset(), "en"
        lang = "fr" if m.group("c") is not None else "en"
        x = " ".join(re.split(cut, part, maxsplit=1)[0] for part in (m.group("a") or "", m.group("b") or m.group("c") or ""))
        generic = content_terms(_RATE_WORDS, lang)
    return frozenset(t for t in content_terms(x, lang) - generic if not t.isdigit()), lang


def lacks_asked_quantity(question: str, sentences: list[str], same_language: list[bool] | None = None,
                         pool: Sequence[str] | None = None) -> bool:
    """True when the question asks for a quantity and none of the sentences gives one.

    A count question ("how many yuan…", "combien d'entreprises…") is answered only by a
    sentence that states a number *and* names what is counted: a figure about something
    else in the same answer ("20 measures" for "how many yuan") is no answer. A sentence
    in another language than the question (``same_language`` False) names it in other
    words, so a number there is enough, as for any other quantity question; for a question
    about money or a share, a figure with its unit ("600 milliards de yuans", "6,5 %"), not
    "les six stabilisations".

    A "by how much did X grow?" question is answered only by a sentence that holds at least
    half of X's content words, each weighted by its rarity among the sentences of ``pool`` (the
    candidates; default ``sentences``): "profits of SMEs" is answered by the sentence on profits
    of small firms, "exports of SMEs" is not, since "SMEs" is in every other sentence. A word no
    passage uses ("revenue" where the documents say "operating income") may be the asker's own,
    and judges nothing.
    """
    if not asks_quantity(question):
        return False
    from .terms import content_terms

    nouns = counted(question)
    amount = asks_amount(question)
    rate = asks_rate(question)
    measured, mlang = measured_terms(question)
    idf: dict[str, float] = {}
    if measured:
        from .select import idf_weights

        idf = idf_weights([content_terms(x, mlang) for x in (sentences if pool is None else pool)])
        measured = measured & idf.keys()  # the words some passage uses
    needed = MEASURED_SHARE * sum(idf[t] for t in measured)
    same = same_language if same_language is not None else [True] * len(sentences)
    from .intent import key_numbers

    given = key_numbers(question)
    for s, own in zip(sentences, same):
        s = without_figures(s, given)
        if not states_quantity(s) or (amount and not own and not states_amount(s)) or (rate and not states_rate(s)):
            continue
        # Quarters, halves and years read alike in English and French ("premier trimestre"):
        # a figure for another period answers in neither language.
        if other_period(question, s) or (own and measured
                                         and sum(idf[t] for t in measured & content_terms(s, mlang)) < needed):
            continue
        if not nouns or not own or counts(s, nouns):
            return False
    return True


_COUNT_TOKEN = re.compile(rf"^(?:[\d][\d.,]*%?|{_COUNT_WORDS})$", re.I)
# A preposition ends what a figure counts: in "600 billion yuan for SME loans" the yuan are counted, not SMEs.
_COUNT_STOP = frozenset("for to in on at by from with than per of into pour à au aux dans par avec sur".split())
COUNT_SPAN = 5  # words after a figure that may name what it counts ("4,700 specialized and new little giants")


def counts(sentence: str, nouns: frozenset[str]) -> bool:
    """True when a figure in ``sentence`` counts one of ``nouns`` (stems, see ``counted``): the noun
    follows the figure within ``COUNT_SPAN`` words, before any preposition ("20 policies and measures"
    counts measures; "600 billion yuan for SME loans" does not count SMEs)."""
    words = re.findall(r"[\w.,%’'-]+", sentence)
    for i, w in enumerate(words):
        if not _COUNT_TOKEN.match(w.strip(".,")):
            continue
        for nxt in words[i + 1: i + 1 + COUNT_SPAN]:
            low = nxt.lower().strip(".,")
            if low in _COUNT_STOP:
                break
            if _stem(low) in nouns:
                return True
    return False


def without_figures(sentence: str, numbers: frozenset[str]) -> str:
    """The sentence without the figures the question itself gives: "By how much does this year's
    600 billion yuan goal exceed last year's?" is not answered by "the goal of 600 billion yuan",
    nor "how many of the 20 measures concern loans?" by "issued 20 measures"."""
    for n in numbers:
        sentence = re.sub(rf"(?<![\w.,]){re.escape(n)}(?![\d])(?:\s*(?:{_UNITS}|pour\s*cent|yuans)\b)*",
                          " ", sentence, flags=re.I)
    return sentence


_CASE_Q = re.compile(
    r"^\s*(?:(?:can|may|could|do|does|must|should|will|am|is|are)\s+(?:i|we|my|our|an?|it|they|staff|employees|someone)\b|"
    r"puis-je|dois-je|peut-on|faut-il|ai-je|est-ce\s+que\s+(?:je|j['’]|on|mon|ma|mes|un|une))", re.I)
# "je pars 3 semaines en août, je dois poser mes congés combien de temps avant ?", "a 20 euro taxi
# ride, do i need the receipt?": told in the first person, anywhere in the question, the figure is
# the asker's own case as well.
_FIRST_PERSON = re.compile(r"(?<![\w'’])(?:j['’]|(?:i|i['’](?:m|ve|d|ll)|im|ive|my|me|mine|we|we['’](?:re|ve)|our|"
                           r"je|moi|mon|ma|mes|nous|notre|nos)(?![\w'’]))", re.I)
_CASE_FIGURE = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)?)\s*(?:[€$£%]|(?:euros?|eur|dollars?|usd|yuan|rmb|pounds?|percent|days?|nights?|hours?|"
    r"weeks?|months?|years?|km|kilometres?|kilometers?|miles?|jours?|nuits?|heures?|semaines?|mois|ans?)\b)"
    r"|[€$£]\s?(\d+(?:[.,]\d+)?)", re.I)


def misses_key_facts(question: str, candidates: list[str]) -> bool:
    """True when the question names a number or a person that no retrieved sentence contains.

    "What was decided at the meeting on June 3?" is a near miss when the
    passages are about other dates: on-topic, so the scores look fine, but the
    documents do not say. Numbers match as written ("27" in "27 mai" answers
    "May 27"); names match without case or accents.
    """
    from rag.analysis import fold_accents

    from .intent import key_names, key_numbers, numbers_in

    nums = key_numbers(question)
    if nums and (_CASE_Q.match(question) or _FIRST_PERSON.search(question)):
        # "Do I need three quotes for a 3,000 euro laptop?": the asker's own case, which a rule with
        # other figures ("Purchases below 5,000 euros …") answers; not a fact the documents must state.
        nums = nums - {(m.group(1) or m.group(2)).lstrip("0") or "0" for m in _CASE_FIGURE.finditer(question)}
    names = key_names(question)
    if not nums and not names:
        return False
    text = " ".join(candidates)
    if nums - numbers_in(text):
        return True
    folded = fold_accents(text.lower())
    return any(fold_accents(name.lower()) not in folded for name in names)
