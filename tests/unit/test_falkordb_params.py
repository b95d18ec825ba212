"""FalkorDB's parameter header: vectors take the fast path, anything else in a list goes item by item,
and values stay values."""

from __future__ import annotations

import pytest

from backend.graph.falkordb_params import literal, with_params


def test_a_float_vector_is_written_with_nine_significant_digits():
    assert literal([0.5, 0.123456789012, -1e-7]) == "[0.5,0.123456789,-1e-07]"


def test_a_list_that_only_starts_with_a_float_goes_item_by_item():
    assert literal([0.5, "x", None]) == '[0.5,"x",null]'
    assert literal([0.5, {"a": 1}]) == "[0.5,{a:1}]"
    assert literal([1, 0.5]) == "[1,0.5]"


def test_nan_is_refused_on_either_path():
    with pytest.raises(ValueError):
        literal([0.5, float("nan")])
    with pytest.raises(ValueError):
        literal([float("inf"), "x"])


def test_strings_stay_strings():
    assert with_params("RETURN $s", {"s": 'a" RETURN 1 //'}) == 'CYPHER s="a\\" RETURN 1 //" RETURN $s'
