"""Lazy package exports: `from hashistack.vault import KvV2` loads cdktf only
then, so the pure modules beside the constructs import without Node."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def exports(package: str, names: Mapping[str, str]):
    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
