"""A recording's chunks checked against the names its namespace knows (`known_names.py`).

A known name said exactly links the chunk to its entity whether or not the extractor takes it for a
name (spaCy's small model misses some in a long sentence), so what the namespace holds is always
found where it is said.

Names heard nearly right (`near_misses.py`) are corrected only where the extractor reads them, so it
finds the known entity; the chunk stored in the graph keeps the words as heard, and the mention that
links the entity to the chunk keeps the heard form (`Mention.heard`). A citation therefore shows what
was said as transcribed, and the entity shows the name the namespace knows it by. An extracted name
that is a known entity's name takes that entity's type, so it resolves to the entity instead of
becoming a second one of another type.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from backend.domain import normalise_key
from backend.llm.port import ChunkExtraction, ChunkText

from .known_names import KnownName, NameBook
from .near_misses import NameMatcher, NearMiss, corrected, corrections_in
from .resolve import Resolved


@dataclass
class HeardNames:
    book: NameBook
    matcher: NameMatcher | None = None
    misses: list[NearMiss] = field(default_factory=list)
    # chunk id -> (heard, known name) -> times
    found: dict[str, Counter[tuple[str, KnownName]]] = field(default_factory=lambda: defaultdict(Counter))

    @classmethod
    def check(cls, book: NameBook, chunks: Sequence[ChunkText]) -> HeardNames:
        """Near misses of the book's names in what the chunks' speakers said (CPU work: a thread)."""
        said = [text for chunk in chunks for _, text in chunk.lines]
        matcher = NameMatcher(book.names)
        return cls(book, matcher, matcher.find(said))

    def for_extraction(self, chunk: ChunkText) -> ChunkText:
        """The chunk as the extractor should read it: near misses replaced by the names they miss."""
        lines = []
        for speaker, said in chunk.lines:
            for known in self.matcher.said(said) if self.matcher else []:
                self.found[chunk.id][(known.name, known)] += 1
            fixes = corrections_in(said, self.misses) if self.misses else []
            for fix in fixes:
                self.found[chunk.id][(fix.miss.heard, fix.miss.name)] += 1
            lines.append((speaker, corrected(said, fixes)))
        if not any(form != known.name for form, known in self.found.get(chunk.id, {})):
            return chunk
        text = "\n".join(f"{speaker}: {said}" if speaker else said for speaker, said in lines)
        return chunk.model_copy(update={"lines": lines, "text": text})

    def pin_types(self, extractions: Sequence[ChunkExtraction]) -> None:
        """An extracted name that is a known entity's name takes the entity's type."""
        types = {normalise_key(n.name): n.type for n in self.book.names if n.type is not None}
        for ex in extractions:
            for entity in ex.extraction.entities if ex.extraction else []:
                known = types.get(normalise_key(entity.name))
                if known is not None:
                    entity.type = known

    def link(self, resolved: Resolved) -> list[dict]:
        """Attach each heard form to the mention of the entity it names in that chunk (adding the
        mention when the extractor missed it); the links made, for the job's result."""
        by_key = {normalise_key(n): e.id for e in resolved.entities for n in [e.name, *e.aliases]}
        mentions = {(m.entity_id, m.chunk_id): m for m in resolved.mentions}
        links: dict[tuple[str, str, str], None] = {}
        for chunk_id, heard in self.found.items():
            for (form, known), times in heard.items():
                target = known.entity_id or by_key.get(normalise_key(known.name))
                if target is None:  # a hinted name the extractor did not take for a name
                    continue
                mention = mentions.get((target, chunk_id))
                if mention is None:
                    mention = mentions[(target, chunk_id)] = resolved.add_mention(target, chunk_id, times)
                if form == known.name:  # said as the namespace spells it: a plain mention
                    continue
                if form not in mention.heard:
                    mention.heard.append(form)
                links[(form, known.name, target)] = None
        return [{"heard": h, "name": n, "entity_id": e} for h, n, e in links]
