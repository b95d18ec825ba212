"""`weaver`: serve the API, run the demo. Settings come from KW_* environment variables."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from backend import demo
from backend.config import Settings, SettingsError, load_settings
from backend.observability.logs import configure_logging


def _server(settings: Settings, host: str, port: int, *, serving: bool = True):
    import uvicorn

    from backend.api.app import create_app

    app = create_app(settings.model_copy(update={"host": host}), serving=serving)  # the bound address
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
    return uvicorn.Server(config)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    _server(settings, args.host or settings.host, args.port or settings.port).run()
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from backend.worker_process import run_worker

    asyncio.run(run_worker(settings, parent=args.parent))
    return 0


def _wait_ready(base_url: str, server, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.started:
            response = httpx.get(f"{base_url}/readyz", timeout=5)
            return response.json()
        time.sleep(0.1)
    raise RuntimeError(f"the server did not start within {timeout_s:.0f}s")


def cmd_phoenix(settings: Settings, args: argparse.Namespace) -> int:
    from backend.observability.phoenix import PhoenixServer

    server = PhoenixServer(settings.data_dir, port=args.port)
    cmd, env = server.command()
    print(f"Phoenix on http://127.0.0.1:{args.port} (data in {server.data_dir}); point the API at it with")
    print(f"  KW_PHOENIX_ENDPOINT=http://127.0.0.1:{args.port}")
    server.data_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.call(cmd, env=env)


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


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    # The terminal shows the walkthrough; the JSON log lines (each with its trace id) go to a file.
    log_file = settings.data_dir.resolve() / "logs" / "demo.jsonl"
    configure_logging(settings.log_level, to=log_file)
    phoenix, settings = _start_phoenix(settings, args)
    try:
        return _demo(settings, args, log_file)
    finally:
        if phoenix is not None:
            phoenix.stop()


def _demo(settings: Settings, args: argparse.Namespace, log_file: Path) -> int:
    host, port = args.host or settings.host, args.port or settings.port
    server = _server(settings, host, port, serving=False)
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    # uvicorn only handles signals on the main thread; here it runs in another, so stop it ourselves
    # on SIGTERM too, letting the lifespan close the graph (and the embedded server with it).
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    base_url = f"http://{host}:{port}"
    try:
        ready = _wait_ready(base_url, server)
    except Exception as exc:
        print(f"demo: {exc}", file=sys.stderr)
        server.should_exit = True
        return 1
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
    demo.ingest_examples(base_url)
    demo.show_graph(base_url)
    for question in demo.QUESTIONS:
        final = demo.ask(base_url, question)
        if settings.phoenix_endpoint and final.get("trace_id"):
            from backend.observability import tracing
            from backend.observability.phoenix import trace_link

            tracing.flush()
            link = trace_link(settings.phoenix_endpoint, settings.phoenix_project, final["trace_id"])
            print(f"trace {final['trace_id']}: {link}")
    if args.no_serve:
        server.should_exit = True
        thread.join(timeout=30)
        return 0
    print("\nServing until Ctrl-C.")
    try:
        while thread.is_alive():
            thread.join(timeout=0.5)
    except KeyboardInterrupt:
        server.should_exit = True
        thread.join(timeout=30)
    return 0


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from backend.ingest.known_names import split_hints
    from backend.ingest.local import ingest_files

    namespace = args.namespace or settings.default_namespace
    hints = split_hints([args.hints or ""])
    paths = [Path(p) for p in args.paths]
    failures = asyncio.run(
        ingest_files(settings, paths, namespace, args.format, args.title, speaker=args.speaker, hints=hints)
    )
    return 1 if failures else 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_ask(settings, args))


async def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from backend.retrieve.answer import not_found
    from backend.retrieve.models import Question
    from backend.runtime import open_runtime
    from backend.terminal import citations_table

    runtime = await open_runtime(settings, start_workers=False)
    try:
        question = Question(question=args.question, k=args.k, mode=args.mode)
        namespace = args.namespace or settings.default_namespace
        if args.session:
            from backend.conversation.chat import ask_command

            return await ask_command(runtime.conversations, args, question, namespace)
        evidence = await runtime.retriever.retrieve(namespace, question)
        final: dict = {}
        async for event, data in runtime.answerer.stream(args.question, evidence):
            if event == "token":
                print(data["text"], end="", flush=True)
            else:
                final = data
        print()
        if not not_found(evidence):
            print(citations_table([c.model_dump() for c in evidence.citations]))
        usage = final.get("usage", {})
        calls, cost = usage.get("llm_calls", 0), usage.get("cost_usd", 0)
        print(f"({runtime.answerer.mode}, {calls} LLM calls, ${cost:.4f})")
    finally:
        await runtime.close()
    return 0


def _in_runtime(settings: Settings, work, *, start_workers: bool = False) -> int:
    """Open the runtime, `await work(runtime)`, close it: commands that need the whole service."""

    async def run() -> int:
        from backend.runtime import open_runtime

        runtime = await open_runtime(settings, start_workers=start_workers)
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    return asyncio.run(run())


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from backend.conversation.chat import chat_command

    namespace = args.namespace or settings.default_namespace
    return _in_runtime(settings, lambda runtime: chat_command(runtime.conversations, args, namespace))


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    if args.kind == "answers":
        return _eval_answers(settings, args)
    from backend.evaluate import run

    return run(settings, args)


def _eval_answers(settings: Settings, args: argparse.Namespace) -> int:
    from backend import evaluate_answers as answers

    try:
        cases, transcripts = answers.load_cases(Path(args.paths[0]))
    except ValueError as exc:
        print(f"weaver eval answers: {exc}", file=sys.stderr)
        return 2
    label = "extractive (offline)" if settings.llm_provider == "offline" else settings.llm_provider
    work = answers.command(cases, transcripts, label, show=args.show)
    return _in_runtime(settings, work, start_workers=True)


def cmd_settings(settings: Settings, args: argparse.Namespace) -> int:
    from backend.config import settings_table

    print(settings_table())
    return 0


def cmd_verify_deploy(settings: Settings, args: argparse.Namespace) -> int:
    from backend.verify_deploy import run

    return run(args)


MODES = ("hybrid", "vector", "fulltext", "graph")  # backend.retrieve.models.Mode, without importing it


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="weaver", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API (and KW_WORKER_PROCESSES ingest workers)")
    worker = sub.add_parser("worker", help="run ingest jobs from the data dir's job store until stopped")
    worker.add_argument("--parent", type=int, help=argparse.SUPPRESS)  # the API process that started it
    worker.add_argument("--log-file", type=Path, help="JSON log lines to this file instead of stderr")
    demo = sub.add_parser(
        "demo", help="start the API on the embedded defaults, ingest the examples, show the graph"
    )
    demo.add_argument("--no-serve", action="store_true", help="exit after the demo instead of serving")
    demo.add_argument("--no-phoenix", action="store_true", help="do not start a local Phoenix for the traces")
    phoenix = sub.add_parser("phoenix", help="run a local Arize Phoenix (traces UI) on the data dir")
    phoenix.add_argument("--port", type=int, default=6006)
    ingest = sub.add_parser("ingest", help="ingest transcripts and recordings (progress bar per file)")
    ingest.add_argument(
        "paths",
        nargs="+",
        help="transcripts: .vtt .srt .txt .json (Transcribe, Whisper, turns); "
        "recordings: .wav .mp3 .m4a .ogg .opus .webm",
    )
    ingest.add_argument("--namespace", help="default: KW_DEFAULT_NAMESPACE")
    ingest.add_argument(
        "--format", default="auto", help="override detection: text|vtt|srt|transcribe|whisper|turns"
    )
    ingest.add_argument("--title", help="title for a single file (default: from the file)")
    ingest.add_argument("--speaker", help="recordings: who speaks (Whisper does not tell voices apart)")
    ingest.add_argument(
        "--hints", help="recordings: names they are likely to hold, comma-separated (heard with the graph's)"
    )
    ask = sub.add_parser("ask", help="ask a question: the answer streams, then its citations")
    ask.add_argument("question")
    ask.add_argument("--namespace", help="default: KW_DEFAULT_NAMESPACE")
    ask.add_argument("--mode", default="hybrid", choices=MODES)
    ask.add_argument("--k", type=int, default=5, help="citations at most")
    ask.add_argument(
        "--session", help="ask within a conversation: its id, or `new` to start one (the id is printed)"
    )
    chat = sub.add_parser("chat", help="a conversation in the terminal: follow-up questions use the history")
    chat.add_argument("--namespace", help="default: KW_DEFAULT_NAMESPACE (a resumed session keeps its own)")
    chat.add_argument("--session", help="resume this conversation (default: start a new one)")
    chat.add_argument("--mode", default="hybrid", choices=MODES)
    chat.add_argument("--k", type=int, default=5, help="citations at most")
    evaluate = sub.add_parser(
        "eval",
        help="`turns`: retrieval recall@k and MRR per mode on QMSum-style meetings; `answers`: facts stated "
        "and cited, follow-ups understood, on a case file of conversations (examples/eval/answers.json)",
    )
    evaluate.add_argument("kind", choices=["turns", "answers"], help="what to evaluate")
    evaluate.add_argument(
        "paths", nargs="+", help="turns: files or folders of .json meetings; answers: a case file"
    )
    evaluate.add_argument(
        "--show", action="store_true", help="answers: one line per turn, with what went wrong"
    )
    evaluate.add_argument("--k", type=int, nargs="+", default=[5, 10], help="recall@k for each k")
    evaluate.add_argument(
        "--half", choices=["report", "tune", "all"], default="report",
        help="which meetings' questions to ask (backend/evaluate.py: TUNING); all meetings are ingested",
    )  # fmt: skip
    evaluate.add_argument(
        "--mode", nargs="+", choices=MODES, default=list(MODES),
        help="the retrieval modes to score (default: all)",
    )  # fmt: skip
    evaluate.add_argument(
        "--per-meeting", action="store_true",
        help="each meeting in a namespace of its own (the easy setting) instead of all in one",
    )  # fmt: skip
    sub.add_parser("settings", help="print every KW_* setting with its default (Markdown)")
    verify = sub.add_parser(
        "verify-deploy",
        help="poll URL/version until every task behind the load balancer reports the commit (exit 0) "
        "or the timeout passes (exit 1)",
    )
    verify.add_argument("url", help="the API's base URL, e.g. https://api.example.com")
    verify.add_argument("--sha", required=True, help="the commit deployed (full or 7+ hex digits)")
    verify.add_argument("--timeout", type=float, default=600.0, help="seconds before giving up")
    verify.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
    verify.add_argument("--requests", type=int, default=10, help="requests per round (new connections)")
    verify.add_argument(
        "--min-tasks", type=int, default=1, help="distinct tasks a round must hear from (the service's floor)"
    )
    for p in (serve, demo):
        p.add_argument("--host", help="default: KW_HOST")
        p.add_argument("--port", type=int, help="default: KW_PORT")
    return parser


COMMANDS = {
    "serve": cmd_serve,
    "worker": cmd_worker,
    "demo": cmd_demo,
    "ingest": cmd_ingest,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "eval": cmd_eval,
    "settings": cmd_settings,
    "phoenix": cmd_phoenix,
    "verify-deploy": cmd_verify_deploy,
}


_FOR_PEOPLE = {"ingest", "ask", "eval", "chat"}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"weaver: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "log_file", None):
        configure_logging(settings.log_level, to=args.log_file)
    elif args.command in _FOR_PEOPLE:  # progress bars and answers on the terminal; JSON lines to a file
        configure_logging(
            settings.log_level, to=settings.data_dir.resolve() / "logs" / f"{args.command}.jsonl"
        )
    else:
        configure_logging(settings.log_level)
    from backend.observability import metrics

    metrics.configure(settings.metrics == "emf")  # `serve` turns them on in create_app (auto)
    return COMMANDS[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
