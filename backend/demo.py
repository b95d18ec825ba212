"""`weaver demo`: the walkthrough on the embedded defaults — start the API, ingest the bundled
examples through it (following each job's real progress over SSE), show what was built."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

from backend.ingest.files import EXTENSIONS
from backend.retrieve.answer import cited
from backend.speech.audio import FORMATS as AUDIO_FORMATS
from backend.terminal import ProgressBar, citations_table, table

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# Who speaks in each example recording (Whisper transcribes words, not voices).
SPEAKERS = {"priya-voice-memo.ogg": "Priya Raman"}


def _follow(client: httpx.Client, job_id: str, bar: ProgressBar) -> dict:
    """Follow a job's SSE stream to its end; the bar moves only on real progress events."""
    event = None
    with client.stream("GET", f"/v1/jobs/{job_id}/events", timeout=600) as response:
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data = json.loads(line.split(":", 1)[1])
                if event in ("progress", "stage"):
                    bar.update(data["progress"], data["stage"], data.get("counts"))
                elif event in ("done", "error"):
                    return {"event": event, **data}
    return {"event": "error", "error": "the event stream ended early"}


def ingest_examples(base_url: str, namespace: str = "demo") -> list[dict]:
    files = sorted(p for p in EXAMPLES.iterdir() if p.suffix in EXTENSIONS or p.suffix in AUDIO_FORMATS)
    recordings = sum(p.suffix in AUDIO_FORMATS for p in files)
    print(
        f"\nIngesting {len(files) - recordings} example transcripts and {recordings} recording "
        f"into namespace '{namespace}':"
    )
    results = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for path in files:
            audio = path.suffix in AUDIO_FORMATS
            fields = {
                "namespace": namespace,
                **({"speaker": SPEAKERS[path.name]} if path.name in SPEAKERS else {}),
            }
            with path.open("rb") as handle:
                accepted = client.post(
                    "/v1/recordings" if audio else "/v1/transcripts",
                    files={"file": (path.name, handle)},
                    data=fields,
                )
            bar = ProgressBar(path.name, stream=sys.stdout)
            if accepted.status_code != 202:
                bar.finish(f"REJECTED ({accepted.status_code}): {accepted.json()['error']['message']}")
                continue
            body = accepted.json()
            if body["duplicate"] and body["status"] == "succeeded":
                bar.finish("already in the graph (same transcript, no work done)")
                job = client.get(f"/v1/jobs/{body['job_id']}").json()
                results.append(job["result"])
                continue
            end = _follow(client, body["job_id"], bar)
            if end["event"] == "done":
                r = end["result"]
                bar.finish(
                    f"done: {r['chunks']} chunks, {r['entities']} entities, {r['relations']} relations "
                    f"({sum(r['stage_ms'].values()) / 1000:.1f}s)"
                )
                results.append(r)
            else:
                bar.finish(f"FAILED: {end.get('error')}")
    return results


def show_graph(base_url: str, namespace: str = "demo") -> None:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        stats = client.get("/v1/graph/stats", params={"namespace": namespace}).json()
        print(
            f"\nThe graph now holds {stats['transcripts']} transcripts, {stats['chunks']} chunks, "
            f"{stats['entities']} entities and {stats['relations']} relations."
        )
        print(
            table(["entity type", "count"], sorted(stats["entities_by_type"].items(), key=lambda kv: -kv[1]))
        )
        top = client.post(
            "/v1/cypher",
            json={
                "query": "MATCH (e:Entity) WHERE e.namespace = $ns AND e.type <> 'Concept' "
                "RETURN e.name, e.type, e.mention_count, e.aliases ORDER BY e.mention_count DESC LIMIT 10",
                "params": {"ns": namespace},
            },
        ).json()
        print("\nMost mentioned entities (aliases merged across transcripts):")
        print(
            table(["name", "type", "mentions", "aliases"], [[*r[:3], ", ".join(r[3])] for r in top["rows"]])
        )
        rels = client.post(
            "/v1/cypher",
            json={
                "query": "MATCH (a:Entity)-[x:RELATED]->(b:Entity) "
                "WHERE a.namespace = $ns AND x.type <> 'TALKED_ABOUT' "
                "RETURN a.name, x.type, b.name, x.weight ORDER BY x.weight DESC, a.name LIMIT 10",
                "params": {"ns": namespace},
            },
        ).json()
        print("\nTop relations (weight = chunks that evidence them):")
        print(table(["source", "relation", "target", "weight"], rels["rows"]))


QUESTIONS = [
    "How long does the Atlas tracker battery last?",
    "What does Maritime Mutual want from the Northwind pilot?",
    "When do the trackers ship from Eindhoven?",
]


def ask(base_url: str, question: str, namespace: str = "demo") -> dict:
    """Ask over SSE, printing the answer as it streams, then its citations."""
    print(f"\nQ: {question}\nA: ", end="", flush=True)
    final: dict = {}
    citations: list = []
    with httpx.Client(base_url=base_url, timeout=120) as client:
        body = {"question": question, "namespace": namespace, "k": 5, "stream": True}
        answer = ""
        with client.stream("POST", "/v1/query", json=body) as response:
            event = None
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    data = json.loads(line.split(":", 1)[1])
                    if event == "token":
                        answer += data["text"]
                        print(data["text"], end="", flush=True)
                    elif event == "citations":
                        citations = data["citations"]
                    elif event == "done":
                        final = data
            final["trace_id"] = response.headers.get("x-trace-id")
    print()
    if citations:
        print(citations_table(citations, cited(answer, citations)))
    usage = final.get("usage", {})
    total_ms = sum(final.get("timings_ms", {}).values())
    calls, cost = usage.get("llm_calls", 0), usage.get("cost_usd", 0)
    print(f"({final.get('mode')} answer, {total_ms:.0f} ms, {calls} LLM calls, ${cost:.4f})")
    return final
