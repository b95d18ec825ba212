"""Local servers that speak the OpenAI Chat Completions and Bedrock Converse wire protocols, so the
real SDKs (openai, boto3) can be pointed at them. They answer with a small, valid extraction of the
names they find in the prompt, and can be told to throttle, fail or answer garbage."""

from __future__ import annotations

import json
import re
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from urllib.parse import unquote

from .http_standin import StandIn


@dataclass
class Script:
    """How the stand-in misbehaves: throttle the first N calls, 5xx the next M, garbage for chunks
    containing a marker (once, or always)."""

    known: dict[str, str]  # name -> entity type it recognises in a prompt
    throttle_first: int = 0
    fail_first: int = 0
    garbage_once_for: str | None = None
    garbage_always_for: str | None = None
    answer: str = "The battery lasts eleven days [1], as Priya Raman told Sven Larsen [2]."
    # answers a question by quoting the evidence (`quoting_answer`) instead of the fixed `answer`
    quote: bool = False
    # condense-question calls: follow-up → standalone question (a follow-up not listed comes back as is)
    rewrites: dict[str, str] = field(default_factory=dict)
    # answering calls (no schema, not a condense call) fail: with this HTTP status, or, streamed, with an
    # error chunk after this many words (OpenAI's mid-stream error: `data: {"error": {...}}`)
    answer_status: int | None = None
    answer_breaks_after: int | None = None
    answer_break_type: str = "server_error"  # its error chunk's `type` (or invalid_request_error, …)
    # streamed answers send a word every this many seconds (a model writing), instead of all at once
    answer_word_delay_s: float = 0.0
    # extraction calls answer after this long (a job that takes a while)
    extract_delay_s: float = 0.0
    calls: int = 0
    bodies: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_call(self) -> int:
        with self.lock:
            self.calls += 1
            return self.calls

    def extraction(self, prompt: str) -> dict:
        chunk = prompt.split("Transcript chunk:", 1)[-1]
        found = [n for n in self.known if re.search(rf"\b{re.escape(n)}\b", chunk)]
        entities = [{"name": n, "type": self.known[n], "description": f"{n} is mentioned."} for n in found]
        relations = [
            {
                "source": a,
                "target": b,
                "type": "MENTIONED_WITH",
            }
            for a, b in pairwise(found)
        ]
        return {"entities": entities, "relations": relations}

    def text_answer(self, prompt: str) -> str:
        """What a call without a schema gets: a condensed question, a quoted answer, or `answer`."""
        followup = re.search(r"Follow-up question: (.+)\Z", prompt.strip())
        if followup:
            return self.rewrites.get(followup.group(1).strip(), followup.group(1).strip())
        return quoting_answer(prompt) if self.quote else self.answer

    def answering(self, request: dict, prompt: str) -> bool:
        return "response_format" not in request and not re.search(r"Follow-up question: ", prompt)

    def garbage(self, prompt: str, repairing: bool) -> bool:
        if self.garbage_always_for and self.garbage_always_for in prompt:
            return True
        return bool(self.garbage_once_for and self.garbage_once_for in prompt and not repairing)


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def openai_handler(script: Script) -> Callable:
    def handle(method, path, headers, body):
        if not path.endswith("/chat/completions"):
            return 404, {"content-type": "application/json"}, b'{"error": {"message": "not found"}}'
        call = script.next_call()
        request = json.loads(body)
        script.bodies.append(request)
        if call <= script.throttle_first:
            err = {
                "error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}
            }
            return 429, {"content-type": "application/json", "retry-after": "0"}, json.dumps(err).encode()
        if call <= script.throttle_first + script.fail_first:
            return 503, {"content-type": "application/json"}, b'{"error": {"message": "overloaded"}}'
        prompt = "\n".join(m["content"] for m in request["messages"])
        repairing = any(m["role"] == "assistant" for m in request["messages"])
        answering = script.answering(request, prompt)
        if answering and script.answer_status:
            err = {
                "error": {"message": f"the model refused ({script.answer_status})", "type": "server_error"}
            }
            return script.answer_status, {"content-type": "application/json"}, json.dumps(err).encode()
        if "response_format" not in request:
            content = script.text_answer(prompt)
        elif script.garbage(prompt, repairing):
            content = "{not json"
        else:
            time.sleep(script.extract_delay_s)
            content = json.dumps(script.extraction(prompt))
        if request.get("stream"):
            breaks = script.answer_breaks_after if answering else None
            body = _openai_stream(call, request["model"], content, prompt, breaks, script.answer_break_type)
            if answering and script.answer_word_delay_s:
                return 200, {"content-type": "text/event-stream"}, _slowly(body, script.answer_word_delay_s)
            return 200, {"content-type": "text/event-stream"}, body
        answer = {
            "id": f"chatcmpl-{call}",
            "object": "chat.completion",
            "created": 1_790_000_000,
            "model": request["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
            "usage": {
                "prompt_tokens": _tokens(prompt),
                "completion_tokens": _tokens(content),
                "total_tokens": _tokens(prompt) + _tokens(content),
            },
        }
        return 200, {"content-type": "application/json"}, json.dumps(answer).encode()

    return handle


def _openai_stream(
    call: int,
    model: str,
    content: str,
    prompt: str,
    breaks_after: int | None = None,
    kind: str = "server_error",
) -> bytes:
    """Chat Completions streaming: one SSE `data:` line per chunk, the usage last, then [DONE]; or, with
    `breaks_after`, that many words and then an error chunk, as OpenAI ends a stream that failed."""
    words = content.split(" ")
    pieces = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
    base = {
        "id": f"chatcmpl-{call}",
        "object": "chat.completion.chunk",
        "created": 1_790_000_000,
        "model": model,
    }
    events = [
        {
            **base,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": p}, "finish_reason": None}],
        }
        for p in pieces
    ]
    if breaks_after is not None:
        failed = {
            "error": {
                "message": "The server had an error while processing your request.",
                "type": kind,
            }
        }
        return "".join(f"data: {json.dumps(e)}\n\n" for e in [*events[:breaks_after], failed]).encode()
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    usage = {"prompt_tokens": _tokens(prompt), "completion_tokens": _tokens(content)}
    events.append({**base, "choices": [], "usage": {**usage, "total_tokens": sum(usage.values())}})
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode() + b"data: [DONE]\n\n"


def _slowly(stream: bytes, delay_s: float) -> Iterator[bytes]:
    """The SSE stream one event at a time, `delay_s` apart."""
    for event in stream.split(b"\n\n"):
        if event:
            yield event + b"\n\n"
            time.sleep(delay_s)


def _event_frame(event_type: str, payload: dict, message_type: str = "event") -> bytes:
    """One message of the AWS event-stream encoding (application/vnd.amazon.eventstream); an
    `exception` message names its type in `:exception-type`, as Bedrock ends a stream that failed."""
    headers = b""
    kind = ":exception-type" if message_type == "exception" else ":event-type"
    for name, value in (
        (kind, event_type),
        (":content-type", "application/json"),
        (":message-type", message_type),
    ):
        raw = value.encode()
        headers += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(raw)) + raw
    body = json.dumps(payload).encode()
    total = 12 + len(headers) + len(body) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + headers + body
    return message + struct.pack(">I", zlib.crc32(message) & 0xFFFFFFFF)


def _converse_stream(script: Script, prompt: str) -> bytes:
    frames = _event_frame("messageStart", {"role": "assistant"})
    answer = script.text_answer(prompt)
    for n, word in enumerate(answer.split(" ")):
        if n == script.answer_breaks_after:
            failed = {"message": "The model stream failed."}
            return frames + _event_frame("modelStreamErrorException", failed, "exception")
        frames += _event_frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": word + " "}})
    frames += _event_frame("contentBlockStop", {"contentBlockIndex": 0})
    frames += _event_frame("messageStop", {"stopReason": "end_turn"})
    usage = {"inputTokens": _tokens(prompt), "outputTokens": _tokens(answer)}
    usage["totalTokens"] = usage["inputTokens"] + usage["outputTokens"]
    return frames + _event_frame("metadata", {"usage": usage, "metrics": {"latencyMs": 5}})


def bedrock_handler(script: Script) -> Callable:
    def error(status: int, kind: str, message: str):
        return (
            status,
            {"content-type": "application/json", "x-amzn-errortype": kind},
            json.dumps({"message": message}).encode(),
        )

    def handle(method, path, headers, body):
        match = re.fullmatch(r"/model/(.+)/(converse|converse-stream)", path)
        if not match:
            return error(404, "ResourceNotFoundException", "no such operation")
        streaming = match.group(2) == "converse-stream"
        call = script.next_call()
        request = json.loads(body)
        request["modelId"] = unquote(match.group(1))
        script.bodies.append(request)
        if call <= script.throttle_first:
            return error(429, "ThrottlingException", "Too many requests, please wait before trying again.")
        if call <= script.throttle_first + script.fail_first:
            return error(503, "ServiceUnavailableException", "The service is unavailable.")
        prompt = "\n".join(
            block["text"] for m in request["messages"] for block in m["content"] if "text" in block
        )
        repairing = any(m["role"] == "assistant" for m in request["messages"])
        if streaming and script.answer_status:
            return error(script.answer_status, "ServiceUnavailableException", "the model refused (503)")
        if streaming:
            return (
                200,
                {"content-type": "application/vnd.amazon.eventstream"},
                _converse_stream(script, prompt),
            )
        if "toolConfig" not in request:  # a plain completion (the condense-question call)
            text = script.text_answer(prompt)
            answer = {
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": _tokens(prompt), "outputTokens": _tokens(text),
                          "totalTokens": _tokens(prompt) + _tokens(text)},
                "metrics": {"latencyMs": 5},
            }  # fmt: skip
            return 200, {"content-type": "application/json"}, json.dumps(answer).encode()
        if script.garbage(prompt, repairing):
            content = [{"text": "I found some entities but forgot the tool."}]
        else:
            tool = request["toolConfig"]["tools"][0]["toolSpec"]["name"]
            content = [
                {
                    "toolUse": {
                        "toolUseId": f"tooluse_{call}",
                        "name": tool,
                        "input": script.extraction(prompt),
                    }
                }
            ]
        answer = {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": "tool_use",
            "usage": {
                "inputTokens": _tokens(prompt),
                "outputTokens": 40,
                "totalTokens": _tokens(prompt) + 40,
            },
            "metrics": {"latencyMs": 5},
        }
        return 200, {"content-type": "application/json"}, json.dumps(answer).encode()

    return handle


_WORDS = re.compile(r"[a-z']+")
_COMMON = frozenset(
    "the a an of to and is are was for on in what who how does do will it her him them".split()
)


def quoting_answer(prompt: str) -> str:
    """A stand-in's answer to the answer prompt: the evidence sentence sharing most words with the
    question, quoted with its [n] — enough to check that the right evidence reached the model."""
    question = prompt.rsplit("Question:", 1)[-1]
    wanted = set(_WORDS.findall(question.lower())) - _COMMON
    best, best_score = None, 0
    for number, block in re.findall(r"^\[(\d+)\] [^\n]*\n(.*?)(?=^\[\d+\] |\nRelated facts|\n\nQuestion:|\Z)",
                                    prompt, re.S | re.M):  # fmt: skip
        for line in block.splitlines():
            speaker, _, said = line.partition(": ")
            for sentence in re.split(r"(?<=[.!?])\s+", said or speaker):
                overlap = len(wanted & set(_WORDS.findall(sentence.lower())))
                if overlap > best_score:
                    best, best_score = (number, speaker if said else "Someone", sentence), overlap
    if best is None:
        return "The evidence does not say."
    number, speaker, sentence = best
    return f"{speaker} said: “{sentence}” [{number}]"


def serve(handler: Callable) -> StandIn:
    return StandIn(handler)
