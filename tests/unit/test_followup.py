"""Offline follow-up resolution, rule by rule: which earlier entity a pronoun stands for (by the types
the graph knows), possessives, "it" with nothing to refer to, a pronoun the question itself explains,
"what about X", and what a turn was about (the person an answer names next to what was asked)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from backend.conversation.about import rank_answer_entities
from backend.conversation.followup import OfflineResolver
from backend.conversation.mentions import Named, find
from backend.conversation.session import Turn, TurnEntity
from backend.graph.results import EntitySummary, ScoredEntity

ENTITIES = [
    EntitySummary(
        id="org-nw", name="Northwind", type="Organization", aliases=["Northwind Logistics"], mention_count=9
    ),
    EntitySummary(id="per-nw", name="Northwind", type="Person", mention_count=1),  # an extraction slip
    EntitySummary(id="org-mm", name="Maritime Mutual", type="Organization", mention_count=3),
    EntitySummary(id="per-lf", name="Lena Fischer", type="Person", aliases=["Lena"], mention_count=8),
    EntitySummary(id="per-ts", name="Tomás Silva", type="Person", aliases=["Tomás"], mention_count=8),
    EntitySummary(id="per-pr", name="Priya Raman", type="Person", aliases=["Priya"], mention_count=8),
    EntitySummary(id="con-ex", name="export", type="Concept", mention_count=2),
    EntitySummary(id="pro-at", name="Atlas", type="Product", mention_count=4),
    # the meetings' words: "case" and "budget" the graph does not know
    EntitySummary(id="per-pm", name="Project Manager", type="Person", mention_count=5),
    EntitySummary(id="per-ann", name="Ann", type="Person", mention_count=3),
    EntitySummary(id="con-bat", name="battery", type="Concept", mention_count=4),
    EntitySummary(id="con-off", name="office", type="Concept", mention_count=2),
    EntitySummary(id="con-set", name="settlement", type="Concept", mention_count=2),
    EntitySummary(id="con-pen", name="pension scheme", type="Concept", mention_count=2),
]


class NameSearch:
    """The one graph read the resolver makes (`store.search`): entities whose names the text contains."""

    async def fulltext_search_entities(self, namespace, text, k=10):
        words = set(re.findall(r"\w+", text.lower()))
        return [
            ScoredEntity(**e.model_dump(), score=1.0)
            for e in ENTITIES
            if words & set(re.findall(r"\w+", " ".join([e.name, *e.aliases]).lower()))
        ][:k]


def entity(entity_id: str, role: str) -> TurnEntity:
    e = next(x for x in ENTITIES if x.id == entity_id)
    return TurnEntity(id=e.id, name=e.name, type=e.type, aliases=e.aliases, role=role)


def turn(standalone: str, *entities: TurnEntity) -> Turn:
    return Turn(index=1, question=standalone, standalone_question=standalone, answer="…", mode="extractive",
                entities=list(entities))  # fmt: skip


NORTHWIND = turn("What does Northwind want?", entity("org-nw", "question"), entity("per-pr", "answer"))
WHO_EXPORT = turn(
    "Who is building the export for Northwind?",
    entity("con-ex", "question"), entity("org-nw", "carried"),
    entity("per-lf", "answer"), entity("per-ts", "answer"),
)  # fmt: skip


async def resolve(question: str, *history: Turn) -> tuple[str, str, list[str]]:
    resolved = await OfflineResolver(SimpleNamespace(search=NameSearch())).resolve(
        "ns", question, list(history)
    )
    return resolved.standalone, resolved.resolution, [e.name for e in resolved.carried]


async def test_a_first_question_stands_alone():
    assert await resolve("What does Northwind want?") == ("What does Northwind want?", "none", [])


async def test_them_is_the_organisation_and_a_leading_and_goes():
    assert await resolve("And who is building the export for them?", NORTHWIND) == (
        "Who is building the export for Northwind?", "offline", ["Northwind"],
    )  # fmt: skip


async def test_her_after_a_who_question_is_the_person_the_answer_named_and_it_the_thing_asked_about():
    assert await resolve("How long will it take her?", NORTHWIND, WHO_EXPORT) == (
        "How long will the export take Lena Fischer?", "offline", ["export", "Lena Fischer"],
    )  # fmt: skip


async def test_possessives():
    standalone, _, _ = await resolve("What did her team promise?", NORTHWIND, WHO_EXPORT)
    assert standalone == "What did Lena Fischer's team promise?"
    standalone, _, _ = await resolve("Who is their contact?", NORTHWIND)
    assert standalone == "Who is Northwind's contact?"
    standalone, _, _ = await resolve("Did they ask her about it?", NORTHWIND, WHO_EXPORT)
    assert standalone == "Did Northwind ask Lena Fischer about the export?"


async def test_he_without_a_who_question_prefers_the_person_asked_about():
    priya = turn("What did Priya Raman promise?", entity("per-pr", "question"), entity("per-ts", "answer"))
    assert (await resolve("When did he say that?", priya))[0] == "When did Priya Raman say that?"


async def test_it_is_the_organisation_when_nothing_else_was_asked_about():
    assert (await resolve("When does it start the pilot?", NORTHWIND))[
        0
    ] == "When does Northwind start the pilot?"


async def test_a_pronoun_the_question_explains_is_left_alone():
    assert await resolve("What did Priya say about her deadline?", WHO_EXPORT) == (
        "What did Priya say about her deadline?", "none", [],
    )  # fmt: skip


async def test_it_with_nothing_to_refer_to_is_left_alone():
    assert (await resolve("Is it true that the pilot starts in March?", NORTHWIND))[0] == (
        "Is it true that the pilot starts in March?"
    )


async def test_no_candidate_of_the_right_type_leaves_the_pronoun():
    only_org = turn("What does Northwind want?", entity("org-nw", "question"))
    assert await resolve("What did she say?", only_org) == ("What did she say?", "none", [])


async def test_only_the_last_few_turns_count():
    old = [turn(f"What about the price {n}?") for n in range(3)]
    assert await resolve("What did she say?", WHO_EXPORT, *old) == ("What did she say?", "none", [])


@pytest.mark.parametrize(
    "followup", ["What about Maritime Mutual?", "And Maritime Mutual?", "how about Maritime Mutual"]
)
async def test_what_about_x_repeats_the_last_question_about_x(followup):
    standalone, resolution, _ = await resolve(followup, NORTHWIND)
    assert (standalone, resolution) == ("What does Maritime Mutual want?", "offline")


def test_an_answer_is_about_the_person_named_next_to_what_was_asked():
    answer = (
        "• David Okafor: “Then the plan is: Tomás finishes the probe firmware by Wednesday, Lena builds the "
        "SAP export next week.” [1]\n• Priya Raman: “Maria is raising it with Lena Fischer today.” [2]"
    )
    people = [e for e in ENTITIES if e.type == "Person" and e.id != "per-nw"]
    named = [Named(e, m[0].start(), m[0].end(), m[0].group(0)) for e in people if (m := find(e, answer))]
    ranked = rank_answer_entities(answer, named, "Who is building the export for Northwind?")
    assert ranked[0].entity.name == "Lena Fischer"


async def test_a_bare_question_word_asks_the_last_question_that_way():
    pilot = turn("When does the Northwind pilot start?", entity("org-nw", "question"))
    assert await resolve("Where?", pilot) == ("Where does the Northwind pilot start?", "offline", [])
    assert await resolve("When?", NORTHWIND, WHO_EXPORT) == (
        "When is Lena Fischer building the export for Northwind?", "offline", ["Lena Fischer"],
    )  # fmt: skip


async def test_after_who_is_x_he_is_x():
    who_is = turn("Who is Tomás Silva?", entity("per-ts", "question"), entity("per-pr", "answer"))
    assert (await resolve("What is he working on?", who_is))[0] == "What is Tomás Silva working on?"


def test_one_entity_per_name_where_names_and_aliases_meet():
    from backend.conversation.mentions import best_typed

    org = EntitySummary(id="o", name="Northwind Logistics Inc", type="Organization", aliases=["Northwind"],
                        mention_count=9)  # fmt: skip
    slip = EntitySummary(id="p", name="Northwind", type="Person", mention_count=1)
    assert [e.id for e in best_typed([slip, org])] == ["o"]


BATTERY = turn(
    "What did the Project Manager think of the battery?",
    entity("per-pm", "question"),
    entity("con-bat", "question"),
)
OFFICE = turn("Who will run the office?", entity("con-off", "question"))
SETTLEMENT = turn("Who else spoke about the Diamond settlement?", entity("con-set", "question"))
LISBON = turn(
    "What did Ann say about the Lisbon office?", entity("per-ann", "question"), entity("con-off", "question")
)


@pytest.mark.parametrize(
    ("previous", "followup", "standalone"),
    [
        # the topic (the last thing asked about) is replaced, not the person, with one "the"
        (BATTERY, "What about the case?", "What did the Project Manager think of the case?"),
        (BATTERY, "And case?", "What did the Project Manager think of the case?"),
        (OFFICE, "And the budget?", "Who will run the budget?"),
        # a phrase is replaced whole, not the term inside a name
        (SETTLEMENT, "What about the pension scheme?", "Who else spoke about the pension scheme?"),
        # a name where a common noun was takes its place without "the"; a name for a name keeps it
        (BATTERY, "What about Atlas?", "What did the Project Manager think of Atlas?"),
        (turn("When does the Northwind pilot start?", entity("org-nw", "question")), "And Maritime Mutual?",
         "When does the Maritime Mutual pilot start?"),
        # a person replaces the person
        (BATTERY, "What about Priya?", "What did Priya think of the battery?"),
        (WHO_EXPORT, "What about Priya?", "What about Priya?"),
        # somewhere else: the last question's trailing "in …" replaced, or one added
        (turn("What did Marketing think of the buttons in ES2006c?"), "And in IS1006c?",
         "What did Marketing think of the buttons in IS1006c?"),
        (BATTERY, "What about in the kickoff meeting?",
         "What did the Project Manager think of the battery in the kickoff meeting?"),
    ],
)  # fmt: skip
async def test_what_about_x_replaces_what_the_last_question_asked_about(previous, followup, standalone):
    assert (await resolve(followup, previous))[0] == standalone


async def test_the_topic_is_found_when_the_graph_knows_none_of_it():
    unknown = turn("Who will run the Lisbon office?")
    assert (await resolve("And the budget?", unknown))[0] == "Who will run the budget?"
    subject = turn("When does the pilot start?")  # "the pilot" is who starts, not what is asked about
    assert (await resolve("And the budget?", subject))[0] == "The budget?"


async def test_it_is_the_whole_phrase_the_question_said():
    assert await resolve("Who will run it?", LISBON) == (
        "Who will run the Lisbon office?",
        "offline",
        ["office"],
    )
    assert (await resolve("Who decided it?", SETTLEMENT))[0] == "Who decided the Diamond settlement?"
