"""`NomadJob`: a typed job rendered to a `nomad_job` resource."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_nomad.job import Job as _JobResource
from constructs import Construct

from hashistack import _validate as valid
from hashistack._cdktf import (
    ConstructError,
    RenderedText,
    add_validation,
    remember_stack,
    rendered,
)
from hashistack.nomad.jobspec import Job, Task, VaultBlock
from hashistack.vault.grants import preflight

if TYPE_CHECKING:  # not imported at run time: a job need not load the Vault provider
    from hashistack.nomad.namespace import NomadNamespace
    from hashistack.vault.acl import Identity
    from hashistack.vault.database import DatabaseRole, DatabaseSecrets
    from hashistack.vault.grants import Grant, Grantable
    from hashistack.vault.kv import KvV2
    from hashistack.vault.vault_policy import VaultPolicy
    from hashistack.vault.workload_identity import JobRole

# Terraform reads `${` and `%{` in JSON strings as its own templates; Nomad
# must get them literally (runtime interpolation like ${NOMAD_ALLOC_DIR}).
# cdktf tokens (`${TfToken[...]}`) are left for cdktf to resolve.
_TERRAFORM_TEMPLATE = re.compile(r"([$%])\{(?!TfToken\[)")


def escape_for_terraform(text: str) -> str:
    """`text` as a Terraform JSON string value that reads back as `text` itself."""
    return _TERRAFORM_TEMPLATE.sub(r"\1\1{", text)


@dataclass
class _Login:
    """How one task logs in to Vault, and the policies its token will hold."""

    policies: list[VaultPolicy]
    identity: Identity | None = None  # for rendering templated (workload identity) policies


class NomadJob(Construct):
    """A Nomad job whose jobspec is the canonical HCL of `job`, rendered at synth.

    `use_secret` is the one place an access is declared: it adds the
    template to the task and the read grant to the Vault policy the task's
    token will hold, and a validation at synth proves, with the ACL engine,
    that those policies really allow every path the task's templates read.

    `namespace` (a `NomadNamespace` or a namespace name) puts the job in that
    namespace (`job.namespace`, which must then be "default" or the same name);
    a `NomadNamespace` is also made a dependency, so Terraform creates the
    namespace before it registers the job (and destroys the job first).
    """

    def __init__(self, scope: Construct, id: str, *, job: Job,
                 namespace: NomadNamespace | str | None = None) -> None:
        super().__init__(scope, id)
        remember_stack(self, scope)
        if namespace is not None:
            wanted = namespace if isinstance(namespace, str) else namespace.name
            if not valid.NOMAD_NAMESPACE.fullmatch(wanted):
                raise ConstructError(self, f"namespace {wanted!r} is not a Nomad namespace name "
                                           "(1 to 128 ASCII letters, digits and '-')")
            if job.namespace not in ("default", wanted):
                raise ConstructError(self, f"job {job.name!r} says namespace "
                                           f"{job.namespace!r}, but namespace {wanted!r} was "
                                           "given")
            job.namespace = wanted
        self.job = job
        self._logins: dict[tuple[str, str], _Login] = {}
        self._grants: list[Grant] = []
        text = rendered(self._jobspec)
        self.resource = _JobResource(
            self,
            "job",
            jobspec=text or "",
            purge_on_destroy=False,
            deregister_on_destroy=True,
            depends_on=[namespace.resource] if namespace is not None
            and not isinstance(namespace, str) else None,
        )
        # A job's dataclasses print every field: their repr changes whenever the
        # jobspec would, at a tenth of the cost of rendering it.
        self._frozen = False  # set once the jobspec was rendered at synth
        self._text = RenderedText(self, self.resource, "jobspec", self._jobspec, text,
                                  fingerprint=lambda: repr(self.job), on_synth=self._freeze)
        add_validation(self, self._templates_are_granted)

    def _freeze(self) -> None:
        self._frozen = True

    def _jobspec(self) -> str:
        return escape_for_terraform(self.job.to_hcl())

    @property
    def name(self) -> str:
        """The job's name (its ID in Nomad)."""
        return self.job.name

    def task(self, name: str | None = None) -> tuple[str, Task]:
        """(group name, task): the named task, or the job's only task."""
        found = [
            (g.name, t) for g in self.job.groups for t in g.tasks if name is None or t.name == name
        ]
        if len(found) != 1:
            what = f"task {name!r}" if name else "a single task (pass task=...)"
            raise ConstructError(self, f"job {self.job.name!r} has no {what}")
        return found[0]

    def use_secret(
        self,
        kv: KvV2,
        app: str,
        env: Mapping[str, str],
        *,
        policy: VaultPolicy | None = None,
        role: JobRole | None = None,
        task: str | None = None,
        destination: str | None = None,
    ) -> Grant:
        """Read `<kv>/data/<app>` into `env` and grant exactly that read; the `Grant`.

        Workload identity: pass `role` (a `JobRole` from
        `NomadWorkloadIdentity.add_job_role`); the read is granted to the role
        (its default policy). Legacy token workflow (Nomad ≤ 1.9): pass
        `policy` (a `VaultPolicy`); the task gets `vault { policies = [...] }`.
        The grants made are kept in `grants`.
        """
        group, t, grantee, login = self._grantee("use_secret", policy, role, task)
        target = grantee.default_policy
        vault = self._vault_block(t, target.name, role.name if role else None)
        preflight(grantee)  # frozen or shared: refused before the task changes
        # Nothing changes until every refusal above has had its say.
        t.use_secret(kv.data_path(app), env, destination)
        granted = kv.grant_read(grantee, app)
        return self._granted(group, t, vault, login, target, granted)

    def use_dynamic_secret(
        self,
        db: DatabaseSecrets,
        db_role: str | DatabaseRole,
        env: Mapping[str, str] | None = None,
        *,
        policy: VaultPolicy | None = None,
        role: JobRole | None = None,
        task: str | None = None,
        destination: str | None = None,
    ) -> Grant:
        """Read dynamic credentials from `<db>/creds/<db_role>` into `env` and grant
        exactly that read; the `Grant`.

        `env` maps ENV_VAR -> a field of the credential (default `DB_USER` ->
        `username`, `DB_PASS` -> `password`). The login is declared as for
        `use_secret`: `role` (workload identity) or `policy` (legacy). The
        template is `env = true` with `change_mode = "restart"`: Nomad renews the
        credential's lease while Vault allows, and when it reaches the role's
        max TTL reads a new one and restarts the task with it
        (`Task.use_dynamic_secret`).
        """
        group, t, grantee, login = self._grantee("use_dynamic_secret", policy, role, task)
        found = db.role(db_role)
        target = grantee.default_policy
        vault = self._vault_block(t, target.name, role.name if role else None)
        preflight(grantee)
        fields = dict(env) if env is not None else {"DB_USER": "username", "DB_PASS": "password"}
        t.use_dynamic_secret(found.creds_path, fields, destination)
        granted = db.grant_creds(grantee, found)
        return self._granted(group, t, vault, login, target, granted)

    def _grantee(
        self, what: str, policy: VaultPolicy | None, role: JobRole | None, task: str | None
    ) -> tuple[str, Task, Grantable, _Login | None]:
        """(group, task, grantee, login) of one declared access; refused as it says."""
        if self._frozen:
            raise ConstructError(
                self, f"job {self.job.name!r} was rendered at synth; {what} now would never "
                      "reach the synthesized jobspec: declare its secrets before synth")
        if (policy is None) == (role is None):
            raise ConstructError(self, f"{what} needs a role (workload identity) or a policy")
        group, t = self.task(task)
        if role is not None:
            if (role.job, role.namespace) != (self.job.name, self.job.namespace):
                raise ConstructError(
                    self,
                    f"role {role.name!r} is bound to job {role.namespace}/{role.job}, "
                    f"not {self.job.namespace}/{self.job.name}: Vault would refuse the login",
                )
            return group, t, role, self._wi_login(role, group, t.name)
        assert policy is not None  # exactly one of the two: refused above otherwise
        return group, t, policy, None

    def _granted(self, group: str, t: Task, vault: VaultBlock, login: _Login | None,
                 target: VaultPolicy, granted: Grant) -> Grant:
        t.vault = vault
        current = self._logins.setdefault((group, t.name), login or _Login(policies=[]))
        if login is None and target not in current.policies:
            current.policies.append(target)
        self._text.sync(at_synth=False)
        self._grants.append(granted)
        return granted

    @property
    def grants(self) -> tuple[Grant, ...]:
        """The grants `use_secret` and `use_dynamic_secret` made for this job's tasks,
        in order."""
        return tuple(self._grants)

    def _wi_login(self, role: JobRole, group: str, task: str) -> _Login:
        return _Login(policies=list(role.policies), identity=role.identity(task, group))

    def _vault_block(self, task: Task, policy: str, role: str | None) -> VaultBlock:
        current = task.vault
        if current is None:
            return VaultBlock(role=role) if role else VaultBlock(policies=[policy])
        if role is not None and current.role == role:
            return current
        if role is None and current.policies is not None:
            return replace(current, policies=sorted({*current.policies, policy}))
        raise ConstructError(
            self,
            f"task {task.name!r} already has {current}; one task logs "
            "in one way (a workload-identity role or legacy policies)",
        )

    def _templates_are_granted(self) -> Iterator[str]:
        from hashistack.vault.acl import Acl

        for read in self.job.secret_reads():
            login = self._logins.get((read.group, read.task))
            if login is None:
                # A template written by hand, its login not declared through
                # use_secret: HS-VAULT-001 proves it from the synthesized role.
                continue
            acl = Acl.from_policies([p.document for p in login.policies], login.identity)
            if not acl.allows(read.path, "read"):
                names = ", ".join(p.name for p in login.policies) or "none"
                yield (
                    f"task {read.group}/{read.task} template {read.destination} reads "
                    f"{read.path}, which its policies ({names}) do not allow"
                )
