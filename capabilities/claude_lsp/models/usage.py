"""Token usage and its price.

Prices are US dollars per million tokens, from Anthropic's public price list. Cache
writes cost 1.25x the input price (5-minute cache) and cache reads 0.1x.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# (model id prefix, input $/MTok, output $/MTok); the longest matching prefix wins.
PRICES: tuple[tuple[str, float, float], ...] = (
    ("claude-opus-4-5", 5.0, 25.0),
    ("claude-opus-4-6", 5.0, 25.0),
    ("claude-opus-4-7", 5.0, 25.0),
    ("claude-opus-4-8", 5.0, 25.0),
    ("claude-opus-4", 15.0, 75.0),
    ("claude-sonnet-5", 3.0, 15.0),
    ("claude-3-opus", 15.0, 75.0),
    ("claude-sonnet-4", 3.0, 15.0),
    ("claude-3-7-sonnet", 3.0, 15.0),
    ("claude-3-5-sonnet", 3.0, 15.0),
    ("claude-haiku-4", 1.0, 5.0),
    ("claude-3-5-haiku", 0.8, 4.0),
    ("claude-3-haiku", 0.25, 1.25),
)
# Unknown models are priced like the Sonnet tier rather than reported as free.
DEFAULT_PRICE = (3.0, 15.0)


@dataclass
class Usage:
    """Token counts as the Messages API reports them."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    @classmethod
    def from_api(cls, usage: dict[str, Any] | None) -> Usage:
        usage = usage or {}
        return cls(**{name: int(usage.get(name) or 0) for name in cls.__dataclass_fields__})

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            **{
                name: getattr(self, name) + getattr(other, name)
                for name in self.__dataclass_fields__
            }
        )

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def price_per_mtok(model: str) -> tuple[float, float]:
    """(input, output) dollars per million tokens for `model`."""
    matches = [entry for entry in PRICES if model.startswith(entry[0])]
    if not matches:
        return DEFAULT_PRICE
    _, input_price, output_price = max(matches, key=lambda entry: len(entry[0]))
    return input_price, output_price


def cost_usd(model: str, usage: Usage) -> float:
    input_price, output_price = price_per_mtok(model)
    dollars = (
        usage.input_tokens * input_price
        + usage.cache_creation_input_tokens * input_price * 1.25
        + usage.cache_read_input_tokens * input_price * 0.1
        + usage.output_tokens * output_price
    )
    return dollars / 1_000_000
