"""neo4j-graphrag's SimpleKGPipeline against the stand-in, without a Neo4j server: the Neo4j writer
is replaced by an in-memory KG writer (so write time is not measured — in its favour) and entity
resolution, which needs the database, is off. `--parallel-docs` documents run at once (one
`run_async` each, gathered: `run_async` takes one text); within a document its extractor runs chunks
concurrently (default 5)."""

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import neo4j
from neo4j_graphrag.components.kg_writer import KGWriter, KGWriterModel
from neo4j_graphrag.components.types import LexicalGraphConfig, Neo4jGraph
from neo4j_graphrag.embeddings import OpenAIEmbeddings
from neo4j_graphrag.experimental.pipeline.kg_builder import SimpleKGPipeline
from neo4j_graphrag.llm import OpenAILLM
from pydantic import validate_call
from timed_run import Clock, arguments, report, texts

LEXICAL_LABELS = {"Chunk", "Document", "__KGBuilder__"}
LEXICAL_TYPES = {"FROM_CHUNK", "NEXT_CHUNK", "FROM_DOCUMENT"}
DEFAULT_LEXICAL = LexicalGraphConfig()


class MemoryWriter(KGWriter):
    def __init__(self) -> None:
        self.nodes: dict[str, object] = {}
        self.relationships: list[object] = []

    @validate_call
    async def run(
        self, graph: Neo4jGraph, lexical_graph_config: LexicalGraphConfig = DEFAULT_LEXICAL
    ) -> KGWriterModel:
        for node in graph.nodes:
            if node.label not in LEXICAL_LABELS:
                self.nodes[node.id] = node
        self.relationships += [r for r in graph.relationships if r.type not in LEXICAL_TYPES]
        return KGWriterModel(status="SUCCESS")


class SharedLimitLLM(OpenAILLM):
    """Its extractor's concurrency is per `run_async`, so four documents at once would have 4× the
    calls in flight (31 of a 16 limit, measured): one limit shared by every run, as everyone's."""

    def __init__(self, *args, limit: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._slots = asyncio.Semaphore(limit)

    async def ainvoke(self, *args, **kwargs):
        async with self._slots:
            return await super().ainvoke(*args, **kwargs)


async def main() -> None:
    args = arguments()

    writer = MemoryWriter()
    # A driver object is required by the config; nothing connects to it (writer replaced, resolution off).
    driver = neo4j.GraphDatabase.driver("neo4j://127.0.0.1:1", auth=("neo4j", "unused"))
    pipeline = SimpleKGPipeline(
        llm=SharedLimitLLM(
            model_name="gpt-4o-mini",
            base_url=args.base_url,
            api_key=args.api_key,
            limit=args.concurrency or 5,
        ),
        driver=driver,
        embedder=OpenAIEmbeddings(
            model="text-embedding-3-small", base_url=args.base_url, api_key=args.api_key
        ),
        from_file=False,
        kg_writer=writer,
        perform_entity_resolution=False,
    )
    concurrency = 5
    for node in pipeline.runner.pipeline._nodes.values():  # the extractor's concurrency is not a parameter
        component = node.component
        if hasattr(component, "max_concurrency"):
            if args.concurrency:
                component.max_concurrency = args.concurrency
            concurrency = component.max_concurrency
    docs = texts(args.input)
    at_once = asyncio.Semaphore(max(1, args.parallel_docs))

    async def one(text: str) -> None:
        async with at_once:
            await pipeline.run_async(text=text)

    with Clock() as clock:
        await asyncio.gather(*(one(doc["text"]) for doc in docs))
    driver.close()
    notes = f"in-memory writer (no Neo4j), entity resolution off; {args.parallel_docs} documents at once"
    report(clock, len(writer.nodes), len(writer.relationships), concurrency, notes)


asyncio.run(main())
