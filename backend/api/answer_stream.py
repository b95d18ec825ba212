"""An answer streamed as server-sent events whose status waits for its first words.

The events before the first `token` (in a conversation, the understood question) are read before the
response starts, so what fails there — the model down, throttling or refusing, the graph busy — is an
HTTP status the caller can act on. Once words have gone out the 200 is sent: a failure then ends the
stream with an `error` event (the body and status it would have had), never a cut connection.

The answer runs in a task of its own from start to end, feeding a queue: its spans open and close in
one context (had the handler read the first events itself and the response's task the rest, each span
open across the two would end in a context it did not start in). The response owns that task: however
it ends — the last event sent, the caller gone mid-stream — the task is cancelled and awaited before
the request is over, so a caller who leaves stops the model (and its cost), and a conversation keeps
no turn for them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi.responses import StreamingResponse

from backend import sse

from .errors import error_event
from .middleware import note_stream_error

Pair = tuple[str, Any]


@dataclass(frozen=True)
class _Failed:
    error: Exception


_END = object()


class _AnswerResponse(StreamingResponse):
    def __init__(self, body: AsyncIterator[str], task: asyncio.Task) -> None:
        super().__init__(body, media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)
        self._task = task

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await _stop(self._task)
            await self.body_iterator.aclose()


async def _stop(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.wait({task})


async def streamed_answer(pairs: AsyncIterator[Pair], scope: dict) -> StreamingResponse:
    queue: asyncio.Queue = asyncio.Queue()

    async def produce() -> None:
        try:
            async for pair in pairs:
                await queue.put(pair)
        except Exception as exc:  # handed to whoever reads next: a status, or the stream's error event
            await queue.put(_Failed(exc))
        except BaseException:  # cancelled: whoever still reads must not wait for ever
            queue.put_nowait(_Failed(RuntimeError("the answer was cancelled")))
            raise
        else:
            await queue.put(_END)

    task = asyncio.create_task(produce())
    head: list[Pair] = []
    try:
        while True:
            item = await queue.get()
            if isinstance(item, _Failed):
                raise item.error
            if item is _END:
                break
            head.append(item)
            if item[0] == "token":
                break
    except BaseException:
        await _stop(task)
        raise
    ended = item is _END

    async def body() -> AsyncIterator[str]:
        for pair in head:
            yield sse.encode(*pair)
        while not ended:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                failed = error_event(item.error, scope["path"])
                note_stream_error(scope, failed["status"], failed["error"]["code"])
                yield sse.encode("error", failed)
                return
            yield sse.encode(*item)

    return _AnswerResponse(body(), task)
