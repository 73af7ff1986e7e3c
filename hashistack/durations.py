"""Durations as Nomad, Consul and Vault write them ("72h", "30m", "1h30m")."""

from __future__ import annotations

import re

_UNITS = {"h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
# Go's time.Duration is int64 nanoseconds: 2562047h47m16s is the most it holds.
MAX_SECONDS = ((1 << 63) - 1) // 10**9


def seconds(text: str | int) -> int:
    """Seconds in a Go-style duration; a bare int is taken as seconds.

    Only h/m/s are accepted: Consul parses with Go's time.ParseDuration, which
    has no "d", so one grammar serves all three products.
    """
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a duration")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"{text} is negative; a duration must be >= 0")
        if text > MAX_SECONDS:
            raise ValueError(f"{text} seconds is out of range; a duration is at most "
                             f"{MAX_SECONDS} seconds (2562047h, Go's time.Duration)")
        return text
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not text or match is None or not any(match.groups()):
        raise ValueError(f'{text!r} is not a duration; write it like "72h", "30m" or "1h30m"')
    if any(g and len(g.lstrip("0")) > 19 for g in match.groups()):
        total = MAX_SECONDS + 1  # also spares int() its 4300-digit limit
    else:
        h, m, s = (int(g) if g else 0 for g in match.groups())
        total = h * 3600 + m * 60 + s
    if total > MAX_SECONDS:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise ValueError(f"{shown!r} is out of range; a duration is at most 2562047h "
                         "(Go's time.Duration)")
    return total


def format_hours(total: int) -> str:
    """Seconds back to the shortest h/m/s text ("72h", "1h30m", "0s")."""
    out = []
    for unit, size in _UNITS.items():
        if total >= size:
            out.append(f"{total // size}{unit}")
            total %= size
    return "".join(out) or "0s"
