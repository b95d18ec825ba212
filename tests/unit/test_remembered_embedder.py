"""The offline answerer's embedder remembers sentences it has embedded: the same vectors, the model run
only on texts it has not seen, and memory bounded."""

from __future__ import annotations

import numpy as np

from backend.embed.remembered import RememberingEmbedder


class Counting:
    """The real embedder, recording what it was asked to embed."""

    def __init__(self, real) -> None:
        self.real, self.asked = real, []
        self.name, self.provider, self.dim, self.query_prefix = real.name, real.provider, real.dim, ""

    async def embed(self, texts):
        self.asked.append(list(texts))
        return await self.real.embed(texts)


async def test_remembered_vectors_are_the_models_and_only_new_texts_are_embedded(embedder):
    counting = Counting(embedder)
    remembering = RememberingEmbedder(counting, capacity=3)
    first = await remembering.embed(["Lena builds the SAP export.", "About a week.", "About a week."])
    assert counting.asked == [["Lena builds the SAP export.", "About a week."]]
    np.testing.assert_allclose(
        first, await embedder.embed(["Lena builds the SAP export.", "About a week.", "About a week."])
    )
    again = await remembering.embed(["About a week.", "Voltra slips."])
    assert counting.asked[-1] == ["Voltra slips."]
    np.testing.assert_allclose(again[0], first[1])
    await remembering.embed(["One more.", "And another."])  # past the capacity: the oldest is forgotten
    await remembering.embed(["Lena builds the SAP export."])
    assert counting.asked[-1] == ["Lena builds the SAP export."]
