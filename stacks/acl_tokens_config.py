"""Config for §2 of issue 12: Nomad and Consul tokens as Vault leases.

`[nomad.acl_tokens]`: Nomad ACL policies (presets) and Vault's Nomad secrets
engine with a role per preset, so `NOMAD_TOKEN` for `cdktf deploy` and CI is
`vault read <path>/creds/<role>`. `[consul.agent_tokens]`: Vault's Consul
secrets engine with roles for the Nomad agents' and the Consul agents' own
tokens. Neither takes a token: the engines' management tokens are sensitive
Terraform variables, given at deploy as TF_VAR_<token_variable>.

TTLs: a Nomad token for a deploy lives 1h by default, renewable to 8h (a CI
job or an operator's session; Vault's own default, 768h, would make it a
long-lived secret again). Agents' Consul tokens: 1h, renewable to 24h; the
process that reads them (Vault Agent, consul-template) renews the lease and
reads a new token before max_ttl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hashistack import _validate as valid
from hashistack._validate import MOUNT_PATH, TF_VARIABLE, shown
from hashistack.consul.agent_rules import NODE_NAME
from hashistack.durations import seconds
from stacks.config_types import Duration

if TYPE_CHECKING:
    from stacks.config import Environment

NOMAD_ROLES = ("operator", "ci-deploy", "read-only")


def _mount_path(value: str) -> str:
    if not MOUNT_PATH.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a mount path (no leading or trailing '/')")
    return value


def _variable(value: str) -> str:
    if not TF_VARIABLE.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a Terraform variable name (letters, digits, "
                         "'_'; given as TF_VAR_<name>)")
    return value


def _node(value: str) -> str:
    if not NODE_NAME.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a Consul node name (letters, digits, '_', "
                         "'.', '-')")
    return value


MountPath = Annotated[str, AfterValidator(_mount_path)]
VariableName = Annotated[str, AfterValidator(_variable)]
NodeName = Annotated[str, AfterValidator(_node)]
Address = Annotated[str, AfterValidator(valid.server_address)]
DeployFile = Annotated[str, AfterValidator(lambda v: valid.file_path(v, "the path"))]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _ttls(ttl: str, max_ttl: str) -> None:
    if seconds(ttl) > seconds(max_ttl):
        raise ValueError(f"ttl {ttl} exceeds max_ttl {max_ttl}")


class NomadAclTokens(_Model):
    """`[nomad.acl_tokens]`: Nomad ACL policies and the Vault engine that leases tokens."""

    enabled: bool = False
    path: MountPath = "nomad"
    address: Address | None = None  # None: nomad.address (as Vault reaches Nomad)
    ca_file: DeployFile | None = None  # None: nomad.tls.ca_file (read at plan time)
    ttl: Duration = "1h"
    max_ttl: Duration = "8h"
    roles: list[Literal["operator", "ci-deploy", "read-only"]] = Field(
        default_factory=lambda: list(NOMAD_ROLES), min_length=1)
    token_variable: VariableName = "nomad_secrets_token"

    @model_validator(mode="after")
    def _check(self) -> NomadAclTokens:
        _ttls(self.ttl, self.max_ttl)
        if len(set(self.roles)) != len(self.roles):
            raise ValueError("roles: a role is given more than once")
        return self


Cidr = Annotated[str, AfterValidator(lambda v: valid.cidr(v, "the value"))]
MachineDir = Annotated[str, AfterValidator(lambda v: valid.file_path(v, "the path",
                                                                      absolute=True))]
UserName = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_-]{0,31}$")]


class AgentLogin(_Model):
    """How one kind of agent's Vault Agent logs in (AppRole role
    `vault-agent-<kind>`): its role_id/secret_id files, the addresses its secret
    ID works from (it never expires), and the user the Vault Agent runs as (the
    agent's own: the token file is its, 0600)."""

    role_dir: MachineDir = "/etc/vault-agent/consul-agent"
    bound_cidrs: list[Cidr] = Field(default_factory=list)
    user: UserName = "consul"


class NomadServerLogin(AgentLogin):
    """`[consul.agent_tokens.nomad_server]`: a Nomad server runs as `nomad`."""

    role_dir: MachineDir = "/etc/vault-agent/nomad-server"
    user: UserName = "nomad"


class NomadClientLogin(AgentLogin):
    """`[consul.agent_tokens.nomad_client]`: a Nomad client runs as root (its drivers)."""

    role_dir: MachineDir = "/etc/vault-agent/nomad-client"
    user: UserName = "root"


class ConsulAgentTokens(_Model):
    """`[consul.agent_tokens]`: the Vault engine leasing the agents' Consul tokens.

    Roles: `nomad-server` and `nomad-client` (the Consul policies of the same
    names, hashistack.consul.NomadAgentPolicies) and `consul-agent` (the Consul
    agents' own policy: node write for `nodes`, or `node_prefix`, service read).
    """

    enabled: bool = False
    path: MountPath = "consul"
    address: Address | None = None  # None: consul.address
    ca_file: DeployFile | None = None  # None: consul.tls.ca_file
    ttl: Duration = "1h"
    max_ttl: Duration = "24h"
    nodes: list[NodeName] = Field(default_factory=list)
    node_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{0,128}$")] | None = None
    token_variable: VariableName = "consul_secrets_token"
    # Each kind's Vault Agent (stacks/agent_tokens.py).
    consul_agent: AgentLogin = Field(default_factory=AgentLogin)
    nomad_server: NomadServerLogin = Field(default_factory=NomadServerLogin)
    nomad_client: NomadClientLogin = Field(default_factory=NomadClientLogin)

    def logins(self) -> dict[str, AgentLogin]:
        """Each Consul secrets role's login, by role name."""
        return {"consul-agent": self.consul_agent, "nomad-server": self.nomad_server,
                "nomad-client": self.nomad_client}

    @model_validator(mode="after")
    def _check(self) -> ConsulAgentTokens:
        _ttls(self.ttl, self.max_ttl)
        if len(set(self.nodes)) != len(self.nodes):
            raise ValueError("nodes: a node is given more than once")
        if self.enabled and bool(self.nodes) == (self.node_prefix is not None):
            raise ValueError("give nodes (the Consul agents' node names) or node_prefix, one "
                             "of them: the agent policy grants node write there only")
        return self


def check(env: Environment) -> None:
    """Rules across sections, for stacks.config.Environment (ValueError names the field)."""
    if env.consul.agent_tokens.enabled and not env.consul_acl:
        raise ValueError("consul.agent_tokens needs Consul's ACLs (consul.acl): the roles "
                         "hold the agents' ACL policies")
    tokens = env.consul.agent_tokens
    if tokens.enabled:
        taken = sorted({a.name for a in env.apps} & set(tokens.logins()))
        if taken:
            raise ValueError(f"apps: {taken[0]!r} is taken by consul.agent_tokens: its "
                             f"Vault Agent logs in as AppRole role vault-agent-{taken[0]}")
        if env.tier == "prod":
            # A secret ID that never expires is the whole credential (HS-VAULT-012).
            unbound = [f"consul.agent_tokens.{role.replace('-', '_')}.bound_cidrs"
                       for role, login in tokens.logins().items() if not login.bound_cidrs]
            if unbound:
                raise ValueError(f"{' and '.join(unbound)} required in prod: the agents' "
                                 "AppRole secret IDs do not expire, so bind them to the "
                                 "machines that use them")
    acl = env.nomad.acl_tokens
    address = acl.address or env.nomad.address
    if acl.enabled and env.tier != "dev" and not address.startswith("https://"):
        raise ValueError(f"nomad.acl_tokens.address must use https in {env.tier}: Vault "
                         "sends the management token there")
