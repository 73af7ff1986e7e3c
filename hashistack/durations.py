"""Durations: one grammar family, Go's, in two strictnesses.

Go's `time.ParseDuration` is the superset ("300ms", "1.5h", "-5m"). Vault
reads a policy's TTLs with it, behind go-secure-stdlib's
`parseutil.ParseDurationSecond` (also bare seconds and "<int>d"):
`duration_seconds`. The products' config in this project is written in its
h/m/s subset ("72h", "30m", "1h30m"), which Nomad, Consul and Vault all
accept: `seconds` and `format_hours`. Both share Go's range, a
`time.Duration` of int64 nanoseconds (2562047h47m16.854775807s).
"""

from __future__ import annotations

import re
from typing import Any

from hashistack.errors import FieldError

# Go's time unitMap, in nanoseconds.
GO_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9,
            "m": 60 * 10**9, "h": 3600 * 10**9}
# The h/m/s subset, in seconds, largest first.
_UNITS = {unit: GO_UNITS[unit] // 10**9 for unit in ("h", "m", "s")}
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_GO_INT = re.compile(r"[+-]?[0-9]+")
# Go's time.Duration is int64 nanoseconds: 2562047h47m16s is the most it holds.
MAX_NANOSECONDS = (1 << 63) - 1
MAX_SECONDS = MAX_NANOSECONDS // 10**9


# -- the h/m/s subset: the products' config ---------------------------------------


def seconds(text: str | int) -> int:
    """Seconds in a Go-style duration; a bare int is taken as seconds.

    Only h/m/s are accepted: Consul parses with Go's time.ParseDuration, which
    has no "d", so one grammar serves all three products.
    """
    if isinstance(text, bool):
        raise FieldError(f"{text!r} is not a duration")
    if isinstance(text, int):
        if text < 0:
            raise FieldError(f"{text} is negative; a duration must be >= 0")
        if text > MAX_SECONDS:
            raise FieldError(f"{text} seconds is out of range; a duration is at most "
                             f"{MAX_SECONDS} seconds (2562047h, Go's time.Duration)")
        return text
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not text or match is None or not any(match.groups()):
        raise FieldError(f'{text!r} is not a duration; write it like "72h", "30m" or "1h30m"')
    if any(g and len(g.lstrip("0")) > 19 for g in match.groups()):
        total = MAX_SECONDS + 1  # also spares int() its 4300-digit limit
    else:
        h, m, s = (int(g) if g else 0 for g in match.groups())
        total = h * 3600 + m * 60 + s
    if total > MAX_SECONDS:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise FieldError(f"{shown!r} is out of range; a duration is at most 2562047h "
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


# -- the whole grammar: Vault's parseutil over Go's time.ParseDuration ---------------


def int64(text: str) -> int | None:
    """A decimal integer as Go's strconv.ParseInt(text, 10, 64) reads it: the
    int, or None when `text` is no decimal integer or falls outside int64."""
    if not _GO_INT.fullmatch(text) or len(text) >= 25:
        return None
    return _go_int(text)


def duration_seconds(value: Any) -> float:
    """Seconds in a Vault duration, as go-secure-stdlib parseutil.ParseDurationSecond
    reads it: "" is 0, an integer is seconds, "<int>d" is days, otherwise Go's
    time.ParseDuration ("300ms", "1h30m", "-5m"). Raises FieldError, also for a
    duration beyond time.Duration's int64 nanoseconds (Go's ParseDuration
    refuses it; the integer forms would silently wrap around in Vault)."""
    if isinstance(value, bool) or value is None:
        if value is None:
            return 0.0
        raise FieldError(f"{value!r} is not a duration")
    if isinstance(value, float) and value != value:
        raise FieldError("NaN is not a duration")
    if isinstance(value, (int, float)):
        if abs(value) > MAX_SECONDS:
            raise FieldError(f"{value!r} seconds is out of range for a duration")
        return float(int(value))
    if not isinstance(value, str):
        raise FieldError(f"{value!r} is not a duration")
    if value == "":
        return 0.0
    if _GO_INT.fullmatch(value):
        # strconv.ParseInt(in, 10, 64), else on to ParseDuration ("missing unit").
        return _in_range(value, _go_int(value) if len(value) < 25 else None, 10**9)
    if value.endswith("d"):
        if not _GO_INT.fullmatch(value[:-1]):
            raise FieldError(f"{_clip(value)} is not a duration")
        return _in_range(value, _go_int(value[:-1]) if len(value) < 25 else None, 86400 * 10**9)
    return go_duration(value) / 1e9


def _clip(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _go_int(text: str) -> int | None:
    n = int(text)
    return n if -(1 << 63) <= n <= MAX_NANOSECONDS else None


def _out_of_range(text: str) -> FieldError:
    return FieldError(f"{_clip(text)} is out of range for a duration (at most 2562047h)")


def _in_range(text: str, n: int | None, unit: int) -> float:
    if n is None or abs(n * unit) > MAX_NANOSECONDS:
        raise _out_of_range(text)
    return float(n * unit // 10**9) if unit >= 10**9 else n * unit / 1e9


def go_duration(text: str) -> int:
    """Nanoseconds, by Go's time.ParseDuration (overflow checks included);
    raises FieldError with Go's reason."""
    bad = FieldError(f"{_clip(text)} is not a duration")
    s, neg = text, False
    if s[:1] in "+-":
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise bad
    total = 0
    while s:
        m = re.match(r"([0-9]*)(?:\.([0-9]*))?", s)
        assert m is not None  # both groups may be empty: it matches every string
        whole, frac = m.group(1), m.group(2)
        if not whole and not frac:
            raise bad
        s = s[m.end():]
        i = 0
        while i < len(s) and s[i] not in ".0123456789":
            i += 1
        unit = GO_UNITS.get(s[:i])
        if unit is None:
            raise FieldError(f"{_clip(text)} is not a duration: "
                             f"{'unknown unit ' + repr(s[:i]) if i else 'missing unit'}")
        s = s[i:]
        whole = whole.lstrip("0")
        if len(whole) > 19 or int(whole or 0) > (1 << 63) // unit:
            raise _out_of_range(text)
        v = int(whole or 0) * unit
        if frac:
            # leadingFraction keeps the digits that fit; float64 as Go does.
            f, scale = 0, 1
            for d in frac:
                if f > MAX_NANOSECONDS // 10:
                    break
                f, scale = f * 10 + int(d), scale * 10
            v += int(float(f) * (float(unit) / scale))
        total += v
        if total > 1 << 63:
            raise _out_of_range(text)
    if not neg and total > MAX_NANOSECONDS:
        raise _out_of_range(text)
    return -total if neg else total
