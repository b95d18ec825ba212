"""The retrievers. Each takes the question as every retriever sees it (`Ask`) and returns chunks
best first; `link` finds the entities a question is about, which seeds the graph retriever."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from dataclasses import dataclass

from backend.graph import GraphStore
from backend.graph.results import ScoredChunk, ScoredEntity, Subgraph

from .catalogue import Catalogue
from .fuse import rrf
from .lexical import search_text

# Hubs (by_graph): an entity mentioned in more than HUB_SHARE of the namespace's chunks, and in more
# than HUB_FLOOR (a small namespace has no hubs); whatever the namespace's size, one mentioned in more
# than HUB_CEILING (~40,000 words of talk): what reading its chunks costs grows with it, what they say
# about a question does not.
HUB_SHARE = 0.02
HUB_FLOOR = 50
HUB_CEILING = 200
# An entity whose name embedding is this similar to the whole question is what the question is about
# (scores are the stores' cosine similarity mapped to [0,1]; 0.8 here is a cosine of 0.6).
LINK_SIMILARITY = 0.8
_QUESTION_WORDS = frozenset(
    "what who whom whose when where which why how did does do is are was were can could should would "
    "will tell list give show name summarize summarise describe explain i".split()
)
_NAME = re.compile(r"\b(?:[A-Z][\w'’-]*[a-z][\w'’-]*|[A-Z]{2,})\b")


@dataclass
class Ask:
    namespace: str
    text: str
    vector: list[float]
    pool: int  # candidates each retriever returns
    within: frozenset[str] = frozenset()  # only these transcripts' chunks (none: the whole namespace)


async def by_vector(store: GraphStore, ask: Ask) -> list[ScoredChunk]:
    return await store.search.vector_search_chunks(
        ask.namespace, ask.vector, k=ask.pool, transcripts=sorted(ask.within)
    )


async def by_fulltext(store: GraphStore, ask: Ask) -> list[ScoredChunk]:
    """BM25 over passages, in the graph's passage index."""
    return await store.search.fulltext_search_chunks(
        ask.namespace, search_text(ask.text), k=ask.pool, transcripts=sorted(ask.within)
    )


def by_speaker(catalogue: Catalogue, ask: Ask, ranked: list[list[ScoredChunk]]) -> list[ScoredChunk]:
    """When the question names a speaker ("what did Priya say about …"): the other retrievers' chunks
    in which that speaker speaks, in their fused order."""
    named = catalogue.speakers_named(ask.text)
    if not named:
        return []
    return [c for c in rrf(ranked) if named & set(c.speakers)][: ask.pool]


async def link(store: GraphStore, ask: Ask, limit: int = 5) -> list[ScoredEntity]:
    """Entities named in the question (full-text on names and aliases), then entities whose name
    means what the whole question means."""
    named, near = await asyncio.gather(
        store.search.fulltext_search_entities(ask.namespace, ask.text, k=limit),
        store.search.vector_search_entities(ask.namespace, ask.vector, k=limit),
    )
    close = [e for e in near if e.score >= LINK_SIMILARITY]
    linked: dict[str, ScoredEntity] = {}
    for entity in [*named, *close]:
        linked.setdefault(entity.id, entity)
    return list(linked.values())[:limit]


def hub_limit(chunks: int) -> int:
    """How many of a namespace's chunks an entity may be mentioned in and still say something specific.
    A speaker of every meeting or a role ("Project Manager": 1,560 of 4,774 chunks in the QMSum meetings)
    is in most of them; reading its chunks read a third of the graph and ranked nothing (issue 31)."""
    return min(HUB_CEILING, max(HUB_FLOOR, int(HUB_SHARE * chunks)))


async def by_graph(
    store: GraphStore, ask: Ask, seeds: list[ScoredEntity], hubs: int | None = None
) -> tuple[list[ScoredChunk], Subgraph]:
    """Chunks that mention the linked entities (those naming most of them first, then those nearest
    the question: `ask.vector` is the question as passages are embedded), then chunks that mention
    their neighbours one hop away; entities mentioned in more than `hubs` chunks (hubs) are seeds of
    the neighbourhood but their own chunks are not read."""
    if not seeds:
        return [], Subgraph()

    def mentioning(ids: list[str]) -> Awaitable[list[ScoredChunk]]:
        return store.chunks_mentioning(ask.namespace, ids, ask.vector, k=ask.pool) if ids else _nothing()

    linked = [e.id for e in seeds]
    (edges, mentions), direct = await asyncio.gather(
        store.neighbourhood_edges(ask.namespace, linked, hops=1, path_limit=200),
        mentioning([e.id for e in seeds if hubs is None or e.mention_count <= hubs]),
    )
    weights: dict[str, float] = {}
    for edge in edges:
        for end in (edge.source, edge.target):
            if end not in linked and (hubs is None or mentions.get(end, 0) <= hubs):
                weights[end] = weights.get(end, 0.0) + edge.weight
    if ask.within:  # the entities are the namespace's; their mentions are kept where asked
        direct = [c for c in direct if c.transcript_id in ask.within]
    # The hop's chunks only follow the seeds', so when those fill the pool it is not asked: at scale a
    # hop reads thousands of chunks (10 neighbours, each in up to `hubs`).
    neighbours = sorted(weights, key=lambda i: -weights[i])[:10] if len(direct) < ask.pool else []
    # the entities themselves are for the answer's graph, not for choosing: read beside the hop
    around, hop = await asyncio.gather(
        store.subgraph(ask.namespace, edges, seeds=linked), mentioning(neighbours)
    )
    seen = {c.id for c in direct}
    hop = [c for c in hop if c.id not in seen and (not ask.within or c.transcript_id in ask.within)]
    return [*direct, *hop][: ask.pool], around


async def _nothing() -> list[ScoredChunk]:
    return []


def names_in(question: str) -> list[str]:
    """Capitalised words and acronyms that are not question words: the names a question asks about.
    The first word is capitalised anyway, so it counts only as an acronym."""
    first = question.split(maxsplit=1)[0] if question.split() else ""
    names = []
    for match in _NAME.finditer(question):
        word = match.group(0)
        if word.lower() in _QUESTION_WORDS or (match.start() == question.find(first) and not word.isupper()):
            continue
        names.append(word)
    return list(dict.fromkeys(names))


async def unknown_names(store: GraphStore, ask: Ask) -> list[str]:
    """Names in the question that no chunk of the namespace mentions (as the passage index reads
    words: accents aside, so "Tomas" is mentioned where the transcripts say "Tomás")."""
    names = names_in(ask.text)
    found = await asyncio.gather(*(store.search.fulltext_search_chunks(ask.namespace, n, k=1) for n in names))
    return [name for name, hits in zip(names, found, strict=True) if not hits]
