"""The chain every LLM call goes through, composed once in the factory:

    Traced → Cached → Retrying (timeout, backoff, jitter) → Limited (concurrency, rpm, tpm) → provider

Each wrapper has the provider's shape (`complete(request) -> LLMResponse`) and one concern. The cache
sits outermost so a hit costs no rate-limit budget; the limiter sits inside the retries so every
attempt is paced.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from backend.observability import metrics, tracing
from backend.observability.pricing import price

from .cache import LLMCache, cache_key
from .port import LLMError, LLMProvider, LLMRequest, LLMResponse, ProviderFailure


class _Wrapper:
    def __init__(self, inner: LLMProvider) -> None:
        self.inner = inner
        self.provider = inner.provider
        self.model = inner.model


class CachedLLM(_Wrapper):
    def __init__(self, inner: LLMProvider, cache: LLMCache) -> None:
        super().__init__(inner)
        self.cache = cache

    async def complete(self, request: LLMRequest) -> LLMResponse:
        key = cache_key(self.provider, self.model, request)
        hit = await self.cache.get(key)
        if hit is not None:
            return hit.model_copy(update={"cached": True, "retries": 0, "latency_ms": 0.0})
        response = await self.inner.complete(request)
        await self.cache.put(key, response)
        return response

    async def stream(self, request: LLMRequest) -> AsyncIterator[str | LLMResponse]:
        key = cache_key(self.provider, self.model, request)
        hit = await self.cache.get(key)
        if hit is not None:
            yield hit.text
            yield hit.model_copy(update={"cached": True, "retries": 0, "latency_ms": 0.0})
            return
        async for piece in self.inner.stream(request):
            if isinstance(piece, LLMResponse):
                await self.cache.put(key, piece)
            yield piece


class RetryingLLM(_Wrapper):
    """Timeout per attempt; retries throttling and transient failures with full-jitter backoff."""

    def __init__(
        self,
        inner: LLMProvider,
        *,
        max_retries: int,
        timeout_s: float,
        base_delay_s: float = 0.5,
        max_delay_s: float = 20.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(inner)
        self.max_retries, self.timeout_s = max_retries, timeout_s
        self.base_delay_s, self.max_delay_s, self._sleep = base_delay_s, max_delay_s, sleep

    async def complete(self, request: LLMRequest) -> LLMResponse:
        attempt = 0
        while True:
            try:
                response = await asyncio.wait_for(self.inner.complete(request), self.timeout_s)
                return response.model_copy(update={"retries": attempt})
            except (TimeoutError, LLMError) as exc:
                attempt = await self._again(exc, attempt)

    async def stream(self, request: LLMRequest) -> AsyncIterator[str | LLMResponse]:
        """Retries only before the first piece: once text has reached the caller it cannot be unsaid."""
        attempt = 0
        while True:
            started = False
            try:
                async with asyncio.timeout(self.timeout_s):
                    async for piece in self.inner.stream(request):
                        started = True
                        if isinstance(piece, LLMResponse):
                            piece = piece.model_copy(update={"retries": attempt})
                        yield piece
                return
            except (TimeoutError, LLMError) as exc:
                attempt = await self._again(exc, attempt, may_retry=not started)

    async def _again(self, exc: TimeoutError | LLMError, attempt: int, *, may_retry: bool = True) -> int:
        """After a failed attempt: wait a full-jitter backoff and return the next attempt's number, or
        raise the error (with the retries made) when it is not worth retrying or retries are spent."""
        error = (
            ProviderFailure(f"{self.provider} did not answer within {self.timeout_s:.0f}s")
            if isinstance(exc, TimeoutError)
            else exc
        )
        error.details["retries"] = attempt
        if not (may_retry and error.retryable):
            raise error
        if attempt >= self.max_retries:
            error.message = f"{error.message} (gave up after {attempt + 1} attempts)"
            raise error
        await self._sleep(random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2**attempt)))  # noqa: S311 — jitter
        return attempt + 1


class TokenBucket:
    """`rate_per_minute` units per minute, bursting up to one second's worth (at least one unit)."""

    def __init__(
        self,
        rate_per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate_per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self.tokens = self.capacity
        self._clock, self._sleep = clock, sleep
        self.updated = clock()
        self._lock = asyncio.Lock()

    async def take(self, amount: float) -> None:
        amount = min(amount, self.capacity)  # a request bigger than the bucket waits for a full bucket
        async with self._lock:
            while True:
                now = self._clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= amount:
                    self.tokens -= amount
                    return
                await self._sleep((amount - self.tokens) / self.rate)


class LimitedLLM(_Wrapper):
    def __init__(
        self,
        inner: LLMProvider,
        *,
        concurrency: int,
        requests_per_minute: int = 0,
        tokens_per_minute: int = 0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(inner)
        self._slots = asyncio.Semaphore(concurrency)
        paced = {"clock": clock, "sleep": sleep}
        self._requests = TokenBucket(requests_per_minute, **paced) if requests_per_minute else None
        self._tokens = TokenBucket(tokens_per_minute, **paced) if tokens_per_minute else None

    async def _admit(self, request: LLMRequest) -> None:
        """Wait for the request's share of the per-minute budgets (holding a slot)."""
        if self._requests:
            await self._requests.take(1)
        if self._tokens:
            # a request's size is known only afterwards; 4 characters a token is the usual estimate
            await self._tokens.take(sum(len(m.content) for m in request.messages) / 4 + request.max_tokens)

    async def complete(self, request: LLMRequest) -> LLMResponse:
        async with self._slots:
            await self._admit(request)
            return await self.inner.complete(request)

    async def stream(self, request: LLMRequest) -> AsyncIterator[str | LLMResponse]:
        async with self._slots:
            await self._admit(request)
            async for piece in self.inner.stream(request):
                yield piece


class TracedLLM(_Wrapper):
    """One LLM span per call (outermost, so it sees cache hits and retries): OpenInference and GenAI
    attributes, tokens, dollars; prompt and answer only when KW_TRACE_CONTENT allows."""

    def _start(self, request: LLMRequest):
        attributes = {
            "llm.model_name": self.model,
            "llm.provider": self.provider,
            "gen_ai.system": self.provider,
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": self.model,
            "llm.task": request.task,
            "llm.prompt_version": request.prompt_version,
        }
        if tracing.capture_content():
            attributes["input.value"] = json.dumps([m.model_dump() for m in request.messages])
            attributes["input.mime_type"] = "application/json"
        return tracing.span(f"llm.{request.task}", kind="LLM", **attributes)

    def _finish(self, current, response: LLMResponse) -> None:
        cost, known = price(response.model, response.input_tokens, response.output_tokens)
        tokens = {} if response.cached else {
            "llm.token_count.prompt": response.input_tokens,
            "llm.token_count.completion": response.output_tokens,
            "llm.token_count.total": response.input_tokens + response.output_tokens,
            "gen_ai.usage.input_tokens": response.input_tokens,
            "gen_ai.usage.output_tokens": response.output_tokens,
        }  # fmt: skip
        for key, value in {
            **tokens,
            "gen_ai.response.model": response.model,
            "cost.usd": 0.0 if response.cached else cost,
            "cost.priced": known,
            "llm.cached": response.cached,
            "llm.retries": response.retries,
            "llm.latency_ms": round(response.latency_ms, 2),
        }.items():
            current.set_attribute(key, value)
        if tracing.capture_content():
            current.set_attribute("output.value", response.text)

    async def _count(self, request: LLMRequest, response: LLMResponse | None, error: LLMError | None) -> None:
        dims = {"Model": self.model, "Task": request.task}
        if response is None:
            retries = int(error.details.get("retries", 0)) if error else 0
            await metrics.emit(
                dims, LLMCalls=1, LLMErrors=1, LLMRetries=retries
            )  # LLMCalls counts failures too
        elif not response.cached:
            await metrics.emit(
                dims,
                LLMCalls=1,
                LLMInputTokens=response.input_tokens,
                LLMOutputTokens=response.output_tokens,
                LLMCostUSD=response.usage().cost_usd,
                LLMRetries=response.retries,
            )

    async def complete(self, request: LLMRequest) -> LLMResponse:
        with self._start(request) as current:
            try:
                response = await self.inner.complete(request)
            except LLMError as exc:
                await self._count(request, None, exc)
                raise
            self._finish(current, response)
            await self._count(request, response, None)
            return response

    async def stream(self, request: LLMRequest) -> AsyncIterator[str | LLMResponse]:
        with self._start(request) as current:
            try:
                async for piece in self.inner.stream(request):
                    if isinstance(piece, LLMResponse):
                        self._finish(current, piece)
                        await self._count(request, piece, None)
                    yield piece
            except LLMError as exc:
                await self._count(request, None, exc)
                raise


def compose(
    provider: LLMProvider,
    *,
    cache: LLMCache | None,
    concurrency: int,
    requests_per_minute: int,
    tokens_per_minute: int,
    max_retries: int,
    timeout_s: float,
) -> LLMProvider:
    chain: LLMProvider = LimitedLLM(
        provider,
        concurrency=concurrency,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
    )
    chain = RetryingLLM(chain, max_retries=max_retries, timeout_s=timeout_s)
    chain = CachedLLM(chain, cache) if cache is not None else chain
    return TracedLLM(chain)
