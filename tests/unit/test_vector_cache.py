"""The ingest embedding cache: vectors kept by the hash of their text per model, equal to the model's
own, shared by every process on the data dir, and never a reason for a job to fail."""

from __future__ import annotations

import sqlite3

import numpy as np

from backend.embed.factory import Embedders
from backend.embed.vector_cache import CachedEmbedder, VectorCache, with_cache


class Counting:
    def __init__(self, name: str = "fake", dim: int = 4) -> None:
        self.name, self.provider, self.dim, self.query_prefix = name, "local", dim, ""
        self.asked: list[list[str]] = []

    async def embed(self, texts):
        self.asked.append(list(texts))
        # float32 values, as the offline models compute them
        return [np.float32(np.arange(self.dim) + len(t) / 7).astype(float).tolist() for t in texts]


async def test_a_text_embedded_before_is_not_embedded_again_even_by_another_process(tmp_path):
    model = Counting()
    cached = CachedEmbedder(model, VectorCache(tmp_path / "embeddings.sqlite3"))
    first = await cached.embed(["Lena builds the export.", "About a week.", "About a week."])
    assert model.asked == [["Lena builds the export.", "About a week."]]
    again = await cached.embed(["About a week.", "Voltra slips."])
    assert model.asked[-1] == ["Voltra slips."]
    assert again[0] == first[1]  # exactly the model's vector (float32 both ways)

    other_process = CachedEmbedder(model, VectorCache(tmp_path / "embeddings.sqlite3"))
    assert await other_process.embed(["Lena builds the export."]) == [first[0]]
    assert len(model.asked) == 2 and other_process.hits == 1


async def test_models_do_not_share_vectors(tmp_path):
    cache = VectorCache(tmp_path / "embeddings.sqlite3")
    one, two = Counting("one"), Counting("two")
    await CachedEmbedder(one, cache).embed(["same text"])
    await CachedEmbedder(two, cache).embed(["same text"])
    assert two.asked == [["same text"]]


async def test_a_broken_cache_embeds_without_it(tmp_path):
    cache = VectorCache(tmp_path / "embeddings.sqlite3")
    cache._db.execute("DROP TABLE vectors")
    model = Counting()
    cached = CachedEmbedder(model, cache)
    assert len(await cached.embed(["a", "b"])) == 2
    assert len(await cached.embed(["a"])) == 1 and model.asked[-1] == ["a"]
    assert not cache.usable


def test_one_embedder_for_passages_and_names_stays_one(tmp_path):
    cache = VectorCache(tmp_path / "embeddings.sqlite3")
    one = Counting()
    both = with_cache(Embedders(passages=one, names=one), cache)
    assert both.passages is both.names
    two = with_cache(Embedders(passages=Counting("p"), names=Counting("n")), cache)
    assert two.passages is not two.names


def test_the_cache_file_is_plain_sqlite(tmp_path):
    VectorCache(tmp_path / "embeddings.sqlite3").put("m", [(b"k", [0.5, 0.25])])
    rows = sqlite3.connect(tmp_path / "embeddings.sqlite3").execute("SELECT model FROM vectors").fetchall()
    assert rows == [("m",)]
