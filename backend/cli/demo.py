"""`weaver demo`: the walkthrough on the embedded defaults — start the API (and a local Phoenix for
the traces), ingest the bundled examples through it (following each job's real progress over SSE),
show what was built, ask the example questions."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from backend import sse
from backend.config import Settings
from backend.errors import GraphUnavailable
from backend.ingest.files import EXTENSIONS
from backend.observability.logs import configure_logging
from backend.retrieve.answer import cited
from backend.speech.audio import FORMATS as AUDIO_FORMATS

from .terminal import ProgressBar, citations_table, table

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Who speaks in each example recording (Whisper transcribes words, not voices).
SPEAKERS = {"priya-voice-memo.ogg": "Priya Raman"}


def _follow(client: httpx.Client, job_id: str, bar: ProgressBar) -> dict:
    """Follow a job's SSE stream to its end; the bar moves only on real progress events."""
    with client.stream("GET", f"/v1/jobs/{job_id}/events", timeout=600) as response:
        for event, data in sse.events(response.iter_lines()):
            if event in ("progress", "stage"):
                bar.update(data["progress"], data["stage"], data.get("counts"))
            elif event in sse.ENDS:
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


def _message(response: httpx.Response) -> str:
    try:
        return response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def ask(base_url: str, question: str, namespace: str = "demo") -> dict:
    """Ask over SSE, printing the answer as it streams, then its citations."""
    print(f"\nQ: {question}\nA: ", end="", flush=True)
    final: dict = {}
    citations: list = []
    with httpx.Client(base_url=base_url, timeout=120) as client:
        body = {"question": question, "namespace": namespace, "k": 5, "stream": True}
        answer = ""
        with client.stream("POST", "/v1/query", json=body) as response:
            trace_id = response.headers.get("x-trace-id")
            if response.status_code != 200:
                response.read()
                print(f"(no answer: {response.status_code} {_message(response)})")
                return {"trace_id": trace_id}
            for event, data in sse.events(response.iter_lines()):
                if event == "token":
                    answer += data["text"]
                    print(data["text"], end="", flush=True)
                elif event == "citations":
                    citations = data["citations"]
                elif event == "done":
                    final = data
                elif event == "error":
                    print(f"\n(the answer stopped: {data['error']['message']})")
                    return {"trace_id": trace_id}
            final["trace_id"] = trace_id
    print()
    if citations:
        print(citations_table(citations, cited(answer, citations)))
    usage = final.get("usage", {})
    total_ms = sum(final.get("timings_ms", {}).values())
    calls, cost = usage.get("llm_calls", 0), usage.get("cost_usd", 0)
    print(f"({final.get('mode')} answer, {total_ms:.0f} ms, {calls} LLM calls, ${cost:.4f})")
    return final


def _wait_ready(base_url: str, server, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.started:
            response = httpx.get(f"{base_url}/readyz", timeout=5)
            return response.json()
        time.sleep(0.1)
    raise RuntimeError(f"the server did not start within {timeout_s:.0f}s")


def _start_phoenix(settings: Settings, args: argparse.Namespace):
    """The demo's own Phoenix, unless one is configured or it is turned off: (server, settings)."""
    if settings.phoenix_endpoint or args.no_phoenix:
        return None, settings
    from backend.observability.phoenix import PhoenixServer, free_port

    server = PhoenixServer(settings.data_dir, port=free_port())
    print("Starting a local Phoenix for the demo's traces …", flush=True)
    try:
        url = server.start()
    except RuntimeError as exc:
        print(f"  (Phoenix did not start: {exc}; continuing without it)")
        return None, settings
    return server, settings.model_copy(update={"phoenix_endpoint": url})


def _start_neo4j(settings: Settings, args: argparse.Namespace):
    """With `--graph neo4j` (or KW_GRAPH_BACKEND=neo4j) and no KW_NEO4J_URI: a local Neo4j in the data
    dir for the demo, stopped with it. (server, settings)."""
    if (args.graph or settings.graph_backend) != "neo4j":
        return None, settings
    if settings.neo4j_uri:
        return None, settings.model_copy(update={"graph_backend": "neo4j"})
    from pydantic import SecretStr

    from backend.graph.neo4j_local import LocalNeo4j, local_password
    from backend.observability.phoenix import free_port

    home = settings.data_dir.resolve() / "neo4j"
    server = LocalNeo4j(home, free_port(), local_password(home))
    print(f"Starting a local Neo4j 5.26 for the demo's graph ({home}) …", flush=True)
    uri = server.start()
    update = {"graph_backend": "neo4j", "neo4j_uri": uri, "neo4j_password": SecretStr(server.password)}
    return server, settings.model_copy(update=update)


def run_demo(settings: Settings, args: argparse.Namespace, api_server: Callable) -> int:
    """`api_server(settings, host, port, serving=)`: the uvicorn server `weaver serve` runs."""
    # The terminal shows the walkthrough; the JSON log lines (each with its trace id) go to a file.
    log_file = settings.data_dir.resolve() / "logs" / "demo.jsonl"
    configure_logging(settings.log_level, to=log_file)
    try:
        neo4j, settings = _start_neo4j(settings, args)
    except GraphUnavailable as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    phoenix, settings = _start_phoenix(settings, args)
    try:
        return _demo(settings, args, log_file, api_server)
    finally:
        if phoenix is not None:
            phoenix.stop()
        if neo4j is not None:
            neo4j.stop()


def _demo(settings: Settings, args: argparse.Namespace, log_file: Path, api_server: Callable) -> int:
    host, port = args.host or settings.host, args.port or settings.port
    server = api_server(settings, host, port, serving=False)
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    # uvicorn only handles signals on the main thread; here it runs in another, so stop it ourselves
    # on Ctrl-C and SIGTERM, letting the lifespan close the graph (and the embedded server with it).
    # Not by catching KeyboardInterrupt: one raised inside Thread.join marks the thread stopped while
    # it runs (CPython 3.12's _wait_for_tstate_lock releases the running thread's lock), so the
    # process exited under the server's event loop and crashed (SIGSEGV in uvloop's timer callback).
    serving = threading.Event()

    def stop(*_) -> None:
        _stop(server)
        if not serving.is_set():  # still ingesting or asking: leave that at once
            raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    try:
        return _walkthrough(settings, args, log_file, server, serving)
    except KeyboardInterrupt:
        serving.set()  # from here a signal only stops the server
        print("\nStopping.", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    finally:
        serving.set()
        server.should_exit = True
        while thread.is_alive():  # never exit under the server's event loop (see above)
            thread.join(timeout=0.5)


def _walkthrough(
    settings: Settings, args: argparse.Namespace, log_file: Path, server, serving: threading.Event
) -> int:
    host, port = args.host or settings.host, args.port or settings.port
    base_url = f"http://{host}:{port}"
    ready = _wait_ready(base_url, server)
    version = httpx.get(f"{base_url}/version", timeout=5).json()
    print()
    print(f"KnowledgeWeaver {version['version']} ({version['git_sha'][:12]}) is up")
    print(f"  UI         {base_url}/")
    print(f"  API        {base_url}   (OpenAPI docs: {base_url}/docs)")
    print(f"  readiness  {json.dumps(ready)}")
    print(f"  data dir   {settings.data_dir.resolve()}   graph: {settings.graph_backend}")
    print(f"  logs       {log_file}   (JSON lines, each with its trace_id)")
    if settings.phoenix_endpoint:
        print(f"  traces     {settings.phoenix_endpoint}   (Phoenix, project '{settings.phoenix_project}')")
    ingest_examples(base_url)
    show_graph(base_url)
    for question in QUESTIONS:
        final = ask(base_url, question)
        if settings.phoenix_endpoint and final.get("trace_id"):
            from backend.observability import tracing
            from backend.observability.phoenix import trace_link

            tracing.flush()
            link = trace_link(settings.phoenix_endpoint, settings.phoenix_project, final["trace_id"])
            print(f"trace {final['trace_id']}: {link}")
    if args.no_serve:
        return 0
    serving.set()
    print("\nServing until Ctrl-C.", flush=True)
    while not server.should_exit:
        time.sleep(0.5)
    return 0


def _stop(server) -> None:
    """The server stops as `weaver serve` does on Ctrl-C; asked again, at once."""
    if server.should_exit:
        server.force_exit = True
    server.should_exit = True
