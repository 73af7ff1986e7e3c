"""Field types the environment's config modules share (kept out of stacks/config.py,
which imports those modules)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from hashistack._validate import shown
from hashistack.durations import seconds


def _duration(value: str) -> str:
    if seconds(value) == 0:  # seconds() refuses what Go's time.Duration cannot hold
        raise ValueError(f"{shown(value)} must be longer than 0s")
    return value


# A Go/product duration ("30m", "72h"), above zero.
Duration = Annotated[str, AfterValidator(_duration)]
