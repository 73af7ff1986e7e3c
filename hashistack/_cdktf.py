"""Small bridges between plain Python and the cdktf/constructs jsii types.

Every call into jsii is a round trip to Node, and every callback one back, so
these bridges cost a stack, not a construct: one validation object per stack
runs the checks of every construct in it, and text rendered from a Python
model (a policy, a jobspec) is a plain string set again when the model
changes, not a `Lazy` value that Node calls back for at every resolve.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import jsii
from cdktf import Fn, TerraformStack
from constructs import Construct, IValidation

from hashistack.errors import HashistackError

TOKENS = ("${TfToken[", "#{TfToken[")  # how cdktf string and list tokens look in text


def _holds_token(text: str) -> bool:
    return any(token in text for token in TOKENS)


class _StackHooks:
    """What runs at synth for one stack, from one jsii validation."""

    def __init__(self, stack: TerraformStack) -> None:
        self.stack = stack
        self.texts: list[RenderedText] = []
        self.checks: list[tuple[Construct, Callable[[], Iterable[str]]]] = []
        self.stateful: list[Any] = []  # resources guarded as the stack's tier says

    def settle(self) -> list[str]:
        """Guard state as the tier says and bring rendered texts up to date; the problems."""
        if getattr(self.stack, "_hashistack_tier", None) == "prod":
            for resource in self.stateful:
                resource.add_override("lifecycle.prevent_destroy", True)
        self.stateful = []
        return [problem for text in self.texts if (problem := text.sync()) is not None]

    def errors(self) -> list[str]:
        errors = self.settle()
        for scope, check in self.checks:
            found = list(check())
            if found:
                path = scope.node.path
                errors += [f"{path}: {message}" for message in found]
        return errors


@jsii.implements(IValidation)
class _Validation:
    def __init__(self, check: Callable[[], Iterable[str]]) -> None:
        self._check = check

    def validate(self) -> list[str]:
        return list(self._check())


def stack_of(scope: Construct) -> TerraformStack:
    """The stack `scope` is in; asks Node only for scopes the library did not make."""
    found = getattr(scope, "_hashistack_stack", None)
    if found is None:
        found = scope if isinstance(scope, TerraformStack) else TerraformStack.of(scope)
    return found


def remember_stack(construct: Construct, scope: Construct) -> None:
    """Let constructs made under `construct` find their stack without a round trip."""
    # An attribute of our own on the jsii object (it has no slot for it).
    setattr(construct, "_hashistack_stack", stack_of(scope))  # noqa: B010


def _hooks(scope: Construct) -> _StackHooks:
    stack = stack_of(scope)
    hooks = getattr(stack, "_hashistack_hooks", None)
    if hooks is None:
        hooks = _StackHooks(stack)
        stack.node.add_validation(_Validation(hooks.errors))
        setattr(stack, "_hashistack_hooks", hooks)  # noqa: B010
    return hooks


def add_validation(scope: Construct, check: Callable[[], Iterable[str]]) -> None:
    """Run `check` at synth; each string it yields fails synth, naming the construct."""
    _hooks(scope).checks.append((scope, check))


def add_stack_validation(stack: TerraformStack, check: Callable[[], Iterable[str]]) -> None:
    """A validation of the stack itself; its messages name what they are about."""
    stack.node.add_validation(_Validation(check))


def protect(scope: Construct, resource: Any, protect: bool | None) -> None:
    """`prevent_destroy` on a resource holding state that cannot be recreated (a mount's
    secrets, a CA's key, an auth method's roles, an audit trail). True or False as given;
    None: as the stack's tier (`hashistack.checks.declare_environment`), on in prod."""
    if protect is None:
        _hooks(scope).stateful.append(resource)
    elif protect:
        resource.add_override("lifecycle.prevent_destroy", True)


def settle(stack: TerraformStack) -> list[str]:
    """What synth would do to `stack` before writing it, done now (before a stack is
    read back for the checks): the tier's `prevent_destroy`, texts up to date."""
    hooks = getattr(stack, "_hashistack_hooks", None)
    return hooks.settle() if hooks is not None else []


class RenderedText:
    """A resource attribute whose text is rendered from a Python model.

    Set when the construct is made and again by `sync()` whenever the
    construct changes its model, so grants added later count. At synth, a
    change made to the model directly is picked up too, unless the text holds
    Terraform references: cdktf wires references across stacks before
    validation, so such a change is refused rather than synthesized wrong.

    `on_synth` runs once the text was rendered at synth (every later sync
    too): the owner freezes its model there, so a change after synth raises
    rather than being lost.
    """

    def __init__(self, scope: Construct, resource: Any, attribute: str,
                 render: Callable[[], str], initial: str | None,
                 fingerprint: Callable[[], object] | None = None,
                 on_synth: Callable[[], None] | None = None) -> None:
        self._scope, self._resource, self._attribute = scope, resource, attribute
        self._render, self._text = render, initial
        self._on_synth = on_synth
        # Cheaper than rendering, and equal whenever the rendering would be:
        # a model that has not changed is not rendered again at synth.
        self._fingerprint = fingerprint
        self._rendered_from = fingerprint() if fingerprint and initial is not None else None
        _hooks(scope).texts.append(self)

    def sync(self, *, at_synth: bool = True) -> str | None:
        """Set the attribute to the current rendering; a problem, or None."""
        problem = self._sync(at_synth)
        if at_synth and self._on_synth is not None:
            self._on_synth()
        return problem

    def _sync(self, at_synth: bool) -> str | None:
        model = self._fingerprint() if self._fingerprint else None
        if model is not None and model == self._rendered_from:
            return None
        try:
            text = self._render()
        except ValueError as err:  # a model not complete yet: synth says so
            return f"{self._scope.node.path}: {err}" if at_synth else None
        if text == self._text:
            self._rendered_from = model
            return None
        if at_synth and self._text is not None and _holds_token(text + self._text):
            return (f"{self._scope.node.path}: {self._attribute} changed after the construct "
                    "last rendered it and holds Terraform references; make the change "
                    "through the construct, before synth")
        # The generated setter would type-check a str against its stub first,
        # costing more than the round trip; this is the call it then makes.
        jsii.set(self._resource, self._attribute, text)
        self._text, self._rendered_from = text, model
        return None


def json_value(value: Any) -> str:
    """A JSON-valued attribute (`config_json`). Literal values: a JSON string.
    With Terraform references inside: `jsonencode(...)`, so Terraform escapes
    what they resolve to (a PEM file's newlines, quotes) and `cdktf synth --hcl`
    writes a valid expression, not a JSON string with references spliced in."""
    text = json.dumps(value, sort_keys=True)
    if not _holds_token(text):
        return text
    return Fn.jsonencode(_sorted(value))


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_sorted(v) for v in value]
    return value


def rendered(render: Callable[[], str]) -> str | None:
    """The first rendering of a model, or None if it is not valid yet (the
    model may be completed after the construct is made; synth says why if not)."""
    try:
        return render()
    except ValueError:
        return None


class ConstructError(HashistackError):
    """Invalid construct input, named by construct path (also in `path`)."""

    def __init__(self, scope: Construct, message: str) -> None:
        super().__init__(f"{scope.node.path}: {message}", path=scope.node.path)
