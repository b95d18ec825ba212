"""`weaver`'s commands and their arguments, as argparse reads them (the commands themselves: main.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import ValidationError

from backend.ingest.files import EXTENSIONS as TRANSCRIPT_EXTENSIONS
from backend.speech.audio import FORMATS as AUDIO_FORMATS

MODES = ("hybrid", "vector", "fulltext", "graph")  # backend.retrieve.evidence.Mode, without importing it


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="weaver",
        description="KnowledgeWeaver. Settings come from KW_* environment variables.",
    )
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
    demo.add_argument(
        "--graph",
        choices=("falkordb", "neo4j"),
        help="the graph database (default: KW_GRAPH_BACKEND); neo4j without KW_NEO4J_URI starts a local "
        "Neo4j 5.26 in the data dir (needs Java 17+ and Maven)",
    )
    neo4j = sub.add_parser("neo4j", help="run a local Neo4j 5.26 (community) on the data dir, until Ctrl-C")
    neo4j.add_argument("--port", type=int, default=7687, help="Bolt port on 127.0.0.1")
    phoenix = sub.add_parser("phoenix", help="run a local Arize Phoenix (traces UI) on the data dir")
    phoenix.add_argument("--port", type=int, default=6006)
    ingest = sub.add_parser("ingest", help="ingest transcripts and recordings (progress bar per file)")
    ingest.add_argument(
        "paths",
        nargs="+",
        help=f"transcripts: {' '.join(TRANSCRIPT_EXTENSIONS)} (.json: Transcribe, Whisper, turns); "
        f"recordings: {' '.join(AUDIO_FORMATS)}",
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
    _how_to_ask(ask)
    ask.add_argument(
        "--session", help="ask within a conversation: its id, or `new` to start one (the id is printed)"
    )
    chat = sub.add_parser("chat", help="a conversation in the terminal: follow-up questions use the history")
    chat.add_argument("--namespace", help="default: KW_DEFAULT_NAMESPACE (a resumed session keeps its own)")
    chat.add_argument("--session", help="resume this conversation (default: start a new one)")
    _how_to_ask(chat)
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
        "--weights", nargs="+", metavar="V,F,G,S", type=_weights,
        help="turns: score with these fusion weights (vector, full-text, graph, named speaker) instead "
        "of the defaults; several sets give one table each (how the defaults were chosen, on --half tune)",
    )  # fmt: skip
    evaluate.add_argument(
        "--per-meeting", action="store_true",
        help="each meeting in a namespace of its own (the easy setting) instead of all in one",
    )  # fmt: skip
    evaluate.add_argument(
        "--within-meeting", action="store_true",
        help="all meetings in one namespace, each question asked within its own meeting (`weaver ask --in`)",
    )  # fmt: skip
    evaluate.add_argument(
        "--name-meeting", action="store_true",
        help="all meetings in one namespace, each question naming its meeting by title (\"In ES2006c: …\")",
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


def _how_to_ask(command: argparse.ArgumentParser) -> None:
    """`ask` and `chat`: the retrieval mode, how many citations, within which transcripts."""
    command.add_argument("--mode", default="hybrid", choices=MODES)
    command.add_argument("--k", type=int, default=5, help="citations at most")
    command.add_argument(
        "--in", dest="within", action="append", metavar="TRANSCRIPT",
        help="ask within this transcript only, by title or id (repeat for several)",
    )  # fmt: skip


# What a refused value is called on the command line (the models name their fields).
_OPTIONS = {"question": "the question", "k": "--k", "mode": "--mode", "transcripts": "--in",
            "namespace": "--namespace"}  # fmt: skip


def refused(exc: ValidationError) -> str:
    """A model's refusal of a command's arguments, in the options' names: one line, no traceback."""
    return "; ".join(
        f"{_OPTIONS.get(str(e['loc'][0]), e['loc'][0]) if e['loc'] else 'arguments'}: {e['msg']}"
        for e in exc.errors()
    )


def check_asked(args: argparse.Namespace) -> None:
    """`weaver ask`/`chat` arguments as the API takes them (ValidationError), before the runtime's slow
    start. `chat` has no question yet: a placeholder stands in."""
    from backend.retrieve.evidence import Question

    Question(question=getattr(args, "question", "?"), k=args.k, mode=args.mode, namespace=args.namespace)


def _weights(text: str) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: four weights >= 0, comma-separated (e.g. 1,3,0.6,0.5)")
    return values  # type: ignore[return-value]
