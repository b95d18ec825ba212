"""The content words of a text, stemmed: what a question and a sentence of the evidence share
("want" and "wants" alike), with the words every sentence has (articles, pronouns, auxiliaries) left out."""

from __future__ import annotations

import re

import Stemmer

_WORD = re.compile(r"[\w'’-]+")
_STOP = frozenset(
    "a an the and or but of to in on at for from by with about as is are was were be been being do does "
    "did have has had will would shall should can could may might must what who whom whose when where "
    "which why how that this these those there it its they them their he him his she her i we you me my "
    "our your us so if then than just also any some all tell said say".split()
)
_stemmer = Stemmer.Stemmer("english")


def stems(text: str) -> set[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    return set(_stemmer.stemWords([w for w in words if w not in _STOP and len(w) > 1]))


def stem(word: str) -> str:
    """One word's stem, stop word or not (a relation's verb, a possessive's head)."""
    return _stemmer.stemWord(word)
