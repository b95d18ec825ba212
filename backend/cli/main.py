"""`weaver`: the commands and their arguments. Settings come from KW_* environment variables."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from pydantic import ValidationError

from backend.config import Settings, SettingsError, load_settings
from backend.errors import WeaverError
from backend.observability.logs import configure_logging

from .arguments import build_parser, check_asked, refused

# On SIGTERM, open connections get this long to finish before they are closed: a caller following a
# job's events (open for the whole job) must not hold the process up, and ECS waits 30 s before SIGKILL.
# Running jobs are handed back to the queue as the runtime closes (ingest/job_lease.py).
GRACEFUL_SHUTDOWN_S = 10


def _server(settings: Settings, host: str, port: int, *, serving: bool = True):
    import uvicorn

    from backend.api.app import create_app

    class Server(uvicorn.Server):
        """Told to stop, it stops taking jobs and hands back the running ones at once — while open
        connections drain, not after: another worker can take them up now, and none is started here
        in the meantime."""

        stopping: asyncio.Task | None = None

        def handle_exit(self, sig, frame) -> None:
            super().handle_exit(sig, frame)
            stop_jobs = getattr(app.state, "stop_jobs", None)  # set once the app has started
            if stop_jobs is not None and self.stopping is None:
                self.stopping = asyncio.get_running_loop().create_task(stop_jobs())

    app = create_app(settings.model_copy(update={"host": host}), serving=serving)  # the bound address
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )  # fmt: skip
    return Server(config)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    _server(settings, args.host or settings.host, args.port or settings.port).run()
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from backend.worker_process import run_worker

    asyncio.run(run_worker(settings, parent=args.parent))
    return 0


def cmd_phoenix(settings: Settings, args: argparse.Namespace) -> int:
    from backend.observability.phoenix import PhoenixServer

    server = PhoenixServer(settings.data_dir, port=args.port)
    cmd, env = server.command()
    print(f"Phoenix on http://127.0.0.1:{args.port} (data in {server.data_dir}); point the API at it with")
    print(f"  KW_PHOENIX_ENDPOINT=http://127.0.0.1:{args.port}")
    server.data_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.call(cmd, env=env)


def cmd_neo4j(settings: Settings, args: argparse.Namespace) -> int:
    from backend.graph.neo4j_local import LocalNeo4j, local_password

    home = settings.data_dir / "neo4j"
    server = LocalNeo4j(home, args.port, local_password(home))
    print(f"Starting Neo4j 5.26 (community) in {home.resolve()} …", flush=True)
    uri = server.start()
    # taken by sigwait below; blocked only now, since a child inherits the mask (the JVM would not stop)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    password = "$KW_NEO4J_PASSWORD" if os.environ.get("KW_NEO4J_PASSWORD") else f"$(cat {home / 'password'})"
    print(f"Neo4j on {uri} (user neo4j); point the API at it with")
    print(f"  KW_GRAPH_BACKEND=neo4j KW_NEO4J_URI={uri} KW_NEO4J_PASSWORD={password}", flush=True)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        print("Stopping Neo4j.", flush=True)
        server.stop()
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(settings, args, _server)


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from backend.ingest.known_names import split_hints

    from .ingest import ingest_files

    namespace = args.namespace or settings.default_namespace
    hints = split_hints([args.hints or ""])
    paths = [Path(p) for p in args.paths]
    failures = asyncio.run(
        ingest_files(settings, paths, namespace, args.format, args.title, speaker=args.speaker, hints=hints)
    )
    return 1 if failures else 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    check_asked(args)
    return asyncio.run(_ask(settings, args))


async def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from backend.errors import NotFound
    from backend.retrieve.evidence import Question
    from backend.runtime import open_runtime

    from .ask import ask_command, ask_once, elsewhere, transcripts_named

    runtime = await open_runtime(settings, start_workers=False)
    try:
        namespace = args.namespace or settings.default_namespace
        if hint := await elsewhere(runtime.store, namespace):
            print(f"weaver ask: {hint}", file=sys.stderr)
        within = None
        if args.within:
            try:
                within = await transcripts_named(runtime.store, namespace, args.within)
            except NotFound as exc:
                print(f"weaver ask: {exc.message}", file=sys.stderr)
                return 1
        question = Question(question=args.question, k=args.k, mode=args.mode, transcripts=within)
        if args.session:
            return await ask_command(runtime.conversations, args, question, namespace)
        return await ask_once(runtime, question, namespace)
    finally:
        await runtime.close()


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
    from .chat import chat_command

    check_asked(args)
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


COMMANDS = {
    "serve": cmd_serve,
    "worker": cmd_worker,
    "demo": cmd_demo,
    "neo4j": cmd_neo4j,
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

    # a worker is a server process (auto: on; the API tells the workers it starts); `serve` decides in
    # create_app; other commands' stdout is for people
    metrics.configure(settings.metrics == "emf" or (settings.metrics == "auto" and args.command == "worker"))
    try:
        return COMMANDS[args.command](settings, args)
    except WeaverError as exc:  # the model or the graph failed: say so, as a command does, not a traceback
        print(f"weaver {args.command}: {exc.message}", file=sys.stderr)
        return 1
    except ValidationError as exc:  # an argument the API would refuse with a 422: which, and why
        print(f"weaver {args.command}: {refused(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `weaver settings | head`: the reader has what it wanted
        # Python's advice: point stdout at devnull so the interpreter's final flush does not fail too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
