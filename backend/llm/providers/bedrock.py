"""Amazon Bedrock through the Converse API (boto3). Structured output is a tool whose input schema is
the task's JSON schema, with the tool forced, so the answer arrives as a JSON object.

botocore's own retries are off (one attempt): our middleware retries, counts and traces them.
"""

from __future__ import annotations

import asyncio
import json
import time

from backend.llm.port import LLMError, LLMRequest, LLMResponse, ProviderFailure, Throttled

TOOL = "record_result"
_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException"}
_TRANSIENT = {
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
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

    def _call(self, request: LLMRequest) -> dict:
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
        return self._client.converse(**kwargs)

    async def complete(self, request: LLMRequest) -> LLMResponse:
        from botocore.exceptions import BotoCoreError, ClientError

        started = time.perf_counter()
        try:
            response = await asyncio.to_thread(self._call, request)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", "")[:300]
            if code in _THROTTLED:
                raise Throttled(f"bedrock throttled the call ({code}): {message}") from None
            if code in _TRANSIENT or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
                raise ProviderFailure(f"bedrock failed ({code}): {message}") from None
            raise LLMError(f"bedrock refused the call ({code}): {message}") from None
        except BotoCoreError as exc:
            raise ProviderFailure(f"bedrock unreachable: {type(exc).__name__}") from None
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
