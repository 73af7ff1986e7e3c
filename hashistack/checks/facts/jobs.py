"""Nomad jobs as the rules see them: each readable jobspec, read once per environment."""

from __future__ import annotations

from dataclasses import dataclass, field

from hashistack.checks.core import JsonObject
from hashistack.checks.env import Env, Resource, blocks
from hashistack.hcl_read import read as read_hcl
from hashistack.nomad.claims import TASK_CLAIMS, task_claims
from hashistack.nomad.jobspec import SecretRead, VaultBlock, read_jobspec, read_vault_blocks

# Claims in Nomad's workload identity JWT that a role may map or bind.
CLAIMS = TASK_CLAIMS


@dataclass(frozen=True)
class JobInfo:
    resource: Resource
    name: str
    namespace: str
    reads: list[SecretRead] = field(hash=False)
    vaults: dict[tuple[str, str], VaultBlock | None] = field(hash=False)
    raw: JsonObject = field(hash=False)

    def claims(self, group: str, task: str) -> dict[str, str]:
        return task_claims(self.namespace, self.name, task, group)


def jobs(env: Env) -> list[JobInfo]:
    """Every nomad_job whose jobspec is HCL text the checks can read (not `${file(...)}`).

    Several rules ask; the jobspecs are read once per environment.
    """
    return env.memo("jobs", lambda: _read_jobs(env))


def _read_jobs(env: Env) -> list[JobInfo]:
    out = []
    for res in env.resources("nomad_job"):
        text = res.get("jobspec")
        if not isinstance(text, str) or text.lstrip().startswith("${"):
            env.cannot_evaluate(res, "jobspec is a Terraform expression, not HCL text: its "
                                     "templates and vault blocks are not checked")
            continue
        try:
            raw = read_hcl(text)
            ((name, body),) = [(k, v) for j in blocks(raw.get("job")) for k, v in j.items()]
            out.append(
                JobInfo(
                    res,
                    name,
                    str(body.get("namespace") or "default"),
                    read_jobspec(text),
                    read_vault_blocks(text),
                    raw,
                )
            )
        except (ValueError, RecursionError) as err:
            why = err if isinstance(err, ValueError) else "nested too deeply"
            env.cannot_evaluate(res, f"jobspec does not read as one HCL job ({why}): its "
                                     "templates and vault blocks are not checked")
    return out
