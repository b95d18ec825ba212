"""KnowledgeWeaver vs LightRAG, Microsoft GraphRAG, Graphiti and neo4j-graphrag on the same QMSum
transcripts and the same simulated LLM (bench/llm_standin.py, in its own process): wall time, chat
and embedding calls, prompt tokens, peak RSS, nodes and relations. Each peer runs in its own venv
(bench/work/peers/<system>, built on first use). Writes bench/peers/RESULTS.md.

    .venv/bin/python bench/peers/run.py                          # everything (long: installs peers)
    .venv/bin/python bench/peers/run.py --systems knowledgeweaver,lightrag --delays 500
    .venv/bin/python bench/peers/run.py --smoke                   # one tiny transcript, quick
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(HERE))

from envs import python_for, tiktoken_cache, version_of  # noqa: E402
from llm_standin import StandInProcess  # noqa: E402

from tests.support.qmsum import qmsum_dir  # noqa: E402

RUNNERS = {
    "knowledgeweaver": "knowledgeweaver.py",
    "knowledgeweaver+api-embeddings": "knowledgeweaver.py",
    "lightrag": "lightrag_runner.py",
    "neo4j-graphrag": "neo4j_graphrag_runner.py",
    "graphiti": "graphiti_runner.py",
    "graphrag": "graphrag_runner.py",
}
MEETINGS = ["ES2006a", "ES2009a", "IS1006a", "TS3009a"]
NOTES = """
## How each system was run

- **KnowledgeWeaver**: the full pipeline through its OpenAI-compatible provider — ~100-token
  speaker-turn chunks, one structured-output extraction call per ~1,000-token window of them, entity
  resolution, batched writes to the embedded FalkorDB. Two rows: `knowledgeweaver` embeds locally
  with MiniLM (the product's offline default: on 2 cores that CPU work, ~7 s here, dominates the
  wall time), `knowledgeweaver+api-embeddings` sends embeddings to the stand-in as every peer does;
  the ratios use the latter.
- **LightRAG**: default storages (NetworkX, nano-vectordb, JSON) in a fresh working dir per run,
  1,200-token chunks, one gleaning ("missed entities") call per chunk; o200k_base offline through
  `TIKTOKEN_CACHE_DIR` pointing at the encodings bundled in the litellm wheel.
- **neo4j-graphrag**: `SimpleKGPipeline` without a Neo4j server — an in-memory KG writer (its write
  time is not measured) and entity resolution off (it needs the database); documents one after
  another, as `run_async` takes one text; the extractor's concurrency set on its component.
- **Graphiti**: `OpenAIGenericClient`, telemetry off, its embedded Kuzu driver
  (`graphiti-core[kuzu]`), episodes of whole turns up to ~1,200 tokens added in order with
  `add_episode` (its documented API takes one episode at a time), all in one graph. Two workarounds,
  both in the runner: 0.31.1's `KuzuDriver` creates none of the full-text indexes its searches use
  (created with Graphiti's own Kuzu statements), and a `group_id` per meeting fails on it (no
  `_database`). FalkorDB from falkordblite was tried first: its FalkorDB (0.11.0 and 0.10.0)
  segfaults in `QueryNode_AddChildren` on Graphiti's node-resolution query. graphiti-core 0.31.1
  (0.31.2 needs a newer certifi than this machine's index has).
- **Microsoft GraphRAG**: the standard method via its CLI (`graphrag init` + `graphrag index`), the
  only method that runs offline; `api_base` set in settings.yaml, `LITELLM_LOCAL_MODEL_COST_MAP=True`,
  cache off. Its wall time includes extraction, gleaning, description summaries and community reports.

The stand-in answers every system with the same names for the same text (bench/extraction_formats.py),
so graph sizes differ only by how each system chunks, merges and keeps what it is given.
"""


def meeting_texts(names: list[str], max_words: int | None = None) -> list[dict]:
    folder = qmsum_dir()
    if folder is None:
        raise SystemExit("QMSum meetings not found (set KW_QMSUM_DIR)")
    docs = []
    for name in names:
        turns = json.loads((folder / f"{name}.json").read_text())["meeting_transcripts"]
        lines = [f"{t['speaker']}: {t['content']}" for t in turns if t["content"].strip(" .")]
        text = "\n".join(lines)
        if max_words:
            text = " ".join(text.split(" ")[:max_words])
        docs.append({"name": name, "text": text})
    return docs


def run_one(system: str, standin, docs_path: Path, delay: int, concurrency: int, tag: str) -> dict:
    python = python_for(system.split("+")[0])
    caller = f"{system}-{tag}-{delay}ms"
    workdir = Path(tempfile.mkdtemp(prefix=f"kw-peer-{system}-"))
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tiktoken_cache()),
           "GRAPHITI_TELEMETRY_ENABLED": "false", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "OPENAI_API_KEY": caller, "OPENAI_BASE_URL": standin.url,
           "TOKENIZERS_PARALLELISM": "false",
           "BENCH_EMBEDDINGS": "api" if system.endswith("+api-embeddings") else "local"}  # fmt: skip
    env = {k: v for k, v in env.items() if not k.startswith("KW_")}
    command = [str(python), str(HERE / "systems" / RUNNERS[system]), "--base-url", standin.url,
               "--api-key", caller, "--input", str(docs_path), "--workdir", str(workdir),
               "--concurrency", str(concurrency)]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=7200)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if done.returncode != 0:
        return {
            "system": system,
            "error": (done.stderr or done.stdout).strip().splitlines()[-1:] or ["failed"],
        }
    result = json.loads(done.stdout.strip().splitlines()[-1])
    calls = standin.stats()["by_caller"].get(caller, {})
    return {"system": system, "version": version_of(system.split("+")[0]), **result, **calls}


def table(rows: list[dict], words: int, delay: int) -> list[str]:
    # Ratios against KnowledgeWeaver configured like the peers (embeddings through the stand-in) when
    # it ran, else against the default (local MiniLM) configuration.
    ours = next((r for name in ("knowledgeweaver+api-embeddings", "knowledgeweaver") for r in rows
                 if r["system"] == name and "error" not in r), None)  # fmt: skip
    out = ["| system | version | concurrency | wall s | × KnowledgeWeaver | chat calls | floor s | × floor | "
           "embedding calls | prompt tokens | tokens / word | nodes | relations | peak RSS MB | notes |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for r in rows:
        if "error" in r:
            out.append(
                f"| {r['system']} | — | — | failed: {' '.join(r['error'])[:120]} | | | | | | | | | | | |"
            )
            continue
        floor = math.ceil(r.get("chat_calls", 0) / max(r["concurrency"], 1)) * delay / 1000
        ratio = f"{r['wall_s'] / ours['wall_s']:.1f}×" if ours else "—"
        vs_floor = f"{r['wall_s'] / floor:.1f}×" if floor else "—"
        out.append(
            f"| {r['system']} | {r['version']} | {r['concurrency']} | {r['wall_s']:.2f} | {ratio} | "
            f"{r.get('chat_calls', 0)} | {floor:.1f} | {vs_floor} | {r.get('embedding_calls', 0)} | "
            f"{r.get('prompt_tokens', 0):,} | {r.get('prompt_tokens', 0) / words:.2f} | {r['nodes']} | "
            f"{r['relations']} | {r['peak_rss_mb']:.0f} | {r.get('notes', '')} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--systems", default=",".join(RUNNERS))
    parser.add_argument("--delays", default="0,500", help="stand-in delay per chat call, ms")
    parser.add_argument("--equal-concurrency", type=int, default=16)
    parser.add_argument("--meetings", default=",".join(MEETINGS))
    parser.add_argument(
        "--smoke", action="store_true", help="one 300-word transcript, 0 ms, default concurrency"
    )
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    systems = args.systems.split(",")
    docs = meeting_texts(args.meetings.split(",")[:1] if args.smoke else args.meetings.split(","),
                         max_words=300 if args.smoke else None)  # fmt: skip
    words = sum(len(d["text"].split()) for d in docs)
    delays = [0] if args.smoke else [int(d) for d in args.delays.split(",")]
    settings = [("default", 0)] if args.smoke else [("default", 0), ("equal", args.equal_concurrency)]
    with tempfile.TemporaryDirectory() as tmp:
        docs_path = Path(tmp) / "docs.json"
        docs_path.write_text(json.dumps(docs))
        sections = []
        for delay in delays:
            with StandInProcess(delay_ms=delay) as standin:
                for tag, concurrency in settings:
                    rows = []
                    for system in systems:
                        print(f"{system}: {delay} ms, concurrency {tag}…", file=sys.stderr, flush=True)
                        rows.append(run_one(system, standin, docs_path, delay, concurrency, tag))
                        print(f"  {rows[-1]}", file=sys.stderr, flush=True)
                    who = (
                        "each system's default concurrency"
                        if tag == "default"
                        else f"{concurrency} parallel LLM calls for every system"
                    )
                    title = f"### {delay} ms per LLM call, {who}"
                    sections += [title, "", *table(rows, words, delay), ""]
    command = "python bench/peers/run.py " + " ".join(sys.argv[1:])
    header = [
        "# Peer benchmark results", "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {len(docs)} QMSum meeting(s) ({', '.join(d['name'] for d in docs)}), "
        f"{words:,} words as plain text. Reproduce: `{command.strip()}`.", "",
        "`floor s` = ceil(chat calls / the system's concurrency) × delay: the wall time if LLM calls were "
        "the only cost. `tokens / word` = prompt tokens sent per transcript word.", "",
    ]  # fmt: skip
    Path(args.output).write_text("\n".join(header + sections) + NOTES)
    print("\n".join(header + sections) + NOTES)


if __name__ == "__main__":
    main()
