"""The pricing registry prices known models by their id (cross-region prefixes included) and flags
models it does not know instead of guessing."""

import pytest

from backend.observability.pricing import PRICES_AS_OF, price


def test_known_models_are_priced_per_million_tokens():
    assert price("gpt-4o-mini", 1_000_000, 1_000_000) == (pytest.approx(0.75), True)
    assert price("us.anthropic.claude-3-5-haiku-20241022-v1:0", 2_000, 500) == (pytest.approx(0.0036), True)
    assert price("amazon.nova-micro-v1:0", 1_000_000, 0) == (pytest.approx(0.035), True)
    assert price("amazon.titan-embed-text-v2:0", 1_000_000) == (pytest.approx(0.02), True)


def test_the_longest_matching_prefix_wins():
    assert price("gpt-4o", 1_000_000, 0)[0] == pytest.approx(2.5)
    assert price("gpt-4o-mini-2024-07-18", 1_000_000, 0)[0] == pytest.approx(0.15)


def test_unknown_models_cost_zero_and_say_so():
    assert price("my-local-llama", 10_000, 10_000) == (0.0, False)
    assert PRICES_AS_OF
