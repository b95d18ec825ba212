"""Amazon Bedrock through the Converse API (boto3). Structured output is a tool whose input schema is
the task's JSON schema, with the tool forced, so the answer arrives as a JSON object.

botocore's own retries are off (one attempt): our middleware retries, counts and traces them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from backend.llm.port import LLMError, LLMRequest, LLMResponse, ProviderFailure, Throttled

TOOL = "record_result"
_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException"}
_TRANSIENT = {
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
    "ModelStreamErrorException",  # a stream that failed once begun
}


class BedrockConverse:
    provider = "bedrock"

    def __init__(self, model: str, *, region: str, endpoint_url: str | None, timeout_s: float) -> None:
        import boto3
        from botocore.config import Config

        self.model = model
        self._client = boto3.client(
            "bedrock-runtime",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                read_timeout=timeout_s,
                connect_timeout=5,
            ),
        )

    def _call(self, request: LLMRequest, operation: str = "converse") -> dict:
        kwargs: dict = {
            "modelId": self.model,
            "messages": [
                {"role": m.role, "content": [{"text": m.content}]}
                for m in request.messages
                if m.role != "system"
            ],
            "system": [{"text": m.content} for m in request.messages if m.role == "system"],
            "inferenceConfig": {"maxTokens": request.max_tokens, "temperature": request.temperature},
        }
        if request.json_schema is not None:
            kwargs["toolConfig"] = {
                "tools": [
                    {
                        "toolSpec": {
                            "name": TOOL,
                            "description": f"Record the {request.task} result.",
                            "inputSchema": {"json": request.json_schema},
                        }
                    }
                ],
                "toolChoice": {"tool": {"name": TOOL}},
            }
        return getattr(self._client, operation)(**kwargs)

    async def complete(self, request: LLMRequest) -> LLMResponse:
        from botocore.exceptions import BotoCoreError, ClientError

        started = time.perf_counter()
        try:
            response = await asyncio.to_thread(self._call, request)
        except (BotoCoreError, ClientError) as exc:
            raise _translate(exc) from None
        content = response["output"]["message"]["content"]
        tool = next((block["toolUse"] for block in content if "toolUse" in block), None)
        text = json.dumps(tool["input"]) if tool else "".join(block.get("text", "") for block in content)
        usage = response.get("usage", {})
        return LLMResponse(
            text=text,
            model=self.model,
            provider=self.provider,
            input_tokens=usage.get("inputTokens", 0),
            output_tokens=usage.get("outputTokens", 0),
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    async def stream(self, request: LLMRequest) -> AsyncIterator[str | LLMResponse]:
        """ConverseStream: boto3 reads the event stream in a worker thread; pieces cross to the loop
        through a queue as they arrive."""
        from botocore.exceptions import BotoCoreError, ClientError

        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        done = object()

        def pump() -> None:
            try:
                for event in self._call(request, "converse_stream")["stream"]:
                    loop.call_soon_threadsafe(queue.put_nowait, event)
            except (BotoCoreError, ClientError) as exc:
                loop.call_soon_threadsafe(queue.put_nowait, _translate(exc))
            except Exception as exc:  # anything else ends the answer too, never a silent wait
                failure = ProviderFailure(f"bedrock stream failed: {type(exc).__name__}")
                loop.call_soon_threadsafe(queue.put_nowait, failure)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, done)

        started = time.perf_counter()
        worker = loop.run_in_executor(None, pump)
        parts: list[str] = []
        usage: dict = {}
        while (event := await queue.get()) is not done:
            if isinstance(event, Exception):
                await worker
                raise event
            text = event.get("contentBlockDelta", {}).get("delta", {}).get("text")
            if text:
                parts.append(text)
                yield text
            usage = event.get("metadata", {}).get("usage", usage)
        await worker
        yield LLMResponse(
            text="".join(parts),
            model=self.model,
            provider=self.provider,
            input_tokens=usage.get("inputTokens", 0),
            output_tokens=usage.get("outputTokens", 0),
            latency_ms=(time.perf_counter() - started) * 1000,
        )


def _translate(exc: Exception) -> LLMError:
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return ProviderFailure(f"bedrock unreachable: {type(exc).__name__}")
    code = exc.response.get("Error", {}).get("Code", "")
    # an exception inside a ConverseStream names its type as the stream's member ("throttlingException")
    code = code[:1].upper() + code[1:]
    message = exc.response.get("Error", {}).get("Message", "")[:300]
    if code in _THROTTLED:
        return Throttled(f"bedrock throttled the call ({code}): {message}")
    if code in _TRANSIENT or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
        return ProviderFailure(f"bedrock failed ({code}): {message}")
    return LLMError(f"bedrock refused the call ({code}): {message}")
