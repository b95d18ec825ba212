"""Which sentences of the evidence an extractive answer quotes: statements that answer, not questions.

Each sentence of the best citations is a candidate, scored by

- its similarity to the question (sentence embeddings, the names model);
- the question's words it shares (stemmed), each weighted by how few candidates have it, so "what
  does Northwind *want*" prefers "they *want* two hundred trackers" to the many sentences that merely
  name Northwind; in "what does Sven Larsen's *insurer* want" the possessive's head counts twice
  (it is what is asked about; Sven Larsen only says whose), and the words of a relative clause half
  ("who is building the export *that Northwind's planners asked for*": they only say which export).
  A sentence that says "they", "he", "she" or "it" is read with the names of the two sentences
  before it ("…the Northwind pilot…? The pilot starts in March. They want …"), and one that
  opens with such a pronoun is embedded with the name put in its place ("Northwind want …"): the
  nearest organisation for "they" (the graph's types), the nearest speaker or person for "he"/"she";
- whether it holds the kind of thing the question asks for: a duration for "how long", a date or day
  for "when", a person for "who", an amount for "how much";
- whether its speaker is the person the question names ("how long will it take Lena Fischer" →
  what Lena Fischer said), and whether it is about someone else: a statement that opens with another
  person's name ("Maria wants a date …") does not say what Northwind wants;
- whether it states a relation the graph holds that the question asks about: for "who is *building*
  the export", a sentence naming both ends of a BUILD relation ("Lena builds the SAP export next
  week") — the graph read the evidence already, so its verbs point at the sentence that answers;
- for a broad question of what someone wants ("what does Northwind want / ask for / need"): whether
  it states a want of theirs: a want verb (want, need, ask, request, require, remember, useless, …)
  in a sentence that names them ("Northwind also asked whether …", "… useless to Northwind") or reads
  as them ("They want two hundred trackers"). Such an answer quotes more sentences
  (`BROAD_SENTENCES`), no two saying nearly the same;
- minus a penalty when it is itself a question. A question in the evidence that is close to the one
  asked ("How long would that take, Lena?") lends its closeness to the reply that follows it from
  another speaker ("About a week for a first version.") — meetings answer questions that way. The
  reply counts as half as close as that question and half as close as itself.

A sentence splitter that knows abbreviations keeps "Northwind Logistics Inc. is ready to sign" whole.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import Stemmer

from backend.domain import Citation

QUESTION_PENALTY = 0.2
TYPE_BONUS = 0.1
OVERLAP_WEIGHT = 0.3
SPEAKER_BONUS = 0.1
OTHER_SUBJECT_PENALTY = 0.15
RELATION_BONUS = 0.15
WANT_BONUS = 0.2
MIN_WORDS = 4
MIN_REPLY_WORDS = 3

_ABBREVIATIONS = (
    "Inc Ltd Corp Co Dr Mr Mrs Ms Prof St Jr Sr vs etc approx Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct "
    "Nov Dec e.g i.e".split()
)
_BREAK = re.compile(r"(?<=[.!?])\s+(?=[\"“'‘(]?[A-Z0-9À-Ý])")
_ENDS_WITH_ABBREVIATION = re.compile(r"\b(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")\.$")
_WORD = re.compile(r"[\w'’-]+")
_STOP = frozenset(
    "a an the and or but of to in on at for from by with about as is are was were be been being do does "
    "did have has had will would shall should can could may might must what who whom whose when where "
    "which why how that this these those there it its they them their he him his she her i we you me my "
    "our your us so if then than just also any some all tell said say".split()
)
_DURATION = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|a|an|"
    r"a few|couple of|several)\s+(?:more\s+)?"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|quarters?|years?)\b|"
    r"\b(?:a|one|about a|within a)\s+(?:day|week|month|year)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|today|tomorrow|tonight|yesterday|next (?:week|month|"
    r"year|quarter)|this (?:week|month|afternoon|morning|quarter)|\d{1,2}(?:st|nd|rd|th)|first|second|"
    r"third|tenth|twentieth|thirtieth|q[1-4]|\d{4})\b",
    re.I,
)
_AMOUNT = re.compile(
    r"[$€£]|\b(?:\d[\d,.]*|hundred|thousand|million|billion)\b|\b(?:dollars?|euros?|pounds?|cents?|percent)\b",
    re.I,
)
_PRONOUN = re.compile(r"\b(?:they|them|their|he|him|his|she|her|it|its)\b", re.I)
_OPENING_PRONOUN = re.compile(r"^(?P<p>They|He|She|It)\b")
_PRONOUN_KINDS = {
    "They": ("Organization",),
    "It": ("Organization", "Product"),
    "He": ("Person",),
    "She": ("Person",),
}
_NOT_NAMES = frozenset(
    "I Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December OK Okay Yes No".split()
)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÀ-Ý][\w'’-]+")
CONTEXT_SENTENCES = 2
_SUBJECT = re.compile(
    r"^\s*(?i:what|when|where|why|which|how(?:\s+\w+)?)\s+(?:\w+\s+)?(?i:does|did|do|is|was|are|were|will|"
    r"would|can|could|should|has|have|had)\s+(?P<subject>[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*)*)"
)
_POSSESSIVE_HEAD = re.compile(r"[\w-]+(?:'s|’s|s'|s’)\s+([a-z][\w-]*)")
_POSSESSIVE_PAIR = re.compile(r"([A-ZÀ-Ý][\w-]*(?:\s+[A-ZÀ-Ý][\w-]*)*)(?:'s|’s)\s+([a-z][\w-]*)")
_RELATIVE = re.compile(r"\s(?:that|which|whom|whose|who)\s", re.IGNORECASE)
_WANTS = re.compile(
    r"^\s*what\s+(?:else\s+)?(?:does|did|do|would)\s+(?P<subject>[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*)*)"
    r"(?:'s\s+[\w-]+)?\s+(?:want|need|ask\s+for|ask|request|require|expect|care\s+about)\b",
    re.IGNORECASE,
)
_WANT_VERB = re.compile(
    r"\b(?:wants?|wanted|needs?|needed|ask(?:s|ed)?|requests?|requested|requires?|required|remember|"
    r"expects?|useless|must)\b",
    re.IGNORECASE,
)
_stemmer = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class Candidate:
    number: int  # the citation it comes from, 1-based
    speaker: str
    sentence: str
    position: int  # order within the evidence
    question: bool
    prompt: str | None = None  # for a reply: the evidence's question it answers
    context: str = ""  # names of the sentences before it, when it speaks of "they", "she", "it"
    resolved: str = ""  # the sentence with an opening pronoun replaced by the name it stands for

    @property
    def embedded(self) -> str:
        return self.resolved or self.sentence


def split_sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in _BREAK.split(text.strip()):
        if pieces and _ENDS_WITH_ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return [p.strip() for p in pieces if p.strip()]


def stems(text: str) -> set[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    return set(_stemmer.stemWords([w for w in words if w not in _STOP and len(w) > 1]))


def candidates(
    citations: list[Citation],
    full: int | None = None,
    wanted: set[str] = frozenset(),
    kinds: dict[str, str] | None = None,
) -> list[Candidate]:
    """Every quotable sentence of the first `full` citations (numbered from 1), and each question's
    reply; of the citations after those, the sentences that share a word with the question."""
    full = len(citations) if full is None else full
    found: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    speakers = {form for c in citations for s in c.speakers for form in (s, s.split()[0]) if s.split()}
    kinds = {**(kinds or {}), **dict.fromkeys(speakers, "Person")}
    for number, citation in enumerate(citations, start=1):
        lines = [
            tuple(line.partition(": ")[::2]) if ": " in line else ("", line)
            for line in citation.text.split("\n")
        ]
        recent: list[str] = []  # the citation's sentences so far, for pronouns' names
        for n, (speaker, said) in enumerate(lines):
            sentences = split_sentences(said)
            for i, sentence in enumerate(sentences):
                names = _names(recent[-CONTEXT_SENTENCES:]) if _PRONOUN.search(sentence) else []
                context, resolved = " ".join(names), _resolve_opening(sentence, names, kinds)
                recent.append(sentence)
                if len(sentence.split()) < MIN_WORDS or (speaker, sentence) in seen:
                    continue
                asks = sentence.endswith("?")
                candidate = Candidate(
                    number, speaker, sentence, len(found), asks, context=context, resolved=resolved
                )
                if number > full and not _candidate_stems(candidate) & wanted:
                    continue
                seen.add((speaker, sentence))
                found.append(candidate)
                if asks and i == len(sentences) - 1 and n + 1 < len(lines) and lines[n + 1][0] != speaker:
                    if number > full:
                        continue
                    reply_speaker, reply = lines[n + 1]
                    first = next(iter(split_sentences(reply)), "")
                    if len(first.split()) >= MIN_REPLY_WORDS and (reply_speaker, first) not in seen:
                        seen.add((reply_speaker, first))
                        found.append(Candidate(number, reply_speaker, first, len(found), False, sentence))
    return found


def _names(sentences: list[str]) -> list[str]:
    return [m.group(0) for s in sentences for m in _NAME.finditer(s) if m.group(0) not in _NOT_NAMES]


def _resolve_opening(sentence: str, names: list[str], kinds: dict[str, str]) -> str:
    """ "They want …" → "Northwind want …": the nearest earlier name of the kind the pronoun takes (the
    graph's entity types; speakers are people); "" when there is none."""
    opening = _OPENING_PRONOUN.match(sentence)
    if not opening or not names:
        return ""
    wanted = _PRONOUN_KINDS[opening.group("p")]
    for name in reversed(names):
        if kinds.get(name) in wanted:
            return name + sentence[opening.end() :]
    return ""


def weights(found: list[Candidate], wanted: set[str], question: str = "") -> dict[str, float]:
    """Each question word's weight: rarer among the candidates, more telling (BM25's IDF); the head
    of a possessive ("Sven Larsen's *insurer*") twice."""
    counts = {w: 0 for w in wanted}
    for candidate in found:
        for w in _candidate_stems(candidate) & wanted:
            counts[w] += 1
    n = len(found)
    clause = relative_clause_start(question)
    main, relative = (question, "") if clause is None else (question[:clause], question[clause:])
    heads = stems(" ".join(_POSSESSIVE_HEAD.findall(main)))
    background = stems(relative) - stems(main)
    return {
        w: math.log(1 + (n - c + 0.5) / (c + 0.5)) * (2.0 if w in heads else 0.5 if w in background else 1.0)
        for w, c in counts.items()
    }


def relative_clause_start(question: str) -> int | None:
    """Where the question's relative clause starts ("the export *that Northwind's planners asked
    for*"): it says which thing is meant, while the main clause says what is asked about it."""
    found = _RELATIVE.search(question, 1)
    return found.start() if found else None


def relations_asked(question: str, relations, names: dict[str, str]) -> list[tuple[str, str]]:
    """(source, target) names of the graph's relations whose verb the question uses ("who is
    *building* …" → BUILD); `names`: entity id → name."""
    asked = stems(question)
    return [
        (names[r.source], names[r.target])
        for r in relations
        if r.type != "TALKED_ABOUT"
        and r.source in names
        and r.target in names
        and _stemmer.stemWord(r.type.split("_")[0].lower()) in asked
    ]


def states(sentence: str, relations: list[tuple[str, str]]) -> bool:
    """The sentence names both ends of one of the relations (a person by full or first name)."""
    lowered = sentence.lower()

    def said(name: str) -> bool:
        forms = {name.lower()}
        if " " in name and name[:1].isupper():  # a person: by first name too
            forms.add(name.split()[0].lower())
        return any(re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", lowered) for f in forms)

    return any(said(source) and said(target) for source, target in relations)


def _candidate_stems(candidate: Candidate) -> set[str]:
    return stems(" ".join(filter(None, (candidate.prompt, candidate.sentence, candidate.context))))


def expects(question: str) -> re.Pattern[str] | str | None:
    """What kind of thing answers the question: a pattern to find in a sentence, "person", or None."""
    q = question.lower()
    if re.search(r"\bhow (?:long|many (?:days|weeks|months|hours|minutes))\b", q):
        return _DURATION
    if re.search(r"\bhow (?:much|many)\b|\b(?:price|cost|budget|revenue)\b", q):
        return _AMOUNT
    if re.search(r"\bwhen\b|\bwhat (?:date|day|time)\b", q):
        return _DATE
    if re.search(r"\b(?:who|whom|whose)\b", q):
        return "person"
    return None


def names_a_person(sentence: str, people: set[str]) -> bool:
    return any(re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", sentence) for p in people)


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
        shared = _candidate_stems(candidate) & weighted.keys()
        total += OVERLAP_WEIGHT * sum(weighted[w] for w in shared) / whole
    kind = expects(question)
    if kind == "person":
        total += TYPE_BONUS if names_a_person(candidate.sentence, people) else 0.0
    elif kind is not None and kind.search(candidate.sentence):
        total += TYPE_BONUS
    if candidate.speaker and candidate.speaker in named_people:
        total += SPEAKER_BONUS
        if _own(candidate.sentence, question, candidate.speaker):
            total += SPEAKER_BONUS
    if _about_someone_else(candidate.sentence, question, people):
        total -= OTHER_SUBJECT_PENALTY
    if relations and states(candidate.sentence, relations):
        total += RELATION_BONUS
    if wants and states_want(candidate, wants):
        total += WANT_BONUS
    return total


def wanting(question: str) -> str | None:
    """Who a broad question asks the wants of ("What does Northwind want?" → "Northwind")."""
    found = _WANTS.match(question)
    return found.group("subject") if found else None


def states_want(candidate: Candidate, subject: str) -> bool:
    """A statement with a want verb that names the subject (or reads as it: "They want …")."""
    text = candidate.resolved or candidate.sentence
    if candidate.question or not _WANT_VERB.search(text):
        return False
    return bool(re.search(rf"\b{re.escape(subject.split()[0])}\b", text))


def _own(sentence: str, question: str, speaker: str) -> bool:
    """The speaker says "our insurer" and the question asks for "Sven Larsen's insurer", Sven
    speaking: the sentence is about the very thing asked for."""
    for owner, head in _POSSESSIVE_PAIR.findall(question):
        if owner.split()[-1] in speaker or owner in speaker:
            stem = _stemmer.stemWord(head.lower())
            if re.search(rf"\b(?:my|our)\s+(?:[\w-]+\s+)?{re.escape(stem)}", sentence, re.IGNORECASE):
                return True
    return False


def _about_someone_else(sentence: str, question: str, people: set[str]) -> bool:
    """The question asks about a named subject ("what does Northwind want") and the sentence opens
    with another person ("Maria wants …")."""
    asked = _SUBJECT.match(question)
    if not asked:
        return False
    subject = asked.group("subject")
    opener = next(
        (p for p in sorted(people, key=len, reverse=True) if re.match(rf"{re.escape(p)}\b", sentence)), None
    )
    return opener is not None and opener not in subject and subject.split()[0] not in opener


def people_in(citations: list[Citation], person_names: list[str]) -> set[str]:
    """Who the evidence's people are: its speakers (full and first names) and the graph's persons."""
    names = {s for c in citations for s in c.speakers} | set(person_names)
    return {form for name in names for form in (name, name.split()[0]) if len(form) > 1}


def named_in(question: str, people: set[str]) -> set[str]:
    """The people (full names) the question names by full or first name."""
    full = {p for p in people if " " in p}
    return {
        p
        for p in full
        if re.search(rf"(?<![\w-])(?:{re.escape(p)}|{re.escape(p.split()[0])})(?![\w-])", question)
    }


def kinds_of(entities) -> dict[str, str]:
    """Name (and alias) → entity type; a name the graph holds under two types takes the one with more
    mentions."""
    best: dict[str, tuple[int, str]] = {}
    for e in entities:
        for name in (e.name, *e.aliases):
            if name not in best or e.mention_count > best[name][0]:
                best[name] = (e.mention_count, e.type)
    return {name: kind for name, (_, kind) in best.items()}


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
