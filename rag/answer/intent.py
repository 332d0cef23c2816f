"""What a question asks for, read from its words. Pure.

* a numbered item: "What did measure 9 say?", "measures 19 and 20", "article 3",
  "mesure 9", "les mesures 19 et 20" → the item numbers;
* a quantity ("how much", "combien") or a date ("when", "quand") → the lead
  point must state one;
* the numbers and names it depends on: a question about "the meeting on
  June 3" is not answered by a passage about May 27 (near-miss unanswerables).
"""

from __future__ import annotations

import html
import re

from .terms import split_borrowed

__all__ = ["asked_items", "asks_last_item", "asks_date", "asks_publication", "states_date", "key_numbers", "key_names", "numbers_in"]

_ITEM_WORDS = (
    r"measures?|items?|articles?|points?|paragraphs?|clauses?|provisions?|sections?|policies|policy|"
    r"mesures?|articles?|alinéas?|paragraphes?|dispositions?"
)
_NUM_LIST = r"\d{1,3}(?:\s*(?:,|and|et|&|or|ou|to|à|-|–)\s*\d{1,3})*"
_ITEM_REF = re.compile(rf"\b(?:{_ITEM_WORDS})\s*(?:n[o°º]\.?\s*|number\s+|numéro\s+|#\s*)?({_NUM_LIST})\b", re.I)
_ORDINAL_REF = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th|e|ème|er)\s+(?:measure|item|article|point|mesure)\b", re.I)
_ONE_ITEM = r"(?:measure|item|article|point|provision|clause|mesure|disposition)"  # singular item words


def _numbered(words: str, first: int) -> dict[str, int]:
    """{word: number} from comma-separated groups of synonyms, the first group numbered ``first``."""
    return {w: n for n, group in enumerate(words.split(","), start=first) for w in group.split()}


def _either(words: dict[str, int]) -> str:
    """A regex alternation of ``words``, longest first ("dix-huitième" before "huitième")."""
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


# "the third measure", "la troisième mesure": ordinals in words, first to twentieth.
_ORDINAL_WORDS = _numbered(
    "first premier première, second deuxième seconde, third troisième, fourth quatrième, fifth cinquième,"
    "sixth sixième, seventh septième, eighth huitième, ninth neuvième, tenth dixième, eleventh onzième,"
    "twelfth douzième, thirteenth treizième, fourteenth quatorzième, fifteenth quinzième, sixteenth seizième,"
    "seventeenth dix-septième, eighteenth dix-huitième, nineteenth dix-neuvième, twentieth vingtième", 1)
_ORDINAL_WORD_REF = re.compile(rf"\b({_either(_ORDINAL_WORDS)})\s+{_ONE_ITEM}\b(?!s)", re.I)
# "the second of the four measures", "la deuxième des quatre mesures": one point of a counted list.
_ORDINAL_OF_REF = re.compile(
    rf"\b({_either(_ORDINAL_WORDS)})\s+(?:of|des|parmi)\s+(?:the\s+|these\s+|those\s+|its\s+|les\s+|ces\s+)?"
    rf"(?:[\w-]+\s+){{0,2}}?(?:measures|items|points|policies|steps|tasks|mesures|dispositions|t[âa]ches)\b", re.I)
# "measure nine", "la mesure trois": cardinals in words, two to twenty, after an item word. Not
# "one", "un", "une": "which measure one should…", "une mesure un peu floue" ask for no item 1.
_CARDINAL_WORDS = _numbered(
    "two deux, three trois, four quatre, five cinq, six, seven sept, eight huit, nine neuf, ten dix,"
    "eleven onze, twelve douze, thirteen treize, fourteen quatorze, fifteen quinze, sixteen seize,"
    "seventeen dix-sept, eighteen dix-huit, nineteen dix-neuf, twenty vingt", 2)
_CARDINAL_WORD_REF = re.compile(
    rf"\b{_ONE_ITEM}\s+(?:n[o°º]\.?\s*|number\s+|numéro\s+)?({_either(_CARDINAL_WORDS)})\b(?![-'’])", re.I)


# "the first three measures", "les trois premières mesures": items 1 to N (N at most ten).
_FIRST_N = re.compile(
    rf"\bfirst\s+({_either(_CARDINAL_WORDS)}|\d{{1,2}})\s+(?:measures|items|points|articles|provisions|clauses)\b|"
    rf"\b({_either(_CARDINAL_WORDS)}|\d{{1,2}})\s+premi(?:ers|ères|eres)\s+(?:mesures|points|articles|dispositions)\b",
    re.I)
FIRST_N_MAX = 10


_LAST_ITEM = re.compile(rf"\b(?:last|final|dernière|dernier)\s+{_ONE_ITEM}\b(?!s)|\b{_ONE_ITEM}\s+(?:finale|dernière)\b", re.I)


def is_item_reference(text: str) -> bool:
    """True for a bare reference to one numbered item ("measure 11", "mesure 3"): what the
    follow-up rules make of "the next one" after a question about measure 10."""
    return bool(re.fullmatch(rf"\s*{_ONE_ITEM}\s+\d{{1,3}}\s*", text, re.I))


def asks_last_item(question: str) -> bool:
    """"What does the last measure say?", "Que dit la dernière mesure ?": the list's final item."""
    return bool(_LAST_ITEM.search(question))


def asked_items(question: str) -> tuple[int, ...]:
    """Item numbers the question asks about, in order ("measures 19 and 20" → (19, 20))."""
    nums: list[int] = []
    for m in _ITEM_REF.finditer(question):
        group = m.group(1)
        rng = re.fullmatch(r"(\d{1,3})\s*(?:to|à|-|–)\s*(\d{1,3})", group)
        if rng and int(rng.group(1)) < int(rng.group(2)) <= int(rng.group(1)) + 20:
            nums.extend(range(int(rng.group(1)), int(rng.group(2)) + 1))
        else:
            nums.extend(int(n) for n in re.findall(r"\d{1,3}", group))
    nums.extend(int(m.group(1)) for m in _ORDINAL_REF.finditer(question))
    nums.extend(_ORDINAL_WORDS[m.group(1).lower()] for m in _ORDINAL_WORD_REF.finditer(question))
    nums.extend(_ORDINAL_WORDS[m.group(1).lower()] for m in _ORDINAL_OF_REF.finditer(question))
    nums.extend(_CARDINAL_WORDS[m.group(1).lower()] for m in _CARDINAL_WORD_REF.finditer(question))
    for m in _FIRST_N.finditer(question):
        word = (m.group(1) or m.group(2)).lower()
        n = int(word) if word.isdigit() else _CARDINAL_WORDS[word]
        if 1 <= n <= FIRST_N_MAX:
            nums.extend(range(1, n + 1))
    return tuple(dict.fromkeys(nums))


_DATE_Q = re.compile(
    r"\b(when|what (?:date|day|month|year)|on which (?:date|day)|since when|how long ago|"
    r"quand|quelle (?:date|année|journée)|à quelle date|en quelle année|quel jour)\b",
    re.I,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
)


def _day_of_month(months: str) -> str:
    """A day with its month ("9 May", "le 27 mai", "May 9th"), ``months`` an alternation."""
    return rf"\d{{1,2}}(?:st|nd|rd|th|er)?\s+(?:{months})|(?:{months})\s+\d{{1,2}}(?:st|nd|rd|th)?"


# A day of the month where "May" counts only with its capital ("firms may 5 times apply" dates nothing).
DAY_OF_MONTH = re.compile(
    rf"\b(?:{_day_of_month('(?-i:May)|' + '|'.join(m for m in _MONTHS.split('|') if m != 'may'))})\b", re.I)
_DATE_A = re.compile(
    rf"\b(?:(?:19|20)\d\d|{_day_of_month(_MONTHS)}|"
    rf"(?:in|en|since|depuis|from|by|until|before|after)\s+(?:{_MONTHS})|(?:19|20)\d\d[-/.]\d{{1,2}}|"
    rf"(?:first|second|third|fourth) quarter|a few days ago|this year|last year|il y a|"
    # dated by the page itself: "This morning, the State Council Information Office held a press conference"
    rf"this (?:morning|afternoon|evening|week|month)|today|yesterday|ce matin|cet après-midi|aujourd['’]hui|hier)\b",
    re.I,
)


_MONTH_NAMES = {
    "en": "January February March April May June July August September October November December".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
}
# "27/05", "le 27/05/2022", "on 5/27": a day and month in figures. Read only where it cannot be
# anything else: after a date preposition or with two digits on each side ("24/7 support" is no
# date), and only when one side exceeds 12 ("03/06" is left as typed: the 3rd of June or the 6th of
# March). With a year, dots count too ("27.05.2022"); alone, "27.05" is a number.
_NUM_DATE = re.compile(
    r"(?<![\w/.,-])(?P<pre>(?:on|since|from|before|after|until|by|le|du|au|depuis|avant|après|jusqu['’]au)\s+)?"
    r"(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>(?:19|20)?\d\d))?(?![\w/.,-]*\d)", re.I)


def dates_in_words(question: str, lang: str = "en") -> str:
    """The question with its day-month dates in figures written in words ("what happened on 27/05?"
    → "what happened on 27 May?"), so that they meet the documents' "27 mai" / "May 27": as "27"
    and "05" the second was a number no passage holds, and the question was refused."""
    names = _MONTH_NAMES["fr" if lang == "fr" else "en"]

    def read(m: re.Match) -> str:
        a, b, year = int(m.group("a")), int(m.group("b")), m.group("y")
        if not (m.group("pre") or year or (len(m.group("a")) == 2 and len(m.group("b")) == 2)):
            return m.group()
        if m.group("sep") == "." and not year:
            return m.group()
        if 12 < a <= 31 and 1 <= b <= 12:
            day, month = a, b
        elif 12 < b <= 31 and 1 <= a <= 12:
            day, month = b, a
        else:
            return m.group()
        text = f"{day} {names[month - 1]}"
        if year:
            text += f" {year if len(year) == 4 else '20' + year}"
        return (m.group("pre") or "") + text

    return _NUM_DATE.sub(read, question)


def asks_date(question: str) -> bool:
    """True for "when" questions, in English or French."""
    return bool(_DATE_Q.search(question))


# "When was the article … released?", "On what date was the report posted?", "Quand l'avis a-t-il été publié ?",
# "le règlement des congés, il date de quand ?", "when was the travel policy last updated?"
_PUBLISHED = re.compile(r"\b(?:publish\w*|releas\w*|posted|put online|went online|publication|publi\w*|paru\w*|"
                        r"mis\w* en ligne|adopt\w*|in force|take effect|took effect|effective|en vigueur|approv\w*|approuv\w*|"
                        r"updated|mis\w* à jour|dat(?:e|es|ed|ing) (?:from|back|de|du))\b", re.I)
_DOC_NOUN = re.compile(r"\b(?:article|report|notice|news|page|document|story|post|update|announcement|circular|statement|"
                       r"bulletin|communiqu[ée]|rapport|avis|texte|nouvelle|dépêche|circulaire|policy|policies|rules|"
                       r"regulation|règlement|politique|charte)s?\b", re.I)


def asks_publication(question: str) -> bool:
    """True for "when was this article/report published?": answered by the document's date line."""
    return asks_date(question) and bool(_PUBLISHED.search(question)) and bool(_DOC_NOUN.search(question))


def states_date(sentence: str) -> bool:
    """True when a sentence states a date, a month or a year."""
    return bool(_DATE_A.search(sentence))


def key_numbers(question: str) -> frozenset[str]:
    """Numbers the question depends on, other than the item numbers it asks for.

    "What was announced on 3 June 2021?" → {"3", "2021"}; "measure 9" is an item, not a key number.
    """
    return numbers_in(_ORDINAL_OF_REF.sub(" ", _ORDINAL_REF.sub(" ", _ITEM_REF.sub(" ", question))))


_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w])")


def numbers_in(text: str) -> frozenset[str]:
    """Standalone numbers as written, leading zeros dropped ("09" and "9" are one number)."""
    return frozenset(n.lstrip("0") or "0" for n in _NUMBER.findall(text))


_NAME = re.compile(r"\b([A-ZÀ-Ý][a-zà-ÿ]+(?:[- ][A-ZÀ-Ý][a-zà-ÿ]+)+)\b")
# Capitalised phrases that are not names: institutions, places, months and question openers
# the documents spell in other words or in another language.
_NOT_NAME_WORDS = frozenset(
    """what which who whom whose when where why how did does do is are was were the a an in on of for
    and to by from with at as le la les des du de et en quel quelle quels quelles qui que quand comment
    ministry minister ministre ministère vice state council office bureau department government central
    national provincial china chinese république people industry information technology industrie
    technologies commission development reform committee general conference conférence meeting
    february january march april may june july august september october november december
    janvier février mars avril mai juin juillet août septembre octobre novembre décembre
    monday tuesday wednesday thursday friday saturday sunday small medium sized enterprises sme smes
    notice circular plan""".split()
)


def key_names(question: str) -> tuple[str, ...]:
    """Multi-word proper names in the question ("Li Wei", "Zhang Jianhua"), not institutions.

    Only names of two or more capitalised words count: one capitalised word is
    too often a sentence opener or an institution named differently in the documents.
    """
    out: list[str] = []
    for m in _NAME.finditer(question):
        # Titles and institutions around a name are not part of it: "Vice Minister Xin Guobin"
        # names "Xin Guobin", and "Did Xiao Yaqing" "Xiao Yaqing".
        run: list[str] = []
        for w in [*re.findall(r"[^\s-]+", m.group(1)), ""]:
            if w and w.lower() not in _NOT_NAME_WORDS:
                run.append(w)
                continue
            if len(run) >= 2:
                out.append(" ".join(run))
            run = []
    return tuple(out)


# "Who is Xu Xiaolan?", "Qui est Xiao Yaqing ?", "What is Xu Xiaolan's position?": the sentence
# that says what the person is ("Xu Xiaolan, Vice Minister of …") answers, not any that names them.
_WHO_IS = re.compile(
    r"^\s*(?:who\s+(?:is|was)|who['’]?s|qui\s+(?:est|était)|c['’]est\s+qui|qui\s+c['’]est|"
    r"what\s+(?:is|was)\s+(?:the\s+)?(?:role|position|job|title|post)\s+of|"
    r"quel(?:le)?\s+(?:est|était)\s+(?:le\s+|la\s+)?(?:rôle|poste|fonction|titre)\s+de)\s+(?P<who>[^?]+?)\s*\??\s*$|"
    r"^\s*what\s+(?:is|was)\s+(?P<whose>[^?]+?)['’]s?\s+(?:role|position|job|title|post)\s*\??\s*$|"
    r"^\s*(?P<named>[^?,]+?)\s*,?\s*c['’]est\s+qui\s*\??\s*$", re.I)
_ROLE = (r"(?:vice[- ]ministers?|ministers?|secretar(?:y|ies)|directors?|deputy|chair(?:man|woman|person)?|"
         r"president|head|chief|spokes(?:person|man|woman)|governor|mayor|commissioner|leaders?|"
         r"vice-ministres?|ministres?|secrétaires?|directeur|directrice|président|présidente|porte-parole|"
         r"chef|dirigeants?|responsables?)")
# Between a title and the name only the title's own words: "Vice Minister of Industry and
# Information Technology Xu Xiaolan", "les dirigeants du Ministère Xu Xiaolan".
_TITLE_WORD = r"(?:[A-ZÀ-Ý][\w’'-]*|of|and|the|for|du|de|des|la|le|l['’]|et)"


def asked_person(question: str) -> str | None:
    """The person a "who is X?" question asks about ("Who is Xu Xiaolan?" → "Xu Xiaolan"), or None."""
    m = _WHO_IS.match(question)
    if not m:
        return None
    names = key_names(m.group("who") or m.group("whose") or m.group("named") or "")
    return names[0] if names else None


def introduces(sentence: str, name: str) -> bool:
    """True when the sentence says what ``name`` is: an apposition ("Xu Xiaolan, Vice Minister of …",
    "Xiao yaqing, Secrétaire du Groupe …") or a title just before the name ("Minister Xiao Yaqing")."""
    n = r"\s+".join(re.escape(w) for w in name.split())
    after = re.compile(rf"(?i:{n})\s*[,(]\s*(?:the\s+|le\s+|la\s+)?(?:[\w-]+\s+){{0,2}}?(?i:{_ROLE})\b")
    before = re.compile(rf"\b(?i:{_ROLE})(?:\s+{_TITLE_WORD}){{0,7}}?\s+(?i:{n})\b")
    return bool(after.search(sentence) or before.search(sentence))


# "What is the GEM?", "Qu'est-ce que le « white list » ?", "What does NDRC stand for?": a term the
# documents use as a name (an acronym or a quoted phrase) is answered by a sentence that uses it.
_WHAT_IS = re.compile(
    r"^\s*(?:what\s+(?:is|are|was|were)\s+(?:the\s+|a\s+|an\s+)?|what['’]?s\s+(?:the\s+|a\s+|an\s+)?|"
    r"what\s+does\s+(?:the\s+)?|c['’]est\s+quoi\s+(?:le\s+|la\s+|les\s+|l['’]|une?\s+)?|"
    r"qu['’]est-ce\s+qu[e']\s*(?:le\s+|la\s+|les\s+|l['’]|une?\s+)?|"
    r"que\s+(?:sont|signifie|veut\s+dire)\s+(?:le\s+|la\s+|les\s+|l['’])?)"
    r"(?P<term>[^?]{2,60}?)(?:\s+(?:mean|stand\s+for))?\s*[?？]?\s*$", re.I)
_QUOTED_TERM = re.compile(r"^[\"“«']\s*([^\"”»']{2,50}?)\s*[\"”»']$")


def asked_term(question: str) -> str | None:
    """The acronym or quoted phrase a "what is X?" question asks about ("GEM", "white list"), or None."""
    m = _WHAT_IS.match(question)
    if not m:
        return None
    term = m.group("term").strip()
    quoted = _QUOTED_TERM.match(term)
    if quoted:
        return quoted.group(1)
    if len(term.split()) <= 3 and any(len(w) >= 2 and w.isalpha() and w.isupper() for w in term.split()):
        return term
    return None


def mentions(sentence: str, term: str) -> bool:
    """True when the sentence uses ``term`` as a whole word or phrase, in any case."""
    n = r"\s+".join(re.escape(w) for w in term.split())
    return bool(re.search(rf"(?<!\w){n}(?!\w)", sentence, re.I))


# "…, according to the minister?", "selon Xiao Yaqing", "d'après la conférence": who said it, not what.
_ATTRIBUTION = re.compile(
    r"[,;]?\s*\b(?:according\s+to|as\s+(?:stated|said|announced)\s+(?:by|at|in)|selon|d['’]apr[eè]s)\s+[^,;?!.]*", re.I)


# "What did the May 27 teleconference say about supply chains?", "Qu'a dit Xiao Yaqing sur la 5G ?":
# who spoke is the source; what is asked is what follows "about".
_SAID_ABOUT = re.compile(
    r"^\s*(?:what|how)\s+(?:did|does|do|has|have|will|would)\s+.+?\s+(?:say|said|state|stress|announce|propose|"
    r"emphasi[sz]e|mention|write|report|decide|plan)\s+(?:about|on|regarding|concerning|for)\s+(?P<en>[^?]+)"
    r"|^\s*(?:qu['’]\s*(?:a|ont)(?:-t-(?:il|elle))?\s+(?:dit|déclaré|annoncé|souligné|décidé|prévu)|que\s+(?:dit|disent|prévoit|prévoient))"
    r"\s+.+?\s+(?:sur|à\s+propos\s+d[eu']|au\s+sujet\s+d[eu']|concernant|pour)\s*(?P<fr>[^?]+)", re.I)


# "Who gave a speech at the May 27 teleconference?", "qui a parlé lors de la réunion ?": where it was
# said, which every sentence of that document shares, not what is asked.
_SETTING = re.compile(
    r"\s*\b(?:at|during|in|from)\s+(?:the\s+|this\s+|that\s+)?(?:[\w'’-]+\s+){0,3}?"
    r"(?:tele-?)?(?:conference|meeting|call|forum|session|briefing)s?\b(?:\s+(?:on|of|about|regarding)\b[^,;?!]*)?"
    r"|\s*\b(?:lors\s+de|pendant|durant|à)\s+(?:la|le|l['’]|cette|ce)\s*(?:[\w'’-]+\s+){0,3}?"
    r"(?:télé)?(?:conférence|réunion|session|séance)s?\b(?:\s+(?:sur|du|de\s+la|consacrée?\s+à)\b[^,;?!]*)?", re.I)
_WHO = re.compile(r"^\W*(?:who|whom|qui)\b", re.I)


def without_attribution(question: str) -> str:
    """The question without its attribution phrase ("according to the minister", "selon Xiao
    Yaqing"; "What did X say about Y?": Y) or its setting ("at the May 27 teleconference"), or the
    question itself when nothing else would be left."""
    m = _SAID_ABOUT.match(question)
    if m:
        # a follow-up's borrowed words ("… supply chains (spoke May 27 teleconference)") say who spoke
        about = split_borrowed(m.group("en") or m.group("fr"))[0].strip(" ,;")
        if about:
            return about
    rest = _ATTRIBUTION.sub("", question).strip(" ,;")
    if _WHO.match(without_preamble(rest)):  # "who …": the event is where, the person is what is asked
        rest2 = _SETTING.sub("", rest).strip(" ,;")
        if len(rest2.split()) >= 3:
            rest = rest2
    return rest if len(rest.split()) >= 3 else question


# "What did Xiao Yaqing say about 5G?", "selon Xu Xiaolan", "Qu'a dit Xiao Yaqing … ?": the question
# asks what one person said, and a sentence that reports what another person said ("Xu Xiaolan
# revealed that …") does not answer it, however near its words.
_SPEECH_Q = re.compile(
    r"\b(?:say|said|says|saying|explain(?:ed)?|announce[ds]?|reveal(?:ed)?|stress(?:ed)?|emphasi[sz]e[ds]?|"
    r"mention(?:ed)?|talk(?:ed)?|speak|spoke|according\s+to|as\s+(?:stated|said)\s+by|selon|d['’]apr[eè]s|"
    r"dit|déclaré|annoncé|expliqué|souligné|évoqué)\b", re.I)
_SPEECH_VERB = (r"(?:also\s+|further\s+)?(?:said|says|explained|revealed|emphasi[sz]ed|stressed|pointed\s+out|noted|"
                r"introduced|stated|added|announced|mentioned|disclosed|believes?|"
                r"a\s+(?:dit|déclaré|souligné|expliqué|indiqué|annoncé|présenté|ajouté|rappelé))")
_SPEAKER = re.compile(
    r"^\W*(?P<who>[A-ZÀ-Ý][a-zà-ÿ]+(?:[- ][A-ZÀ-Ýa-zà-ÿ][a-zà-ÿ]+){1,2})"  # "Xu Xiaolan", "Xiao yaqing"
    r"(?:\s*,[^,]{1,120},)?\s+" + _SPEECH_VERB + r"\b")


def asked_speaker(question: str) -> str | None:
    """The one person whose words the question asks for ("What did Xiao Yaqing say …?",
    "… according to Xu Xiaolan?", "Qu'a dit Xiao Yaqing …"), or None."""
    if not _SPEECH_Q.search(question):
        return None
    names = key_names(question)
    if len(names) != 1:
        return None
    # The name is who speaks: "according to Xu Xiaolan", "Xiao Yaqing said", "Qu'a dit Xiao Yaqing",
    # not "what post does Xiao Yaqing hold, according to the report".
    n = r"\s+".join(re.escape(w) for w in names[0].split())
    spoke = (rf"(?:according\s+to|selon|d['’]apr[eè]s|as\s+(?:stated|said)\s+by)\s+(?:(?:the\s+|le\s+|la\s+)?"
             rf"(?:vice[- ])?(?:minister|ministre)\s+)?{n}\b|\b{n}\s+(?:say|said|says|explain\w*|announc\w*|reveal\w*|"
             rf"stress\w*|emphasi\w*|mention\w*|talk\w*|spoke|speak\w*)\b|"
             rf"\b(?:dit|déclaré|annoncé|expliqué|souligné|évoqué)\s+(?:(?:le\s+|la\s+)?(?:vice-)?ministre\s+)?{n}\b")
    return names[0] if re.search(spoke, question, re.I) else None


def speaker(sentence: str) -> str | None:
    """The person a sentence reports as speaking ("Xu Xiaolan explained that …", "Xu Xiaolan, Vice
    Minister of …, said that …"), or None."""
    m = _SPEAKER.match(sentence)
    if not m or len(key_names(m.group("who").title())) != 1:
        return None
    return m.group("who")


def other_speaker(sentence: str, asked: str) -> bool:
    """True when the sentence reports someone else than ``asked`` as speaking."""
    who = speaker(sentence)
    if who is None:
        return False
    norm = lambda s: re.sub(r"[\s-]+", "", s.lower())  # noqa: E731
    return norm(who) != norm(asked)


# "thanks!", "Merci", "ok great", "hello", "bonjour": a turn of the conversation, not a question
# about the documents. Searched, "thanks!" was answered with five points, and its words became
# the next follow-up's context ("taxes (thanks loan target)").
_COURTESIES = (
    ("thanks", "en", r"(?:(?:ok(?:ay)?|great|perfect|cool|nice|good|super|excellent|awesome|got\s+it)\s*){0,2}"
                     r"(?:thanks?(?:\s+you)?|thank\s+you|thx|ty|cheers|many\s+thanks)"
                     r"(?:\s+(?:so|very)\s+much|\s+a\s+lot|\s+again)?"
                     r"(?:\s+for\s+(?:the|your|this|that)\s+(?:answer|help|reply|information|info))?"
                     r"(?:\s*(?:that\s+helps|very\s+helpful))?"),
    ("thanks", "fr", r"(?:(?:ok|super|parfait|très\s+bien|génial|d['’]accord)\s*){0,2}merci(?:\s+(?:beaucoup|bien|encore))?"
                     r"(?:\s+pour\s+(?:la|votre|cette|ta)\s+(?:réponse|aide))?"),
    ("thanks", "en", r"ok(?:ay)?|great|perfect|cool|nice|got\s+it|understood|that\s+helps|very\s+helpful|good"),
    ("thanks", "fr", r"d['’]accord|parfait|très\s+bien|entendu|compris|génial"),
    ("greeting", "en", r"(?:hi|hello|hey|good\s+(?:morning|afternoon|evening))(?:\s+there)?"),
    ("greeting", "fr", r"bonjour|bonsoir|salut|coucou"),
    ("bye", "en", r"(?:good)?bye|see\s+you(?:\s+later)?|have\s+a\s+(?:good|nice)\s+day"),
    ("bye", "fr", r"au\s+revoir|à\s+bientôt|bonne\s+(?:journée|soirée)"),
)
_COURTESY = [(kind, lang, re.compile(rf"^(?:{p})$", re.I)) for kind, lang, p in _COURTESIES]


def courtesy(message: str) -> tuple[str, str] | None:
    """``(kind, language)`` when the whole message is a thanks, a greeting or a goodbye
    ("thanks!", "Merci beaucoup", "hello"), else None."""
    text = " ".join(re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", message.lower()))
    if not text or len(text) > 40:
        return None
    return next(((kind, lang) for kind, lang, rx in _COURTESY if rx.match(text)), None)


_OPENING_COURTESY = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|great|perfect|thanks?(?:\s+you)?|thank\s+you|thx|hi|hello|hey|merci|bonjour|salut|"
    r"d['’]accord|parfait|super)(?:\s+(?:so\s+much|a\s+lot|beaucoup))?\s*[,.!;:]+\s*)+", re.I)


def without_courtesy(question: str) -> str:
    """The question without the thanks or greeting that opens it ("Thanks, what about taxes?" →
    "what about taxes?"), or the question itself when nothing would be left."""
    rest = _OPENING_COURTESY.sub("", question, count=1)
    return rest if len(rest.split()) >= 2 else question


# Markup pasted or typed into the chat ("<script>alert(1)</script> what's the per diem?", a question
# copied from a web page with its "<b>"): the tag names and a script's text became terms of the
# question ("script", "alert") and drew French lines on "alert", where the question without them
# was answered from the travel policy. A "<" that opens no tag ("costs < 50 euros?") stays.
_MARKUP_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)|<!--.*?(?:-->|$)", re.I | re.S)
_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s+[^<>]*?)?/?>")


def without_markup(question: str) -> str:
    """The question's text without HTML: script and style blocks, comments and tags go, the
    character entities of a question that had them are read ("&amp;" → "&"), runs of spaces are
    one. A question without markup comes back as it was."""
    rest = _TAG.sub(" ", _MARKUP_BLOCK.sub(" ", question))
    if rest == question:
        return question
    return re.sub(r"\s+", " ", html.unescape(rest)).strip()


# The chat openers that say nothing about what is asked: "quick question:", "hey", "so", "I was
# wondering if", "can you tell me", "petite question :", "dites-moi", "je voudrais savoir si". As
# words of the question they were searched and scored: "quick question: any help with financing?"
# had the terms "quick" and "question", "I would like to know who attended" "like" and "know".
_WH = (r"(?:what|when|where|who|whom|whose|why|how|which|is|are|was|were|do|does|did|can|could|will|would|should|"
       r"has|have|any|so|ok|okay|well|quel|quelle|quels|quelles|qui|que|quand|comment|où|pourquoi|combien|est-ce|"
       r"et)\b")
_PREAMBLE = re.compile(
    r"^\s*(?:(?:"
    # words that open other sentences too ("Right to work from home?"): only before punctuation or a question word
    rf"(?:so|well|right|alright|ok(?:ay)?|alors|bon|ben)(?=\s*[,.!;:]|\s+[–-]|\s+{_WH})|"
    r"hey|hi|hello|um+|uh+|btw|oh|"
    r"(?:(?:a|one|another|one\s+more|quick|small|short|simple|une|petite|autre)\s+)?question"
    r"(?:\s+for\s+you|\s+rapide)?|"
    r"(?:just\s+)?(?:curious|wondering)|"
    r"i\s*(?:was|am|['’]m)\s+(?:just\s+)?(?:wondering|curious)|"
    r"i\s*(?:would|['’]d)\s+(?:like|love)\s+to\s+know|i\s+(?:want|wanted|need)\s+to\s+know|"
    r"(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:tell|show)\s+me|(?:please\s+)?tell\s+me|"
    r"do\s+you\s+(?:happen\s+to\s+)?know|(?:do\s+you\s+have\s+)?any\s+idea|please|"
    r"salut|bonjour|bonsoir|coucou|euh|d['’]accord|"
    r"je\s+(?:voudrais|veux|souhaiterais|souhaite|aimerais)\s+savoir|"
    r"(?:pouvez-vous|pourriez-vous|peux-tu|pourrais-tu|tu\s+peux|vous\s+pouvez)\s+me\s+dire|"
    r"dites-moi|dis-moi|savez-vous|sais-tu|tu\s+sais|s['’]il\s+(?:vous|te)\s+pla[iî]t|svp|stp"
    r")(?:\s+(?:if|whether|si)(?=\s))?(?:\s*[,.!;:]+\s*|\s+[–-]+\s*|\s+))+",
    re.I)


def without_preamble(question: str) -> str:
    """The question without the chat openers before it ("quick question: any help with financing?"
    → "any help with financing?"), or the question itself when fewer than two words would be left."""
    rest = _PREAMBLE.sub("", question, count=1)
    return rest if len(rest.split()) >= 2 else question


# "Did the ministry say anything about flood?", "Is there anything about masks?", "Are rents
# mentioned?", "Est-ce que le document parle de la 5G ?": the question asks whether the documents
# mention a topic. Any sentence that names the topic answers it, however low its cosine (a short
# topic in a long question is far from everything); none naming it means they do not. "Covered" is
# not one of these words: in a policy "is alcohol covered on expense reports?" asks whether it is
# paid for, and was read as "are expense reports mentioned?".
_MENTION = [re.compile(p, re.I) for p in (
    r"^\s*(?:and\s+)?(?:did|does|do|has|have|was|were|is|are)\b[^?]*?\b(?:say|said|mention(?:ed)?|talk(?:ed)?|speak|spoke|"
    r"discuss(?:ed)?|write|wrote|refer(?:red)?)\s+(?:anything\s+|something\s+)?"
    r"(?:about|on|regarding|concerning|to|of)\s+(?P<y>[^?]+)",
    r"^\s*(?:and\s+)?(?:did|does|do|has|have)\b[^?]*?\bmention(?:ed)?\s+(?P<y>[^?]+)",
    r"^\s*(?:is|are)\s+there\s+(?:anything|something|any\s+mention|a\s+mention|any\s+word)\s+"
    r"(?:about|on|regarding|concerning|of)\s+(?P<y>[^?]+)",
    r"^\s*(?:anything|any\s+mention|something)\s+(?:about|on|regarding|of)\s+(?P<y>[^?]+)",
    r"^\s*(?:is|are|was|were)\s+(?P<y>[^?]+?)\s+(?:ever\s+)?(?:mentioned|discussed|addressed)\b",
    r"^\s*what\s+(?:does|do|did)\s+(?:the\s+|this\s+|these\s+)?(?:doc|docs|document|documents|text|texts|file|files|"
    r"corpus|collection|it|they)\s+say\s+(?:about|on|regarding)\s+(?P<y>[^?]+)",
    r"^\s*(?:est-ce\s+qu(?:e\s+|['’]\s*)(?:on|il|elle|ils|elles|le\s+\w+|la\s+\w+|les\s+\w+|un\s+\w+)?\s*"
    r"(?:parle(?:nt)?|a\s+parlé|ont\s+parlé|mentionne(?:nt)?|évoque(?:nt)?|a\s+mentionné|a\s+évoqué)|"
    r"[^?]*?(?:parle|mentionne|évoque)-t-(?:il|elle|on)|[^?]*?(?:a|ont)-t?-?(?:il|elle|ils|elles)\s+(?:parlé|mentionné|évoqué)|"
    r"y\s+a-t-il\s+(?:quelque\s+chose|des\s+informations?|une\s+mention))\s*"
    r"(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’]|sur\s+(?:la\s+|le\s+|les\s+|l['’])?|à\s+propos\s+d[eu']\s*|concernant\s+)?(?P<y>[^?]+)",
)]


def mention_topic(question: str) -> str | None:
    """The topic a "did they mention X?" question asks about ("flood"), or None."""
    for rx in _MENTION:
        m = rx.match(question)
        if m:
            topic = split_borrowed(m.group("y"))[0].strip(" ,;.!")
            if topic:
                return topic
    return None


# "How many documents are there?", "What documents do you have?", "Which document is the most
# recent?", "Quels documents avez-vous ?": a question about the collection, which the index answers
# from its list of documents ("The documents don't say" was the reply).
_DOCS = r"(?:documents?|docs?|files?|sources?|texts?|articles?|reports?|fichiers?)"
_COLLECTION = (
    ("count", re.compile(rf"^\s*(?:how\s+many\s+{_DOCS}|combien\s+(?:de|d['’])\s*{_DOCS})\b(?!.*\b(?:about|on|sur|mention|say|parl)\w*\b)", re.I)),
    ("latest", re.compile(rf"^(?!.*\b(?:about|on|say|says|said|mention\w*|sur|dit|parle\w*)\b)\s*(?:which|what|quel)\b.*"
                          rf"\b(?:(?:most\s+recent|latest|newest)\s+{_DOCS}|{_DOCS}\s+(?:is\s+|est\s+)?(?:the\s+|le\s+)?"
                          rf"(?:most\s+recent|latest|newest|plus\s+récents?))\b", re.I)),
    ("oldest", re.compile(rf"^(?!.*\b(?:about|on|say|says|said|mention\w*|sur|dit|parle\w*)\b)\s*(?:which|what|quel)\b.*"
                          rf"\b(?:(?:oldest|earliest)\s+{_DOCS}|{_DOCS}\s+(?:is\s+|est\s+)?(?:the\s+|le\s+)?"
                          rf"(?:oldest|earliest|plus\s+anciens?))\b", re.I)),
    ("list", re.compile(
        rf"^(?!.*\b(?:about|on|regarding|concerning|mention\w*|say|says|said|sur|concernant|parl\w*|mentionn\w*)\b)"
        rf"\s*(?:(?:what|which)\s+{_DOCS}\s+(?:do\s+you\s+have|are\s+(?:there|indexed|loaded|available)|have\s+you\s+got|"
        rf"can\s+you\s+(?:search|read|see))|(?:please\s+)?(?:list|show|name)\s+(?:me\s+)?(?:all\s+)?(?:the\s+|your\s+)?{_DOCS}|"
        rf"what(?:'s|\s+is)\s+in\s+(?:the\s+|your\s+)?(?:index|collection|corpus|library)|"
        rf"quels\s+(?:sont\s+les\s+)?{_DOCS}(?:\s+(?:avez-vous|as-tu|y\s+a-t-il|sont\s+(?:indexés|disponibles)))?\s*\??$|"
        rf"(?:liste[rz]?|montre[rz]?)\s+(?:-moi\s+)?(?:tous\s+)?(?:les\s+)?{_DOCS})", re.I)),
)


def collection_question(question: str) -> str | None:
    """"count", "list", "latest" or "oldest" for a question about the collection itself, else None."""
    for kind, rx in _COLLECTION:
        if rx.search(question):
            return kind
    return None
