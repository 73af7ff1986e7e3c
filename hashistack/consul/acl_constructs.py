"""Consul ACL constructs for Nomad: agent policies and workload-identity logins
(`hashistack.consul.acl` is their old import path; the rules they hold are
the pure `acl_rules`)."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_consul.acl_auth_method import AclAuthMethod, AclAuthMethodNamespaceRule
from cdktf_cdktf_provider_consul.acl_binding_rule import AclBindingRule
from cdktf_cdktf_provider_consul.acl_policy import AclPolicy
from cdktf_cdktf_provider_consul.acl_role import AclRole
from constructs import Construct

from hashistack._cdktf import ConstructError, json_value
from hashistack._cdktf import protect as protect_state
from hashistack.consul import acl_rules
from hashistack.consul.namespace import ConsulNamespace
from hashistack.nomad.claims import CONSUL_CLAIM_MAPPINGS, CONSUL_NAMESPACE


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

    `consul_namespaces` (Consul Enterprise) adds what `nomad setup consul` adds
    there (NMD command/setup_consul.go, `renderAuthMethod`): the namespace rule
    `"consul_namespace" in value` -> `${value.consul_namespace}` and the
    `consul_namespace` claim mapping (command/asset/consul-wi-default-auth-
    method-config.json), so a job's `consul { namespace }` (Nomad signs it as the
    `consul_namespace` claim, nomad/structs/workload_id.go) gets its token in
    that namespace. Consul looks a bound role up in the token's namespace
    (agent/consul/auth/binder.go: `ACLRoleGetByName(..., &bindings.EnterpriseMeta)`),
    so each namespace gets its own `nomad-tasks` policy and `nomad-tasks-<nomad
    namespace>` roles, as `nomad setup consul` writes its role and policy in its
    namespace. Admin partitions are refused: a token is made in the auth
    method's partition and Nomad logs in in its client's partition
    (client/consul/consul.go, `DeriveTokenWithJWT`), so each partition needs its
    own auth method.
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
        consul_namespaces: Sequence[str | ConsulNamespace] = (),
    ) -> None:
        super().__init__(scope, id)
        if not namespaces:
            raise ConstructError(self, "namespaces is empty: tasks could not log in")
        consul_ns = self._consul_namespaces(consul_namespaces)
        mappings = dict(self.CLAIM_MAPPINGS)
        if consul_ns:
            mappings[CONSUL_NAMESPACE] = CONSUL_NAMESPACE
        config = {
            "JWKSURL": jwks_url,
            "JWTSupportedAlgs": ["RS256"],
            "BoundAudiences": [audience],
            "ClaimMappings": mappings,
        }
        if jwks_ca_pem:
            config["JWKSCACert"] = jwks_ca_pem
        # Consul Enterprise: rules need the method in `default` (api-docs/acl/
        # auth-methods.mdx, NamespaceRules); the binding rules go with it
        # (binder.go lists them in the method's namespace).
        in_default = "default" if consul_ns else None
        rules = None
        if consul_ns:
            # Jobs without the claim keep `default`: the selector sees only the
            # JWT's own claims (agent/consul/authmethod/ssoauth/sso.go,
            # identityFromClaims), as the `nomad_service` rules rely on.
            rules = [AclAuthMethodNamespaceRule(
                selector=f'"{CONSUL_NAMESPACE}" in value',
                bind_namespace=f"$${{value.{CONSUL_NAMESPACE}}}",
            )]
        # No MaxTokenTTL: the docs say it "should never" be set for Nomad.
        self.method = AclAuthMethod(
            self,
            "method",
            name=name,
            type="jwt",
            display_name="Nomad workloads",
            description="Nomad workload identities (hashistack)",
            config_json=json_value(config),
            namespace=in_default,
            namespace_rule=rules,
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
            namespace=in_default,
        )
        AclBindingRule(
            self,
            "tasks",
            auth_method=self.method.name,
            bind_type="role",
            bind_name="nomad-tasks-$${value.nomad_namespace}",
            selector='"nomad_service" not in value',
            description="Nomad tasks get the nomad-tasks-<namespace> role",
            namespace=in_default,
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
        # Per Consul namespace: the policy and roles where the token is made.
        self.namespace_roles: dict[str, dict[str, AclRole]] = {}
        for label, ns in consul_ns.items():
            policy = AclPolicy(
                self,
                f"task-policy-in-{label}",
                name="nomad-tasks",
                namespace=ns,
                rules=acl_rules.nomad_task_rules(),
                description="Nomad tasks: read KV and the service catalog (hashistack)",
            )
            self.namespace_roles[label] = {
                n: AclRole(
                    self,
                    f"role-{n}-in-{label}",
                    name=f"nomad-tasks-{n}",
                    namespace=ns,
                    policies=[policy.id],
                )
                for n in namespaces
            }

    def _consul_namespaces(self, given: Sequence[str | ConsulNamespace]) -> dict[str, str]:
        """Name -> the value to write (a reference for a `ConsulNamespace`)."""
        out: dict[str, str] = {}
        for ns in given:
            if isinstance(ns, ConsulNamespace):
                if ns.resource.partition_input not in (None, "default"):
                    raise ConstructError(self, (
                        f"consul_namespaces: {ns.namespace_name!r} is in admin partition "
                        f"{ns.resource.partition_input!r}; tokens are made in the auth "
                        "method's partition, so that partition needs its own auth method"))
                label, value = ns.namespace_name, ns.name
            else:
                label = value = ns
            if label == "default":
                raise ConstructError(self, "consul_namespaces: 'default' is where the "
                                     "nomad-tasks roles already are; list other namespaces")
            if label in out:
                raise ConstructError(self, f"consul_namespaces: {label!r} is listed twice")
            out[label] = value
        return out
