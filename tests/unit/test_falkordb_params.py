"""Our FalkorDB parameter header against the official client's encoding (`falkordb.helpers`): the same
literal for every value, except where we differ on purpose — booleans in lower case, map keys written
bare (we accept identifiers only, so the client's backticks add nothing) — and embeddings, which are
written with 9 significant digits: the same float32 values, which is what FalkorDB stores."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from falkordb.helpers import stringify_param_value

from backend.graph.falkordb_params import VECTOR_KEYS, literal, with_params

rng = random.Random(21)
FLOATS = [0.1 + 0.2, 1 / 3, 1e-300, -2.5e17, 123456789.123456789, 0.0, -0.0]
VALUES = {
    "text": 'she said "hi" \\ then left\nü 中',
    "empty": "",
    "count": -42,
    "big": 2**62,
    "none": None,
    "score": 0.30000000000000004,
    "weights": FLOATS,  # a list of floats that is not an embedding keeps every digit
    "nested": [[1.5, 2.25], ["a", None, 3]],
    "row": {"id": "c1", "weight": 1 / 3, "tags": ["x", "y"], "inner": {"n": 1}},
}


def official(value) -> str:
    return re.sub(r"`([A-Za-z_][A-Za-z0-9_]*)`:", r"\1:", stringify_param_value(value))  # bare map keys


@pytest.mark.parametrize("name", VALUES)
def test_every_value_is_written_as_the_official_client_writes_it(name):
    assert literal(VALUES[name], name) == official(VALUES[name])


def test_a_float_list_is_an_embedding_only_under_a_vector_key():
    values = [float(np.float32(rng.uniform(-1, 1))) for _ in range(384)]  # as the embedders give them
    for key in ("weights", "scores", None):
        assert literal(values, key) == official(values)
    for key in VECTOR_KEYS:
        ours = [float(x) for x in literal(values, key)[1:-1].split(",")]
        assert len(literal(values, key)) < len(official(values))  # shortened…
        assert np.array_equal(np.float32(ours), np.float32(values))  # …to the same float32 values


def test_embeddings_inside_rows_and_probes_take_the_vector_path():
    vector = [rng.uniform(-1, 1) for _ in range(8)]
    header = with_params("RETURN 1", {"rows": [{"id": "c1", "embedding": vector}], "vector": vector})
    assert header.count(f"{vector[0]:.9g}") == 2 and repr(vector[0]) not in header


def test_booleans_are_lower_case_and_the_header_names_each_parameter_once():
    assert literal(True) == "true" and official(True) == "True"  # FalkorDB reads both
    assert with_params("RETURN $a", {"a": 1, "b": "x"}) == 'CYPHER a=1 b="x" RETURN $a'
    assert with_params("RETURN 1", {}) == "RETURN 1"


def test_an_embedding_key_holding_something_else_goes_item_by_item():
    assert literal([0.5, "x", None], "embedding") == '[0.5,"x",null]'
    assert literal([0.5, {"a": 1}], "vector") == "[0.5,{a:1}]"
    with pytest.raises(ValueError):
        literal([0.5, float("nan")], "embedding")
