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

import re
from collections.abc import Callable, Collection, Iterable, Sequence

from backend.domain import Citation, normalise_key
from backend.graph.results import EntitySummary, ScoredChunk

from .roles import (
    DETERMINERS,
    MAX_ROLES,
    RoleReader,
    is_role,
    label_role,
    name_patterns,
    self_described,
    spoken_to,
)
from .sentences import split_sentences

_ASKED = re.compile(
    r"^\s*(?:(?:who|what)(?:'s|’s|\s+is|\s+was|\s+are|\s+were)|tell\s+me\s+(?:more\s+)?about|"
    r"what\s+do\s+(?:we|you|the\s+transcripts)\s+know\s+about)\s+(?P<subject>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# "who is building the export" asks for a person, not about one: a subject starts with a capital
# (a name), or is a name the namespace knows (checked by the caller)
_NAME_START = re.compile(r"^(?!(?i:the|a|an)\s)[A-ZÀ-Ý]")
_TRAILING = frozenset("about for with on in to at from like of doing saying".split())
DESCRIBING_CITATIONS = 2  # passages that say what the subject is, cited first
# Chunks that name the subject read from the passage index (best matches of its names), of which
# those with describing sentences are kept
NAMING_CHUNKS = 200


def asked_about(question: str) -> str | None:
    """The subject of a who/what-is question, as asked ("Tomás Silva"); None for other questions."""
    found = _ASKED.match(question)
    if not found:
        return None
    subject = found.group("subject").strip()
    # "Who is the Chair?" asks who holds a role, not what someone is
    if not _NAME_START.match(subject) or len(subject.split()) > 6:
        return None
    # "What is Marketing's presentation mainly about?" asks about a presentation, not who Marketing is
    if re.search(r"['’]s\b", subject) or subject.split()[-1].lower() in _TRAILING:
        return None
    return subject


def name_forms(subject: str, entities: Iterable[EntitySummary], speakers: Iterable[str] = ()) -> list[str]:
    """The ways the transcripts may write the subject: as asked, and the full name and aliases of the
    namespace's entity (or speaker) it names — by full name, alias, or a one-word first name."""
    key = normalise_key(subject)  # "Tomas Silva" names "Tomás Silva"
    forms = {subject}
    for entity in entities:
        # proper names only: not the "mike" (a microphone) for "Who is Mike?"
        names = [n for n in (entity.name, *entity.aliases) if n[:1].isupper()]
        first = normalise_key(entity.name.split()[0]) if entity.name.split() else ""
        if any(normalise_key(n) == key for n in names) or (
            " " not in subject and entity.type == "Person" and first == key
        ):
            forms.update(names)
    for speaker in speakers:  # "Vaughan Gething AM" speaks; "Who is Vaughan Gething?" is asked
        if normalise_key(speaker).startswith(key + " ") or normalise_key(speaker) == key:
            forms.add(speaker)
    return sorted(forms, key=len, reverse=True)


def candidates(text: str, forms: Sequence[str]) -> list[tuple[str, str]]:
    """The (speaker, sentence) pairs of a passage that may describe the subject: they name it in a
    describing position, or the subject speaks and says "From finance: …" or "I'm …"."""
    names, describing = name_patterns(tuple(forms))
    found = []
    for line in text.split("\n"):
        speaker, _, said = line.partition(": ") if ": " in line else ("", "", line)
        own = bool(speaker) and bool(names.fullmatch(speaker) or names.match(speaker))
        for sentence in split_sentences(said):
            if describing.search(sentence) or (own and self_described(sentence)):
                found.append((speaker, sentence))
    return found


def describing_chunks(
    chunks: Sequence[ScoredChunk], forms: Sequence[str], within: Collection[str] = ()
) -> list[tuple[ScoredChunk, list[tuple[str, str]]]]:
    """The chunks whose sentences may describe the subject, in the namespace's order, each with those
    sentences (a chunk repeats the turns it overlaps with the one before: each sentence once)."""
    names, _ = name_patterns(tuple(forms))
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
    names, _ = name_patterns(tuple(forms))
    for n, citation in enumerate(citations, start=1):  # "Hon. Andrew Scheer (Leader of the Opposition)"
        for speaker in citation.speakers:
            if (role := label_role(speaker, names)) and is_role(role):
                roles.setdefault(role, n)
    quotes: list[str] = []
    for d in described:
        n = number_of[(d.speaker, d.sentence)]
        for role in d.roles:
            if _bare(role) not in {_bare(r) for r in roles}:
                roles[role] = n
        if len(quotes) < DESCRIBING_CITATIONS:
            quotes.append(f"• {d.speaker or 'Someone'}: “{_near(d.sentence, forms)}” [{n}]")
    if not roles:
        return None
    said = "; ".join(f"{role} [{n}]" for role, n in list(roles.items())[:MAX_ROLES])
    return f"{subject} is described as: {said}.", quotes, [d.sentence for d in described]


def speaking_to(subject: str, evidence) -> Callable[[str], bool]:
    """Whether a sentence of the evidence only speaks to the subject — by any of their names, the
    first name too ("So, all of those things, David, give us a confidence …")."""
    forms = name_forms(subject, evidence.entities, {s for c in evidence.citations for s in c.speakers})
    first = {f.split()[0] for f in forms if " " in f}
    called = sorted({*forms, *first}, key=len, reverse=True)
    return lambda sentence: spoken_to(sentence, called, first)


def _bare(role: str) -> str:
    """ "our insurer" and "their insurer", "from our integration team" and "in the integration team"
    are one role."""
    words = role.casefold().split()
    while len(words) > 1 and (words[0] in DETERMINERS or words[0] in ("from", "in", "at", "of")):
        words.pop(0)
    return " ".join(words)


def _near(sentence: str, forms: Sequence[str], reach: int = 24) -> str:
    """The sentence, or the `reach` words either side of the first name in it when it is long."""
    words = sentence.split()
    if len(words) <= 2 * reach:
        return sentence
    names, _ = name_patterns(tuple(forms))
    found = names.search(sentence)
    at = len(sentence[: found.start()].split()) if found else 0
    start, end = max(0, at - reach // 2), min(len(words), at + reach)
    return ("…" if start else "") + " ".join(words[start:end]) + ("…" if end < len(words) else "")
