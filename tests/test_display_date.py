"""Stored dates shown to people (pure)."""

from __future__ import annotations

import pytest

from rag.types import display_date


@pytest.mark.parametrize("stored, en, fr", [
    ("2021-09-16", "16 September 2021", "16 septembre 2021"),
    ("--05-27", "27 May (year not stated)", "27 mai (année non précisée)"),
    ("2020-05-01", "1 May 2020", "1er mai 2020"),
    ("2021-09", "September 2021", "septembre 2021"),
    ("2021", "2021", "2021"),
    (None, "no date", "sans date"),
])
def test_dates_read_as_people_write_them(stored, en, fr):
    assert display_date(stored, "en") == en
    assert display_date(stored, "fr") == fr


def test_other_languages_get_english_and_unknown_forms_are_shown_as_stored():
    assert display_date("--02-09", "zh") == "9 February (year not stated)"
    assert display_date("2021-13-01") == "2021-13-01"
    assert display_date("yesterday") == "yesterday"


def test_cli_source_lines_show_dates_in_the_answer_language():
    from rag.cli.ask_cmd import _human
    from rag.types import Answer, Citation

    cite = Citation(n=1, doc_id="001", title="Téléconférence", date="--05-27", lang="fr", source="a.txt",
                    start=0, end=10, text="Le 27 mai")
    fr = Answer(question="Quand ?", query="Quand ?", text="Le 27 mai [1].", citations=(cite,), lang="fr")
    en = Answer(question="When?", query="When?", text="On 27 May [1].", citations=(cite,), lang="en")
    assert "(27 mai (année non précisée), fr) 001" in _human(fr)
    assert "(27 May (year not stated), fr) 001" in _human(en)
