"""Which questions ask who or what someone is, and the roles the transcripts' sentences give them (spaCy's
parse, the offline extractor's model): each person of a chair's list of guests gets their own role."""

from __future__ import annotations

import pytest

from backend.graph.results import EntitySummary
from backend.retrieve.identity import asked_about, name_forms
from backend.retrieve.roles import RoleReader, spoken_to

# the shapes of a committee chair's welcome (QMSum's Welsh committees), with made-up people
WELCOME = (
    "I'm very pleased to welcome Ffion Price AM, the Minister for Rivers and Coasts; Gareth Lloyd AM, "
    "Deputy Minister for Rivers and Coasts; Mair Evans, deputy director general of the water group; and "
    "Owen Pugh, who is the head of flood defence, coastal works and harbour repairs."
)
WELCOME_COMMAS = (
    "I'm very pleased to welcome Carys Hughes, Cabinet Secretary for Farming, Dylan Rhys, Minister for "
    "Ports and Harbours, and Elin Jones, director for roads and rail, also Gwen Price, deputy director."
)


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("Who is Tomás Silva?", "Tomás Silva"),
        ("who's Lena", "Lena"),
        ("What is Maritime Mutual?", "Maritime Mutual"),
        ("Tell me about Cellwise.", "Cellwise"),
        ("What do we know about Voltra?", "Voltra"),
        ("What do we know about the Voltra battery pack?", None),
        ("Who is the Chair?", None),  # who holds a role, not what someone is
        ("Who is The Chair?", None),
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
    ("forms", "role"),
    [
        (["Carys Hughes"], "Cabinet Secretary for Farming"),
        (["Dylan Rhys"], "Minister for Ports and Harbours"),
        (["Elin Jones"], "director for roads and rail"),
    ],
)
def test_a_welcome_in_commas_ends_each_role_where_the_next_guest_begins(reader, forms, role):
    assert reader.roles("Chair", WELCOME_COMMAS, forms) == [role]


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
        # spoken to, in other shapes (a probe over the 35 meetings found each giving a "role")
        ("Ann", "They are identifying the gaps, David, and we will fund them.", ["David"], []),
        ("Ann", "Huw, is there anything else I need to add?", ["Huw"], []),
        # an amount, or a place a name only qualifies, is no role
        ("Ann", "We get the full grant, $2,000, every month.", ["CERB", "grant"], []),
        ("Priya", "We tested it in the SAP sandbox Northwind gave us.", ["Northwind"], []),
        ("Aisha", "At the volumes Northwind is discussing, that is about thirty thousand euros.",
         ["Northwind"], []),
        ("Chair", "I welcome Rhys Hughes, who is substituting for her today.", ["Rhys Hughes"],
         ["substituting for her today"]),
        ("Ann Lee", "I'm the Member for Cardiff West and South Wales, and I have had letters.", ["Ann Lee"],
         ["the Member for Cardiff West and South Wales"]),
        # a self-introduction ends where the speaker goes on
        ("Kate", "I'm the Marketing Expert um so like I'm gonna be doing the research.", ["Kate"],
         ["the Marketing Expert"]),
    ],
)  # fmt: skip
def test_roles_said_of_a_name_and_not_a_greeting(reader, speaker, sentence, forms, roles):
    assert reader.roles(speaker, sentence, forms) == roles


@pytest.mark.parametrize(
    ("sentence", "spoken"),
    [
        ("Hi Priya, thanks for making time.", True),
        ("Priya, can you check with the integration team?", True),
        ("How long would that take, Priya?", True),
        ("Priya confirmed it on the call with Sven Larsen.", False),
        ("The pilot starts on the third of March, Priya said.", False),
    ],
)
def test_a_sentence_that_only_speaks_to_someone(sentence, spoken):
    assert spoken_to(sentence, ["Priya"]) is spoken
