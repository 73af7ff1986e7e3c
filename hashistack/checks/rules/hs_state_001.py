"""HS-STATE-001: state that cannot be recreated, guarded in prod."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.state import STATEFUL
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-STATE-001", ERROR, "prod state without prevent_destroy",
    explanation="In prod a config change that replaces or drops one of these resources "
                "(a KV, PKI or database mount, a root certificate, a database connection "
                "whose root password Vault rotated, an auth backend, an audit device, "
                "Consul's CA config or auth method) destroys what cannot be recreated; "
                "lifecycle.prevent_destroy makes such a plan fail instead.",
    fix="Leave `protect` at its default (on in prod) on the hashistack construct, or set "
        "lifecycle.prevent_destroy = true on the resource.",
)
def unguarded_state(env: Env) -> Iterator[Hit]:
    if env.tier != "prod":
        return
    for res in env.resources(*STATEFUL):
        lifecycle = res.get("lifecycle") or {}
        if not (isinstance(lifecycle, dict) and lifecycle.get("prevent_destroy") is True):
            yield Hit(res, f"{res.type} holds state that cannot be recreated and has no "
                           "lifecycle.prevent_destroy in prod")
