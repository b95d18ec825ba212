"""Questions that ask who or what someone is ("Who is Tomás Silva?", "What is Maritime Mutual?", "Tell me
about Cellwise"), and what the transcripts say they are: the roles the sentences that name them give
them — "our engineer Tomás Silva", "Albert Heaney, deputy director general of …", "Tracey Breheny,
who is deputy director of …", "Sven Larsen from their operations team", "Our insurer, Maritime
Mutual", a speaker's own "From finance: …".

Before, such a question was answered with whatever sentences were closest to it: greetings that name
the person ("Hi Priya, thanks for making time") beat the sentence that says what she does, and the one
that introduces a minister was rarely among the passages retrieved. Now the retriever looks through
every passage of the namespace for sentences that describe the subject (a cheap pattern first, then
spaCy's dependency parse of those few) and cites the best first; the extractive answer leads with the
roles it found, each cited.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from backend.domain import Citation
from backend.graph.results import EntitySummary, ScoredChunk

from .sentences import split_sentences

_ASKED = re.compile(
    r"^\s*(?:(?:who|what)(?:'s|’s|\s+is|\s+was|\s+are|\s+were)|tell\s+me\s+(?:more\s+)?about|"
    r"what\s+do\s+(?:we|you|the\s+transcripts)\s+know\s+about)\s+(?P<subject>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# "who is building the export" asks for a person, not about one: a subject starts with a capital
# (a name), or is a name the namespace knows (checked by the caller)
_NAME_START = re.compile(r"^(?:the\s+)?[A-ZÀ-Ý]")
_TRAILING = frozenset("about for with on in to at from like of doing saying".split())
_DETERMINERS = ("our", "their", "the", "his", "her", "my", "your", "a", "an")
_ROLE_WORDS = r"(?:team|department|group|office|company|side|unit|board|committee|council|division)"
MAX_PARSED = 60  # sentences parsed per question, at most (~6 ms each on this machine)
MAX_ROLES = 3
DESCRIBING_CITATIONS = 2  # passages that say what the subject is, cited first


def asked_about(question: str) -> str | None:
    """The subject of a who/what-is question, as asked ("Tomás Silva"); None for other questions."""
    found = _ASKED.match(question)
    if not found:
        return None
    subject = re.sub(r"^the\s+", "", found.group("subject").strip(), flags=re.IGNORECASE)
    if not _NAME_START.match(found.group("subject").strip()) or len(subject.split()) > 6:
        return None
    # "What is Marketing's presentation mainly about?" asks about a presentation, not who Marketing is
    if re.search(r"['’]s\b", subject) or subject.split()[-1].lower() in _TRAILING:
        return None
    return subject


def name_forms(subject: str, entities: Iterable[EntitySummary], speakers: Iterable[str] = ()) -> list[str]:
    """The ways the transcripts may write the subject: as asked, and the full name and aliases of the
    namespace's entity (or speaker) it names — by full name, alias, or a one-word first name."""
    key = subject.casefold()
    forms = {subject}
    for entity in entities:
        names = [entity.name, *entity.aliases]
        if any(n.casefold() == key for n in names) or (
            " " not in subject and entity.type == "Person" and entity.name.split()[0].casefold() == key
        ):
            forms.update(names)
    for speaker in speakers:  # "Vaughan Gething AM" speaks; "Who is Vaughan Gething?" is asked
        if speaker.casefold().startswith(key + " ") or speaker.casefold() == key:
            forms.add(speaker)
    return sorted(forms, key=len, reverse=True)


def _alternatives(forms: Sequence[str]) -> str:
    return "|".join(re.escape(f) for f in forms)


@cache
def _patterns(forms: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(names the subject, may describe it): a cheap look before a parse."""
    name = rf"(?<![\w-])(?:{_alternatives(forms)})(?![\w-])"
    title = r"(?:\s+[A-Z]{2,3})?"  # "Vaughan Gething AM"
    describing = re.compile(
        rf"{name}{title}\s*(?:,|\s+(?:from|of|at|in|who|is|was)\b)"
        rf"|\b(?:{'|'.join(_DETERMINERS)})\s+(?:[\w-]+\s+){{0,3}}{name}"
    )
    return re.compile(name), describing


@dataclass(frozen=True)
class Described:
    sentence: str
    speaker: str
    roles: list[str]


def candidates(text: str, forms: Sequence[str]) -> list[tuple[str, str]]:
    """The (speaker, sentence) pairs of a passage that may describe the subject: they name it in a
    describing position, or the subject speaks and says "From finance: …" or "I'm …"."""
    names, describing = _patterns(tuple(forms))
    found = []
    for line in text.split("\n"):
        speaker, _, said = line.partition(": ") if ": " in line else ("", "", line)
        own = bool(speaker) and bool(names.fullmatch(speaker) or names.match(speaker))
        for sentence in split_sentences(said):
            if describing.search(sentence) or (own and _self_described(sentence)):
                found.append((speaker, sentence))
    return found


_SELF = re.compile(
    r"^(?i:from|for)\s+(?P<role>[\w][\w\s&-]{1,30}):|\b(?:I'm|I am)\s+(?P<as>(?:the|a|an)\s+[^,.;]{3,60})"
)
# "Hi Priya, thanks for making time": a name spoken to, not described
_ADDRESSED = re.compile(r"(?:^|\b)(?:hi|hello|hey|thanks|thank you|dear|morning|afternoon|sorry),?\s*$", re.I)


def _self_described(sentence: str) -> str | None:
    found = _SELF.search(sentence)
    if not found:
        return None
    return f"from {found.group('role').strip()}" if found.group("role") else found.group("as").strip()


class RoleReader:
    """Roles in sentences by spaCy's dependency parse (the offline extractor's model, loaded on the
    first question that needs it; ~0.4 s once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # spaCy pipelines are not safe to share between threads

    @property
    def nlp(self):
        return _model()

    def roles(self, speaker: str, sentence: str, forms: Sequence[str]) -> list[str]:
        names, _ = _patterns(tuple(forms))
        if speaker and names.match(speaker):
            own = _self_described(sentence)
            if own:
                return [own]
        found = [(m.start(), m.end()) for m in names.finditer(sentence)]
        if not found:
            return []
        with self._lock:
            doc = self.nlp(sentence)
        roles: list[str] = []
        for start, end in found:
            if _ADDRESSED.search(sentence[:start]):
                continue
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None:
                continue
            roles += _roles_of(span)
            roles += _from_team(sentence[end:])
        return list(dict.fromkeys(r for r in roles if r))[:MAX_ROLES]

    async def describe(self, pairs: Sequence[tuple[str, str]], forms: Sequence[str]) -> list[Described]:
        def work() -> list[Described]:
            out = []
            for speaker, sentence in pairs[:MAX_PARSED]:
                roles = self.roles(speaker, sentence, forms)
                if roles:
                    out.append(Described(sentence, speaker, roles))
            return out

        return await asyncio.to_thread(work)


@cache
def _model():
    import spacy

    from backend.llm.spacy_extract import MODEL

    return spacy.load(MODEL, exclude=["ner", "lemmatizer"])


def _phrase(tokens) -> str:
    return " ".join(t.text for t in tokens).replace(" ,", ",").replace(" 's", "'s").strip(" ,;")


def _roles_of(span) -> list[str]:
    """What the parse says the name is: its apposition ("X, the Minister for …"; "Our insurer, X"), a
    common noun before it ("our engineer X"), "X, who is …", "X is …"."""
    head = span.root
    while head.head is not head and head.head.dep_ == "compound" and head.head.pos_ == "PROPN":
        head = head.head  # "Vaughan Gething AM": the title is the head
    if head.dep_ == "compound" and head.head.pos_ == "PROPN" and head.head.text.isupper():
        head = head.head
    roles = []
    for child in head.children:
        if child.dep_ == "appos":
            roles.append(_phrase(_clipped(child)))
        elif child.dep_ == "compound" and child.pos_ == "NOUN":
            before = [t for t in head.children if t.dep_ in ("det", "poss", "amod") and t.i < child.i]
            roles.append(_phrase([*before, *[t for t in child.subtree]]))
        elif child.dep_ == "relcl":
            attr = next((t for t in child.children if t.dep_ in ("attr", "acomp")), None)
            if attr is not None and child.lemma_ == "be":
                roles.append(_phrase(_clipped(attr)))
    if head.dep_ == "appos":  # "Our insurer, Maritime Mutual": the noun it stands beside
        noun = head.head
        roles.append(_phrase([t for t in noun.subtree if t.i < span.start and t.dep_ != "punct"]))
    if head.dep_ == "nsubj" and head.head.lemma_ == "be":
        attr = next((t for t in head.head.children if t.dep_ == "attr"), None)
        if attr is not None:
            roles.append(_phrase(_clipped(attr)))
    return [r for r in roles if len(r.split()) <= 14 and r.lower() not in _DETERMINERS]


def _clipped(token) -> list:
    """A role's words up to the next name in a list ("…Services; Julie Morgan AM, Deputy …")."""
    words = []
    for t in token.subtree:
        if t.i > token.i and (t.text == ";" or (t.head == token and _next_in_list(t))):
            break
        words.append(t)
    return words


def _next_in_list(token) -> bool:
    """Where a role ends in a list of people: the next one's name or description, not "higher
    education" in "director of skills, higher education and lifelong learning"."""
    return token.dep_ in ("appos", "relcl") or (token.dep_ == "conj" and token.pos_ == "PROPN")


def _from_team(after: str) -> list[str]:
    """ "Sven Larsen from their operations team": the parse may hang the phrase elsewhere."""
    found = re.match(
        rf"^\s+(?P<role>(?:from|in|at|of)\s+(?:{'|'.join(_DETERMINERS)})\s+(?:[\w-]+\s+){{0,3}}{_ROLE_WORDS})\b",
        after,
        re.IGNORECASE,
    )
    return [found.group("role")] if found else []


def describing_chunks(
    chunks: Sequence[ScoredChunk], forms: Sequence[str], within: Collection[str] = ()
) -> list[tuple[ScoredChunk, list[tuple[str, str]]]]:
    """The chunks whose sentences may describe the subject, in the namespace's order, each with those
    sentences (a chunk repeats the turns it overlaps with the one before: each sentence once)."""
    names, _ = _patterns(tuple(forms))
    seen: set[tuple[str, str]] = set()
    found = []
    for chunk in chunks:
        if (within and chunk.transcript_id not in within) or not names.search(chunk.text):
            continue  # a passage that never names the subject (nor has them speak) says nothing of them
        pairs = [p for p in candidates(chunk.text, forms) if p not in seen]
        if pairs:
            seen.update(pairs)
            found.append((chunk, pairs))
    return found


async def described_in(
    subject: str, citations: Sequence[Citation], entities: Sequence[EntitySummary], reader: RoleReader
) -> tuple[str, list[str], list[str]] | None:
    """For an extractive answer: a line saying what the citations say the subject is, each role with
    its [n]; the sentences that say it, quoted (near the name, when long); and those sentences whole.
    None if none does."""
    forms = name_forms(subject, entities, {s for c in citations for s in c.speakers})
    numbered = [(n, pair) for n, c in enumerate(citations, start=1) for pair in candidates(c.text, forms)]
    described = await reader.describe([pair for _, pair in numbered], forms)
    number_of = {pair: n for n, pair in reversed(numbered)}  # a sentence's first citation
    roles: dict[str, int] = {}
    quotes: list[str] = []
    for d in described:
        n = number_of[(d.speaker, d.sentence)]
        for role in d.roles:  # "our insurer" and "their insurer" are one role
            if _bare(role) not in {_bare(r) for r in roles}:
                roles[role] = n
        if len(quotes) < DESCRIBING_CITATIONS:
            quotes.append(f"• {d.speaker or 'Someone'}: “{_near(d.sentence, forms)}” [{n}]")
    if not roles:
        return None
    said = "; ".join(f"{role} [{n}]" for role, n in list(roles.items())[:MAX_ROLES])
    return f"{subject} is described as: {said}.", quotes, [d.sentence for d in described]


def _bare(role: str) -> str:
    first, _, rest = role.casefold().partition(" ")
    return rest if first in _DETERMINERS and rest else role.casefold()


def _near(sentence: str, forms: Sequence[str], reach: int = 24) -> str:
    """The sentence, or the `reach` words either side of the first name in it when it is long."""
    words = sentence.split()
    if len(words) <= 2 * reach:
        return sentence
    names, _ = _patterns(tuple(forms))
    found = names.search(sentence)
    at = len(sentence[: found.start()].split()) if found else 0
    start, end = max(0, at - reach // 2), min(len(words), at + reach)
    return ("…" if start else "") + " ".join(words[start:end]) + ("…" if end < len(words) else "")
