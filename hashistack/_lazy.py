"""Lazy package exports: `from hashistack.vault import KvV2` loads cdktf only
then, so the pure modules beside the constructs import without Node.

Type checkers do not run `__getattr__`: each package also imports its exports
under `if TYPE_CHECKING:`, so `KvV2` is the class to mypy and pyright, not
`Any` (tests/test_typing.py holds the two lists equal).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `names[name]` (a submodule of
    `package`) on first use and returns its attribute `name`."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
