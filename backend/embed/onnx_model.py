"""What the offline embedders share: ONNX Runtime sessions whose threads park between runs, one
single-threaded session per core, and texts batched with others of similar length (padding is
wasted work) and spread over those sessions.

Why one single-threaded session per core rather than one session using every core: a batch of ~100
word-piece texts splits poorly across two intra-op threads (they meet after every operator), and one
session behind a lock made every other batch wait — 18 % of an ingest's samples sat on that lock.
Two sessions of one thread each run two batches at once with no meeting points (docs/architecture.md
has the numbers). A question's single short text runs on one of them."""

from __future__ import annotations

import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

Vectors = list[list[float]]


def default_sessions() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


class OnnxModel:
    def __init__(self, path: Path | str, sessions: int = 0, threads: int = 1) -> None:
        """`sessions` sessions (0: one per core, at most 4) of `threads` intra-op threads each (0: ORT's
        default, every core — for a model that runs one batch at a time, such as the reranker)."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        # A pool thread that spins while idle burned ~28 ms of CPU for ~7 ms of work per question (a
        # core taken from the graph server and the request).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.sessions = sessions or default_sessions()
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(self.sessions):
            self._idle.put(ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"]))
        self._pool = ThreadPoolExecutor(self.sessions, thread_name_prefix="onnx")

    def run(self, feed: dict):
        session = self._idle.get()  # waits while every session is running a batch
        try:
            return session.run(None, feed)[0]
        finally:
            self._idle.put(session)

    def map(self, work: Callable, items: list) -> list:
        """`work` over `items`, as many at once as there are sessions (in order)."""
        if len(items) <= 1 or self.sessions == 1:
            return [work(item) for item in items]
        return list(self._pool.map(work, items))


def by_length(
    texts: Sequence[str],
    batch: int,
    embed_batch: Callable[[list[str]], Vectors],
    model: OnnxModel | None = None,
) -> Vectors:
    """Every text's vector, in order, from batches of texts of similar length; with a model, the
    batches run side by side on its sessions (equal-sized, a multiple of the sessions in number,
    when there are enough texts for that)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    count = -(-len(order) // batch)
    sessions = model.sessions if model is not None else 1
    if len(order) >= 4 * sessions:
        count = -(-count // sessions) * sessions
    size = max(1, -(-len(order) // max(count, 1)))
    groups = [order[start : start + size] for start in range(0, len(order), size)]

    def work(positions: list[int]) -> Vectors:
        return embed_batch([texts[i] for i in positions])

    results = model.map(work, groups) if model is not None else [work(g) for g in groups]
    out: Vectors = [[] for _ in texts]
    for positions, vectors in zip(groups, results, strict=True):
        for position, vector in zip(positions, vectors, strict=True):
            out[position] = vector
    return out
