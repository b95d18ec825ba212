"""The per-caller rate: `burst` requests at once, then one every 1/rate seconds; callers apart."""

from __future__ import annotations

import pytest

from backend.api.limits import CallerRates


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_rate_holds_and_says_how_long_to_wait():
    clock = Clock()
    rates = CallerRates(rate=2.0, burst=5, clock=clock)
    assert [rates.wait_s("a") for _ in range(5)] == [0.0] * 5
    assert rates.wait_s("a") == pytest.approx(0.5)  # the next slot opens in 1/rate seconds
    clock.now += 0.5
    assert rates.wait_s("a") == 0.0
    assert rates.wait_s("a") == pytest.approx(0.5)
    clock.now += 10  # idle long enough: a whole burst again, no more
    assert [rates.wait_s("a") for _ in range(6)] == [0.0] * 5 + [pytest.approx(0.5)]


def test_a_refused_request_does_not_count():
    clock = Clock()
    rates = CallerRates(rate=1.0, burst=1, clock=clock)
    assert rates.wait_s("a") == 0.0
    assert [rates.wait_s("a") for _ in range(3)] == [pytest.approx(1.0)] * 3
    clock.now += 1.0
    assert rates.wait_s("a") == 0.0


def test_callers_have_buckets_of_their_own():
    rates = CallerRates(rate=1.0, burst=2, clock=Clock())
    assert [rates.wait_s("a") for _ in range(3)][-1] > 0
    assert rates.wait_s("b") == 0.0


def test_forgotten_callers_are_only_those_whose_bucket_is_full_again():
    clock = Clock()
    rates = CallerRates(rate=1.0, burst=3, clock=clock)
    for i in range(10_001):
        rates.wait_s(f"ip:{i}")
    rates.wait_s("busy")
    rates.wait_s("busy")
    clock.now += 1.5  # every one-request caller's bucket is full again; "busy" still owes 0.5 s
    rates.wait_s("last")
    assert len(rates._due) <= 2
    assert rates.wait_s("busy") == 0.0 and rates.wait_s("busy") == 0.0 and rates.wait_s("busy") > 0
