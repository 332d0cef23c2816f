"""Misspelt question words read as the collection's words (rag/spelling.py): pure, no model."""

from __future__ import annotations

from rag.spelling import corrected, dictionary_word

VOCAB = {"financ": 4, "sme": 6, "govern": 3, "subsidi": 2, "energi": 5, "xiaolan": 2, "leader": 0}


def counts(terms):
    return {t: VOCAB[t] for t in terms if VOCAB.get(t)}


def words_of(*words):
    known = set(words)
    return lambda w, langs: w in known


def test_a_word_one_slip_from_a_collection_word_is_read_as_it():
    q, fixes = corrected("any help with finacing for small firms?", ("en",), counts, "en", words_of())
    assert q == "any help with financing for small firms?" and fixes == (("finacing", "financing"),)
    q, _ = corrected("how much was the subsdy for new enrgy cars", ("en",), counts, "en", words_of())
    assert q == "how much was the subsidy for new energy cars"


def test_a_lower_case_acronym_plural_is_the_acronym():
    assert corrected("what about smes?", ("en",), counts, "en", words_of())[0] == "what about sme?"


def test_real_words_names_and_short_words_are_left_as_typed():
    # a word of the language the collection happens to lack is no slip ("leaders" is not "leades")
    assert corrected("which leaders came?", ("en",), counts, "en", words_of("leaders"))[1] == ()
    # a capitalised word after the first is a name typed on purpose: a near miss stays one
    assert corrected("Did Xu Xiaolin speak?", ("en",), counts, "en", words_of())[1] == ()
    assert corrected("is govt ok", ("en",), counts, "en", words_of())[1] == ()  # under five letters
    # a word one slip from nothing in the collection stays
    assert corrected("any zeppelins?", ("en",), counts, "en", words_of())[1] == ()


def test_a_language_without_a_dictionary_corrects_nothing():
    assert corrected("any finacing?", ("en", "zh"), counts, "en")[1] == ()
    # documents of no known language ("und", a short note) do not stop the others' corrections
    assert corrected("any finacing?", ("en", "und"), counts, "en")[1] == (("finacing", "financing"),)


def test_the_shipped_dictionaries_know_real_words_in_english_and_french():
    assert dictionary_word("leaders", ("en", "fr")) and dictionary_word("combien", ("en", "fr"))
    assert dictionary_word("finacing", ("en", "fr")) is False
    assert dictionary_word("finacing", ("zh",)) is None


def test_a_very_long_word_or_a_repeated_one_is_tried_once_and_cheaply():
    # a 2,000-letter "word" was tried as some 100,000 one-edit variants (9 s for one question)
    asked: list[int] = []

    def counting(terms):
        asked.append(len(terms))
        return counts(terms)

    assert corrected("x" * 2000, ("en",), counting, "en", words_of())[1] == ()
    assert max(asked, default=0) < 1000
    asked.clear()
    q, fixes = corrected(" ".join(["finacing"] * 60), ("en",), counting, "en", words_of())
    assert q == " ".join(["financing"] * 60) and len(fixes) == 60
    assert len(asked) == 2  # the question's words, then one batch of variants for the one distinct word
