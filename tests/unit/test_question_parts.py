"""Questions in parts and what an extractive answer weighs: where a question splits (and where it must
not), how the parts' citations are merged and numbered, and the scoring rules for possessives, relative
clauses, relations the graph holds and broad "what does X want" questions."""

from __future__ import annotations

from backend.conversation.hops import _addressed, _main_thing_first, _merge, _who_does_it, split
from backend.conversation.session import TurnEntity
from backend.domain import Citation
from backend.retrieve import statements
from backend.retrieve.evidence import Evidence


def test_a_compound_question_splits_where_a_new_question_starts():
    assert split("Who is building the export that Northwind asked for, and how long will it take?") == [
        "Who is building the export that Northwind asked for?",
        "how long will it take?",
    ]
    assert split("Who is finishing the firmware? When will he be done?") == [
        "Who is finishing the firmware?", "When will he be done?",
    ]  # fmt: skip
    assert split("Who is finishing the firmware, and when?") == ["Who is finishing the firmware?", "when?"]


def test_and_between_names_or_a_short_question_does_not_split():
    for question in (
        "Who met Sven and Priya in Rotterdam?",
        "What did Maria and David decide about the pilot?",
        "Who and when?",
        "When does the pilot start?",
    ):
        assert split(question) == [question]


def cite(transcript: str, start: int) -> Citation:
    return Citation(
        transcript_id=transcript, title=transcript, chunk_id=f"{transcript}{start}", text="x", speakers=[],
        start_s=None, end_s=None, turn_start=start, turn_end=start + 3, score=0.0,
    )  # fmt: skip


def test_parts_citations_are_taken_in_turn_each_numbered_once():
    first = Evidence(citations=[cite("a", 0), cite("b", 0), cite("c", 0)])
    second = Evidence(citations=[cite("d", 0), cite("a", 0), cite("e", 0)])
    merged, numbers = _merge([first, second], k=4)
    assert [c.transcript_id for c in merged] == ["a", "d", "b", "c"]
    # the second part's "a" is the first part's [1]; "e" did not fit in k
    assert numbers == [[1, 3, 4], [2, 1]]


def test_a_part_citing_a_stretch_already_cited_takes_its_number():
    """covid_2 turns 322–325 then 323–325 are one moment, cited once; 326–329 only touches it."""
    first = Evidence(citations=[cite("covid_2", 322), cite("b", 0)])
    second = Evidence(citations=[cite("covid_2", 323), cite("covid_2", 321), cite("covid_2", 326)])
    merged, numbers = _merge([first, second], k=4)
    assert [(c.transcript_id, c.turn_start) for c in merged] == [("covid_2", 322), ("b", 0), ("covid_2", 326)]
    # both of the second part's overlapping hits are [1], numbered once; the freed slot is not left empty
    assert numbers == [[1, 2], [1, 3]]


def candidate(sentence: str, speaker: str = "", question: bool = False) -> statements.Candidate:
    return statements.Candidate(1, speaker, sentence, 0, question)


def test_a_possessives_head_counts_more_and_a_relative_clause_less():
    found = [
        candidate(s) for s in ("Our insurer wants alerts.", "Sven Larsen met the planners in Singapore.")
    ]
    weighted = statements.weights(found, statements.stems("What does Sven Larsen's insurer want?"),
                                  "What does Sven Larsen's insurer want?")  # fmt: skip
    assert weighted["insur"] == 2 * weighted["want"]
    question = "Who is building the export that the planners in Singapore asked for?"
    weighted = statements.weights(found, statements.stems(question), question)
    assert weighted["planner"] < weighted["build"]
    assert statements.relative_clause_start(question) == question.index(" that ")
    assert statements.relative_clause_start("Who is building the export?") is None


def test_a_sentence_stating_a_relation_the_question_asks_about_scores_higher():
    relations = statements.relations_asked(
        "Who is building the SAP export?",
        [_edge("p1", "BUILD", "c1"), _edge("p2", "RAISE", "c1")],
        {"p1": "Lena Fischer", "p2": "Maria Chen", "c1": "sap export"},
    )
    assert relations == [("Lena Fischer", "sap export")]
    assert statements.states("Then Lena builds the SAP export next week.", relations)
    assert not statements.states("Maria raises the SAP export today.", relations)
    plain = dict(question="Who is building the SAP export?", weighted={}, people=set(), named_people=set())
    stating = candidate("Then Lena builds the SAP export next week.")
    assert statements.score(stating, 0.3, relations=relations, **plain) > statements.score(
        stating, 0.3, **plain
    )


def _edge(source: str, kind: str, target: str):
    from backend.graph.results import Edge

    return Edge(source=source, target=target, type=kind)


def test_a_broad_question_of_wants_prefers_what_they_asked_for():
    assert statements.wanting("What does Northwind want?") == "Northwind"
    assert statements.wanting("What did Maritime Mutual ask for?") == "Maritime Mutual"
    assert statements.wanting("What does the pilot cost?") is None
    assert statements.states_want(
        candidate("Northwind also asked whether the dashboard can export."), "Northwind"
    )
    assert not statements.states_want(
        candidate("Northwind routes containers through Singapore."), "Northwind"
    )
    assert not statements.states_want(candidate("Does Northwind want more?", question=True), "Northwind")


def test_a_broad_answer_leaves_out_sentences_that_repeat_a_better_one():
    ranked = [
        candidate("They want two hundred trackers on refrigerated containers."),
        candidate("Two hundred trackers on refrigerated containers, they want."),
        candidate("Northwind asked for an export to SAP."),
    ]
    assert statements.diverse(ranked, [0, 1, 2]) == [0, 2]


def entity(name: str, kind: str, role: str) -> TurnEntity:
    return TurnEntity(id=name, name=name, type=kind, role=role, mention=name)


def test_it_in_the_next_part_is_the_thing_the_first_part_asked_about():
    question = "Who is building the export that Northwind's planners asked for?"
    turn = _main_thing_first(
        [entity("export", "Concept", "question"), entity("Northwind", "Organization", "question"),
         entity("Lena Fischer", "Person", "answer")],
        question,
    )  # fmt: skip
    roles = {e.name: e.role for e in turn}
    assert roles == {"export": "question", "Northwind": "carried", "Lena Fischer": "answer"}


def test_she_after_an_answered_who_is_whoever_answered_it():
    question = "Who will raise the SAP export with Lena Fischer?"
    turn = _main_thing_first(
        [entity("sap export", "Concept", "question"), entity("Lena Fischer", "Person", "question"),
         entity("Maria Chen", "Person", "answer")],
        question,
    )  # fmt: skip
    assert [e.name for e in turn if e.type == "Person"] == ["Maria Chen"]


def test_the_next_part_is_asked_of_the_person_the_graph_says_does_it():
    from backend.graph.results import EntitySummary

    def summary(id_: str, name: str, kind: str) -> EntitySummary:
        return EntitySummary(id=id_, name=name, type=kind)

    evidence = Evidence(
        citations=[],
        entities=[summary("p1", "Lena Fischer", "Person"), summary("c1", "sap export", "Concept"),
                  summary("p2", "Maria Chen", "Person")],
        relations=[_edge("p1", "BUILD", "c1"), _edge("p2", "RAISE", "c1")],
    )  # fmt: skip
    assert _who_does_it("Who is building the export Northwind asked for?", evidence) == "Lena Fischer"
    assert _who_does_it("Who asked for a proposal?", evidence) is None  # no relation says so
    assert _who_does_it("When is the export built?", evidence) is None  # not a "who" part
    assert _addressed("How long will the SAP export take?", "Lena Fischer") == (
        "How long will the SAP export take, Lena Fischer?"
    )
    assert _addressed("How long will it take Lena?", "Lena Fischer") == "How long will it take Lena?"
    assert _addressed("How long will it take?", None) == "How long will it take?"
