"""Names a recording's transcription got nearly right: "Henry Coulson" for Henrik Olsen, "Nordley's
energy" for Nordlys Energy. A run of heard words is a near miss of a known name (`known_names.py`)
when it sounds the same (Metaphone keys of the letters, edit similarity) and is spelled nearly the
same (Indel similarity of the letters), both above conservative floors and together above a higher
bar; when two names come about as close, nothing is chosen. Exact names are never touched, and
neither is a run with no capital letter, one that starts or ends with a small word ("in", "the"), or
one that crosses punctuation.

Thresholds were set on the tuning memos of bench/voice_names.py (Whisper's mishearings of espeak-ng)
and checked against the 35 QMSum meetings' 326k words with the bench's names held: at SCORE_MIN 0.78
two ordinary phrases were taken for names ("Stay longer" for Stavanger), from 0.80 none
(tests/unit/test_near_misses.py); 0.82 keeps a margin.

Correcting is linking, not rewriting: the extractor reads the corrected words (so the known entity is
what it finds), while the chunk keeps what was heard and the mention keeps the heard form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jellyfish
import numpy as np
from rapidfuzz.distance import Indel, Levenshtein
from rapidfuzz.process import cdist

from backend.domain import normalise_key

from .known_names import KnownName

SOUND_MIN = 0.75  # Metaphone keys: 1 - edits / longer key
SPELLING_MIN = 0.6  # letters: Indel similarity
ONE_WORD_SPELLING_MIN = 0.8  # one word for one word ("Silent" is not "Soylent")
SCORE_MIN = 0.82  # the mean of the two
PREFILTER = 0.6  # sound similarity of the whole run and name worth scoring
RIVAL_MARGIN = 0.05  # another name scoring this close to the best makes a run ambiguous
MIN_LETTERS = 5  # shorter names are too easy to hear in ordinary words
MAX_EXTRA_WORDS = 1  # a name of k words may be heard as k-1 .. k+1 words

_POSSESSIVE = re.compile(r"['’]s\b")
_OPENS_SENTENCE = re.compile(r"(?:^|[.!?…]\s*)\W*$")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_BREAK = re.compile(r"[.,;:!?()\"“”]")
_SMALL = frozenset(
    "a an and are as at be but by for from had has have he her his i if in into is it its me my of on "
    "or our she so that the their them then they this to us was we were with you your".split()
)


def _key(text: str) -> str:
    return normalise_key(_POSSESSIVE.sub("", text))  # "Kestrel's" is Kestrel, said right


def letters(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text.lower() if "a" <= ch <= "z")


def sound(text_letters: str) -> str:
    return jellyfish.metaphone(text_letters).replace(" ", "")


def similarity(heard: str, name: str) -> float | None:
    """How nearly `heard` is `name`, or None below the bars. Words the two share say nothing about a
    mishearing ("Nordic Energy" and "Nordlys Energy" share "Energy"), so only the rest is compared."""
    heard_words, name_words = _WORD.findall(heard), _WORD.findall(name)
    shared = {w.lower() for w in heard_words} & {w.lower() for w in name_words}
    rest_heard = [w for w in heard_words if w.lower() not in shared]
    rest_name = [w for w in name_words if w.lower() not in shared]
    if not rest_heard or not rest_name:
        return None
    a, b = letters(" ".join(rest_heard)), letters(" ".join(rest_name))
    if min(len(a), len(b)) < 3:
        return None
    by_sound = Levenshtein.normalized_similarity(sound(a), sound(b))
    by_spelling = Indel.normalized_similarity(a, b)
    one_word = len(rest_heard) == len(rest_name) == 1
    floor = ONE_WORD_SPELLING_MIN if one_word else SPELLING_MIN
    score = (by_sound + by_spelling) / 2
    if by_sound < SOUND_MIN or by_spelling < floor or score < SCORE_MIN:
        return None
    return score


@dataclass(frozen=True)
class NearMiss:
    heard: str  # the words as transcribed
    name: KnownName  # what they nearly were
    score: float


@dataclass(frozen=True)
class _Run:
    text: str
    words: int


def runs(text: str, max_words: int) -> Iterable[_Run]:
    """Runs of 1..max_words consecutive words that could be a misheard name."""
    words = list(_WORD.finditer(text))
    for i, first in enumerate(words):
        if first.group().lower() in _SMALL:
            continue
        for j in range(i, min(i + max_words, len(words))):
            if j > i and _BREAK.search(text, words[j - 1].end(), words[j].start()):
                break
            last = words[j].group()
            span = text[first.start() : words[j].end()]
            if last.lower() not in _SMALL and any(ch.isupper() for ch in span):
                yield _Run(span, j - i + 1)


class NameMatcher:
    def __init__(self, names: Sequence[KnownName]) -> None:
        self.exact = {_key(n.name) for n in names}
        self.names = [n for n in names if len(letters(n.name)) >= MIN_LETTERS]
        self._letters = [letters(n.name) for n in self.names]
        self._sounds = [sound(x) for x in self._letters]
        self._words = np.array([len(_WORD.findall(n.name)) for n in self.names])
        self.max_words = int(self._words.max(initial=1)) + MAX_EXTRA_WORDS
        self._said: re.Pattern | None = None
        self._by_spelling: dict[str, KnownName] = {}

    def said(self, text: str) -> list[KnownName]:
        """Known names said exactly (whole words, any case but with a capital, as names are written),
        longest first and never overlapping: "Nordlys Energy" is not also "Nordlys". A one-word name
        opening a sentence is left out: there every word has a capital ("Reading the report")."""
        if self._said is None:
            spelled = sorted({n.name for n in self.names}, key=len, reverse=True)
            pattern = "|".join(re.escape(name) for name in spelled) or r"(?!)"
            self._said = re.compile(rf"(?<![\w'’-])(?:{pattern})(?![\w'’-])", re.IGNORECASE)
            self._by_spelling = {n.name.lower(): n for n in reversed(self.names)}  # first entry wins
        found = [
            self._by_spelling.get(m.group().lower())
            for m in self._said.finditer(text)
            if any(ch.isupper() for ch in m.group())
            and (" " in m.group() or not _OPENS_SENTENCE.search(text, 0, m.start()))
        ]
        return [known for known in found if known is not None]

    def find(self, texts: Sequence[str]) -> list[NearMiss]:
        """Every distinct run of heard words that is a near miss of exactly one known name."""
        if not self.names:
            return []
        heard: dict[str, int] = {}
        for text in texts:
            for run in runs(text, self.max_words):
                if _key(run.text) not in self.exact:
                    heard.setdefault(run.text, run.words)
        spans = [s for s in heard if len(letters(s)) >= MIN_LETTERS - 1]
        if not spans:
            return []
        span_letters = [letters(s) for s in spans]
        close = cdist(
            self._sounds,
            [sound(x) for x in span_letters],
            scorer=Levenshtein.normalized_similarity,
            score_cutoff=PREFILTER,
            dtype=np.float32,
        )
        best: dict[str, list[tuple[float, int]]] = {}
        for n, s in zip(*np.nonzero(close), strict=True):
            span = spans[s]
            if abs(heard[span] - self._words[n]) > MAX_EXTRA_WORDS:
                continue
            score = similarity(span, self.names[n].name)
            if score is not None:
                best.setdefault(span, []).append((score, int(n)))
        found = []
        for span, scored in best.items():
            scored.sort(reverse=True)
            top, n = scored[0]
            rivals = {
                self.names[m].entity_id or self.names[m].name for sc, m in scored if sc >= top - RIVAL_MARGIN
            }
            if len(rivals) == 1:  # two different names this close: leave it as heard
                found.append(NearMiss(span, self.names[n], round(top, 3)))
        return found


@dataclass(frozen=True)
class Correction:
    start: int
    end: int
    miss: NearMiss


def corrections_in(text: str, misses: Sequence[NearMiss]) -> list[Correction]:
    """Where near misses occur in a text: whole words, best first, never overlapping."""
    candidates = []
    for miss in misses:
        for match in re.finditer(rf"(?<![\w'’-]){re.escape(miss.heard)}(?![\w'’-])", text):
            candidates.append(Correction(match.start(), match.end(), miss))
    candidates.sort(key=lambda c: (-c.miss.score, c.start))
    chosen: list[Correction] = []
    for c in candidates:
        if all(c.end <= o.start or c.start >= o.end for o in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.start)


def corrected(text: str, fixes: Sequence[Correction]) -> str:
    out, at = [], 0
    for fix in fixes:
        out += [text[at : fix.start], fix.miss.name.name]
        at = fix.end
    return "".join([*out, text[at:]])
