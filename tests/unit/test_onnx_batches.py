"""Texts are embedded in batches of similar length, spread over the model's sessions, and come back in
their own order."""

from __future__ import annotations

from backend.embed.onnx_model import by_length


class TwoSessions:
    sessions = 2

    def __init__(self) -> None:
        self.mapped: list[int] = []

    def map(self, work, items):  # the real one runs `work` on a pool of one thread per session
        self.mapped.append(len(items))
        return [work(item) for item in reversed(items)][::-1]


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
    assert model.mapped == [len(seen)]  # every batch handed to the sessions at once
    for batch in seen:  # similar lengths together
        assert max(map(len, batch)) - min(map(len, batch)) <= 13 + 2
