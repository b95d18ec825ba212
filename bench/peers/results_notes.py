"""The prose under RESULTS.md's tables: what each system does, and does not do, in its timed work."""

NOTES = """
## What each system does in its timed work

Every system reads the same four transcripts as plain text and talks to the same stand-in, which
answers each with the same names for the same text in its own format (bench/extraction_formats.py:
one name per 60 words of input, so a system that sends more text per call gets a longer answer, as
from a real model). The clock starts after imports, model loading and opening storage, and stops
when the system says the documents are in.

- **KnowledgeWeaver** (`knowledgeweaver`: the default configuration, the headline): the full pipeline
  through its OpenAI-compatible provider, four jobs at once (`KW_INGEST_WORKERS`) — ~100-token
  speaker-turn chunks, one structured-output extraction call per ~1,000-token window of them (names,
  types, entity descriptions and relation types; a relation's description is quoted from the transcript,
  not generated), entity resolution against the namespace (vector and full-text look-ups in the
  database), chunk embeddings with bge-small and name embeddings with MiniLM **on the local CPU** (int8
  ONNX), batched writes of transcripts, chunks, entities, mentions and relations to the embedded
  FalkorDB (a server process of its own, whose CPU and memory are counted).
  `knowledgeweaver+api-embeddings` sends the embeddings to the stand-in instead, as every peer does.
- **LightRAG**: default storages (NetworkX graph, nano-vectordb, JSON KV files, all written) in a fresh
  working dir, 1,200-token chunks, one gleaning ("missed entities") call per chunk, entity and relation
  merging with its description summaries (LLM calls when a description grows long), embeddings of
  chunks, entities and relations through the stand-in; `max_parallel_insert` documents at once.
  o200k_base offline through `TIKTOKEN_CACHE_DIR` (the encodings bundled in the litellm wheel).
- **neo4j-graphrag**: `SimpleKGPipeline` (split, embed chunks, schema extraction, entity and relation
  extraction, pruning) **without a Neo4j server**: an in-memory writer stands in for its Neo4j writer
  (so it **writes nothing** in the timed work) and **entity resolution is off** (it runs in the
  database). Documents run at once (one `run_async` each); within a document its extractor runs
  chunks concurrently.
- **Graphiti**: `OpenAIGenericClient`, telemetry off, its embedded Kuzu driver, episodes of whole turns
  up to ~1,200 tokens added **one at a time** with `add_episode` (its documented way: each episode is
  resolved against the graph the earlier ones built), all in one graph. Each episode is several
  dependent calls (entities, dedupe, edges, edge dedupe, attributes, summaries). Two workarounds in the
  runner: 0.31.1's `KuzuDriver` creates none of the full-text indexes its searches use (created with
  Graphiti's own Kuzu statements), and a `group_id` per meeting fails on it (no `_database`).
  FalkorDB from falkordblite segfaults on Graphiti's node-resolution query (0.11.0 and 0.10.0).
  graphiti-core 0.31.1 (0.31.2 needs a newer certifi than this machine's index has).
- **Microsoft GraphRAG**: the standard method (the only one that runs offline) through its Python API
  (`graphrag.api.build_index`, what `graphrag index` runs), in the runner's process with its imports
  and configuration loaded before the clock; `api_base` set in settings.yaml, cache off. Its timed
  work includes extraction, gleaning, description summaries, community detection and community
  reports, and writing its parquet tables.
"""
