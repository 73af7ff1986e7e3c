"""`NomadJob`: a typed job rendered to a `nomad_job` resource."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from cdktf_cdktf_provider_nomad.job import Job as _JobResource
from constructs import Construct

from hashistack._cdktf import ConstructError, add_validation, lazy_string
from hashistack.nomad.jobspec import Job, Task, VaultBlock


class NomadJob(Construct):
    """A Nomad job whose jobspec is the canonical HCL of `job`, rendered at synth.

    `use_secret` is the one place an access is declared: it adds the
    template to the task and the read grant to the Vault policy, and a
    validation at synth proves, with the ACL engine, that the policies the
    task will hold really allow every path its templates read.
    """

    def __init__(self, scope: Construct, id: str, *, job: Job) -> None:
        super().__init__(scope, id)
        self.job = job
        self._policies: dict[tuple[str, str], list] = {}
        self.resource = _JobResource(
            self,
            "job",
            jobspec=lazy_string(job.to_hcl),
            purge_on_destroy=False,
            deregister_on_destroy=True,
        )
        add_validation(self, self._templates_are_granted)

    @property
    def name(self) -> str:
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
        kv,
        app: str,
        env: Mapping[str, str],
        *,
        policy,
        role: str | None = None,
        task: str | None = None,
        destination: str | None = None,
    ) -> None:
        """Read `<kv>/data/<app>` into `env` and grant exactly that read to `policy`.

        With `role` the task logs in with workload identity (the role must hold
        `policy`); without it the legacy `vault { policies = [...] }` is used.
        """
        group, t = self.task(task)
        vault = self._vault_block(t, policy.name, role)  # refuse before changing anything
        t.use_secret(kv.data_path(app), env, destination)
        kv.grant_read(policy, app)
        t.vault = vault
        self._policies.setdefault((group, t.name), []).append(policy)

    def _vault_block(self, task: Task, policy: str, role: str | None) -> VaultBlock:
        current = task.vault
        if current is None:
            return VaultBlock(role=role) if role else VaultBlock(policies=[policy])
        if role is not None and current.role == role:
            return current
        if role is None and current.policies is not None:
            return replace(current, policies=sorted({*current.policies, policy}))
        raise ConstructError(self, f"task {task.name!r} already has {current}; one task logs "
                             "in one way (a workload-identity role or legacy policies)")

    def _templates_are_granted(self):
        from hashistack.vault.acl import Acl

        for read in self.job.secret_reads():
            policies = self._policies.get((read.group, read.task), [])
            acl = Acl.from_policies([p.document for p in policies])
            if not acl.allows(read.path, "read"):
                names = ", ".join(p.name for p in policies) or "none"
                yield (
                    f"task {read.group}/{read.task} template {read.destination} reads "
                    f"{read.path}, which its policies ({names}) do not allow"
                )
