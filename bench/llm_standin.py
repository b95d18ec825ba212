"""An OpenAI-compatible stand-in for benchmarks: `/v1/chat/completions` and `/v1/embeddings`, answering
after a fixed delay plus a per-output-token delay (asyncio, so hundreds of calls wait at once),
counting calls and tokens per caller (the bearer key names the caller).

How long a call takes, modelled on a hosted model:
- chat: `--delay-ms` (time to the first token) + `--per-token-ms` × output tokens. The peer benchmark
  uses 500 ms and `GPT_4O_MINI_MS_PER_TOKEN` (17 ms: gpt-4o-mini's measured output speed, ~59
  tokens/s, 46–70, over OpenAI's API in mid-2025), so a long answer costs what it would.
- embeddings: a tenth of `--delay-ms` per call + `EMBED_MS_PER_TOKEN` × input tokens, so a batch
  costs about what its texts would one by one, less the per-call part.
- prompt tokens count every message *and* the `response_format` schema (and `tools`), which the
  hosted APIs bill as prompt tokens. Tokens are characters / 4.

Chat answers are a small valid extraction of the capitalised names in the *input text* of the
prompt, in the format the calling system expects — so every system gets the same names for the same
text and builds graphs of comparable size (`extraction_formats.py`).

    python bench/llm_standin.py --port 8090 --delay-ms 500
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import struct
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from extraction_formats import answer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class Counters:
    chat_calls: int = 0
    embedding_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    started: list[float] = field(default_factory=list)
    by_caller: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, caller: str, **amounts: int) -> None:
        mine = self.by_caller.setdefault(
            caller, {"chat_calls": 0, "embedding_calls": 0, "prompt_tokens": 0, "completion_tokens": 0,
                     "embedded_texts": 0, "embedded_tokens": 0, "max_in_flight": 0, "in_flight": 0,
                     "call_ms": 0}
        )  # fmt: skip
        for key, value in amounts.items():
            mine[key] += value
        mine["max_in_flight"] = max(mine["max_in_flight"], mine["in_flight"])


def caller_of(request: Request) -> str:
    _, _, key = request.headers.get("authorization", "").partition(" ")
    return key.strip() or "anonymous"


GPT_4O_MINI_MS_PER_TOKEN = 17.0
EMBED_MS_PER_TOKEN = 0.05  # 20k input tokens/s per embedding call


def tokens(text: str) -> int:
    return max(1, len(text) // 4)


def prompt_tokens(body: dict, prompt: str) -> int:
    """The messages, and the schema and tools sent beside them."""
    extra = "".join(json.dumps(body[k]) for k in ("response_format", "tools") if body.get(k))
    return tokens(prompt) + (tokens(extra) if extra else 0)


_LOG = os.environ.get("STANDIN_LOG")


def _log(entry: dict) -> None:
    with open(_LOG, "a") as log:
        log.write(json.dumps(entry) + "\n")


def make_app(delay_s: float, per_token_s: float, counters: Counters) -> Starlette:
    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        prompt = "\n".join(_text(m.get("content")) for m in body["messages"])
        content = answer(body, prompt)
        if _LOG:  # STANDIN_LOG=file: every request and answer, to see what a peer sends
            _log({"caller": caller_of(request), "request": body, "answer": content})
        caller = caller_of(request)
        sent = prompt_tokens(body, prompt)
        counters.chat_calls += 1
        counters.prompt_tokens += sent
        counters.completion_tokens += tokens(content)
        counters.in_flight += 1
        counters.max_in_flight = max(counters.max_in_flight, counters.in_flight)
        counters.started.append(time.perf_counter())
        counters.count(caller, chat_calls=1, prompt_tokens=sent, completion_tokens=tokens(content),
                       in_flight=1)  # fmt: skip
        seconds = delay_s + per_token_s * tokens(content)
        counters.count(caller, call_ms=round(seconds * 1000))
        mine = counters.by_caller[caller]
        mine["longest_call_ms"] = max(mine.get("longest_call_ms", 0), round(seconds * 1000))
        try:
            await asyncio.sleep(seconds)
        finally:
            counters.in_flight -= 1
            counters.count(caller, in_flight=-1)
        usage = {"prompt_tokens": sent, "completion_tokens": tokens(content)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return JSONResponse(
            {
                "id": f"chatcmpl-{counters.chat_calls}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "standin"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
            }
        )

    async def embeddings(request: Request) -> JSONResponse:
        body = await request.json()
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        n = sum(tokens(str(t)) for t in inputs)
        counters.embedding_calls += 1
        counters.count(caller_of(request), embedding_calls=1, embedded_texts=len(inputs), embedded_tokens=n)
        await asyncio.sleep(delay_s / 10 + EMBED_MS_PER_TOKEN / 1000 * n)
        dimensions = int(body.get("dimensions") or 384)
        encode = _base64 if body.get("encoding_format") == "base64" else (lambda vector: vector)
        data = [
            {"object": "embedding", "index": i, "embedding": encode(_vector(str(text), dimensions))}
            for i, text in enumerate(inputs)
        ]
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": body.get("model"),
                "usage": {"prompt_tokens": n, "total_tokens": n},
            }
        )

    async def models(request: Request) -> JSONResponse:
        return JSONResponse(
            {"object": "list", "data": [{"id": "standin", "object": "model", "owned_by": "bench"}]}
        )

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({k: v for k, v in vars(counters).items() if k != "started"})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
            Route("/v1/models", models),
            Route("/stats", stats),
        ]
    )


def _text(content) -> str:
    if isinstance(content, list):  # content parts
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def _vector(text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector per text: systems that deduplicate by similarity see distinct texts
    as distinct and equal texts as equal."""
    import hashlib

    seed = hashlib.sha256(text.encode()).digest()
    raw = [(seed[i % 32] - 127.5) / 127.5 for i in range(dimensions)]
    norm = sum(v * v for v in raw) ** 0.5 or 1.0
    return [v / norm for v in raw]


def _base64(vector: list[float]) -> str:
    # What the real API sends for encoding_format=base64 (the openai SDK's default request):
    # little-endian float32s. Answering floats instead costs each SDK client ~2 ms per vector to parse.
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


class StandInServer:
    """Run the stand-in on a free loopback port in a background thread."""

    def __init__(self, delay_ms: float = 500, per_token_ms: float = 0.0, port: int = 0) -> None:
        self.counters = Counters()
        app = make_app(delay_ms / 1000, per_token_ms / 1000, self.counters)
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> StandInServer:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.02)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


class StandInProcess:
    """The stand-in in its own process, as a remote model would be: its CPU is not ours."""

    def __init__(self, delay_ms: float = 500, per_token_ms: float = 0.0) -> None:
        self.delay_ms, self.per_token_ms = delay_ms, per_token_ms

    def __enter__(self) -> StandInProcess:
        import socket
        import subprocess
        import sys

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--port", str(port), "--delay-ms", str(self.delay_ms),
             "--per-token-ms", str(self.per_token_ms)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}/v1"
        import httpx

        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/stats", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        return self

    def stats(self) -> dict:
        import httpx

        return httpx.get(self.url.removesuffix("/v1") + "/stats", timeout=5).json()

    def __exit__(self, *exc) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--delay-ms", type=float, default=500)
    parser.add_argument("--per-token-ms", type=float, default=0)
    args = parser.parse_args()
    counters = Counters()
    uvicorn.run(
        make_app(args.delay_ms / 1000, args.per_token_ms / 1000, counters), host="127.0.0.1", port=args.port
    )
