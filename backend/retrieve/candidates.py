"""The sentences an extractive answer may quote: every statement of the best citations, each
question's reply from another speaker, and, from the citations after those, the sentences that share
a word with the question. A sentence that says "they", "she" or "it" carries the names it may stand
for (`pronouns.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.domain import Citation

from .content_words import stems
from .pronouns import read_pronouns
from .sentences import split_sentences

MIN_WORDS = 4
MIN_REPLY_WORDS = 3


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
                context, resolved = read_pronouns(sentence, recent, kinds)
                recent.append(sentence)
                if len(sentence.split()) < MIN_WORDS or (speaker, sentence) in seen:
                    continue
                asks = sentence.endswith("?")
                candidate = Candidate(
                    number, speaker, sentence, len(found), asks, context=context, resolved=resolved
                )
                if number > full and not candidate_stems(candidate) & wanted:
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


def candidate_stems(candidate: Candidate) -> set[str]:
    """Its words, with those of the question it answers and of the names its pronouns stand for."""
    return stems(" ".join(filter(None, (candidate.prompt, candidate.sentence, candidate.context))))
