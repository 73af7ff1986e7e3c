#!/usr/bin/env python
"""The raw-cdktf baseline: the same stacks, written with the prebuilt provider
classes and literal values, as a team without the library would write them.

Rather than a second hand-kept copy of every stack, it is generated from a
synth output: each resource becomes one provider-class call with its
attributes as keyword arguments under the same construct path, so the
baseline creates exactly what the library created, and nothing more. It never
imports hashistack. `synth_scale.py` checks its output equals the library's.

    python benchmarks/raw_cdktf.py LIBRARY_OUT RAW_OUT
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import cdktf  # noqa: E402
from constructs import Construct  # noqa: E402

PROVIDERS = {
    "vault": "cdktf_cdktf_provider_vault",
    "consul": "cdktf_cdktf_provider_consul",
    "nomad": "cdktf_cdktf_provider_nomad",
}
BACKENDS = {
    "local": cdktf.LocalBackend,
    "s3": cdktf.S3Backend,
    "consul": cdktf.ConsulBackend,
    "remote": cdktf.RemoteBackend,
    "cloud": cdktf.CloudBackend,
}
_classes: dict[str, type] = {}


def resource_class(rtype: str) -> type:
    """`vault_approle_auth_backend_role` → `...provider_vault.approle_auth_backend_role
    .ApproleAuthBackendRole`: the prebuilt classes' own naming."""
    if rtype not in _classes:
        provider, _, rest = rtype.partition("_")
        module = importlib.import_module(f"{PROVIDERS[provider]}.{rest}")
        _classes[rtype] = getattr(module, "".join(p.capitalize() for p in rest.split("_")))
    return _classes[rtype]


def provider_class(kind: str) -> type:
    module = importlib.import_module(f"{PROVIDERS[kind]}.provider")
    return getattr(module, f"{kind.capitalize()}Provider")


def scope_for(stack: cdktf.TerraformStack, path: str, scopes: dict) -> tuple[Construct, str]:
    """The parent construct for a construct path (plain Constructs in between)."""
    parts = path.split("/")[1:]
    parent: Construct = stack
    for i, part in enumerate(parts[:-1]):
        key = "/".join(parts[: i + 1])
        if key not in scopes:
            scopes[key] = Construct(parent, part)
        parent = scopes[key]
    return parent, parts[-1]


def build_stack(app: cdktf.App, name: str, doc: dict) -> None:
    stack = cdktf.TerraformStack(app, name)
    meta = doc.get("//", {}).get("metadata", {})
    overridden = meta.get("overrides", {})
    for kind, blocks in (doc.get("provider") or {}).items():
        for body in blocks:
            provider_class(kind)(stack, kind, **body)
    backend_type, backend = next(iter(doc["terraform"]["backend"].items()))
    if backend_type == "consul":
        # Typed as required; dropped so the backend reads CONSUL_HTTP_TOKEN.
        BACKENDS[backend_type](stack, access_token="", **backend)
        stack.add_override("terraform.backend.consul.access_token", None)
    else:
        # Set by override where cdktf's backend class has no such option (use_lockfile).
        late = {k: backend.pop(k) for k in ("use_lockfile",) if k in backend}
        BACKENDS[backend_type](stack, **backend)
        for key, value in late.items():
            stack.add_override(f"terraform.backend.{backend_type}.{key}", value)
    for key, value in doc.get("//", {}).items():
        if key not in ("metadata", "outputs"):  # cdktf's own bookkeeping
            stack.add_override(f"//.{key}", value)
    for vid, body in (doc.get("variable") or {}).items():
        cdktf.TerraformVariable(stack, vid, **body)  # sensitive inputs (TF_VAR_*)
    scopes: dict = {}
    for rtype, items in (doc.get("resource") or {}).items():
        cls = resource_class(rtype)
        for body in items.values():
            attrs = {k: v for k, v in body.items() if k != "//"}
            late = {k: attrs.pop(k) for k in overridden.get(rtype, []) if k in attrs}
            depends_on = attrs.pop("depends_on", None)
            parent, cid = scope_for(stack, body["//"]["metadata"]["path"], scopes)
            res = cls(parent, cid, **attrs)
            if depends_on:
                res.depends_on = depends_on
            for key, value in late.items():
                res.add_override(key, value)
            for key, value in body["//"].items():
                if key != "metadata":
                    res.add_override(f"//.{key}", value)
    for did, body in ((doc.get("data") or {}).get("terraform_remote_state") or {}).items():
        cls = getattr(cdktf, f"DataTerraformRemoteState{body['backend'].capitalize()}")
        cls(stack, did, workspace=body.get("workspace"), **body["config"])
    # cdktf keeps each output's construct id beside its Terraform name.
    ids = {tf: cid for cid, tf in doc.get("//", {}).get("outputs", {}).get(name, {}).items()}
    for oid, body in (doc.get("output") or {}).items():
        cdktf.TerraformOutput(stack, ids.get(oid, oid), **body)


def main(library_out: str, raw_out: str) -> None:
    app = cdktf.App(outdir=raw_out)
    root = Path(library_out)
    manifest = json.loads((root / "manifest.json").read_text())
    for name, entry in manifest["stacks"].items():
        build_stack(app, name, json.loads((root / entry["synthesizedStackPath"]).read_text()))
    app.synth()


if __name__ == "__main__":
    main(*sys.argv[1:3])
