"""This repository's deployment: three stacks per environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # config loading must not start Node
    from constructs import Construct

    from stacks.config import Environment


def build(app: Construct, env: Environment):
    """`<env>-vault` → `<env>-consul` → `<env>-nomad`, in that deploy order."""
    from stacks.consul_stack import ConsulStack
    from stacks.nomad_stack import NomadStack
    from stacks.vault_stack import VaultStack

    vault = VaultStack(app, env)
    consul = ConsulStack(app, env, vault=vault)
    nomad = NomadStack(app, env, vault=vault, consul=consul)
    consul.add_dependency(vault)
    nomad.add_dependency(consul)
    return vault, consul, nomad
