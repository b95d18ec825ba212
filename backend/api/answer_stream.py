"""An answer streamed as server-sent events whose status waits for its first words.

The events before the first `token` (in a conversation, the understood question) are read before the
response starts, so what fails there — the model down, throttling or refusing, the graph busy — is an
HTTP status the caller can act on. Once words have gone out the 200 is sent: a failure then ends the
stream with an `error` event (the body and status it would have had), never a cut connection.

The answer runs in a task of its own from start to end, feeding a queue: its spans open and close in
one context (had the handler read the first events itself and the response's task the rest, each span
open across the two would end in a context it did not start in)."""

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


async def streamed_answer(pairs: AsyncIterator[Pair], scope: dict) -> StreamingResponse:
    queue: asyncio.Queue = asyncio.Queue()

    async def produce() -> None:
        try:
            async for pair in pairs:
                await queue.put(pair)
        except Exception as exc:
            await queue.put(_Failed(exc))
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
        task.cancel()
        raise
    ended = item is _END

    async def body() -> AsyncIterator[str]:
        try:
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
        finally:
            task.cancel()  # the caller went away: stop writing the answer

    return StreamingResponse(body(), media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)
