"""Reading jobspec text back (hashistack.hcl_read): the Vault paths its
templates read and each task's effective `vault` block, with no Node."""

from __future__ import annotations

from typing import Any

from hashistack.errors import FieldError
from hashistack.hcl_read import read as read_hcl
from hashistack.nomad.jobspec.model import SecretRead
from hashistack.nomad.jobspec.task import VaultBlock
from hashistack.nomad.jobspec.templates import secret_paths_in_template

# hcl_read gives one labeled block as {label: body} and repeated ones as
# [{label: body}, ...]; unlabeled repeated blocks come back as a list of bodies.


def _labeled(value: Any) -> list[tuple[str, dict[str, Any]]]:
    items = value if isinstance(value, list) else [value]
    return [(label, body) for item in items for label, body in item.items()]


def _bodies(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _load_job(text: str) -> dict[str, Any]:
    jobs = _labeled(read_hcl(text).get("job", []))
    if len(jobs) != 1:
        raise FieldError(f"jobspec must hold exactly one job block, found {len(jobs)}", path="job")
    return jobs[0][1]


def _vault_from(body: dict[str, Any]) -> VaultBlock | None:
    blocks = _bodies(body.get("vault"))
    if not blocks:
        return None
    v = blocks[-1]
    return VaultBlock(
        role=v.get("role"),
        policies=v.get("policies"),
        change_mode=v.get("change_mode", "restart"),
        change_signal=v.get("change_signal"),
        env=v.get("env", True),
        disable_file=v.get("disable_file", False),
        namespace=v.get("namespace"),
    )


def read_jobspec(text: str) -> list[SecretRead]:
    """Every Vault path every task template reads, from jobspec text."""
    job = _load_job(text)
    return [
        SecretRead(group, task, tpl.get("destination", ""), path)
        for group, g in _labeled(job.get("group", []))
        for task, t in _labeled(g.get("task", []))
        for tpl in _bodies(t.get("template"))
        for path in secret_paths_in_template(tpl.get("data", ""))
    ]


def read_vault_blocks(text: str) -> dict[tuple[str, str], VaultBlock | None]:
    """(group, task) -> effective vault block, from jobspec text."""
    job = _load_job(text)
    job_vault = _vault_from(job)
    out: dict[tuple[str, str], VaultBlock | None] = {}
    for group, g in _labeled(job.get("group", [])):
        group_vault = _vault_from(g)
        for task, t in _labeled(g.get("task", [])):
            out[(group, task)] = _vault_from(t) or group_vault or job_vault
    return out
