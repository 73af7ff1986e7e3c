"""Small readers over synthesized Terraform JSON, for tests."""

from __future__ import annotations


def resources(stack: dict, type_: str) -> dict[str, dict]:
    return stack.get("resource", {}).get(type_, {})


def by(stack: dict, type_: str, key: str, value) -> dict:
    found = [r for r in resources(stack, type_).values() if r.get(key) == value]
    assert len(found) == 1, f"expected one {type_} with {key}={value!r}, found {len(found)}"
    return found[0]


def policies(stack: dict) -> dict[str, str]:
    return {r["name"]: r["policy"] for r in resources(stack, "vault_policy").values()}
