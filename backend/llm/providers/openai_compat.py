"""Any OpenAI-compatible chat endpoint (OpenAI, Ollama, vLLM, LiteLLM) through the official SDK.

The SDK's own retries are off: retries, timeouts and limits belong to our middleware, so they are
counted and traced in one place.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import openai

from backend.llm.port import LLMError, LLMRequest, LLMResponse, ProviderFailure, Throttled


class OpenAICompatible:
    provider = "openai"

    def __init__(self, model: str, *, base_url: str | None, api_key: str | None, timeout_s: float) -> None:
        self.model = model
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "not-needed", max_retries=0, timeout=timeout_s
        )
        # The SDK imports its chat resources on first use (~70 ms measured); pay that at start-up,
        # not inside the first wave of calls.
        _ = self._client.chat.completions

    def _kwargs(self, request: LLMRequest) -> dict:
        kwargs: dict = {
            "model": self.model,
            "messages": [m.model_dump() for m in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.json_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.task, "schema": request.json_schema, "strict": True},
            }
        return kwargs

    def _translate(self, exc: Exception) -> LLMError:
        if isinstance(exc, openai.RateLimitError):
            return Throttled(f"{self.provider} throttled the call (429): {_reason(exc)}")
        if isinstance(exc, openai.APIStatusError):
            if exc.status_code >= 500:
                return ProviderFailure(f"{self.provider} answered {exc.status_code}: {_reason(exc)}")
            return LLMError(f"{self.provider} refused the call ({exc.status_code}): {_reason(exc)}")
        if isinstance(exc, openai.APIConnectionError):  # timeouts too
            return ProviderFailure(f"{self.provider} unreachable: {type(exc).__name__}")
        # an error the model sent inside a stream that had begun (`data: {"error": …}`): a server error
        # may pass if asked again; a refused request (content filter, invalid request) will not
        kind = exc.body.get("type") if isinstance(getattr(exc, "body", None), dict) else None
        if kind not in (None, "server_error"):
            return LLMError(f"{self.provider} stopped the answer ({kind}): {str(exc)[:300]}")
        return ProviderFailure(f"{self.provider} failed while answering: {str(exc)[:300]}")

    async def complete(self, request: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        try:
            response = await self._client.chat.completions.create(**self._kwargs(request))
        except openai.OpenAIError as exc:
            raise self._translate(exc) from None
        usage = response.usage
        return LLMResponse(
            text=response.choices[0].message.content or "",
            model=response.model or self.model,
            provider=self.provider,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    async def stream(self, request: LLMRequest) -> AsyncIterator[str | LLMResponse]:
        started = time.perf_counter()
        parts: list[str] = []
        usage = None
        try:
            chunks = await self._client.chat.completions.create(
                **self._kwargs(request), stream=True, stream_options={"include_usage": True}
            )
            async for chunk in chunks:
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    if choice.delta.content:
                        parts.append(choice.delta.content)
                        yield choice.delta.content
        except openai.OpenAIError as exc:
            raise self._translate(exc) from None
        yield LLMResponse(
            text="".join(parts),
            model=self.model,
            provider=self.provider,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            latency_ms=(time.perf_counter() - started) * 1000,
        )


def _reason(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    message = (
        (body.get("error") or {}).get("message")
        if isinstance(body.get("error"), dict)
        else body.get("message")
    )
    return str(message or exc.message)[:300]
