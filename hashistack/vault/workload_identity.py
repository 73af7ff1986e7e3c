"""`NomadWorkloadIdentity`: the JWT auth method, policy and roles for Nomad
workload identities (`hashistack.vault.jwt_auth` is its old import path)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_vault.jwt_auth_backend import JwtAuthBackend
from cdktf_cdktf_provider_vault.jwt_auth_backend_role import JwtAuthBackendRole
from constructs import Construct

from hashistack import _validate as valid
from hashistack._cdktf import ConstructError
from hashistack._cdktf import protect as protect_state
from hashistack.durations import seconds
from hashistack.names import WI_AUDIENCE, WI_AUTH_PATH, WI_POLICY, WI_ROLE, WI_USER_CLAIM
from hashistack.nomad.claims import VAULT_CLAIM_MAPPINGS, task_claims
from hashistack.vault import presets
from hashistack.vault.vault_policy import VaultPolicy

if TYPE_CHECKING:
    from hashistack.vault.acl import Identity

# The claims Nomad puts in a workload identity, mapped to alias metadata so
# templated policies can use them (NMD integrations/vault/acl.mdx).
USER_CLAIM = WI_USER_CLAIM
# As hashicorp-modules/terraform-vault-nomad-setup maps them (namespace, job,
# group, task), so policies may template on any of the four: hashistack.nomad.claims.
CLAIM_MAPPINGS = VAULT_CLAIM_MAPPINGS


@dataclass(frozen=True)
class JobRole:
    """A JWT role bound to one Nomad job's identity, and the policies it holds.

    A `Grantable` (`grantee_kind` "jwt-role"): a grant to it
    (`kv.grant_read(role, "myapp")`) adds to its default policy, the first
    of `policies`.
    """

    name: str
    job: str
    namespace: str
    policies: tuple[VaultPolicy, ...]
    resource: JwtAuthBackendRole

    @property
    def grantee_name(self) -> str:
        """The role's name on the JWT auth method."""
        return self.name

    @property
    def grantee_kind(self) -> str:
        """`jwt-role`."""
        return "jwt-role"

    @property
    def default_policy(self) -> VaultPolicy:
        """The policy grants to this role add to: the first it holds."""
        return self.policies[0]

    def identity(self, task: str, group: str | None = None) -> Identity:
        """The alias Vault makes when `task` (of `group`) of this job logs in with this
        role, for rendering templated policies (see USER_CLAIM and CLAIM_MAPPINGS)."""
        from hashistack.vault.acl import Identity

        claims = task_claims(self.namespace, self.job, task, group)
        return Identity(
            alias_name=claims[USER_CLAIM.lstrip("/")],
            alias_metadata={CLAIM_MAPPINGS[c]: v for c, v in claims.items()},
        )


class NomadWorkloadIdentity(Construct):
    """What `nomad setup vault` creates, as code: the `jwt-nomad` auth method,
    the templated `nomad-workloads` policy and the `nomad-workloads` role.

    `add_job_role` adds a role bound to one job's identity, for jobs whose
    secrets live outside the templated `<ns>/<job>` layout.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        jwks_url: str,
        path: str = WI_AUTH_PATH,
        role: str = WI_ROLE,
        policy: str = WI_POLICY,
        audience: str = WI_AUDIENCE,
        token_period: str = "30m",
        kv_mount: str = "secret",
        jwks_ca_pem: str | None = None,
        protect: bool | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not valid.is_url(jwks_url):
            raise ConstructError(self, f"jwks_url {jwks_url!r} is not a URL like "
                                       "https://nomad.example.com:4646/.well-known/jwks.json")
        if seconds(token_period) <= 0:
            raise ConstructError(self, "token_period must be positive: tokens are renewed by Nomad")
        self.path = path
        self.audience = audience
        self.token_period = token_period
        self.backend = JwtAuthBackend(
            self,
            "backend",
            path=path,
            type="jwt",
            jwks_url=jwks_url,
            jwks_ca_pem=jwks_ca_pem,
            jwt_supported_algs=["RS256", "EdDSA"],
            default_role=role,
            description="Nomad workload identities (hashistack)",
        )
        protect_state(self, self.backend, protect)  # its accessor is in every templated policy
        self.accessor = self.backend.accessor
        self._backend_path = self.backend.path  # one round trip to Node, not one per role
        self.policy = VaultPolicy(
            self,
            "policy",
            name=policy,
            document=presets.nomad_workloads(self.accessor, kv_mount=kv_mount),
        )
        self.policy.shared_by = f"every job's default login (role {role!r})"
        self.role_name = role
        self.default_role = self._role("role", role, [policy], bound_claims=None)
        self.job_roles: dict[str, JobRole] = {}

    def add_job_role(
        self, name: str, *, job: str, namespace: str = "default", policies: Sequence[VaultPolicy]
    ) -> JobRole:
        """A role only `job` in `namespace` can log in with, holding `policies`.

        Pass the result to `NomadJob.use_secret(..., role=...)`: the read is
        granted to the role (its default policy, the first of `policies`), and
        synth proves the role allows it.
        """
        if not policies:
            raise ConstructError(self, f"role {name!r}: policies is empty")
        if name in self.job_roles or name == self.role_name:
            raise ConstructError(self, f"role {name!r} is already defined on this backend")
        resource = self._role(
            f"role-{name}",
            name,
            [p.name for p in policies],
            bound_claims={"nomad_namespace": namespace, "nomad_job_id": job},
        )
        role = JobRole(
            name=name, job=job, namespace=namespace, policies=tuple(policies), resource=resource
        )
        self.job_roles[name] = role
        return role

    def _role(
        self, id: str, name: str, policies: list[str], bound_claims: Mapping[str, str] | None
    ) -> JwtAuthBackendRole:
        # token_explicit_max_ttl "must be set to 0" (NMD integrations/vault/acl.mdx):
        # Nomad renews these tokens for the life of the task.
        return JwtAuthBackendRole(
            self,
            id,
            backend=self._backend_path,
            role_name=name,
            role_type="jwt",
            bound_audiences=[self.audience],
            bound_claims=dict(bound_claims or {}) or None,
            user_claim=USER_CLAIM,
            user_claim_json_pointer=True,
            claim_mappings=dict(CLAIM_MAPPINGS),
            token_type="service",
            token_policies=policies,
            token_period=seconds(self.token_period),
            token_explicit_max_ttl=0,
        )
