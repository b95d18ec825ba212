"""What the offline embedders share: an ONNX Runtime session whose thread pool parks between runs,
one batch at a time, and texts batched with others of similar length (padding is wasted work)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

Vectors = list[list[float]]


class OnnxModel:
    def __init__(self, path: Path | str, threads: int = 0) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # Idle pool threads spin by default, waiting for the next run: a question's embedding then
        # cost ~28 ms of CPU for ~7 ms of work, a whole core taken from the graph server and the
        # request itself. Parked instead, the same embedding costs ~11 ms of CPU at the same latency,
        # and a 256-text ingest batch takes as long (measured on 2 cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()  # one batch at a time: the session already uses every core

    def run(self, feed: dict):
        with self._lock:
            return self._session.run(None, feed)[0]


def by_length(texts: Sequence[str], batch: int, embed_batch: Callable[[list[str]], Vectors]) -> Vectors:
    """Every text's vector, in order, from batches of texts of similar length."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: Vectors = [[] for _ in texts]
    for start in range(0, len(order), batch):
        positions = order[start : start + batch]
        for position, vector in zip(positions, embed_batch([texts[i] for i in positions]), strict=True):
            out[position] = vector
    return out
