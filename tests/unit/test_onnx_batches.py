"""Texts are embedded in batches of similar length, spread over the model's sessions, and come back in
their own order."""

from __future__ import annotations

import threading

from backend.embed.onnx_model import by_length


class TwoSessions:
    sessions = 2

    def __init__(self) -> None:
        self.threads: set[str] = set()

    def map(self, work, items):
        from concurrent.futures import ThreadPoolExecutor

        def run(item):
            self.threads.add(threading.current_thread().name)
            return work(item)

        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(run, items))


def test_batches_are_equal_sized_run_side_by_side_and_keep_the_order():
    texts = [f"{'x' * (i % 13)} text {i}" for i in range(40)]
    model = TwoSessions()
    seen: list[list[str]] = []

    def embed_batch(batch: list[str]) -> list[list[float]]:
        seen.append(batch)
        return [[float(texts.index(t))] for t in batch]

    vectors = by_length(texts, 16, embed_batch, model)
    assert vectors == [[float(i)] for i in range(40)]
    assert len(seen) % 2 == 0 and max(map(len, seen)) - min(map(len, seen)) <= 1
    assert len(model.threads) == 2
    for batch in seen:  # similar lengths together
        assert max(map(len, batch)) - min(map(len, batch)) <= 13 + 2
