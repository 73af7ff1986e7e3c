"""State backends from config. Credentials are never configured here: each
backend reads its own environment (CONSUL_HTTP_TOKEN, AWS_*, TF_TOKEN_*)."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from cdktf import (
    CloudBackend,
    ConsulBackend,
    LocalBackend,
    NamedCloudWorkspace,
    NamedRemoteWorkspace,
    RemoteBackend,
    S3Backend,
    TerraformStack,
)

from stacks.config import Environment


def configure(stack: TerraformStack, env: Environment, stack_name: str) -> None:
    backend = env.backend
    if backend.type == "local":
        # Terraform runs in cdktf.out/stacks/<stack>/ and resolves a relative
        # path there; state must live outside cdktf.out, which synth replaces.
        directory = PurePosixPath(backend.path or ".")
        if not directory.is_absolute():
            directory = PurePosixPath("../../..") / directory
        LocalBackend(stack, path=str(directory / f"terraform.{stack_name}.tfstate"))
    elif backend.type == "consul":
        parts = urlsplit(
            backend.consul_address
            if "://" in backend.consul_address
            else f"https://{backend.consul_address}"
        )
        ConsulBackend(
            stack,
            access_token="",  # typed as required; dropped below so CONSUL_HTTP_TOKEN is used
            address=parts.netloc,
            scheme=parts.scheme,
            path=f"{backend.consul_path or 'terraform/hashistack'}/{stack_name}",
            lock=True,
            gzip=True,
            ca_file=backend.ca_file,
        )
        stack.add_override("terraform.backend.consul.access_token", None)
    elif backend.type == "s3":
        S3Backend(
            stack,
            bucket=backend.bucket,
            key=f"{backend.key or 'hashistack'}/{stack_name}.tfstate",
            region=backend.region,
            encrypt=True,
            dynamodb_table=backend.dynamodb_table,
        )
        if env.backend_lockfile:
            # Terraform >= 1.10 locks S3 state with a `.tflock` object beside it
            # (developer.hashicorp.com/terraform/language/backend/s3, use_lockfile);
            # cdktf 0.21's S3Backend predates the option; an older Terraform refuses
            # the argument by name at init. (Not `required_version`: an override
            # there breaks `cdktf synth --hcl`.)
            stack.add_override("terraform.backend.s3.use_lockfile", True)
    elif backend.type == "remote":
        RemoteBackend(
            stack,
            organization=backend.organization,
            hostname=backend.hostname,
            workspaces=NamedRemoteWorkspace(f"{backend.workspace_prefix or ''}{stack_name}"),
        )
    else:
        CloudBackend(
            stack,
            organization=backend.organization,
            hostname=backend.hostname,
            workspaces=NamedCloudWorkspace(f"{backend.workspace_prefix or ''}{stack_name}"),
        )
