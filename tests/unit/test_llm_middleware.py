"""The LLM middleware, each wrapper on its own: retries with backoff, timeouts, the rate limiter."""

from __future__ import annotations

import asyncio

import pytest

from backend.llm.middleware import LimitedLLM, RetryingLLM, TokenBucket
from backend.llm.port import LLMError, LLMRequest, LLMResponse, Message, ProviderFailure, Throttled

REQUEST = LLMRequest(task="extract", prompt_version="v1", messages=[Message(role="user", content="hi")])


class Upstream:
    """A model endpoint that answers with the scripted outcomes, in order."""

    provider, model = "test", "test-model"

    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if isinstance(outcome, Exception):
            raise outcome
        if outcome == "hang":
            await asyncio.sleep(3600)
        return LLMResponse(
            text="{}", model=self.model, provider=self.provider, input_tokens=1, output_tokens=1
        )

    async def stream(self, request: LLMRequest):
        """The same outcomes, streamed: "cut" fails after the first piece has been sent."""
        if self.outcomes and self.outcomes[0] == "cut":
            self.outcomes.pop(0)
            self.calls += 1
            yield "{"
            raise ProviderFailure("connection reset")
        response = await self.complete(request)
        yield response.text
        yield response


def recorder():
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    return delays, sleep


async def test_throttling_and_failures_are_retried_with_growing_jittered_backoff():
    delays, sleep = recorder()
    upstream = Upstream(Throttled("429"), ProviderFailure("503"), Throttled("429"), "ok")
    llm = RetryingLLM(upstream, max_retries=4, timeout_s=5, base_delay_s=0.5, sleep=sleep)
    response = await llm.complete(REQUEST)
    assert response.retries == 3 and upstream.calls == 4
    assert len(delays) == 3
    assert all(0 <= d <= 0.5 * 2**i for i, d in enumerate(delays))  # full jitter under a doubling cap


async def test_gives_up_after_max_retries_and_says_so():
    _, sleep = recorder()
    llm = RetryingLLM(Upstream(*[Throttled("429 slow down")] * 5), max_retries=2, timeout_s=5, sleep=sleep)
    with pytest.raises(Throttled) as err:
        await llm.complete(REQUEST)
    assert "gave up after 3 attempts" in err.value.message and err.value.details["retries"] == 2


async def test_a_refusal_is_not_retried():
    delays, sleep = recorder()
    upstream = Upstream(LLMError("400 bad request"))
    with pytest.raises(LLMError):
        await RetryingLLM(upstream, max_retries=4, timeout_s=5, sleep=sleep).complete(REQUEST)
    assert upstream.calls == 1 and delays == []


async def test_a_call_that_hangs_times_out_and_is_retried():
    _, sleep = recorder()
    upstream = Upstream("hang", "ok")
    response = await RetryingLLM(upstream, max_retries=1, timeout_s=0.05, sleep=sleep).complete(REQUEST)
    assert response.retries == 1 and upstream.calls == 2


async def test_token_bucket_paces_requests_at_the_configured_rate():
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(120, clock=lambda: now[0], sleep=sleep)  # 2 per second, burst of 2
    for _ in range(6):
        await bucket.take(1)
    assert now[0] == pytest.approx(2.0)  # 2 at once, then one every half second
    assert waits == pytest.approx([0.5, 0.5, 0.5, 0.5])


async def test_concurrency_limit_holds():
    in_flight = peak = 0

    class Slow(Upstream):
        async def complete(self, request):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1
            return await super().complete(request)

    llm = LimitedLLM(Slow(), concurrency=3)
    await asyncio.gather(*(llm.complete(REQUEST) for _ in range(12)))
    assert peak == 3


async def streamed(llm, request=REQUEST) -> list:
    return [piece async for piece in llm.stream(request)]


async def test_a_stream_is_retried_before_its_first_piece_with_the_same_backoff():
    delays, sleep = recorder()
    upstream = Upstream(Throttled("429"), ProviderFailure("503"), "ok")
    pieces = await streamed(RetryingLLM(upstream, max_retries=4, timeout_s=5, base_delay_s=0.5, sleep=sleep))
    assert pieces[0] == "{}" and pieces[-1].retries == 2 and upstream.calls == 3
    assert len(delays) == 2 and all(0 <= d <= 0.5 * 2**i for i, d in enumerate(delays))


async def test_a_stream_that_fails_after_its_first_piece_is_not_retried():
    delays, sleep = recorder()
    upstream = Upstream("cut", "ok")
    with pytest.raises(ProviderFailure) as err:
        await streamed(RetryingLLM(upstream, max_retries=4, timeout_s=5, sleep=sleep))
    assert upstream.calls == 1 and delays == [] and err.value.details["retries"] == 0


@pytest.mark.parametrize("call", ["complete", "stream"])
async def test_the_tokens_per_minute_limit_paces_completions_and_streams_alike(call):
    now, waits = [0.0], []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    # 600 tokens a minute: a bucket of 10; each request is estimated at 2/4 + 10 tokens (a full bucket)
    llm = LimitedLLM(Upstream(), concurrency=1, tokens_per_minute=600, clock=lambda: now[0], sleep=sleep)
    request = REQUEST.model_copy(update={"max_tokens": 10})
    for _ in range(3):
        await (llm.complete(request) if call == "complete" else streamed(llm, request))
    assert waits == pytest.approx([1.0, 1.0])  # the first at once, then one a second
