"""Field checks several jobspec blocks share: names, port labels, change modes,
uniqueness (Nomad's own rules, job-specification/*.mdx)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from hashistack import _validate as valid
from hashistack.errors import FieldError

_PORT_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_PORT_NUMBER = re.compile(r"[0-9]+")

CHANGE_MODES = ("noop", "restart", "signal")
JOB_TYPES = ("service", "batch", "system", "sysbatch")


def _change(mode: str, signal: str | None, where: str) -> None:
    # job-specification/vault.mdx and template.mdx: change_signal is
    # "required if the change_mode is signal"; it means nothing otherwise.
    if mode not in CHANGE_MODES:
        raise FieldError(f"{where}.change_mode must be one of {CHANGE_MODES}, got {mode!r}",
                         path=f"{where}.change_mode")
    if mode == "signal" and not signal:
        raise FieldError(f"{where}.change_signal is required when change_mode is 'signal'",
                         path=f"{where}.change_signal")
    if mode != "signal" and signal is not None:
        raise FieldError(f"{where}.change_signal is only allowed when change_mode is 'signal'",
                         path=f"{where}.change_signal")
    if signal is not None:
        valid.signal(signal, f"{where}.change_signal")


def _unique(values: Sequence[Any], what: str, *, field: str) -> None:
    # `field`: the list that holds the duplicate ("Group.tasks"), as the error's path.
    seen: set[Any] = set()
    for v in values:
        if v in seen:
            raise FieldError(f"duplicate {what} {v!r}", path=field)
        seen.add(v)
