"""This repository's deployment: three stacks per environment, four where Vault
leases Nomad tokens."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # config loading must not start Node
    from constructs import Construct

    from stacks.config import Environment


def build(app: Construct, env: Environment) -> tuple:
    """`<env>-vault` → `<env>-consul` → `<env>-nomad`, in that deploy order, and
    `<env>-nomad-acl` (after Vault) where Vault leases Nomad tokens: the stacks,
    in that order.

    The checks run over the synthesized JSON (main.py), once per environment.
    """
    from hashistack.checks import declare_environment
    from stacks.consul_stack import ConsulStack
    from stacks.nomad_stack import NomadStack
    from stacks.vault_stack import VaultStack

    vault = VaultStack(app, env)
    consul = ConsulStack(app, env, vault=vault)
    nomad = NomadStack(app, env, vault=vault, consul=consul)
    consul.add_dependency(vault)
    nomad.add_dependency(consul)
    stacks: tuple = (vault, consul, nomad)
    if env.nomad.acl_tokens.enabled:
        from stacks.nomad_acl_stack import NomadAclStack

        acl = NomadAclStack(app, env)
        acl.add_dependency(vault)  # the engine's roles name these policies
        stacks += (acl,)
    for stack in stacks:
        # Read back by `python -m hashistack check`, which never imports cdktf.
        declare_environment(
            stack,
            environment=env.name,
            tier=env.tier,
            nomad_version=env.nomad.version,
            integration=env.integration,
            suppressions=[s.model_dump() for s in env.suppressions],
        )
    return stacks


def write_rendered(outdir: Path, stack) -> list[Path]:
    """Write a stack's rendered files to `<outdir>/stacks/<stack>/rendered/`."""
    files = getattr(stack, "rendered", {})
    target = outdir / "stacks" / stack.node.id / "rendered"
    written = []
    for directory in sorted({(target / name).parent for name in files}):
        directory.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(files.items()):
        path = target / name
        path.write_text(text, encoding="utf-8")
        if name.endswith(".sh"):
            path.chmod(0o755)
        written.append(path)
    return written
