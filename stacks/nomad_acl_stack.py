"""`<env>-nomad-acl`: Nomad's ACL policies, apart from the jobs.

Nomad lets only a management token read or write an ACL policy it does not
hold (api-docs/acl/policies.mdx, "Read Policy": management, or a token the
policy is attached to). In `<env>-nomad` the policies would make every plan
of that stack, CI's with a leased `ci-deploy` token included, fail on
refresh. Here they are deployed by an operator with a management token,
and `<env>-nomad` needs only what `ci-deploy` grants.
"""

from __future__ import annotations

from cdktf import TerraformStack
from constructs import Construct

from stacks import acl_tokens, backends
from stacks.config import Environment
from stacks.nomad_stack import nomad_provider


class NomadAclStack(TerraformStack):
    """The Nomad ACL policies Vault's Nomad secrets engine issues tokens for."""

    def __init__(self, scope: Construct, env: Environment) -> None:
        name = f"{env.name}-nomad-acl"
        super().__init__(scope, name)
        nomad_provider(self, env)
        backends.configure(self, env, name)
        self.env = env
        self.acl_policies = acl_tokens.nomad_acl_policies(self, env)
