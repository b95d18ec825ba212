"""What a turn was about, in order of salience — what "she", "them" or "it" in the next question most
likely means:

- **question**: the entities its standalone question names, in order (`carried` when they came from
  an earlier turn through a pronoun, which makes them less of a new topic);
- **answer**: the people, organisations, places and products its answer names. They are ranked by how
  close each mention stands to the words the question asked about ("who is *building* the *export*":
  in "Tomás finishes the probe firmware, Lena builds the SAP export" Lena is the answer, Tomás is not);
  a quoted speaker's label counts a little, for what they said.
"""

from __future__ import annotations

import re

import Stemmer

from backend.graph import GraphStore

from .mentions import Named, entities_named, find
from .session import TurnEntity

MAX_ENTITIES = 8
SPEAKER_WEIGHT = 0.3
_WORD = re.compile(r"[\w'’-]+")
_STOP = frozenset(
    "a an the and or but of to in on at for from by with about as is are was were be been being do does "
    "did done doing have has had will would shall should can could may might must what who whom whose "
    "when where which why how that this these those there it its they them their he him his she her i "
    "we you me my our your us again also still just any some all".split()
)
_stemmer = Stemmer.Stemmer("english")


def asks_for_person(question: str) -> bool:
    return bool(re.search(r"\b(who|whom|whose)\b", question, re.IGNORECASE))


def content_stems(text: str) -> set[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    return set(_stemmer.stemWords([w for w in words if w not in _STOP and len(w) > 1]))


def _closeness(line: str, start: int, end: int, wanted: set[str]) -> float:
    """Σ over the question's words found in this line of 1 / (1 + words between them and the mention)."""
    words = list(_WORD.finditer(line))
    stems = _stemmer.stemWords([w.group(0).lower() for w in words])
    at = [n for n, w in enumerate(words) if w.start() < end and w.end() > start]
    if not at:
        return 0.0
    best: dict[str, float] = {}
    for n, stem in enumerate(stems):
        if stem in wanted and not (at[0] <= n <= at[-1]):
            gap = at[0] - n if n < at[0] else n - at[-1]
            best[stem] = max(best.get(stem, 0.0), 1.0 / gap)
    return sum(best.values())


def rank_answer_entities(answer: str, named: list[Named], question: str) -> list[Named]:
    wanted = content_stems(question)
    scores: dict[str, float] = {}
    for item in named:
        score = 0.0
        for line in answer.splitlines():
            label, _, said = line.partition(": ")
            for match in find(item.entity, line):
                if said and match.end() <= len(label) + 1:  # "• Lena Fischer: “…”" — who said it
                    score += SPEAKER_WEIGHT if content_stems(said) & wanted else 0.0
                else:
                    score += 0.1 + _closeness(line, match.start(), match.end(), wanted)
        scores[item.entity.id] = score
    return sorted(named, key=lambda n: (-scores[n.entity.id], n.start))


async def turn_entities(
    store: GraphStore, namespace: str, standalone: str, answer: str, carried: list[TurnEntity]
) -> list[TurnEntity]:
    carried_ids = {e.id for e in carried}
    asked = await entities_named(store, namespace, standalone, concepts=True)
    entities = [
        TurnEntity(
            id=n.entity.id,
            name=n.entity.name,
            type=n.entity.type,
            aliases=n.entity.aliases[:5],
            role="carried" if n.entity.id in carried_ids else "question",
            mention=n.surface,
        )
        for n in asked
    ]
    seen = {e.id for e in entities} | {e.name for e in entities}
    named = [
        n
        for n in await entities_named(store, namespace, answer, concepts=False, k=30)
        if n.entity.id not in seen and n.entity.name not in seen
    ]
    for n in rank_answer_entities(answer, named, standalone):
        entities.append(
            TurnEntity(
                id=n.entity.id,
                name=n.entity.name,
                type=n.entity.type,
                aliases=n.entity.aliases[:5],
                role="answer",
            )
        )
    return entities[:MAX_ENTITIES]
