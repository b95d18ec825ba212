"""Which questions ask who or what someone is, and the roles the transcripts' sentences give them (spaCy's
parse, the offline extractor's model): each person of a chair's list of guests gets their own role."""

from __future__ import annotations

import pytest

from backend.graph.results import EntitySummary
from backend.retrieve.identity import RoleReader, asked_about, name_forms

# the shape of a committee chair's welcome (QMSum's Welsh committees), with made-up people
WELCOME = (
    "I'm very pleased to welcome Ffion Price AM, the Minister for Rivers and Coasts; Gareth Lloyd AM, "
    "Deputy Minister for Rivers and Coasts; Mair Evans, deputy director general of the water group; and "
    "Owen Pugh, who is the head of flood defence, coastal works and harbour repairs."
)


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("Who is Tomás Silva?", "Tomás Silva"),
        ("who's Lena", "Lena"),
        ("What is Maritime Mutual?", "Maritime Mutual"),
        ("Tell me about Cellwise.", "Cellwise"),
        ("What do we know about the Voltra battery pack?", "Voltra battery pack"),
        ("Who is building the SAP export?", None),  # asks for a person, not about one
        ("What is the budget?", None),
        ("What is Marketing's presentation mainly about?", None),
        ("What is Northwind worried about?", None),
        ("When does the pilot start?", None),
    ],
)
def test_questions_about_someone_or_something(question, subject):
    assert asked_about(question) == subject


def test_a_first_name_means_the_person_and_their_spoken_name():
    lena = EntitySummary(id="e1", name="Lena Fischer", type="Person", aliases=["Lena"])
    lens = EntitySummary(id="e2", name="Lena", type="Product")
    forms = name_forms("Lena", [lena, lens], ["Lena Fischer", "Lenard Smith"])
    assert set(forms) == {"Lena", "Lena Fischer"}
    assert name_forms("Ffion Price", [], ["Ffion Price AM"]) == ["Ffion Price AM", "Ffion Price"]


@pytest.fixture(scope="module")
def reader():
    return RoleReader()


@pytest.mark.parametrize(
    ("forms", "role"),
    [
        (["Ffion Price AM", "Ffion Price"], "the Minister for Rivers and Coasts"),
        (["Gareth Lloyd"], "Deputy Minister for Rivers and Coasts"),
        (["Mair Evans"], "deputy director general of the water group"),
        (["Owen Pugh"], "the head of flood defence, coastal works and harbour repairs"),
    ],
)
def test_each_guest_of_a_welcome_gets_their_own_role(reader, forms, role):
    assert reader.roles("Chair", WELCOME, forms) == [role]


@pytest.mark.parametrize(
    ("speaker", "sentence", "forms", "roles"),
    [
        ("Priya", "The firmware is finished by our engineer Tomás Silva.", ["Tomás Silva"], ["our engineer"]),
        ("Sven", "Our insurer, Maritime Mutual, wants an alert.", ["Maritime Mutual"], ["Our insurer"]),
        ("Priya", "Maria raises it with Lena Fischer from our integration team.", ["Lena Fischer"],
         ["from our integration team"]),
        ("Aisha Bello", "From finance: the pack adds sixty cents.", ["Aisha Bello"], ["from finance"]),
        ("Sven", "Hi Priya, thanks for making time.", ["Priya"], []),  # spoken to, not described
        ("David", "How long would that take, Lena?", ["Lena"], []),
    ],
)  # fmt: skip
def test_roles_said_of_a_name_and_not_a_greeting(reader, speaker, sentence, forms, roles):
    assert reader.roles(speaker, sentence, forms) == roles
