"""Nomad job specification model, rendered through `hashistack.hcl`.

Field names are Nomad's own (job-specification/*.mdx). The model also knows
which Vault paths each task's templates read (`Job.secret_reads`) and which
`vault` block applies to each task (`Job.effective_vault`), and can recover
both from jobspec text (`read_jobspec`, `read_vault_blocks`) so a
check over synthesized Terraform JSON needs no Node.

The modules: `fields` (shared checks), `templates` (consul-template text),
`task`, `consul` (the group's Consul namespace and partition), `service`
(network and services), `model` (group and job), `reader`.
"""

from __future__ import annotations

from hashistack.nomad.jobspec.consul import ConsulBlock
from hashistack.nomad.jobspec.fields import CHANGE_MODES, JOB_TYPES
from hashistack.nomad.jobspec.model import Group, Job, SecretRead
from hashistack.nomad.jobspec.reader import _labeled as _labeled
from hashistack.nomad.jobspec.reader import _load_job as _load_job
from hashistack.nomad.jobspec.reader import read_jobspec, read_vault_blocks
from hashistack.nomad.jobspec.service import Check, Connect, Network, Service, Upstream
from hashistack.nomad.jobspec.task import Resources, Task, Template, VaultBlock
from hashistack.nomad.jobspec.templates import (
    creds_field_template,
    dynamic_secret_env_template,
    secret_env_template,
    secret_field_template,
    secret_paths_in_template,
)

__all__ = [
    "CHANGE_MODES",
    "JOB_TYPES",
    "Check",
    "Connect",
    "ConsulBlock",
    "Group",
    "Job",
    "Network",
    "Resources",
    "SecretRead",
    "Service",
    "Task",
    "Template",
    "Upstream",
    "VaultBlock",
    "creds_field_template",
    "dynamic_secret_env_template",
    "read_jobspec",
    "read_vault_blocks",
    "secret_env_template",
    "secret_field_template",
    "secret_paths_in_template",
]
