"""Follow-up questions made standalone, offline: pronouns stand for what the conversation was about.

"And who is building the export for them?" after "What does Northwind want?" becomes "Who is building
the export for Northwind?"; "How long will it take her?" after that becomes "How long will the export
take Lena Fischer?". The rules, using the entity types the graph knows:

- **he/him/his, she/her/hers** → a Person. After a "who" question that names no one ("who is
  building the export?"), the person its answer was about; otherwise a person the last question named
  ("who is Sven Larsen?" → Sven Larsen), then one its answer named.
- **they/them/their** → an Organization the last turns were about (else two or more people the last
  question named).
- **it/its** → something that is not a person: what the last question named itself before what it
  carried over, a product or organisation before a concept. "It" with no referent in sight ("is it
  true that …") is left alone.
- A pronoun whose type the question itself names ("What did Priya say about her deadline?") is left
  alone: it means that name.
- A pronoun becomes the whole phrase the question said ("the Lisbon office", not "the office").
- "What about Voltra?" / "And Maritime Mutual?" repeat the last question with the new words in place
  of a name of the same type — the last such, as a question names who first and what it asks about
  last ("what did the Project Manager think of *the battery*?") — else in place of its topic, the
  thing it asked about (never the person). A phrase is replaced whole ("the Diamond settlement", not
  "settlement" inside it), with one determiner ("the case", not "the the case"). "Where?" / "And
  when?" ask the last question with that question word
  ("When does the pilot start?" → "Where does the pilot start?"; after "Who is building the export?",
  "When?" → "When is Lena Fischer building the export?").

Only the last few turns count (`HISTORY_TURNS`), the most recent first: a conversation moves on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from backend.domain import Usage
from backend.graph import GraphStore

from .about import asks_for_person
from .mentions import CONCEPT, entities_named, find
from .phrases import QUESTION_START, phrase_at, replaced, slots, takes_determiner
from .session import Resolution, Turn, TurnEntity

HISTORY_TURNS = 3
PERSON = frozenset({"he", "him", "his", "himself", "she", "her", "hers", "herself"})
GROUP = frozenset({"they", "them", "their", "theirs", "themselves"})
THING = frozenset({"it", "its", "itself"})
_POSSESSIVE = frozenset({"his", "hers", "their", "theirs", "its"})
_PRONOUN = re.compile(r"\b(" + "|".join(sorted(PERSON | GROUP | THING, key=len, reverse=True)) + r")\b", re.I)
# words after "her" that make it an object ("take her?", "ask her about"), not a possessive ("her team")
_NOT_A_NOUN = frozenset(
    "to for about with on in at from by and or but then now today yesterday tomorrow again too also "
    "this that if when so as than yet soon already".split()
)
_EXPLETIVE_IT = re.compile(  # "it seems", "is it true that": an "it" that refers to nothing
    r"\bit\s+(?:(?:is|was|'s)\s+)?(?:seems?|appears?|looks like|true|likely|possible|clear|okay|ok)\b", re.I
)
_LEADING = re.compile(r"^\s*(?:and|so|also|ok|okay|well|but|then)\b[,]?\s+", re.I)
_ELLIPSIS = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?P<x>.+?)\s*[?.!]*\s*$", re.I)
_AND_X = re.compile(r"^\s*and\s+(?P<x>[^?]{1,60}?)\s*\?\s*$", re.I)
# "And in IS1006c?", "What about at the kickoff?": the same question, somewhere else — its trailing
# "in …" phrase replaced, or one added (a transcript named by title is asked within: retrieve/titles.py)
_WHERE_X = re.compile(r"^(?P<prep>in|at|during|from)\s+\S", re.I)
_TRAILING_WHERE = re.compile(r"\s+(?:in|at|during|from)\s+[^?!.,;]+?(?P<end>[?!.]*\s*)$", re.I)
_BARE_WH = re.compile(
    r"^\s*(?:and\s+|so\s+|but\s+)?(?P<wh>when|where|why|how|how long|how much|how many|how often)"
    r"(?:\s+(?:exactly|then|so))?\s*[?.!]*\s*$",
    re.I,
)
_LEADING_WH = re.compile(r"^(?:when|where|why|how(?: long| much| many| often)?|what|which)\b", re.I)
_WHO_AUX = re.compile(
    r"^who\s+(?P<aux>is|are|was|were|will|would|can|could|should|has|have|had|did|does|do)\s+(?P<rest>.+)$",
    re.I,
)
_THE = frozenset({"a", "an", "his", "her", "its", "their"})  # said again later, "the" is clearer
_TYPE_ORDER = {"Product": 0, "Organization": 1, "Event": 2, "Concept": 3, "Place": 4, "Other": 5}
_ROLE_ORDER = {"question": 0, "carried": 1, "answer": 2}


@dataclass
class Resolved:
    standalone: str
    resolution: Resolution = "none"
    carried: list[TurnEntity] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


def _person_candidates(turn: Turn) -> list[TurnEntity]:
    people = [e for e in turn.entities if e.type == "Person"]
    asked_about = any(e.role != "answer" for e in people)  # "who is Sven Larsen?" is about Sven
    first = "answer" if asks_for_person(turn.standalone_question) and not asked_about else "question"
    return sorted(people, key=lambda e: (e.role != first, _ROLE_ORDER[e.role]))


def _thing_candidates(turn: Turn) -> list[TurnEntity]:
    things = [e for e in turn.entities if e.type != "Person" and e.type in _TYPE_ORDER]
    return sorted(things, key=lambda e: (_ROLE_ORDER[e.role], _TYPE_ORDER[e.type]))


def _group_candidates(turn: Turn) -> list[list[TurnEntity]]:
    orgs = [e for e in turn.entities if e.type == "Organization"]
    groups = [[e] for e in sorted(orgs, key=lambda e: _ROLE_ORDER[e.role])]
    people = [e for e in turn.entities if e.type == "Person" and e.role in ("question", "carried")]
    if len(people) >= 2:
        groups.append(people)
    return groups


def antecedent(kind: frozenset[str], history: list[Turn]) -> list[TurnEntity]:
    """What a pronoun of this kind refers to: the most recent turn that offers a candidate decides."""
    for turn in reversed(history[-HISTORY_TURNS:]):
        if kind is PERSON and (people := _person_candidates(turn)):
            return people[:1]
        if kind is THING and (things := _thing_candidates(turn)):
            return things[:1]
        if kind is GROUP and (groups := _group_candidates(turn)):
            return groups[0]
    return []


def _kind(word: str) -> frozenset[str]:
    word = word.lower()
    return PERSON if word in PERSON else GROUP if word in GROUP else THING


def _is_possessive(word: str, rest: str) -> bool:
    word = word.lower()
    if word in _POSSESSIVE:
        return True
    if word != "her":
        return False
    following = re.match(r"\s*([A-Za-z]+)", rest)
    return bool(following) and following.group(1).lower() not in _NOT_A_NOUN


def _as_said(entity: TurnEntity, history: list[Turn]) -> str:
    """What a pronoun stands for in the words a recent question used, whole ("it" after "… the Lisbon
    office?" is "the Lisbon office"); what an answer named, by its full name."""
    for turn in reversed(history[-HISTORY_TURNS:] if entity.role != "answer" else []):
        text = turn.standalone_question
        if matches := find(entity, text):
            slot = phrase_at(text, matches[0].start(), matches[0].end(), entity.type)
            determiner = text[slot.lead : slot.start].strip()
            if determiner.lower() in _THE or (not determiner and entity.type == CONCEPT):
                determiner = "the"
            return f"{determiner} {text[slot.start : slot.end]}".strip()
    return _named(entity)


def _named(entity: TurnEntity) -> str:
    """As the conversation named it: the user's words for what they asked about ("Northwind", not the
    graph's "Northwind Logistics Inc"), the full name for whom an answer named ("Lena Fischer")."""
    name = entity.mention if entity.mention and entity.role != "answer" else entity.name
    return f"the {name}" if entity.type == CONCEPT else name


def _render(entities: list[TurnEntity], possessive: bool, history: list[Turn]) -> str:
    names = [_as_said(e, history) for e in entities]
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return text + "'s" if possessive else text


def _split_end(question: str) -> tuple[str, str]:
    """The question and its closing punctuation."""
    stripped = question.rstrip()
    body = stripped.rstrip("?!.")
    return body, stripped[len(body) :]


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


class OfflineResolver:
    """Pronouns and elliptical follow-ups resolved from the history's entities (no model call)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    async def resolve(self, namespace: str, question: str, history: list[Turn]) -> Resolved:
        if not history:
            return Resolved(question)
        named = await entities_named(self.store, namespace, question)
        elliptic = self._bare_question_word(question, history) or await self._ellipsis(
            namespace, question, history, named
        )
        if elliptic is not None:
            return elliptic
        named_types = {n.entity.type for n in named}
        carried: list[TurnEntity] = []
        pieces, cursor = [], 0
        for match in _PRONOUN.finditer(question):
            word, kind = match.group(1), _kind(match.group(1))
            if kind is THING and _EXPLETIVE_IT.match(question, match.start()):
                continue
            if (kind is PERSON and "Person" in named_types) or (
                kind is GROUP and "Organization" in named_types
            ):
                continue
            referent = antecedent(kind, history)
            if not referent:
                continue
            pieces += [
                question[cursor : match.start()],
                _render(referent, _is_possessive(word, question[match.end() :]), history),
            ]
            cursor = match.end()
            carried += [e for e in referent if e not in carried]
        if not carried:
            return Resolved(_capitalise(_LEADING.sub("", question)))
        standalone = "".join([*pieces, question[cursor:]])
        return Resolved(_capitalise(_LEADING.sub("", standalone)), "offline", carried)

    @staticmethod
    def _bare_question_word(question: str, history: list[Turn]) -> Resolved | None:
        """ "Where?" — the last question again, asking where."""
        found = _BARE_WH.match(question)
        if not found:
            return None
        wh, last = found.group("wh").lower(), history[-1]
        previous = last.standalone_question.strip()
        if _LEADING_WH.match(previous):
            return Resolved(_capitalise(_LEADING_WH.sub(wh, previous, count=1)), "offline", [])
        who = _WHO_AUX.match(previous)
        person = next((e for e in _person_candidates(last) if e.role == "answer"), None)
        if who and person:
            standalone = f"{wh} {who.group('aux')} {person.name} {who.group('rest')}"
            return Resolved(_capitalise(standalone), "offline", [person])
        return None

    async def _ellipsis(self, namespace: str, question: str, history: list[Turn], named) -> Resolved | None:
        """ "What about X?" — the last question again, about X."""
        found = _ELLIPSIS.match(question) or _AND_X.match(question)
        if not found or QUESTION_START.match(found.group("x")):
            return None
        new = found.group("x")
        previous = history[-1].standalone_question
        if _WHERE_X.match(new):
            trailing = _TRAILING_WHERE.search(previous)
            body, end = (
                (previous[: trailing.start()], trailing.group("end")) if trailing else _split_end(previous)
            )
            return Resolved(_capitalise(f"{body.rstrip()} {new}{end.strip() or '?'}"), "offline", [])
        kind = next((n.entity.type for n in named if n.start >= found.start("x")), None)
        if kind is None and not new[:1].isupper():  # "the case", "budget": a thing the graph lacks
            kind = CONCEPT
        slot = replaced(kind, slots(history[-1]))
        if slot is None:
            return None
        start = slot.lead if takes_determiner(new, previous[slot.start : slot.end], kind) else slot.start
        return Resolved(_capitalise(previous[:start] + new + previous[slot.end :]), "offline", [])
