"""What a model call costs: a dated registry of list prices (USD per 1M tokens, on-demand, us-east-1).

Prices change; the date says when these were read, and `price()` flags a model it does not know
(cost 0, `known=False`) rather than guessing, so an unknown model is visible on spans and dashboards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PRICES_AS_OF = "2025-10-01"


@dataclass(frozen=True)
class Price:
    input_per_m: float
    output_per_m: float = 0.0


# Keys are model-id prefixes after removing a cross-region prefix ("us.", "eu.", "apac.", "global.").
REGISTRY: dict[str, Price] = {
    # Amazon Bedrock — Anthropic
    "anthropic.claude-3-haiku": Price(0.25, 1.25),
    "anthropic.claude-3-5-haiku": Price(0.80, 4.00),
    "anthropic.claude-haiku-4-5": Price(1.00, 5.00),
    "anthropic.claude-3-5-sonnet": Price(3.00, 15.00),
    "anthropic.claude-3-7-sonnet": Price(3.00, 15.00),
    "anthropic.claude-sonnet-4": Price(3.00, 15.00),
    # Amazon Bedrock — Amazon
    "amazon.nova-micro": Price(0.035, 0.14),
    "amazon.nova-lite": Price(0.06, 0.24),
    "amazon.nova-pro": Price(0.80, 3.20),
    "amazon.titan-embed-text-v2": Price(0.02),
    # OpenAI
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1": Price(2.00, 8.00),
    "text-embedding-3-small": Price(0.02),
    "text-embedding-3-large": Price(0.13),
}
_REGION_PREFIX = re.compile(r"^(us|eu|apac|global|us-gov)\.")


def lookup(model: str) -> Price | None:
    name = _REGION_PREFIX.sub("", model.split("/")[-1].lower())
    matches = [key for key in REGISTRY if name.startswith(key)]
    return REGISTRY[max(matches, key=len)] if matches else None


def price(model: str, input_tokens: int, output_tokens: int = 0) -> tuple[float, bool]:
    """(USD, known): the cost of one call; an unknown model costs 0 and says so."""
    found = lookup(model)
    if found is None:
        return 0.0, False
    return (input_tokens * found.input_per_m + output_tokens * found.output_per_m) / 1_000_000, True
