from pathlib import Path

import pytest

from rag.cleaning import clean_text, is_noise_line
from rag.metadata import detect_language, extract_date, extract_title
from rag.settings import SAMPLE_CORPUS


def _clean(name: str) -> str:
    return clean_text((SAMPLE_CORPUS / name).read_text(encoding="utf-8"))


def test_ad_block_is_removed_but_policy_text_kept():
    text = _clean("000_aab47ab3012ba130.txt")
    assert "Chocolate Conche Machine" not in text
    assert "chocolate ball mill" not in text
    assert "Chengdu LST" not in text
    assert "Strive for a loan of 600 billion yuan for SMEs" in text
    assert "The special funds for technological reform determined by the Central Government" in text


def test_contact_and_copyright_footers_are_removed():
    t2 = _clean("002_64b4e1fce9b29a5b.txt")
    assert "Tel:" not in t2 and "All rights reserved" not in t2 and "admin@jqfibre.com" not in t2
    assert "Relevant keywords" not in t2
    assert "the “three products” of variety, quality and brand will be promoted." in t2
    t4 = _clean("004_5c6d6f51adc04f3c.txt")
    assert "Copyright © 2011 JIN SHI" not in t4
    assert "18. Strengthen legal services related to epidemic situations." in t4


def test_breadcrumb_counter_and_inline_spam_are_removed():
    t3 = _clean("003_d122252500509168.txt")
    assert "Current location" not in t3 and "Loan Platform Complete Network" not in t3
    assert t3.startswith("Ministry of Industry and Information Technology: Implementing Detailed Policies")
    t2 = _clean("002_64b4e1fce9b29a5b.txt")
    assert "Read a total of" not in t2 and "Release date:[2021/9/16]" in t2
    t4 = _clean("004_5c6d6f51adc04f3c.txt")
    assert "lubricating oil analysis method" not in t4
    assert "tail support pressure testing machine" not in t4
    assert "help enterprises overcome difficulties" in t4


@pytest.mark.parametrize("line", ["Tel:0086-0595-83993333 Cel:0086-13506902333", "All rights reserved Foo Co., Ltd.",
                                  "Chocolate Conche Machine", "Chengdu LST Science&Technology Co., Ltd. ,"])
def test_noise_lines(line):
    assert is_noise_line(line)


@pytest.mark.parametrize("line", ["Accelerate the promotion of technological reform",
                                  "II. Further strengthen financial support for small and medium-sized enterprises",
                                  "The notice pointed out that the machine tool industry grew."])
def test_content_lines_are_not_noise(line):
    assert not is_noise_line(line)


def test_dates_in_the_sample_corpus_forms():
    assert extract_date("Release date:[2021/9/16] Read a total of [47] time") == "2021-09-16"
    assert extract_date("The Ministry\n\n2022-09-22\n") == "2022-09-22"
    assert extract_date("Le 27 mai, le Ministère a tenu") == "--05-27"
    assert extract_date("issued the notice on February 9, specifying") == "--02-09"
    assert extract_date("no date here, may be later") is None


def test_titles_prefer_complete_heading_and_fall_back_to_first_sentence():
    assert extract_title(_clean("004_5c6d6f51adc04f3c.txt")).startswith(
        "The Ministry of industry and information technology issued 20 policies")
    assert extract_title(_clean("002_64b4e1fce9b29a5b.txt")).startswith("Promote the construction")
    assert extract_title(_clean("001_0c3a2933395e0c97.txt")).startswith("Le 27 mai")


def test_language_detection_of_documents_and_questions():
    assert detect_language(_clean("001_0c3a2933395e0c97.txt")) == "fr"
    assert detect_language(_clean("000_aab47ab3012ba130.txt")) == "en"
    assert detect_language("Quelles mesures de financement pour les PME ?") == "fr"
    assert detect_language("What SME financing measures were announced?") == "en"


def test_an_english_question_with_a_french_loanword_is_english():
    # "Can I work from a café's public wifi?" read as French: one accent counted twice beat the
    # English function words the list did not have ("can", "I", "from").
    for q in ("Can I work from a café's public wifi?", "Send me your résumé please", "What did the communiqué say?"):
        assert detect_language(q) == "en", q
    for q in ("Le café est ouvert ?", "Quel est le plafond d'hôtel à Paris ?", "Qu'est-ce que le GEM ?", "Où ?"):
        assert detect_language(q) == "fr", q


def test_a_short_heading_is_the_title_and_a_metadata_line_never_is():
    # "Loan rules\nPosted: 2024-03-05" was titled "Posted: 2024-03-05": the heading was under 15
    # characters, and the labelled line was taken for a heading.
    assert extract_title("Loan rules\nPosted: 2024-03-05\n\nBanks will lend more to small firms this year.\n") == "Loan rules"
    assert extract_title("Internal memo\n\nStaff must badge in at the front gate.\n") == "Internal memo"
    assert extract_title("• Detail\n\nThe ministry said that loans grow.") == "The ministry said that loans grow."
    assert extract_title("Author: Jane Doe\nBanks will lend more.") == "Banks will lend more."


def test_a_labelled_date_in_words_is_the_documents_date_line():
    from rag.metadata import date_line

    text = "# Règlement des congés\n\nAdopté le 15 janvier 2025. Responsable : Direction des ressources humaines.\n\nTexte."
    start, end = date_line(text, extract_date(text))
    assert text[start:end] == "Adopté le 15 janvier 2025."
    event = "Le 27 mai, le ministère a tenu une téléconférence.\n"
    assert date_line(event, extract_date(event)) is None  # an event's date, not the page's


def test_the_dated_sentence_of_an_indented_labelled_line_is_the_date_line():
    from rag.metadata import date_line

    text = "  Effective date: 1 March 2025. Owner: Human Resources.\n\nText."
    start, end = date_line(text, extract_date(text))
    assert text[start:end] == "Effective date: 1 March 2025."
