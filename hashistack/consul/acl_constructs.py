"""Consul ACL constructs for Nomad: agent policies and workload-identity logins
(`hashistack.consul.acl` is their old import path; the rules they hold are
the pure `acl_rules`)."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_consul.acl_auth_method import AclAuthMethod
from cdktf_cdktf_provider_consul.acl_binding_rule import AclBindingRule
from cdktf_cdktf_provider_consul.acl_policy import AclPolicy
from cdktf_cdktf_provider_consul.acl_role import AclRole
from constructs import Construct

from hashistack._cdktf import ConstructError, json_value
from hashistack._cdktf import protect as protect_state
from hashistack.consul import acl_rules
from hashistack.nomad.claims import CONSUL_CLAIM_MAPPINGS


class NomadAgentPolicies(Construct):
    """`nomad-server` and `nomad-client` policies for the agents' own tokens.

    The tokens are made out of band (`consul acl token create -policy-name
    nomad-server`) and given to agents as CONSUL_HTTP_TOKEN, never here.
    """

    def __init__(self, scope: Construct, id: str, *, prefix: str = "nomad") -> None:
        super().__init__(scope, id)
        self.server = AclPolicy(
            self,
            "server",
            name=f"{prefix}-server",
            description="Nomad servers (hashistack)",
            rules=acl_rules.nomad_agent_rules(server=True),
        )
        self.client = AclPolicy(
            self,
            "client",
            name=f"{prefix}-client",
            description="Nomad clients (hashistack)",
            rules=acl_rules.nomad_agent_rules(server=False),
        )


class NomadWorkloadAuth(Construct):
    """JWT auth method for Nomad workload identities, as `nomad setup consul`
    makes it: services bind to their own service identity, tasks to the role
    `nomad-tasks-<namespace>`. Algorithm RS256 and audience `consul.io` follow
    the docs and hashicorp-modules/terraform-consul-nomad-setup.
    """

    CLAIM_MAPPINGS = CONSUL_CLAIM_MAPPINGS  # hashistack.nomad.claims

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        jwks_url: str,
        name: str = "nomad-workloads",
        audience: str = "consul.io",
        namespaces: Sequence[str] = ("default",),
        jwks_ca_pem: str | None = None,
        protect: bool | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not namespaces:
            raise ConstructError(self, "namespaces is empty: tasks could not log in")
        config = {
            "JWKSURL": jwks_url,
            "JWTSupportedAlgs": ["RS256"],
            "BoundAudiences": [audience],
            "ClaimMappings": dict(self.CLAIM_MAPPINGS),
        }
        if jwks_ca_pem:
            config["JWKSCACert"] = jwks_ca_pem
        # No MaxTokenTTL: the docs say it "should never" be set for Nomad.
        self.method = AclAuthMethod(
            self,
            "method",
            name=name,
            type="jwt",
            display_name="Nomad workloads",
            description="Nomad workload identities (hashistack)",
            config_json=json_value(config),
        )
        protect_state(self, self.method, protect)  # its binding rules go with it
        self.name = name
        AclBindingRule(
            self,
            "services",
            auth_method=self.method.name,
            bind_type="service",
            bind_name="$${value.nomad_service}",
            selector='"nomad_service" in value',
            description="Nomad services get their own service identity",
        )
        AclBindingRule(
            self,
            "tasks",
            auth_method=self.method.name,
            bind_type="role",
            bind_name="nomad-tasks-$${value.nomad_namespace}",
            selector='"nomad_service" not in value',
            description="Nomad tasks get the nomad-tasks-<namespace> role",
        )
        self.task_policy = AclPolicy(
            self,
            "task-policy",
            name="nomad-tasks",
            rules=acl_rules.nomad_task_rules(),
            description="Nomad tasks: read KV and the service catalog (hashistack)",
        )
        self.roles = {
            ns: AclRole(
                self, f"role-{ns}", name=f"nomad-tasks-{ns}", policies=[self.task_policy.id]
            )
            for ns in namespaces
        }
