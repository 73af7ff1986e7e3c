"""Small bridges between plain Python and the cdktf/constructs jsii types."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import jsii
from cdktf import IResolveContext, IStringProducer, Lazy
from constructs import Construct, IValidation


@jsii.implements(IValidation)
class _Validation:
    def __init__(self, check: Callable[[], Iterable[str]]) -> None:
        self._check = check

    def validate(self) -> list[str]:
        return list(self._check())


def add_validation(scope: Construct, check: Callable[[], Iterable[str]]) -> None:
    """Run `check` at synth; each string it yields fails synth, naming the construct."""
    scope.node.add_validation(_Validation(check))


@jsii.implements(IStringProducer)
class _Producer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self, context: IResolveContext) -> str:
        return self._produce()


def lazy_string(produce: Callable[[], str]) -> str:
    """A string computed at synth, so grants added after construction count."""
    return Lazy.string_value(_Producer(produce))


class ConstructError(ValueError):
    """Invalid construct input, named by construct path."""

    def __init__(self, scope: Construct, message: str) -> None:
        super().__init__(f"{scope.node.path}: {message}")
