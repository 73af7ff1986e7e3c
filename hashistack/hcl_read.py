"""The one way the checks read HCL back: Vault policies aside, every jobspec,
Nomad agent config and Vault Agent config goes through `read`.

Parsed with the HCL1 reader (`hashistack.vault.hcl1`, HashiCorp's HCL1
grammar), about ten times faster than pyhcl, whose ply parser also rebuilds
its tables on every call. Each distinct text is parsed once per process: the
rules and the synth-time proofs ask for the same documents many times.

Shape: a key that appears once maps to its value, a repeated key to the list
of its values in order; a labeled block `a "x" { }` is `{"a": {"x": {...}}}`.
The result is shared between callers: read it, never change it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hashistack.vault.hcl1 import HclSyntaxError, Obj, nest, parse_hcl1

__all__ = ["HclSyntaxError", "read"]


@lru_cache(maxsize=16384)
def read(text: str) -> dict[str, Any]:
    """The document as plain dicts and lists; HclSyntaxError (a ValueError) if it
    is not HCL1."""
    return _object(parse_hcl1(text))


def _object(items: Obj) -> dict[str, Any]:
    out: dict[str, Any] = {}
    repeated: set[str] = set()
    for key, value in nest(items):
        value = _value(value)
        if key not in out:
            out[key] = value
        elif key in repeated:
            out[key].append(value)
        else:
            out[key] = [out[key], value]
            repeated.add(key)
    return out


def _value(value: Any) -> Any:
    if isinstance(value, Obj):
        return _object(value)
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value
