"""Our parameter header and the official client's, sent to the embedded FalkorDB: the server reads the
same values from both (an embedding: the same float32 values)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from falkordb.helpers import stringify_param_value

from tests.unit.test_falkordb_params import VALUES

pytestmark = pytest.mark.integration


def official_header(params: dict) -> str:
    return "CYPHER " + "".join(f"`{k}`={stringify_param_value(v)} " for k, v in params.items())


async def test_the_server_reads_the_same_values_from_both_headers(graph_store):
    if graph_store.system != "falkordb":
        pytest.skip("FalkorDB's parameter header")
    embedding = [float(np.float32(random.Random(7).uniform(-1, 1))) for _ in range(384)]
    params = {**VALUES, "flag": True, "rows": [{"id": "c1", "embedding": embedding}]}
    query = "RETURN " + ", ".join(f"${k} AS {k}" for k in params)
    ours = (await graph_store.runner.run(query, params, read_only=True)).rows[0]
    theirs = (await graph_store.runner.run(official_header(params) + query, read_only=True)).rows[0]
    ours_embedding, theirs_embedding = ours["rows"][0].pop("embedding"), theirs["rows"][0].pop("embedding")
    assert ours == theirs
    assert np.array_equal(np.float32(ours_embedding), np.float32(theirs_embedding))
    assert theirs["text"] == VALUES["text"] and theirs["row"]["inner"] == {"n": 1}
