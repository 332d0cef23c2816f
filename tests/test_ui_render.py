"""ui.render is pure: Answer → markdown/HTML, with every piece of document text escaped."""

from __future__ import annotations

from rag.types import Answer, Chunk, Citation, Document, Hit
from ui import render

EVIL = 'Loans <script>alert("x")</script> <img src=x onerror=alert(1)> **bold** [3](http://evil)'


def _chunk(text: str, start: int = 100) -> Chunk:
    return Chunk(id="d1#0", doc_id="d1", text=text, start=start, end=start + len(text), title="SME <b>policy</b>",
                 source="/data/sme.txt", lang="en", date="2022-09-22")


def _answer(sentence: str = "SMEs get 600 billion yuan of loans.") -> Answer:
    passage = _chunk("Before. " + sentence + " After.")
    start = passage.start + len("Before. ")
    cit = Citation(n=1, doc_id="d1", title=passage.title, date="2022-09-22", lang="en", source=passage.source,
                   start=start, end=start + len(sentence), text=sentence, passage=passage)
    return Answer(question="What loans?", query="What loans?", text=sentence + " [1]", citations=(cit,))


def test_answer_markdown_turns_markers_into_superscript_citations_and_lists_sources():
    md = render.answer_markdown(_answer())
    assert '<sup class="cite">[1]</sup>' in md
    assert "Sources" in md and "2022\\-09\\-22" in md


def test_document_html_and_markdown_are_shown_as_text_never_interpreted():
    md = render.text_markdown(EVIL + " [1]", known=[1])
    assert "<script" not in md and "<img" not in md
    assert "&lt;script&gt;" in md and "\\*\\*bold\\*\\*" in md and "\\[3\\]\\(http" in md
    html = render.sources_html(_answer(EVIL))
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


def test_sources_panel_highlights_the_quoted_sentence_inside_its_passage():
    html = render.sources_html(_answer(), render.doc_link("http://h/rag"))
    assert "Before. <mark>SMEs get 600 billion yuan of loans.</mark> After." in html
    assert "2022-09-22 · EN · sme.txt" in html
    assert 'href="http://h/rag/doc/d1?start=108&amp;end=143#hl"' in html


def test_refusal_is_a_visible_not_found_state_with_related_passages():
    hit = Hit(chunk=_chunk("Weather in Paris is mild."), score=0.12, retriever="hybrid", rank=1)
    ans = Answer(question="Weather?", query="Weather in Paris?", text="", refused=True, related=(hit,))
    md = render.answer_markdown(ans)
    assert render.NOT_FOUND in md and "Searched for" in md
    html = render.sources_html(ans)
    assert render.NOT_FOUND in html and "Weather in Paris is mild." in html


def test_document_page_marks_the_span_and_escapes_the_rest():
    doc = Document(id="d1", source="/x/a.html", title="<T>", text="abc <script>x</script> def", lang="en",
                   date=None, content_hash="h")
    page = render.document_page(doc, 0, 3)
    assert '<mark id="hl">abc</mark>' in page and "&lt;script&gt;" in page and "<script>" not in page


def test_statements_without_a_valid_citation_are_marked_unverified():
    from rag.types import Answer

    a = Answer(question="q", query="q", text="Loans grew. [1]\nRates fell to zero.", flagged=("Rates fell to zero.",),
               generator="llm", notice=None)
    md = render.answer_markdown(a)
    assert "Not backed by a cited passage" in md and "Rates fell to zero" in md.split("Not backed")[1]


def test_marker_like_text_in_a_document_never_becomes_a_citation():
    from rag.answer.compose import Point, compose
    from rag.sentences import Sentence

    sentence = "Loans grew as reported in [1] and [2, 3] of the annex."
    chunk = _chunk(sentence, start=0)
    text, cits = compose([Point(Sentence(sentence, 0, len(sentence)), chunk, 0.9)], "en")
    body = text.splitlines()[1]
    assert body.endswith("[1]") and body.count("[1]") == 1 and "[2, 3]" not in body
    md = render.answer_markdown(Answer(question="q", query="q", text=text, citations=cits))
    assert md.count('<sup class="cite">') == 2  # the real marker, and [1] in the sources list
    assert cits[0].text == sentence  # the citation still quotes the document exactly


def test_answer_list_lines_become_a_real_list_and_stay_escaped():
    md = render.text_markdown("The documents answer in 2 points:\n- Loans **grow** [1]\n- Taxes fall [1]", known=[1])
    lines = md.split("\n")
    assert lines[1].startswith("- Loans \\*\\*grow\\*\\*") and lines[2].startswith("- Taxes fall")
    assert "\\-" not in md


def test_dates_without_a_year_are_written_for_people():
    assert render.display_date("--05-27") == "27 May (year not stated)"
    assert render.display_date("2022-09-22") == "2022-09-22"
    assert render.display_date(None) == "undated"


def test_refusal_says_it_once_and_lists_each_related_document_once():
    hits = tuple(Hit(chunk=Chunk(id=f"d1#{i}", doc_id="d1", text="x", start=0, end=1, title="A long title",
                                 source="/srv/a.txt", lang="en", date="--05-27"), score=0.5, retriever="hybrid")
                 for i in range(5))
    ans = Answer(question="q", query="q", text="The documents don't say.", related=hits, refused=True)
    md = render.answer_markdown(ans)
    visible = md.split('<div class="answer-sources">')[0]
    assert visible.count("don't say") == 1 and "Not found" not in visible
    assert visible.count("A long title") == 1 and "27 May \\(year not stated\\)" in visible


def test_the_words_around_a_french_answer_are_french():
    from dataclasses import replace

    hit = Hit(chunk=_chunk("Weather in Paris is mild."), score=0.12, retriever="hybrid", rank=1)
    ans = Answer(question="Quel temps ?", query="Quel temps à Paris ?", text="", refused=True, related=(hit,),
                 lang="fr")
    md = render.answer_markdown(ans)
    assert "Recherche :" in md and "Documents liés" in md and "Searched for" not in md and "Related" not in md
    md = render.answer_markdown(replace(_answer(), lang="fr", flagged=("Les taux sont nuls.",)))
    assert "**Sources**" in md and "Sans passage cité" in md and "Not backed" not in md
    # dates the documents give without a year, and the sources panel, in French too
    undated = replace(hit, chunk=replace(hit.chunk, date="--05-27"))
    md = render.answer_markdown(replace(ans, related=(undated,)))
    assert "27 mai \\(année non précisée\\)" in md and "May" not in md
    html = render.sources_html(replace(ans, related=(undated,)), render.doc_link("http://h/rag"))
    assert "Introuvable dans les documents" in html and "27 mai (année non précisée)" in html
    assert "Ouvrir le document" in html and "Not found" not in html and "closest" not in html
