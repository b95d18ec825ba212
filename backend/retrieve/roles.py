"""What the transcripts say someone or something is, read from a sentence that names them: an apposition
("Albert Heaney, deputy director general of …"; "Our insurer, Maritime Mutual"), a noun before the name
("our engineer Tomás Silva"), "X, who is …", "X is our contact", "X from our integration team", a
speaker's own "From finance: …" or "I'm the …", a speaker label's "(Leader of the Opposition)". By
spaCy's dependency parse (the offline extractor's model), after a cheap pattern has picked the few
sentences worth parsing; what is spoken to ("Hi Priya, …", "Huw, is there …") or is an amount is no
role."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache

_FILLERS = frozenset("um uh erm so like who which that i'm".split())
_PRONOUNS = frozenset("i we you he she they it i'm we're".split())
DETERMINERS = ("our", "their", "the", "his", "her", "my", "your", "a", "an")
_ROLE_WORDS = r"(?:team|department|group|office|company|side|unit|board|committee|council|division)"
MAX_PARSED = 60  # sentences parsed per question, at most (~6 ms each on this machine)
MAX_ROLES = 3


def _alternatives(forms: Sequence[str]) -> str:
    return "|".join(re.escape(f) for f in forms)


@cache
def name_patterns(forms: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(names the subject, may describe it): a cheap look before a parse."""
    name = rf"(?<![\w-])(?:{_alternatives(forms)})(?![\w-])"
    title = r"(?:\s+[A-Z]{2,3})?"  # "Vaughan Gething AM"
    describing = re.compile(
        rf"{name}{title}\s*(?:,|\s+(?:from|of|at|in|who|is|was)\b)"
        rf"|\b(?:{'|'.join(DETERMINERS)})\s+(?:[\w-]+\s+){{0,3}}{name}"
    )
    return re.compile(name), describing


@dataclass(frozen=True)
class Described:
    sentence: str
    speaker: str
    roles: list[str]


_SELF = re.compile(
    r"^(?i:from|for)\s+(?P<role>[\w][\w\s&-]{1,30}):"
    r"|\b(?:I'm|I am)\s+(?P<as>(?:the|a|an|your)(?:\s+[\w-]+){1,9})"
)
# "Hi Priya, thanks for making time": a name spoken to, not described
_ADDRESSED = re.compile(r"(?:^|\b)(?:hi|hello|hey|thanks|thank you|dear|morning|afternoon|sorry),?\s*$", re.I)


def spoken_to(sentence: str, forms: Sequence[str], first_names: Collection[str] = ()) -> bool:
    """The sentence speaks to the subject ("Hi Priya, thanks for making time", "Lena, can you …",
    "How long would that take, Lena?", a first name between commas: "So, all of those things, David,
    give us …") rather than of them."""
    names, _ = name_patterns(tuple(forms))
    for found in names.finditer(sentence):
        before, after = sentence[: found.start()], sentence[found.end() :]
        if _ADDRESSED.search(before) or (not before.strip() and after.startswith(",")):
            return True
        if before.rstrip().endswith(",") and re.fullmatch(r"\s*[?.!]\s*", after):
            return True
        if found.group() in first_names and before.rstrip().endswith(",") and after.startswith(","):
            return True
    return False


def self_described(sentence: str) -> str | None:
    found = _SELF.search(sentence)
    if not found:
        return None
    if found.group("role"):
        return f"from {found.group('role').strip()}"
    words = found.group("as").split()  # "the Marketing Expert um so like I'm gonna …"
    cut = next(
        (
            i
            for i, w in enumerate(words)
            if w.lower() in _FILLERS
            or (w.lower() in ("and", "but") and i + 1 < len(words) and words[i + 1].lower() in _PRONOUNS)
        ),
        len(words),
    )
    return " ".join(words[:cut]) if cut > 1 else None


class RoleReader:
    """Roles in sentences by spaCy's dependency parse (the offline extractor's model, loaded on the
    first question that needs it; ~0.4 s once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # spaCy pipelines are not safe to share between threads

    @property
    def nlp(self):
        return _model()

    def roles(self, speaker: str, sentence: str, forms: Sequence[str]) -> list[str]:
        names, _ = name_patterns(tuple(forms))
        if speaker and names.match(speaker):
            own = self_described(sentence)
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
            if span is None or (span.start and doc[span.start - 1].pos_ == "PROPN"):
                continue  # part of a longer name: "David" in "Trinity Saint David"
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
            # "our engineer Tomás Silva", not "the SAP sandbox Northwind (gave us)"
            before = [t for t in head.children if t.dep_ in ("poss", "amod") and t.i < child.i]
            if any(t.dep_ == "poss" for t in before):
                roles.append(_phrase([*before, *[t for t in child.subtree]]))
        elif child.dep_ == "relcl":  # "X, who is …" (not "…X is discussing, that is …")
            attr = next((t for t in child.children if t.dep_ in ("attr", "acomp")), None)
            who = any(t.dep_ == "nsubj" and t.lower_ in ("who", "which") for t in child.children)
            being = any(t.dep_ == "aux" and t.lower_ in ("is", "was") for t in child.children)
            if attr is not None and child.lemma_ == "be" and who:
                roles.append(_phrase(_clipped(attr)))
            elif who and being and child.pos_ == "VERB":  # "David Rees, who is substituting for her"
                roles.append(_phrase([t for t in _clipped(child) if t.i >= child.i]))
    if head.dep_ == "appos" and _stands_for(head.head):  # "Our insurer, Maritime Mutual"
        noun = head.head
        roles.append(_phrase([t for t in noun.subtree if t.i < span.start and t.dep_ != "punct"]))
    subject_of_be = head.dep_ == "nsubj" and head.head.lemma_ == "be"
    if subject_of_be and not _set_off(span):  # "Huw, is there anything …" speaks to Huw
        attr = next((t for t in head.head.children if t.dep_ == "attr"), None)
        if attr is not None:
            roles.append(_phrase(_clipped(attr)))
    return [r for r in roles if is_role(r)]


def _stands_for(noun) -> bool:
    """A noun a name can stand beside as what it is ("our insurer", "a second supplier", "the Minister
    for …"), not the object a name is spoken after ("identifying the gaps, David, …")."""
    return noun.pos_ == "PROPN" or any(
        t.dep_ in ("poss", "amod", "nummod", "prep", "compound") for t in noun.children
    )


def _set_off(span) -> bool:
    """The name is followed by a comma: spoken to, not the subject it would be."""
    after = span.doc[span.end] if span.end < len(span.doc) else None
    return after is not None and after.text == ","


def is_role(role: str) -> bool:
    """Not an amount ("the full CERB, $2,000"), not a clause, not too long to be one."""
    words = role.split()
    return (
        0 < len(words) <= 14
        and role.lower() not in DETERMINERS
        and not re.search(r"[\d$€£]|\b(?:hundred|thousand|million|billion|percent)\b", role, re.I)
        and words[0].lower() not in ("i", "we", "you", "it", "anything", "something", "what", "that")
        and " ".join(w for w in words if w.lower() not in DETERMINERS).lower() not in ("one", "person", "guy")
    )


def _clipped(token) -> list:
    """A role's words up to the next name in a list ("…Services; Julie Morgan AM, Deputy …", "…for
    Education, Eluned Morgan, …", "…and Social Care, also Jo-Anne …"), without the list's joints."""
    stops = [t.left_edge.i for t in token.children if t.i > token.i and _next_in_list(t)]
    stops += [t.i for t in token.subtree if t.i > token.i and t.text == ";"]
    end = min(stops, default=token.right_edge.i + 1)
    words = [t for t in token.subtree if t.i < end]
    while words and (words[-1].is_punct or words[-1].lower_ in ("and", "also", "or")):
        words.pop()
    return words


def _next_in_list(token) -> bool:
    """Where a role ends in a list of people: the next one's name or description, not "higher
    education" in "director of skills, higher education and lifelong learning"."""
    if token.dep_ == "relcl":
        return True
    # "…for Education, Eluned Morgan, …", "…, and Huw Morris": a name after a comma, not the place in
    # "Member for Carmarthen West and South Pembrokeshire"
    person = token.pos_ == "PROPN" and any(t.dep_ == "compound" and t.pos_ == "PROPN" for t in token.children)
    joint = token.doc[token.left_edge.i - 1] if token.left_edge.i else None
    while joint is not None and joint.lower_ in ("and", "also", "or") and joint.i:
        joint = token.doc[joint.i - 1]
    listed = joint is not None and joint.text == ","
    return token.dep_ == "appos" or (token.dep_ == "conj" and person and listed)


def _from_team(after: str) -> list[str]:
    """ "Sven Larsen from their operations team": the parse may hang the phrase elsewhere."""
    found = re.match(
        rf"^\s+(?P<role>(?:from|in|at|of)\s+(?:{'|'.join(DETERMINERS)})\s+(?:[\w-]+\s+){{0,3}}{_ROLE_WORDS})\b",
        after,
        re.IGNORECASE,
    )
    return [found.group("role")] if found else []


_LABEL = re.compile(r"^(?P<outside>[^()]+?)\s*\((?P<inside>.+)\)\s*$")


def label_role(label: str, names: re.Pattern[str]) -> str | None:
    """A role a speaker label gives: "Hon. Andrew Scheer (Leader of the Opposition)", "The Chair (Hon.
    Anthony Rota (…))"; not a constituency and party ("(Carleton, CPC)")."""
    found = _LABEL.match(label)
    if not found:
        return None
    outside, inside = found.group("outside").strip(), found.group("inside").strip()
    if names.search(outside) and not re.search(r"[,()]", inside):
        return inside
    if names.search(inside) and not names.search(outside):
        return outside
    return None
