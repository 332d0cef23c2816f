"""What a question asks for, and the selection rules that follow from it (pure)."""

from __future__ import annotations

import pytest

from rag.answer import intent, refusal, select
from rag.sentences import split_sentences


@pytest.mark.parametrize("question, items", [
    ("What did measure 9 say?", (9,)),
    ("What do measures 19 and 20 of the February notice say?", (19, 20)),
    ("Que dit la mesure 9 ?", (9,)),
    ("Que disent les mesures 3 et 4 ?", (3, 4)),
    ("What does item 3 require?", (3,)),
    ("Summarise measures 5 to 7", (5, 6, 7)),
    ("What does the 2nd measure say?", (2,)),
    ("What does the third measure ask banks to do?", (3,)),
    ("Que prévoit la troisième mesure ?", (3,)),
    ("Que dit la dix-huitième mesure ?", (18,)),
    ("What were the first measures taken?", ()),  # plural: not one numbered item
    ("What happened in the first quarter?", ()),
    ("What was the second point of the speech and the fifth item?", (2, 5)),
    ("What does measure nine say?", (9,)),
    ("Que dit la mesure dix-huit ?", (18,)),
    ("Which measure one should apply first?", ()),  # "one", "un", "une" are never item numbers
    ("Cette mesure un peu floue, que dit-elle ?", ()),
    ("What happened on May 9?", ()),
    ("How many measures were issued in 2020?", ()),
    ("What is the third of the four measures the minister listed?", (3,)),
    ("Que prévoit la deuxième des quatre mesures ?", (2,)),
    ("The second of them said what?", ()),  # no item word: not a list's point
])
def test_item_numbers_are_read_from_the_question(question, items):
    assert intent.asked_items(question) == items


@pytest.mark.parametrize("question, last", [
    ("What does the last measure say?", True),
    ("What is the final item of the notice?", True),
    ("Que dit la dernière mesure ?", True),
    ("Que prévoit la mesure finale ?", True),
    ("What were the last measures taken?", False),  # plural: the latest measures, not a list's end
    ("What happened at the last meeting?", False),
])
def test_the_last_item_is_asked_by_word(question, last):
    assert intent.asks_last_item(question) is last


def test_numbered_list_items_carry_their_number_on_every_sentence():
    text = "Intro line.\n8 Increase credit support. Banks must not cut loans.\n9. Strengthen guarantees. More text."
    by_number = {}
    for s in split_sentences(text):
        by_number.setdefault(s.number, []).append(s.text)
    assert by_number[8] == ["Increase credit support. Banks must not cut loans."]
    assert by_number[9] == ["Strengthen guarantees. More text."]
    assert by_number[None] == ["Intro line."]


def test_on_may_9_is_a_key_number_not_an_item():
    assert intent.key_numbers("What happened on May 9?") == {"9"}
    assert intent.key_numbers("What did measure 9 say?") == frozenset()


def test_near_miss_questions_naming_absent_numbers_or_people_are_refused():
    passages = ["Le 27 mai, le Ministère a tenu une téléconférence.", "Xiao Yaqing a prononcé un discours."]
    assert not refusal.misses_key_facts("Who spoke at the May 27 teleconference?", passages)
    assert refusal.misses_key_facts("Who spoke at the June 3 teleconference?", passages)
    assert not refusal.misses_key_facts("What did Xiao Yaqing say?", passages)
    assert refusal.misses_key_facts("What did Li Wei say at the teleconference?", passages)
    assert not refusal.misses_key_facts("What did the Ministry of Industry announce?", passages)
    # a title before a name is not part of it: the name alone must be in the passages
    assert refusal.misses_key_facts("What did Vice Minister Li Wei say?", passages)
    assert not refusal.misses_key_facts("What did Minister Xiao Yaqing say?", passages)
    assert intent.key_names("Did Vice Minister Xin Guobin speak?") == ("Xin Guobin",)


def test_a_count_question_needs_a_number_of_what_it_counts():
    q = "How many yuan of special funds were allocated to the provinces?"
    assert refusal.lacks_asked_quantity(q, ["The special funds were allocated.", "The ministry issued 20 measures."])
    assert not refusal.lacks_asked_quantity(q, ["The provinces received 5 billion yuan of special funds."])
    # in another language the counted thing is named in other words: a figure is enough
    assert not refusal.lacks_asked_quantity(q, ["Les provinces ont reçu 5 milliards de crédits."], [False])
    assert not refusal.lacks_asked_quantity("Combien d'entreprises ont été aidées ?", ["3000 entreprises ont été aidées."])
    # money asked across languages: a figure with its unit, not any number word
    assert refusal.lacks_asked_quantity(q, ["Faire les « six stabilisations »."], [False])
    assert not refusal.lacks_asked_quantity(q, ["Les provinces ont reçu 5 milliards de yuans."], [False])
    assert refusal.counted("How many policies and measures did MIIT issue?") == {"polici"}
    assert refusal.counted("How much will the repairs cost?") == frozenset()


def test_date_questions_and_sentences_are_recognised_in_both_languages():
    assert intent.asks_date("When was the teleconference held?")
    assert intent.asks_date("Quand la téléconférence a-t-elle eu lieu ?")
    assert not intent.asks_date("Who spoke at the teleconference?")
    assert intent.states_date("Le 27 mai, le Ministère a tenu une téléconférence.")
    assert intent.states_date("On February 9, the ministry issued a notice.")
    assert not intent.states_date("The ministry issued a notice to help enterprises.")


def test_label_titles_are_never_points_but_sentence_titles_may_be():
    title = "Ministry of Industry and Information Technology: To ensure stable growth in the second quarter of industry"
    assert select.is_label(title, title)
    fr = "Le 27 mai, le Ministère de l’industrie a tenu une téléconférence pour stimuler l’économie industrielle."
    assert not select.is_label(fr, fr[:100] + "…")
    assert select.is_title(fr, fr[:100] + "…")


def test_bylines_are_never_points():
    assert select.is_byline("Source: Ministry of Industry and Information Technology")
    assert select.is_byline("Responsible editor: Zhang San")
    assert not select.is_byline("The source of the funds is the central budget, allocated by province.")


def test_answers_lead_with_the_sentence_that_states_what_was_asked():
    assert select.lead_first([4, 7, 9], [False, True, True]) == [7, 4, 9]
    assert select.lead_first([4, 7], [False, False]) == [4, 7]
    assert select.title_not_first([1, 2, 3], [True, False, False]) == [2, 1, 3]
    assert select.title_not_first([1, 2], [False, True]) == [1, 2]


def test_how_much_questions_want_an_amount_not_a_count():
    assert refusal.asks_amount("How much will the Heron bridge repairs cost?")
    assert not refusal.asks_amount("How many measures were issued?")
    assert refusal.states_amount("repairs costing 45 million yuan")
    assert refusal.states_amount("increased by 6.5%")
    assert not refusal.states_amount("cracks were found in two of its supporting piers")
    assert refusal.states_amount("son installation coûtera deux millions d'euros")  # written out
    assert not refusal.states_amount("one of the four action plans")


def test_who_questions_are_read_without_their_setting_for_latent_terms():
    wa = intent.without_attribution
    assert wa("Who gave a speech at the May 27 teleconference?") == "Who gave a speech?"
    assert wa("Who delivered a speech at the ministry's teleconference on stabilising the economy?") == \
        "Who delivered a speech?"
    assert wa("qui a prononcé un discours lors de la téléconférence du 27 mai ?") == "qui a prononcé un discours?"
    # the event is what is asked, or its object
    assert wa("What happened at the teleconference on May 27?") == "What happened at the teleconference on May 27?"
    assert wa("who attended the meeting?") == "who attended the meeting?"
    assert wa("who spoke at the meeting?") == "who spoke at the meeting?"  # nothing left to ask with


@pytest.mark.parametrize("question, expected", [
    ("When was the article on the minister's press conference released?", True),
    ("On what date was the report on the 20 SME policies posted?", True),
    ("Quand l'avis sur les PME a-t-il été publié ?", True),
    ("When were the special funds released?", False),  # funds, not a page
    ("When did the ministry issue the notice?", False),  # the notice's own date is in its text
    ("Which report was published by the ministry?", False),  # not a date question
    ("le règlement des congés, il date de quand ?", True),  # chat forms: what a policy's date is
    ("when was the travel policy last updated?", True),
    ("when was the procurement policy approved?", True),
    ("When were the new rules on leave applied?", False),  # an event of the rules, not their date
])
def test_publication_date_questions(question, expected):
    assert intent.asks_publication(question) is expected


def test_the_publication_date_line_is_found_and_an_event_date_is_not():
    from rag.metadata import date_line

    text = "Promote a strong manufacturing country\nRelease date:[2021/9/16] Read a total of [47] time\n\nXiao Yaqing said …"
    start, end = date_line(text, "2021-09-16")
    assert text[start:end] == "Release date:[2021/9/16] Read a total of [47] time"
    iso = "SME measures\n  2022-09-22  \nThe Ministry issued 20 policies."
    start, end = date_line(iso, "2022-09-22")
    assert iso[start:end] == "2022-09-22"
    assert date_line(iso, "2022-09-23") is None and date_line(iso, None) is None
    event = "Meeting report\nOn 2022-09-22 the Ministry held a meeting on the supply of chips to carmakers.\n"
    assert date_line(event, "2022-09-22") is None  # a sentence that dates an event is not the page's date line
    # the labelled sentence counts, not its line: the owner may follow it on the same line
    policy = "Politique de télétravail\n\nEn vigueur depuis le 1er septembre 2024. Responsable : Direction des ressources humaines.\n"
    start, end = date_line(policy, "2024-09-01")
    assert policy[start:end] == "En vigueur depuis le 1er septembre 2024."


def test_a_figure_for_another_period_does_not_answer():
    s = ("Statistics show that operating income and profits of small and medium-sized industrial enterprises "
         "increased by 14.6% and 7.5% respectively in the first quarter.")
    assert refusal.periods("in the second quarter of 2022") == {"quarter": frozenset({2}), "year": frozenset({2022})}
    asked = "By how much did the operating income of small and medium-sized industrial enterprises grow in the {} quarter?"
    assert not refusal.lacks_asked_quantity(asked.format("first"), [s])
    assert refusal.lacks_asked_quantity(asked.format("second"), [s])
    assert not refusal.lacks_asked_quantity(asked.format("second"), [s.replace(" in the first quarter", "")])
    assert refusal.lacks_asked_quantity("How much did the funds reach in 2023?", ["The funds reached 5 billion yuan in 2021."])
    # a sentence in another language is matched on its figure and its period: quarters read alike in both
    assert not refusal.lacks_asked_quantity(asked.format("second"), ["Les bénéfices ont augmenté de 7,5 %."], [False])
    assert refusal.lacks_asked_quantity(asked.format("second"), ["Les bénéfices ont augmenté de 7,5 % au premier "
                                                                 "trimestre."], [False])
    assert refusal.lacks_asked_quantity("De combien ont progressé les bénéfices au deuxième trimestre ?", [s], [False])


def test_a_figure_about_something_else_does_not_answer_a_by_how_much_question():
    s = "Operating income and profits of industrial enterprises increased by 14.6% and 7.5% respectively."
    assert refusal.measured_terms("By what percentage did industrial value added rise?")[0] == {"industri", "valu", "add"}
    pool = [s, "Industrial value added is the first indicator the notice watches."]
    assert refusal.lacks_asked_quantity("By what percentage did industrial value added rise?", [s], pool=pool)
    assert not refusal.lacks_asked_quantity("By how much did the profits of industrial enterprises grow?", [s], pool=pool)
    # words no passage uses may be the asker's own ("revenue" for "operating income"): they judge nothing;
    # the words the passages use count by their rarity ("SMEs" is everywhere, "profits" and "exports" are not)
    pool = [s.replace("industrial enterprises", "SMEs"), "The ministry will help SMEs in every province.",
            "SMEs will get loans.", "Exports of SMEs held up."]
    assert not refusal.lacks_asked_quantity("By how much did the revenue of industrial enterprises rise?", [s], pool=pool)
    assert not refusal.lacks_asked_quantity("By how much did the profits of SMEs grow?", pool[:1], pool=pool)
    assert refusal.lacks_asked_quantity("By how much did the exports of SMEs grow?", pool[:1], pool=pool)
    assert refusal.measured_terms("De combien ont progressé les bénéfices des PME au premier trimestre ?") == (
        frozenset({"bénéfic", "pme"}), "fr")
    assert refusal.lacks_asked_quantity("De combien ont progressé les exportations des PME ?",
                                        ["Les bénéfices des PME ont progressé de 7,5 %."],
                                        pool=["Les bénéfices des PME ont progressé de 7,5 %.",
                                              "Les exportations des PME restent fragiles.",
                                              "Les PME recevront des prêts.", "Le ministère aide les PME."])


def test_the_attribution_phrase_is_not_what_is_asked():
    assert intent.without_attribution("What must be strengthened to follow SMEs, according to Xiao Yaqing?") == (
        "What must be strengthened to follow SMEs?")
    assert intent.without_attribution("Selon la conférence, qu'est-ce qui fait avancer l'économie ?") == (
        "qu'est-ce qui fait avancer l'économie ?")
    assert intent.without_attribution("Quels « champions » les PME doivent-elles devenir selon le ministre ?") == (
        "Quels « champions » les PME doivent-elles devenir?")
    assert intent.without_attribution("According to Xiao Yaqing?") == "According to Xiao Yaqing?"  # nothing left


def test_digits_left_by_scraping_state_no_quantity():
    garbled = "1On February 5th, the Ministry, together with the 1 1 department, issued a notice on cooperation."
    assert not refusal.states_quantity(garbled)
    assert refusal.lacks_asked_quantity("How many cities will the ministry choose?", [garbled])
    assert refusal.states_quantity("The ministry issued 20 measures.") and refusal.states_quantity("It rose 1.5 points.")
    # a quotation mark scraped into "?" around a list label: "the first "1" is ..."
    assert not refusal.states_quantity("Xu Xiaolan explained that the first one? 1? It is a series of measures.")
    assert not refusal.states_quantity("The second one? 1? Is it necessary to improve a system?")
    assert refusal.states_quantity("Was it enough? 3 of them said no.")


def test_a_number_glued_to_letters_is_a_name_not_a_quantity():
    s = "Accelerate the deployment of 5G and industrial interconnection applications."
    assert not refusal.states_quantity(s) and not refusal.states_quantity("The G20 summit opened.")
    assert refusal.lacks_asked_quantity("How much did the ministry spend on 5G?", [s])
    assert refusal.states_quantity("They built 3 factories and 5G stations.")


def test_a_rate_question_is_answered_by_the_rate_of_what_it_asks():
    s = "Operating income and profits of small firms increased by 14.6% and 7.5% respectively."
    pool = [s, "Banks should cut the interest rate on loans to small firms.", "Small firms will get loans."]
    assert refusal.measured_terms("What is the growth rate of profits of SMEs in the first quarter?")[0] == {"profit", "sme"}
    assert refusal.measured_terms("Quel est le taux de chômage des jeunes en Chine ?") == (frozenset({"chômag", "jeun"}), "fr")
    assert refusal.lacks_asked_quantity("What is the interest rate cut for small firms?", [s], pool=pool)
    assert not refusal.lacks_asked_quantity("What was the growth rate of profits of small firms?", [s], pool=pool)


def test_day_month_dates_in_figures_are_read_in_words_where_they_cannot_be_anything_else():
    # "what happened on 27/05?" was refused: "05" is a number no passage holds
    assert intent.dates_in_words("what happened on 27/05?") == "what happened on 27 May?"
    assert intent.dates_in_words("que s'est-il passé le 27/05 ?", "fr") == "que s'est-il passé le 27 mai ?"
    assert intent.dates_in_words("on 5/27 what happened") == "on 27 May what happened"
    assert intent.dates_in_words("meeting of 27.05.2022") == "meeting of 27 May 2022"
    for kept in ("24/7 support?", "what about 03/06?", "27.05 billion yuan?", "is 1/2 of the fund used?",
                 "version 3.2 approved?"):
        assert intent.dates_in_words(kept) == kept


def test_chat_forms_of_who_is_and_what_is_are_read_as_such():
    # "c'est qui Xu Xiaolan ?" and "what's the GEM?" were read as plain questions
    for q in ("c'est qui Xu Xiaolan ?", "Xu Xiaolan, c'est qui ?", "qui c'est Xu Xiaolan", "whos Xu Xiaolan?"):
        assert intent.asked_person(q) == "Xu Xiaolan", q
    for q in ("c'est quoi le GEM ?", "what's the GEM?", "whats the GEM"):
        assert intent.asked_term(q) == "GEM", q
    assert intent.asked_person("c'est quoi le GEM ?") is None and intent.asked_term("Whose plan is it?") is None


def test_who_is_questions_ask_for_the_sentence_that_says_what_the_person_is():
    assert intent.asked_person("Who is Xu Xiaolan?") == "Xu Xiaolan"
    assert intent.asked_person("Qui est Xiao Yaqing ?") == "Xiao Yaqing"
    assert intent.asked_person("What is Xu Xiaolan's position?") == "Xu Xiaolan"
    assert intent.asked_person("Quel est le rôle de Xu Xiaolan ?") == "Xu Xiaolan"
    assert intent.asked_person("Who is the minister?") is None
    assert intent.asked_person("What is the role of the National SME Development Fund?") is None
    assert intent.asked_person("Who chaired the June 15 teleconference?") is None
    assert intent.introduces("Xu Xiaolan, Vice Minister of the Ministry of Industry, said that …", "Xu Xiaolan")
    assert intent.introduces("Xiao yaqing, Secrétaire du Groupe du parti et Ministre, a assisté", "Xiao Yaqing")
    assert intent.introduces("Les dirigeants du Ministère Xu Xiaolan, Han Xia et Xu Kemin ont assisté", "Xu Xiaolan")
    assert intent.introduces("Vice Minister Xin Guobin said", "Xin Guobin")
    assert not intent.introduces("Xu Xiaolan revealed that the future will be excellent.", "Xu Xiaolan")
    assert not intent.introduces("The minister said that Xu Xiaolan was right.", "Xu Xiaolan")


def test_a_sentence_dated_by_its_page_states_a_date():
    # "When was the press conference held?": the page's own sentence, not a French one about another
    # meeting that names a day ("Le 27 mai, … une téléconférence"), leads; its citation shows the page's date.
    assert intent.states_date("This morning, the State Council Information Office held a press conference.")
    assert intent.states_date("Hier, le ministère a publié un avis.")
    assert not intent.states_date("The State Council Information Office held a press conference.")
    assert select.lead_first([3, 7], [intent.states_date(x) for x in (
        "This morning, the office held a press conference.", "Le 27 mai, le Ministère a tenu une téléconférence.")]) == [3, 7]


def test_the_first_n_measures_are_items_one_to_n():
    assert intent.asked_items("What are the first three measures?") == (1, 2, 3)
    assert intent.asked_items("Quelles sont les trois premières mesures ?") == (1, 2, 3)
    assert intent.asked_items("What do the first 2 items say?") == (1, 2)
    assert intent.asked_items("What are the first steps?") == ()
    assert intent.asked_items("List the first 50 measures") == ()  # not a list to quote


def test_what_is_an_acronym_or_a_quoted_term_asks_for_a_sentence_that_uses_it():
    assert intent.asked_term("What is the GEM?") == "GEM"
    assert intent.asked_term("Qu'est-ce que le GEM ?") == "GEM"
    assert intent.asked_term('What is the "white list"?') == "white list"
    assert intent.asked_term("Que signifie « liste blanche » ?") == "liste blanche"
    assert intent.asked_term("What does NDRC stand for?") == "NDRC"
    assert intent.asked_term("What is the capital of Australia?") is None  # no name to look for
    assert intent.asked_term("What is item 13 about?") is None
    assert intent.mentions('go public through "GEM" financing', "GEM") and not intent.mentions("gemstones", "GEM")


def test_a_figure_the_question_gives_is_no_answer_to_it():
    goal = "Strive to achieve the goal of 600 billion yuan for SME loans this year."
    assert refusal.lacks_asked_quantity(
        "By how much does this year's 600 billion yuan loan goal for SMEs exceed last year's figure?", [goal])
    assert not refusal.lacks_asked_quantity("How much will banks lend to SMEs this year?", [goal])
    assert refusal.lacks_asked_quantity("How many of the 20 measures concern loans?", ["The ministry issued 20 measures."])
    assert not refusal.lacks_asked_quantity("How many of the 20 measures concern loans?", ["Five of the 20 measures concern loans."])


def test_how_much_did_x_fall_reads_what_is_measured_like_by_how_much():
    income = ("Statistics show that the operating income and profits of small and medium-sized industrial "
              "enterprises increased by 14.1% and 6.5% respectively in the first quarter.")
    others = [income, "Exports were discussed with small firms.", "The ministry supports small firms."]
    assert refusal.lacks_asked_quantity("How much did exports of SMEs fall in the first quarter?", [income], pool=others)
    assert not refusal.lacks_asked_quantity("How much did the profits of SMEs rise in the first quarter?", [income],
                                            pool=others)


def test_how_long_asks_for_a_duration():
    assert refusal.asks_quantity("How long can loans be extended?")
    assert refusal.asks_quantity("Quelle est la durée de la période de report des prêts ?")
    assert refusal.asks_quantity("Combien de temps dure le plan ?")
    assert not refusal.asks_quantity("How long ago was the notice issued?")  # a date
    extended = "Those who have difficulties in repayment at maturity can be extended or renewed."
    assert refusal.lacks_asked_quantity("How long can loans be extended?", [extended])
    assert not refusal.lacks_asked_quantity("How long is the action plan?",
                                            ["Accelerate the implementation of the three-year action plan."])


def test_how_much_money_was_put_into_x_measures_x():
    # "How much money was put into the special relief funds for SMEs?" was answered by the 600
    # billion yuan loan goal: an amount, but of loans, not of the funds asked about.
    q = "How much money was put into the special relief funds for SMEs?"
    assert refusal.measured_terms(q) == (frozenset({"special", "relief", "fund", "sme"}), "en")
    loans = "Strive to achieve the goal of 600 billion yuan for SME loans this year and supplement guarantee funds."
    relief = "The special relief funds for SMEs received 30 billion yuan."
    pool = [loans, relief, "SMEs will get help.", "The ministry supports SMEs in every province."]
    assert refusal.lacks_asked_quantity(q, [loans], pool=pool)
    assert not refusal.lacks_asked_quantity(q, [relief], pool=pool)
    assert refusal.measured_terms("How much was allocated to technological transformation?")[0] == {"technolog", "transform"}


def test_who_a_question_asks_to_have_said_and_who_a_sentence_reports_speaking():
    assert intent.asked_speaker("What did Xiao Yaqing say about 5G?") == "Xiao Yaqing"
    assert intent.asked_speaker("Comment le ministère affine-t-il ses politiques, d'après Xu Xiaolan ?") == "Xu Xiaolan"
    assert intent.asked_speaker("Who is Han Xia?") is None and intent.asked_speaker("What did the notice say?") is None
    assert intent.asked_speaker("What party post does Xiao Yaqing hold, according to the report?") is None
    assert intent.speaker("Xu Xiaolan, Vice Minister of Industry, said that since 2022 …") == "Xu Xiaolan"
    assert intent.speaker("Xu Xiaolan explained that the first one is …") == "Xu Xiaolan"
    assert intent.speaker("The Ministry said that …") is None and intent.speaker("Small Firms said that …") is None
    assert intent.speaker("Xiao yaqing, Secrétaire du Groupe du parti, a assisté à la Conférence.") is None
    assert intent.other_speaker("Xu Xiaolan explained that …", "Xiao Yaqing")
    assert not intent.other_speaker("Xiao yaqing a souligné que …", "Xiao Yaqing")


def test_what_x_said_about_y_asks_about_y():
    assert intent.without_attribution("What did the May 27 teleconference say about supply chains?") == "supply chains"
    assert intent.without_attribution("Qu'a dit Xiao Yaqing sur la 5G ?") == "la 5G"
    assert intent.without_attribution("What did he say about loans (spoke May 27 teleconference)") == "loans"
    assert intent.without_attribution("What did the notice say?") == "What did the notice say?"
    assert intent.courtesy("thanks for the answer!") == ("thanks", "en")
    assert intent.courtesy("Thanks, what about taxes?") is None
    assert intent.without_courtesy("Thanks, what about taxes?") == "what about taxes?"
    assert intent.without_courtesy("Hi!") == "Hi!"


def test_chat_openers_are_not_part_of_what_is_asked():
    # "quick question: any help with financing?" had the terms "quick" and "question"
    cases = {
        "quick question: any help with financing?": "any help with financing?",
        "hey what is the plan for factories?": "what is the plan for factories?",
        "so when was the press conference": "when was the press conference",
        "I was wondering, can you tell me what the loan target is?": "what the loan target is?",
        "Do you know if loans are offered?": "loans are offered?",
        "just curious, who attended?": "who attended?",
        "ok so what about taxes": "what about taxes",
        "petite question : quel est le montant des prêts ?": "quel est le montant des prêts ?",
        "question rapide : pour le 2e trimestre, ils veulent quoi": "pour le 2e trimestre, ils veulent quoi",
        "dites-moi qui a assisté à la réunion": "qui a assisté à la réunion",
    }
    for typed, asked in cases.items():
        assert intent.without_preamble(typed) == asked, typed
    # words that open other questions too are kept there; nothing is left empty
    for kept in ("Right to work from home?", "Well-known firms?", "So-called green loans?", "Well funded firms get loans?",
                 "Which question was asked?", "So?", "Bon à savoir : quels prêts ?"):
        assert intent.without_preamble(kept) == kept


def test_markup_is_not_part_of_what_is_asked():
    assert intent.without_markup("<script>alert(1)</script> what's the per diem?") == "what's the per diem?"
    assert intent.without_markup("<p>What <b>loans</b>&nbsp;&amp; grants?</p>") == "What loans & grants?"
    assert intent.without_markup("<!-- x --><style>p{}</style>Qui a assisté ?") == "Qui a assisté ?"
    assert intent.without_markup("<img src=x onerror=alert(1)>who attended") == "who attended"
    # a "<" or "&" that is no markup stays, and so does the question around it
    for kept in ("costs < 50 euros and > 20?", "R&D loans &amp; more?", "a<b?", "who attended?"):
        assert intent.without_markup(kept) == kept


def test_a_did_they_mention_x_question_names_its_topic():
    assert intent.mention_topic("Did the ministry say anything about flood?") == "flood"
    assert intent.mention_topic("Is there anything about the epidemic?") == "the epidemic"
    assert intent.mention_topic("Are rents mentioned?") == "rents"
    assert intent.mention_topic("What does the doc say about masks") == "masks"
    assert intent.mention_topic("Est-ce que le document parle de la 5G ?") == "5G"
    assert intent.mention_topic("Le ministère a-t-il parlé des inondations ?") == "inondations"
    for q in ("What did Xiao Yaqing say about 5G?", "Did the council approve the budget?", "Is the target 600 billion?",
              "is alcohol covered on expense reports?", "are taxis covered?"):  # paid for, not mentioned
        assert intent.mention_topic(q) is None, q


def test_a_question_about_the_collection_itself():
    assert intent.collection_question("How many documents are there?") == "count"
    assert intent.collection_question("What documents do you have?") == "list"
    assert intent.collection_question("Quels documents avez-vous ?") == "list"
    assert intent.collection_question("Which document is the most recent?") == "latest"
    assert intent.collection_question("Quel document est le plus ancien ?") == "oldest"
    for q in ("How many documents talk about loans?", "What does the latest document say about loans?",
              "What documents do you have about loans?", "List the documents on taxes",
              "What did the first document say?", "What are the sources of funding?", "Which documents mention loans?"):
        assert intent.collection_question(q) is None, q


def test_the_collection_reply_lists_counts_and_dates_documents():
    from rag.answer.compose import LISTED, collection_text

    docs = [("Loans", "2022-09-22", "en"), ("Réunion", "--05-27", "fr"), ("Press", "2021-09-16", "en"), ("Notice", None, "en")]
    text = collection_text("list", docs, "en")
    assert text.startswith("The index holds 4 documents:") and "- Loans (22 September 2022, en)" in text
    assert collection_text("latest", docs, "en").startswith("The most recent document is “Loans” (22 September 2022, en).")
    assert "2 of the 4 documents state no full date" in collection_text("oldest", docs, "en")
    assert "« Press » (16 septembre 2021, en)" in collection_text("oldest", docs, "fr")
    many = [(f"Doc {i}", None, "en") for i in range(LISTED + 5)]
    assert collection_text("count", many, "en") == f"The index holds {LISTED + 5} documents."
    assert collection_text("list", many, "en").endswith("… and 5 more.")
    assert collection_text("latest", many, "en") == f"None of the {LISTED + 5} documents states a full date."


def test_a_count_question_is_answered_by_a_figure_that_counts_what_it_asks():
    # "How many SMEs are there in China?" was answered by "the goal of 600 billion yuan for SME
    # loans" once "SMEs" matched "SME": the figure counts yuan, not SMEs.
    q = "How many SMEs are there in China?"
    assert refusal.lacks_asked_quantity(q, ["Strive to achieve the goal of 600 billion yuan for SME loans this year."])
    assert not refusal.lacks_asked_quantity(q, ["There are 43 million SMEs in China."])
    assert refusal.counts("The ministry issued 20 policies and measures.", refusal.counted("How many measures were issued?"))
    assert refusal.counts("more than 4,700 specialized and new little giant enterprises",
                          refusal.counted("How many little giant firms are there?"))


def test_a_span_of_time_is_counted_in_any_unit_and_how_long_counts_no_noun():
    # "combien de temps pour envoyer le certificat médical ?" was refused: no figure counted "temps".
    sick = ["En cas d'arrêt maladie, le salarié envoie le certificat médical sous 48 heures."]
    assert not refusal.lacks_asked_quantity("Combien de temps pour envoyer le certificat médical ?", sick)
    assert not refusal.lacks_asked_quantity("Combien de jours pour envoyer le certificat médical ?", sick)
    assert not refusal.lacks_asked_quantity("How many days do I have to report a lost laptop?",
                                            ["Lost devices must be reported within 24 hours."])
    assert not refusal.lacks_asked_quantity("How many times a year are suppliers assessed?",
                                            ["Suppliers are assessed every 2 years."])
    assert refusal.lacks_asked_quantity("How many SMEs are there?", sick)  # still a count of SMEs


def test_how_much_notice_asks_for_a_duration_not_money():
    # "How much notice is needed before taking more than a week off?" was refused: read as a money
    # question, the French "au moins quatre semaines à l'avance" stated no amount.
    q = "How much notice is needed before taking more than a week off?"
    assert refusal.asks_quantity(q) and not refusal.asks_amount(q)
    assert not refusal.lacks_asked_quantity(q, ["Les congés doivent être posés au moins quatre semaines à l'avance."], [False])
    assert refusal.asks_amount("How much will the repairs cost?") and refusal.asks_amount("How much did banks lend?")


def test_the_askers_own_figures_are_no_key_facts():
    # "Do I need three quotes for a 3,000 euro laptop?" was refused: no passage says "3,000", but the
    # rule with other figures ("between 5,000 and 50,000 euros") answers the asker's case.
    rule = ["Purchases between 5,000 and 50,000 euros require three written quotes."]
    assert not refusal.misses_key_facts("Do I need three quotes for a 3,000 euro laptop?", rule)
    assert not refusal.misses_key_facts("Can I carry over 10 days of holiday?", ["Five days may be carried over."])
    assert not refusal.misses_key_facts("Puis-je dépenser 200 € pour un hôtel ?", ["Hotels are capped at 180 euros."])
    assert refusal.misses_key_facts("What was decided at the meeting on June 3?", ["The meeting on May 27 decided."])
    assert refusal.misses_key_facts("What does the 2019 notice say about 5,000 euros?", rule)  # not the asker's case
    # told in the first person anywhere, not only after "can I / do I": still the asker's own case
    leave = ["Les congés doivent être posés au moins quatre semaines à l'avance pour toute absence de plus d'une semaine."]
    assert not refusal.misses_key_facts("je pars 3 semaines en août, je dois poser mes congés combien de temps avant ?",
                                        leave)
    assert not refusal.misses_key_facts("il me reste 8 jours, j'ai le droit de les reporter ?", leave)
    assert not refusal.misses_key_facts("a 3,000 euro laptop for my team: how many quotes?", rule)
    assert refusal.misses_key_facts("What did the ministry announce on 3 June 2021?", leave)  # no one's case
    assert refusal.misses_key_facts("Did the meeting on 3 June discuss leave?", leave)
