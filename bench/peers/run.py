"""KnowledgeWeaver vs LightRAG, Microsoft GraphRAG, Graphiti and neo4j-graphrag on the same QMSum
transcripts and the same simulated LLM (bench/llm_standin.py, in its own process): wall time, CPU
seconds, chat and embedding calls, prompt and output tokens, peak memory, nodes and relations. Each
peer runs in its own venv (bench/work/peers/<system>, built on first use). Writes
bench/peers/RESULTS.md.

Every system gets the same settings: the same LLM concurrency (16), the same documents at once (4),
the stand-in answering after 500 ms plus 17 ms per output token (gpt-4o-mini's speed). Each
configuration runs `--runs` times, the systems taking turns within a round; tables give the median and
the range. `--hog` adds a second table with one busy-looping process per core alongside.

    .venv/bin/python bench/peers/run.py --hog                    # everything (long: installs peers)
    .venv/bin/python bench/peers/run.py --systems knowledgeweaver,lightrag --runs 1
    .venv/bin/python bench/peers/run.py --smoke                   # one tiny transcript, quick
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(HERE))

from envs import python_for, tiktoken_cache, version_of  # noqa: E402
from llm_standin import GPT_4O_MINI_MS_PER_TOKEN, StandInProcess  # noqa: E402
from results_notes import NOTES  # noqa: E402

from tests.support.qmsum import qmsum_dir  # noqa: E402

RUNNERS = {
    "knowledgeweaver": "knowledgeweaver.py",
    "knowledgeweaver+api-embeddings": "knowledgeweaver.py",
    "lightrag": "lightrag_runner.py",
    "neo4j-graphrag": "neo4j_graphrag_runner.py",
    "graphiti": "graphiti_runner.py",
    "graphrag": "graphrag_runner.py",
}
HEADLINE = "knowledgeweaver"  # the default configuration: local embeddings
MEETINGS = ["ES2006a", "ES2009a", "IS1006a", "TS3009a"]


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


class PeakMemory:
    """The largest sum of resident memory over the runner, its descendants and any process whose
    command line names the runner's work dir (our FalkorDB server), sampled every 100 ms."""

    def __init__(self, pid: int, workdir: Path) -> None:
        self.pid, self.workdir, self.peak = pid, str(workdir), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        while not self._stop.wait(0.1):
            try:
                root = psutil.Process(self.pid)
                tree = {p.pid: p for p in [root, *root.children(recursive=True)]}
            except psutil.Error:
                continue
            for proc in psutil.process_iter(["cmdline"]):
                if proc.pid not in tree and self.workdir in " ".join(proc.info["cmdline"] or ()):
                    tree[proc.pid] = proc
            total = 0
            for proc in tree.values():
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)


def run_one(system: str, standin, docs_path: Path, args, tag: str) -> dict:
    python = python_for(system.split("+")[0])
    caller = f"{system}-{tag}"
    workdir = Path(tempfile.mkdtemp(prefix=f"kw-peer-{system}-"))
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tiktoken_cache()),
           "GRAPHITI_TELEMETRY_ENABLED": "false", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "OPENAI_API_KEY": caller, "OPENAI_BASE_URL": standin.url,
           "TOKENIZERS_PARALLELISM": "false",
           "BENCH_EMBEDDINGS": "api" if system.endswith("+api-embeddings") else "local"}  # fmt: skip
    env = {k: v for k, v in env.items() if not k.startswith("KW_")}
    command = [str(python), str(HERE / "systems" / RUNNERS[system]), "--base-url", standin.url,
               "--api-key", caller, "--input", str(docs_path), "--workdir", str(workdir),
               "--concurrency", str(args.concurrency),
               "--parallel-docs", str(args.parallel_docs)]  # fmt: skip
    out, err = workdir / "stdout", workdir / "stderr"
    try:
        with out.open("w") as stdout, err.open("w") as stderr:
            proc = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env, cwd=workdir)
            with PeakMemory(proc.pid, workdir) as memory:
                proc.wait(timeout=7200)
        stdout_text, stderr_text = out.read_text(), err.read_text()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if proc.returncode != 0:
        return {
            "system": system,
            "error": (stderr_text or stdout_text).strip().splitlines()[-1:] or ["failed"],
        }
    result = json.loads(stdout_text.strip().splitlines()[-1])
    calls = standin.stats()["by_caller"].get(caller, {})
    return {"system": system, "version": version_of(system.split("+")[0]), **result, **calls,
            "peak_rss_mb": memory.peak / 2**20}  # fmt: skip


def _spread(values: list[float], digits: int = 2) -> str:
    middle = statistics.median(values)
    if len(values) == 1:
        return f"{middle:.{digits}f}"
    return f"{middle:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def summarise(runs: list[dict]) -> dict:
    """One row from a system's runs: medians and ranges of the times, counts from the first run."""
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[0]
    first = dict(good[0])
    first["walls"] = [r["wall_s"] for r in good]
    first["cpus"] = [r["cpu_s"] for r in good]
    first["wall_s"] = statistics.median(first["walls"])
    first["cpu_s"] = statistics.median(first["cpus"])
    first["peak_rss_mb"] = statistics.median(r["peak_rss_mb"] for r in good)
    first["failed_runs"] = len(runs) - len(good)
    return first


COLUMNS = ("| system | version | runs | wall s, median (range) | × ours | CPU s, median (range) | CPU s / "
           "transcript | chat calls | LLM floor s | prompt tokens | tokens / word | output tokens | "
           "embedding calls | nodes | relations | peak RSS MB (sum) | notes |")  # fmt: skip


def table(rows: list[dict], words: int, docs: int, concurrency: int) -> list[str]:
    ours = next((r for r in rows if r["system"] == HEADLINE and "error" not in r), None)
    out = [COLUMNS, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['system']} | — | 0 | failed: {' '.join(r['error'])[:120]} |" + " |" * 13)
            continue
        # what the LLM calls alone would take with the system's concurrency: their summed durations
        # spread over its slots, or its longest call (a chain of dependent calls can only take longer)
        floor = max(r.get("call_ms", 0) / max(r["concurrency"], 1), r.get("longest_call_ms", 0)) / 1000
        ratio = f"{r['wall_s'] / ours['wall_s']:.1f}×" if ours else "—"
        out.append(
            f"| {r['system']} | {r['version']} | {len(r['walls'])} | {_spread(r['walls'])} | {ratio} | "
            f"{_spread(r['cpus'], 1)} | {r['cpu_s'] / docs:.2f} | {r.get('chat_calls', 0)} | {floor:.1f} | "
            f"{r.get('prompt_tokens', 0):,} | {r.get('prompt_tokens', 0) / words:.2f} | "
            f"{r.get('completion_tokens', 0):,} | {r.get('embedding_calls', 0)} | {r['nodes']} | "
            f"{r['relations']} | {r['peak_rss_mb']:.0f} | {r.get('notes', '')} |"
        )
    return out


def cpu_hogs() -> list[subprocess.Popen]:
    """One busy loop per core, at normal priority: a machine where other work wants every core."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]


def measure(systems: list[str], standin, docs_path: Path, args, tag: str) -> list[dict]:
    runs: dict[str, list[dict]] = {s: [] for s in systems}
    for n in range(args.runs):
        for system in systems:
            if n >= 1 and system in args.once.split(","):
                continue
            print(f"{system}: {tag} run {n + 1}…", file=sys.stderr, flush=True)
            runs[system].append(run_one(system, standin, docs_path, args, f"{tag}-{n}"))
            print(f"  {runs[system][-1]}", file=sys.stderr, flush=True)
    return [summarise(runs[s]) for s in systems]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--systems", default=",".join(RUNNERS))
    parser.add_argument("--delay-ms", type=float, default=500, help="stand-in delay per chat call")
    parser.add_argument("--per-token-ms", type=float, default=GPT_4O_MINI_MS_PER_TOKEN)
    parser.add_argument("--concurrency", type=int, default=16, help="LLM calls in flight, every system")
    parser.add_argument("--parallel-docs", type=int, default=4, help="documents at once, every system")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--once", default="graphiti", help="systems run once (slow ones)")
    parser.add_argument("--hog", action="store_true", help="a second table with a CPU hog per core")
    parser.add_argument("--hog-systems", default="knowledgeweaver,knowledgeweaver+api-embeddings,"
                        "lightrag,neo4j-graphrag", help="systems in the CPU-hog table")  # fmt: skip
    parser.add_argument("--meetings", default=",".join(MEETINGS))
    parser.add_argument("--smoke", action="store_true", help="one 300-word transcript, one run")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.hog = 1, False
    systems = args.systems.split(",")
    docs = meeting_texts(args.meetings.split(",")[:1] if args.smoke else args.meetings.split(","),
                         max_words=300 if args.smoke else None)  # fmt: skip
    words = sum(len(d["text"].split()) for d in docs)
    setting = (f"{args.delay_ms:.0f} ms + {args.per_token_ms:g} ms per output token per LLM call, "
               f"{args.concurrency} LLM calls in flight and {args.parallel_docs} documents at once "
               "for every system")  # fmt: skip
    sections = []
    with tempfile.TemporaryDirectory() as tmp:
        docs_path = Path(tmp) / "docs.json"
        docs_path.write_text(json.dumps(docs))
        with StandInProcess(delay_ms=args.delay_ms, per_token_ms=args.per_token_ms) as standin:
            rows = measure(systems, standin, docs_path, args, "quiet")
            sections += [f"### {setting}", "", *table(rows, words, len(docs), args.concurrency), ""]
            if args.hog:
                hogged = [s for s in args.hog_systems.split(",") if s in systems]
                hogs = cpu_hogs()
                try:
                    rows = measure(hogged, standin, docs_path, args, "hog")
                finally:
                    for hog in hogs:
                        hog.kill()
                        hog.wait()
                title = f"### The same, with a CPU hog per core alongside ({os.cpu_count()} busy loops)"
                sections += [title, "", *table(rows, words, len(docs), args.concurrency), ""]
    command = "python bench/peers/run.py " + " ".join(sys.argv[1:])
    load = os.getloadavg()
    header = [
        "# Peer benchmark results", "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {load[0]:.1f} at the end; {len(docs)} QMSum "
        f"meeting(s) ({', '.join(d['name'] for d in docs)}), {words:,} words as plain text. "
        f"Reproduce: `{command.strip()}`.", "",
        "`× ours` = the system's median wall time over KnowledgeWeaver's in its **default configuration** "
        "(local embeddings). `CPU s` = user + system seconds of the timed work: the runner process, the "
        "processes it waited for, and our FalkorDB server (the stand-in's own CPU is not counted: it is "
        "the remote model). `LLM floor s` = the summed durations of the system's LLM calls over its "
        "concurrency, or its longest call if longer: the wall time if its calls were the only cost and "
        "never waited on each other. "
        "`tokens / word` = prompt tokens (messages + response_format schema) per transcript word. "
        "`peak RSS MB (sum)` = the largest sum over the runner's processes and our FalkorDB server, "
        "sampled every 100 ms.", "",
    ]  # fmt: skip
    left_out = [s for s in RUNNERS if s not in systems]
    if left_out:
        header += [f"Not in this run: {', '.join(left_out)}.", ""]
    text = "\n".join(header + sections) + NOTES
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
