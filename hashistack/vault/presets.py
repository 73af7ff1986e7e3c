"""Documented Vault policies, capability for capability; each function names its source."""

from __future__ import annotations

import re
from typing import NamedTuple

from hashistack._validate import MOUNT_PATH, VAULT_NAME
from hashistack.errors import FieldError
from hashistack.vault.acl import Acl
from hashistack.vault.policy import INTERPOLATION, PathRule, PolicyDocument

CRUDL = ("create", "read", "update", "delete", "list")


def _name(value: str, what: str, field: str) -> str:
    # A cdktf token ("${TfToken[...]}") is resolved by Terraform later.
    if INTERPOLATION.fullmatch(value) or VAULT_NAME.match(value):
        return value
    raise FieldError(f"{what} {value!r} is not a plain name; it would change the policy's paths",
                     path=field)


def _mount(value: str, what: str, field: str) -> str:
    value = value.strip("/")
    if INTERPOLATION.fullmatch(value) or MOUNT_PATH.fullmatch(value):
        return value
    raise FieldError(f"{what} {value!r} is not a mount path (no globs or templates)", path=field)


def nomad_server(role: str = "nomad-cluster", *, allow_unauthenticated: bool = True
                 ) -> PolicyDocument:
    """The `nomad-server` policy for Nomad's own token (legacy, token-based).

    Verbatim from NMD@v1.6.0 `website/public/data/vault/nomad-server-policy.hcl`
    with the role name substituted; `auth/token/lookup` is "only required if
    allow_unauthenticated = false", so it is included only then.
    """
    role = _name(role, "token role", "role")
    doc = PolicyDocument(name="nomad-server")
    doc.add(f"auth/token/create/{role}", ["update"])
    doc.add(f"auth/token/roles/{role}", ["read"])
    doc.add("auth/token/lookup-self", ["read"])
    if not allow_unauthenticated:
        doc.add("auth/token/lookup", ["update"])
    doc.add("auth/token/revoke-accessor", ["update"])
    # "requires update permissions because the Vault API is a POST"
    doc.add("sys/capabilities-self", ["update"])
    doc.add("auth/token/renew-self", ["update"])
    return doc


def nomad_startup(*, period: bool = True, revoke_previous: bool = True) -> PolicyDocument:
    """What it takes to mint Nomad's server token on `auth/token/create-orphan`
    (and to revoke the one the previous start minted).

    The seed granted create, update, sudo. hashicorp/vault `vault/token_store.go`:
    - `create-orphan$` has only an UpdateOperation callback and no
      ExistenceCheck, so a POST there is an `update`: `create` is never used.
    - handleCreateCommon checks `SudoPrivilege(req.MountPoint+req.Path)`, i.e.
      sudo on this same path, and refuses a `period` without it ("root or
      sudo privileges required to create periodic token").
    - The orphan itself needs no sudo here ("This comes from create-orphan,
      which can be properly ACLd").
    So: update, plus sudo only when the token is periodic (Nomad's docs: the
    `-period` flag "is required to allow the automatic renewal").

    `revoke_previous`: the start-up script (`hashistack.nomad.bootstrap`)
    revokes the previous start's token by its accessor. `revoke-accessor` has
    only an UpdateOperation callback (same file, `handleUpdateRevokeAccessor`)
    and is not in the token store's root-protected paths, so `update` there
    and nothing else. (nomad-server grants it too, for Nomad's own use; the
    start-up policy says what the script needs on its own.)
    """
    doc = PolicyDocument().add(
        "auth/token/create-orphan", ["update", "sudo"] if period else ["update"]
    )
    if revoke_previous:
        doc.add("auth/token/revoke-accessor", ["update"])
    return doc


class KvV2Paths(NamedTuple):
    """The API paths of one KV v2 secret (Vault kv-v2 docs, "ACL Rules")."""

    data: str  # read/write versions
    metadata: str  # list, metadata
    delete: str  # soft-delete versions (update)
    undelete: str  # update
    destroy: str  # update


def kv_v2_paths(mount: str, app: str) -> KvV2Paths:
    """KV v2 prefixes `data/`, `metadata/`, `delete/`, `undelete/`, `destroy/`."""
    mount, app = _mount(mount, "KV mount", "mount"), _mount(app, "secret path", "app")
    return KvV2Paths(*(f"{mount}/{part}/{app}"
                       for part in ("data", "metadata", "delete", "undelete", "destroy")))


def kv_v2_read(mount: str, app: str) -> PolicyDocument:
    """Read on `<mount>/data/<app>` only: what a template's `{{ with secret }}` needs.

    "Writing and reading versions are prefixed with the `data/` path" (kv-v2 docs).
    """
    return PolicyDocument().add(kv_v2_paths(mount, app).data, ["read"])


def nomad_workloads(accessor: str, *, kv_mount: str = "secret") -> PolicyDocument:
    """The templated `nomad-workloads` policy for workload identities.

    NMD `website/content/docs/integrations/vault/acl.mdx` and
    hashicorp-modules/terraform-vault-nomad-setup `main.tf` (4 paths). `accessor`
    is the JWT auth mount's accessor, or a Terraform reference to it.
    """
    if not (INTERPOLATION.fullmatch(accessor) or re.fullmatch(r"[\w-]+", accessor)):
        raise FieldError(f"mount accessor {accessor!r} is neither an accessor nor a reference",
                         path="accessor")
    kv = _mount(kv_mount, "KV mount", "kv_mount")
    ns = f"{{{{identity.entity.aliases.{accessor}.metadata.nomad_namespace}}}}"
    job = f"{{{{identity.entity.aliases.{accessor}.metadata.nomad_job_id}}}}"
    doc = PolicyDocument(name="nomad-workloads")
    doc.add(f"{kv}/data/{ns}/{job}/*", ["read"])
    doc.add(f"{kv}/data/{ns}/{job}", ["read"])
    doc.add(f"{kv}/metadata/{ns}/*", ["list"])
    doc.add(f"{kv}/metadata/*", ["list"])
    return doc


def connect_ca(root_path: str, intermediate_path: str, *, managed_by: str = "vault",
               sign_self_issued: bool = False) -> PolicyDocument:
    """The token policy for Consul's Vault Connect CA provider.

    WUD `content/consul/v1.21.x/content/docs/secure-mesh/certificate/vault.mdx`:
    `managed_by="vault"` is the "Vault-managed PKI paths" set (you create both
    mounts), `"consul"` the "Consul-managed" set. `sign_self_issued` adds the
    documented *temporary* rule for leaving Vault or changing RootPKIPath.
    """
    root = _mount(root_path, "root PKI path", "root_path")
    inter = _mount(intermediate_path, "intermediate PKI path", "intermediate_path")
    doc = PolicyDocument()
    if managed_by == "vault":
        doc.add(f"sys/mounts/{root}", ["read"])
        doc.add(f"sys/mounts/{inter}", ["read"])
        doc.add(f"{root}/", ["read"])
        doc.add(f"{root}/root/sign-intermediate", ["update"])
    elif managed_by == "consul":
        doc.add(f"sys/mounts/{root}", CRUDL)
        doc.add(f"sys/mounts/{inter}", CRUDL)
        doc.add(f"{root}/*", CRUDL)
    else:
        raise FieldError(f"managed_by must be 'vault' or 'consul', not {managed_by!r}",
                         path="managed_by")
    doc.add(f"sys/mounts/{inter}/tune", ["update"])
    doc.add(f"{inter}/*", CRUDL)
    doc.add("auth/token/renew-self", ["update"])
    doc.add("auth/token/lookup-self", ["read"])
    if sign_self_issued:
        doc.add(f"{root}/root/sign-self-issued", ["sudo", "update"])
    return doc


def connect_ca_excess(doc: PolicyDocument, root_path: str, intermediate_path: str, *,
                      managed_by: str = "vault", sign_self_issued: bool = False
                      ) -> tuple[PathRule, ...]:
    """The rules of `doc` that grant more than the documented Connect CA set.

    A rule is within the set if every capability it grants is granted there:
    an exact path by the documented ACL at that path, a glob or `+` pattern by
    a documented glob covering its literal prefix. Deny rules only take away.
    Templated rules cannot be judged and count as excess.
    """
    allowed = connect_ca(root_path, intermediate_path, managed_by=managed_by,
                         sign_self_issued=sign_self_issued)
    acl = Acl.from_policies([allowed])
    globs = [r for r in allowed.rules if r.is_glob and not r.has_segment_wildcard]
    excess = []
    for rule in doc.rules:
        caps = set(rule.capabilities)
        if caps == {"deny"}:
            continue
        if rule.is_templated:
            excess.append(rule)
        elif rule.is_glob or rule.has_segment_wildcard:
            literal = re.split(r"[*+]", rule.path, maxsplit=1)[0]
            if not any(literal.startswith(g.path[:-1]) and caps <= set(g.capabilities)
                       for g in globs):
                excess.append(rule)
        elif not caps <= set(acl.capabilities(rule.path)):
            excess.append(rule)
    return tuple(excess)


def within_connect_ca(doc: PolicyDocument, root_path: str, intermediate_path: str, *,
                      managed_by: str = "vault", sign_self_issued: bool = False) -> bool:
    """True if `doc` grants nothing beyond the documented Connect CA set."""
    return not connect_ca_excess(doc, root_path, intermediate_path, managed_by=managed_by,
                                 sign_self_issued=sign_self_issued)


def sys_metrics_reader(name: str = "prometheus-metrics") -> PolicyDocument:
    """`read` on `sys/metrics`, and nothing else: a Prometheus scraper's token.

    hashicorp/vault website/content/docs/configuration/telemetry.mdx says "A
    Vault token is required with `capabilities = ["read", "list"]`"; the
    endpoint has only a read operation (openbao/openbao
    internal/vault/logical_system_paths.go `metricsPath`: ReadOperation only;
    a GET is a read), so `list` would grant nothing used. `read` alone answers
    200 on a real server (tests/live/test_observability_live.py). With the
    listener's `unauthenticated_metrics_access` (internal/http/handler.go)
    `/v1/sys/metrics` takes no token at all.
    """
    return PolicyDocument(name=_name(name, "policy name", "name")).add("sys/metrics", ["read"])
