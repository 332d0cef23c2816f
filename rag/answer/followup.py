"""Interpret a follow-up question with the conversation so far.

``rewrite`` is pure and rule-based: a question that leans on the previous
turn ("and what about guarantees?", "which provinces?", "et les garanties ?")
keeps its own words and borrows the content words of the previous question
(itself rewritten first, so chains of follow-ups keep their topic). A
question that names its own subject ("What did measure 25 say?") is left as it
is, whatever the previous turn was about. ``rewrite_query`` lets a
configured LLM do the rewrite and falls back to the rules if it fails or
its rewrite is rejected by ``rewrite_problem`` (too long, drops the
follow-up's own words, or copies the previous answer: a small model tends to
repeat its last answer, which then becomes a 500-character search query).
"""

from __future__ import annotations

import re
from typing import Sequence

from rag.settings import Settings

from .terms import EN_STOP, FR_STOP, split_borrowed, with_borrowed, without_request, words

# Openings that only make sense as a continuation of the previous turn, whatever follows.
_CONTINUATION = re.compile(
    r"^\s*(and what about|and how about|and what of|what about|how about|what of|same for|"
    r"et qu'en est-il d[eu']?s?|qu'en est-il d[eu']?s?|et pour|pareil pour|quid de)\b[\s,:]*",
    re.I,
)
# Openings that continue the previous turn only when no subject of the question's own follows
# ("and in 2022?" leans back; "And what is the capital of Australia?" does not).
_WEAK_OPENING = re.compile(r"^\s*(and|also|et|aussi)\b[\s,:]*", re.I)
_OPENING = re.compile(f"{_CONTINUATION.pattern}|{_WEAK_OPENING.pattern}", re.I)
# After such an opening, a bare noun phrase with no question word or verb of its own is
# elliptical: "and the interest rates?", "and for small firms?", "et les taux ?".
_ELLIPSIS = re.compile(
    _WEAK_OPENING.pattern + r"(?:the|for|with|in|on|of|to|les|la|le|l['’]|des|du|de|pour|sur|en|aux?)\b"
    r"(?![^?]*\b(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|will|"
    r"quel\w*|qui|que|quoi|quand|où|comment|combien|pourquoi|est|sont)\b)", re.I)
# Pronouns that point back to something named before.
_PRONOUNS = frozenset(
    "it its they them their he she him her his "
    "il elle ils elles leur leurs lui cela ça ceux celles celui celle".split()
)
# Demonstratives point back when they determine a noun ("this measure", "ces mesures"),
# but not before a time word ("this year", "cette année") or in "qu'est-ce que".
_DEMONSTRATIVES = frozenset("this these those ce cet cette ces".split())
_AUXILIARIES = frozenset("is was are were does did do will would can could has had should".split())
_TIME_WORDS = frozenset("year month week quarter morning week-end année annee mois semaine trimestre".split())
# French "il" with no antecedent: "y a-t-il", "existe-t-il", "il faut", "s'agit-il".
_IMPERSONAL = frozenset("existe faut agit reste suffit manque".split())
# Before these, "en" stands for something named before ("peut-on en reporter", "combien en reste"),
# not for a place or a time ("en France", "en 2022").
_EN_PRONOUN_AFTER = frozenset("on je j il elle ils elles nous vous combien ne n peut peuvent puis doit doivent faut "
                              "veut veulent".split())
SHORT = 5  # a question of at most this many words with no topic of its own is a follow-up
_GENERIC = frozenset(
    "which what who where when how many much provinces province regions region measures measure one ones "
    "quel quelle quels quelles qui où quand combien mesures".split()
)


def _content(text: str) -> list[str]:
    """Content words of ``text`` in their original case, first occurrence only."""
    seen: list[str] = []
    for w in re.findall(r"[^\W_]+", text):
        low = w.lower()
        if low not in EN_STOP and low not in FR_STOP and (len(w) > 1 or w.isdigit()) and \
                low not in (x.lower() for x in seen):
            seen.append(w)
    return seen


def _stop(w: str) -> bool:
    return w in EN_STOP or w in FR_STOP


def _anaphora(toks: list[str]) -> int | None:
    """Position of the first word pointing back to the previous turn, None if there is none."""
    for i, t in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        before = [w for w in toks[max(0, i - 3):i] if w != "t"]
        if t == "il" and (nxt in {"y", "faut", "existe", "s"} or before[-2:] == ["y", "a"]
                          or (before and before[-1] in _IMPERSONAL)):
            continue
        if t == "en" and before and before[-1] in _EN_PRONOUN_AFTER and nxt.isalpha():
            return i  # "Et combien peut-on en reporter ?", "combien en reste-t-il ?": "en" is "of them"
        if t in _PRONOUNS:
            if t in {"celui", "celle", "ceux", "celles"} and nxt in {"qui", "que", "qu", "dont"}:
                continue
            return i
        if t in _DEMONSTRATIVES and nxt and not _stop(nxt) and nxt not in _TIME_WORDS:
            return i
        if t == "that" and (not nxt or nxt == "one" or (i > 0 and toks[i - 1] in _AUXILIARIES)):
            return i  # "how much was that?", "that one", "is that more than last year?"
    return None


def _subject_at(question: str) -> int | None:
    """Position of the first word that names a subject of the question's own, None if none does.

    A subject is a named entity (a capitalised word after the first, or an acronym) or a
    numbered reference ("measure 25", "article 12"; a bare year is a time, not a subject).
    """
    toks = re.findall(r"[^\W_]+", question)
    for i, w in enumerate(toks):
        low = w.lower()
        if _stop(low) or low in _PRONOUNS:
            continue
        if (w.isupper() and len(w) > 1 and w.isalpha()) or (i > 0 and w[0].isupper()):
            return i
        if w.isdigit() and i > 0 and not _stop(toks[i - 1].lower()):
            return i
    return None


def is_followup(question: str) -> bool:
    """Whether ``question`` needs the previous turn to be understood.

    It does when it opens as a continuation ("what about…", "et pour…"), when a pronoun or
    demonstrative points back with no antecedent named before it in the question itself, or
    when it is a very short question with no subject of its own ("which provinces?"). A
    question that names its own subject (a named entity, a numbered measure, or two content
    words) is searched as asked.
    """
    if _CONTINUATION.match(question) or _ELLIPSIS.match(question):
        return True
    toks = words(question)
    subject = _subject_at(question)
    back = _anaphora(toks)
    if back is not None and (subject is None or subject > back):
        return True
    own = [w for w in _content(question) if w.lower() not in _GENERIC]
    if subject is not None or len(own) >= 2:
        return False
    return bool(_WEAK_OPENING.match(question)) or (len(toks) <= SHORT and len(own) <= 1)


# "the next one", "and the previous measure?", "la mesure suivante", "la précédente": the item
# after or before the one the previous turn asked about.
_NEXT = re.compile(r"\b(?:next|following|suivante?s?)\b", re.I)
_PREVIOUS = re.compile(r"\b(?:previous|preceding|précédente?s?|precedente?s?)\b", re.I)
# Nothing else may be asked: "what are the next steps for SMEs?" is a question of its own.
_ITEM_NAV_WORDS = frozenset(
    """and what about how does did do tell me the one item measure article point next following previous
    preceding say says et que qu en est il pour dit dis moi la le l une un mesure article suivante suivant
    précédente précédent precedente precedent""".split())


def _neighbour_item(question: str, previous: str) -> str | None:
    """"measure 11" for "what about the next one?" after a question on measure 10, else None."""
    from .intent import asked_items

    step = 1 if _NEXT.search(question) else -1 if _PREVIOUS.search(question) else 0
    items = asked_items(previous)
    if not step or len(items) != 1 or not set(words(question)) <= _ITEM_NAV_WORDS:
        return None
    n = items[0] + step
    if n < 1:
        return None
    word = re.search(r"\b(measure|item|article|point|mesure)s?\b", previous, re.I)
    return f"{word.group(1).lower() if word else 'item'} {n}"


_NAMES_NEW = re.compile(_WEAK_OPENING.pattern + r"(?:the|les|la|le|l['’]|des|du)\b", re.I)


def _replaces(question: str) -> bool:
    """A follow-up that swaps the topic's subject for another ("what about X?", "and the X?"),
    not one that narrows it ("and in 2022?", "and for small firms?")."""
    return bool(_CONTINUATION.match(question) or (_ELLIPSIS.match(question) and _NAMES_NEW.match(question)))


def rewrite(question: str, history: Sequence[tuple[str, str]]) -> str:
    """The query to search for ``question`` given earlier ``(question, answer)`` turns."""
    question = question.strip()
    if not history:
        return question
    # "Summarize it" asked for a summary: the verb is no topic for the next turn to borrow.
    previous = without_request(rewrite(history[-1][0], history[:-1]))
    neighbour = _neighbour_item(question, previous)
    if neighbour is not None:
        return neighbour
    if not is_followup(question):
        return question
    if _replaces(question) and _replaces(history[-1][0]) and (borrowed_before := split_borrowed(previous)[1]):
        # "what about guarantees?" then "and the interest rates?": rates take the place of
        # guarantees in the first question's topic; they are not asked about together.
        previous = borrowed_before
    core = _OPENING.sub("", question, count=1).strip() or question
    mine = set(words(core))
    borrowed = [w for w in _content(previous) if w.lower() not in mine]
    if not borrowed:
        return question
    core = core.rstrip(" ?？!.")
    return with_borrowed(core, borrowed)


MAX_REWRITE_WORDS = 32
COPY_SHINGLE = 6  # a run of this many words taken from the previous answer (and not its question) is a copy


def _shingles(toks: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def rewrite_problem(rewritten: str, question: str, history: Sequence[tuple[str, str]]) -> str | None:
    """Why an LLM's rewrite of ``question`` cannot be searched, or None when it is fine."""
    toks = words(rewritten)
    limit = max(MAX_REWRITE_WORDS, 2 * len(words(question)))
    if not toks or len(toks) > limit:
        return f"{len(toks)} words, more than {limit}"
    have = {w[:5] for w in toks}  # 5-letter prefixes: guarantee/guarantees, mesure/mesures
    core = _CONTINUATION.sub("", question).strip() or question
    lost = [w for w in _content(core) if w.lower()[:5] not in have]
    if lost:
        return f"drops the follow-up's own words ({', '.join(lost)})"
    if history:
        prev_q, prev_a = history[-1]
        copied = _shingles(toks, COPY_SHINGLE) & _shingles(words(prev_a), COPY_SHINGLE)
        copied -= _shingles(words(prev_q), COPY_SHINGLE) | _shingles(words(question), COPY_SHINGLE)
        if copied:
            return "copies the previous answer"
    return None


def rewrite_query(settings: Settings, question: str, history: Sequence[tuple[str, str]]) -> tuple[str, str | None]:
    """(query, notice): the LLM rewrites follow-ups when configured, the rules otherwise."""
    if not history:
        return question, None
    if settings.llm_enabled:
        from rag.errors import LLMError

        from .llm import rewrite_with_llm

        try:
            query = rewrite_with_llm(settings, question, history)
        except LLMError as exc:
            return rewrite(question, history), f"The language model could not rewrite the follow-up ({exc}); used the rule-based rewrite."
        problem = rewrite_problem(query, question, history)
        if problem:
            return rewrite(question, history), f"The language model's rewrite of the follow-up was rejected ({problem}); used the rule-based rewrite."
        return query, None
    return rewrite(question, history), None
