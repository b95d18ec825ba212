"""Which sentences of the evidence an extractive answer quotes: statements that answer, not questions.

Each sentence of the best citations (split knowing abbreviations: `sentences.py`) is a candidate
(`candidates.py`), scored by

- its similarity to the question (sentence embeddings, the names model);
- the question's words it shares (stemmed), each weighted by how few candidates have it, so "what
  does Northwind *want*" prefers "they *want* two hundred trackers" to the many sentences that merely
  name Northwind; in "what does Sven Larsen's *insurer* want" the possessive's head counts twice
  (it is what is asked about; Sven Larsen only says whose), and the words of a relative clause half
  ("who is building the export *that Northwind's planners asked for*": they only say which export)
  (`question_words.py`). A sentence that says "they", "he", "she" or "it" is read with the names of
  the two sentences before it ("…the Northwind pilot…? The pilot starts in March. They want …"), and
  one that opens with such a pronoun is embedded with the name put in its place ("Northwind want …"):
  the nearest organisation for "they" (the graph's types), the nearest speaker or person for
  "he"/"she" (`pronouns.py`);
- whether it holds the kind of thing the question asks for: a duration for "how long", a date or day
  for "when", a person for "who", an amount for "how much" (`answer_kinds.py`);
- whether its speaker is the person the question names ("how long will it take Lena Fischer" →
  what Lena Fischer said), and whether it is about someone else: a statement that opens with another
  person's name ("Maria wants a date …") does not say what Northwind wants (`people.py`);
- whether it states a relation the graph holds that the question asks about: for "who is *building*
  the export", a sentence naming both ends of a BUILD relation ("Lena builds the SAP export next
  week") — the graph read the evidence already, so its verbs point at the sentence that answers
  (`stated_relations.py`);
- for a broad question of what someone wants ("what does Northwind want / ask for / need"): whether
  it states a want of theirs: a want verb (want, need, ask, request, require, remember, useless, …)
  in a sentence that names them ("Northwind also asked whether …", "… useless to Northwind") or reads
  as them ("They want two hundred trackers") (`wants.py`). Such an answer quotes more sentences
  (`BROAD_SENTENCES`), no two saying nearly the same;
- minus a penalty when it is itself a question. A question in the evidence that is close to the one
  asked ("How long would that take, Lena?") lends its closeness to the reply that follows it from
  another speaker ("About a week for a first version.") — meetings answer questions that way. The
  reply counts as half as close as that question and half as close as itself.

The answerer meets the scoring here: the names it and the question splitter use are handed on below.
"""

from __future__ import annotations

from .answer_kinds import expects, holds
from .candidates import Candidate, candidate_stems, candidates
from .content_words import stems
from .people import about_someone_else, named_in, own, people_in
from .pronouns import kinds_of
from .question_words import relative_clause_start, weights
from .stated_relations import relations_asked, states
from .wants import states_want, wanting

__all__ = [
    "Candidate",
    "candidates",
    "diverse",
    "kinds_of",
    "named_in",
    "people_in",
    "relations_asked",
    "relative_clause_start",
    "score",
    "states",
    "states_want",
    "stems",
    "wanting",
    "weights",
]

QUESTION_PENALTY = 0.2
TYPE_BONUS = 0.1
OVERLAP_WEIGHT = 0.3
SPEAKER_BONUS = 0.1
OTHER_SUBJECT_PENALTY = 0.15
RELATION_BONUS = 0.15
WANT_BONUS = 0.2


def score(
    candidate: Candidate,
    similarity: float,
    question: str,
    weighted: dict[str, float],
    people: set[str],
    named_people: set[str],
    relations: list[tuple[str, str]] = (),
    wants: str | None = None,
) -> float:
    """`similarity`: of the candidate to the question (for a reply, the mean of its own and that of
    the question it answers); `weighted`: the question's words and their weights."""
    total = similarity - (QUESTION_PENALTY if candidate.question else 0.0)
    if weighted and (whole := sum(weighted.values())):
        shared = candidate_stems(candidate) & weighted.keys()
        total += OVERLAP_WEIGHT * sum(weighted[w] for w in shared) / whole
    if holds(expects(question), candidate.sentence, people):
        total += TYPE_BONUS
    if candidate.speaker and candidate.speaker in named_people:
        total += SPEAKER_BONUS
        if own(candidate.sentence, question, candidate.speaker):
            total += SPEAKER_BONUS
    if about_someone_else(candidate.sentence, question, people):
        total -= OTHER_SUBJECT_PENALTY
    if relations and states(candidate.sentence, relations):
        total += RELATION_BONUS
    if wants and states_want(candidate, wants):
        total += WANT_BONUS
    return total


def diverse(ranked: list[Candidate], order: list[int], overlap: float = 0.6) -> list[int]:
    """`order` without the sentences that mostly repeat a better one (their content words)."""
    kept: list[int] = []
    seen: list[set[str]] = []
    for index, candidate in zip(order, ranked, strict=True):
        words = stems(candidate.sentence)
        if words and any(len(words & other) / len(words) > overlap for other in seen):
            continue
        kept.append(index)
        seen.append(words)
    return kept
