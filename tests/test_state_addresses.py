"""The Terraform address of every stateful resource, recorded: renaming a
construct id must never silently become destroy + create. An address may only
go away with a `moved` block that carries its state to the new address."""

from __future__ import annotations

import json
from pathlib import Path

from hashistack.checks.facts.state import STATEFUL

RECORD = Path(__file__).with_name("state_addresses.json")


def addresses(stacks: dict[str, dict]) -> dict[str, list[str]]:
    return {
        name: sorted(f"{kind}.{key}" for kind in STATEFUL
                     for key in (doc.get("resource") or {}).get(kind, {}))
        for name, doc in sorted(stacks.items())
    }


def moved_from(doc: dict) -> set[str]:
    moved = doc.get("moved") or []
    return {m.get("from") for m in (moved if isinstance(moved, list) else [moved])}


def test_stateful_addresses_are_stable_or_moved(shipped, legacy):
    stacks = {**shipped[1], **legacy[1]}
    now = addresses(stacks)
    recorded = json.loads(RECORD.read_text())
    for stack, before in recorded.items():
        gone = set(before) - set(now.get(stack, []))
        unmoved = sorted(gone - moved_from(stacks.get(stack, {})))
        assert not unmoved, (
            f"{stack}: {unmoved} would be destroyed and created anew; add a moved block "
            "(cdktf: resource.move_to / move_from_id) or keep the construct id")
    new = {s: sorted(set(a) - set(recorded.get(s, []))) for s, a in now.items()}
    new = {s: a for s, a in new.items() if a}
    assert not new, f"new stateful resources {new}: record them in {RECORD.name}"


def test_the_record_catches_a_rename(shipped):
    stacks = json.loads(json.dumps(shipped[1]))
    mounts = stacks["prod-vault"]["resource"]["vault_mount"]
    key = next(iter(mounts))
    mounts["renamed"] = mounts.pop(key)
    recorded = json.loads(RECORD.read_text())["prod-vault"]
    gone = set(recorded) - set(addresses(stacks)["prod-vault"])
    assert gone == {f"vault_mount.{key}"}
    stacks["prod-vault"]["moved"] = [{"from": f"vault_mount.{key}", "to": "vault_mount.renamed"}]
    assert gone <= moved_from(stacks["prod-vault"])
