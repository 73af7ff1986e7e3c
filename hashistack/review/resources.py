"""Resources added, changed, replaced and destroyed between two synth outputs.

Pure Python over `cdk.tf.json` documents (no cdktf, jsii or Node). A change to
an attribute the provider marks ForceNew is a replacement (destroy + create),
by the tables below, read from the providers' schemas at the versions the
prebuilt bindings in this project were generated from:

- hashicorp/vault 5.6.0 (cdktf-cdktf-provider-vault 15.6.1), tag v5.6.0
- hashicorp/consul 2.22.1 (cdktf-cdktf-provider-consul 10.1.2), tag v2.22.1
- hashicorp/nomad 2.5.2 (cdktf-cdktf-provider-nomad 10.0.3), tag v2.5.2

A construct id rename shows as a delete and a create of the same type and body
(`renamed_to` / `renamed_from` set on both). With a `moved` block in HEAD
(cdktf `moveFromId` / `moveTo` write `"moved": [{"from": ..., "to": ...}]` at
the top level of the stack) Terraform moves the state instead: one update
record at the new address with `renamed_from`, no attributes if nothing else
changed.

Values are masked before they reach a record (`mask`): attributes whose key
says secret (`token`, `password`, `secret_id`, `client_token`, ...), Vault
token, AWS key and PEM private-key shapes (hashistack.checks.facts.secrets),
`key = "value"` secret literals inside text (jobspecs, CA config JSON). PEM
certificates are shortened to their first line, size and digest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from hashistack.checks.core import JsonObject
from hashistack.checks.env import environment_of
from hashistack.checks.facts.secrets import (
    _KEY,
    QUOTED,
    SHAPES,
    UNQUOTED,
    _hinted_lines,
    _not_secret,
)
from hashistack.review.model import Action, AttributeChange, ResourceChange

SENSITIVE = "(sensitive)"
IGNORED_KEYS = frozenset({
    "//",  # cdktf metadata: construct path, uniqueId, hashistack suppressions
    "depends_on",  # ordering only: changes no resource
})

# Every Vault resource the provider registers through UpdateSchemaResource gets
# `namespace` (ForceNew: internal/provider/schema_util.go GetNamespaceSchema,
# vault/provider.go UpdateSchemaResource), so it is part of each Vault row.
_V = "namespace"
# ForceNew attributes per resource type: a change to any of them (or below them:
# `options.file_path` under vault_audit `options`) replaces the resource.
REPLACE_ON_CHANGE: dict[str, frozenset[str]] = {
    # vault/resource_mount.go getMountSchema: type, seal_wrap, external_entropy_access,
    # local. NOT path: ForceNew false, updateMount remounts in place (sys/remount).
    "vault_mount": frozenset({"type", "seal_wrap", "external_entropy_access", "local", _V}),
    # vault/resource_pki_secret_backend_root_cert.go: every subject/SAN/key field;
    # ttl is not ForceNew (CustomizeDiff also forces on an out-of-band issuer or
    # serial change, which only a plan can see).
    "vault_pki_secret_backend_root_cert": frozenset({
        "backend", "type", "common_name", "alt_names", "ip_sans", "uri_sans", "other_sans",
        "format", "private_key_format", "key_type", "key_bits", "max_path_length",
        "exclude_cn_from_sans", "permitted_dns_domains", "excluded_dns_domains",
        "permitted_ip_ranges", "excluded_ip_ranges", "permitted_email_addresses",
        "excluded_email_addresses", "permitted_uri_domains", "excluded_uri_domains", "ou",
        "organization", "country", "locality", "province", "street_address", "postal_code",
        "managed_key_name", "managed_key_id", "issuer_name", "issuer_id", "key_name",
        "key_ref", "key_id", "not_before_duration", _V,
    }),
    # vault/resource_audit.go: every argument (no update function).
    "vault_audit": frozenset({"path", "type", "description", "local", "options", _V}),
    # vault/resource_auth_backend.go: type, local; path see CONDITIONAL below.
    "vault_auth_backend": frozenset({"type", "local", _V}),
    # vault/resource_jwt_auth_backend.go: type, local; path see CONDITIONAL below.
    "vault_jwt_auth_backend": frozenset({"type", "local", _V}),
    # vault/resource_jwt_auth_backend_role.go
    "vault_jwt_auth_backend_role": frozenset({"role_name", "role_type", "backend", _V}),
    # vault/resource_approle_auth_backend_role.go
    "vault_approle_auth_backend_role": frozenset({"role_name", "backend", _V}),
    # vault/resource_cert_auth_backend_role.go
    "vault_cert_auth_backend_role": frozenset({"name", "certificate", "backend", _V}),
    # vault/resource_policy.go
    "vault_policy": frozenset({"name", _V}),
    # vault/resource_token_auth_backend_role.go
    "vault_token_auth_backend_role": frozenset({"role_name", _V}),
    # vault/resource_token.go: a token cannot be changed, only re-issued.
    "vault_token": frozenset({
        "role_name", "policies", "no_parent", "no_default_policy", "renewable", "ttl",
        "explicit_max_ttl", "display_name", "num_uses", "period", "metadata", _V,
    }),
    # vault/resource_kv_secret_backend_v2.go
    "vault_kv_secret_backend_v2": frozenset({"mount", _V}),
    # vault/resource_pki_secret_backend_intermediate_set_signed.go
    "vault_pki_secret_backend_intermediate_set_signed": frozenset({
        "backend", "certificate", "imported_issuers", "imported_keys", _V,
    }),
    # vault/resource_database_secrets_mount.go: getMountSchema("type") (the
    # mount's ForceNew fields but type); engines removed: see CONDITIONAL.
    "vault_database_secrets_mount": frozenset({
        "seal_wrap", "external_entropy_access", "local", _V,
    }),
    # vault/resource_database_secret_backend_connection.go: backend only (the
    # connection's name is not ForceNew: getCommonDatabaseSchema).
    "vault_database_secret_backend_connection": frozenset({"backend", _V}),
    # vault/resource_database_secret_backend_role.go
    "vault_database_secret_backend_role": frozenset({"name", "backend", "db_name", _V}),
    # vault/resource_nomad_secret_backend.go: a backend change remounts (CONDITIONAL).
    "vault_nomad_secret_backend": frozenset({_V}),
    # vault/resource_nomad_secret_role.go
    "vault_nomad_secret_role": frozenset({"backend", "role", _V}),
    # vault/resource_consul_secret_backend.go: local; a path change remounts (CONDITIONAL).
    "vault_consul_secret_backend": frozenset({"local", _V}),
    # vault/resource_consul_secret_backend_role.go
    "vault_consul_secret_backend_role": frozenset({"name", "backend", _V}),
    # consul/resource_consul_certificate_authority.go: all three. Its Delete is
    # schema.RemoveFromState: "replace" forgets the old config and sets the new one
    # (a CA rotation in Consul), nothing in Consul is deleted.
    "consul_certificate_authority": frozenset({"connect_provider", "config", "config_json"}),
    # consul/resource_consul_acl_auth_method.go
    "consul_acl_auth_method": frozenset({"name", "type", "namespace", "partition"}),
    # consul/resource_consul_acl_binding_rule.go
    "consul_acl_binding_rule": frozenset({"auth_method", "bind_type", "namespace", "partition"}),
    # consul/resource_consul_acl_policy.go (name is updated in place)
    "consul_acl_policy": frozenset({"namespace", "partition"}),
    # consul/resource_consul_acl_role.go (name is updated in place)
    "consul_acl_role": frozenset({"namespace", "partition"}),
    # consul/resource_consul_config_entry_service_intentions.go
    "consul_config_entry_service_intentions": frozenset({"name", "partition", "namespace"}),
    # consul/resource_consul_config_entry.go
    "consul_config_entry": frozenset({"kind", "name", "partition", "namespace"}),
    # nomad/resource_job.go: no ForceNew argument; jobspec is updated in place. Its
    # CustomizeDiff replaces the job when the jobspec's namespace changes, or its
    # job id with deregister_on_id_change (default true): see _conditional.
    "nomad_job": frozenset(),
    # nomad/resource_namespace.go
    "nomad_namespace": frozenset({"name"}),
    # nomad/resource_acl_policy.go
    "nomad_acl_policy": frozenset({"name"}),
    # nomad/resource_acl_token.go
    "nomad_acl_token": frozenset({"global", "expiration_ttl"}),
}
# Replaced only under a condition the synth output shows, checked in _conditional:
CONDITIONAL: dict[str, str] = {
    # vault/resource_aws_secret_backend.go getMountCustomizeDiffFunc (used by
    # resource_auth_backend.go and resource_jwt_auth_backend.go jwtCustomizeDiff):
    # a path change remounts in place on Vault >= 1.10 unless disable_remount.
    "vault_auth_backend": "path, when disable_remount is set (or Vault < 1.10)",
    "vault_jwt_auth_backend": "path, when disable_remount is set (or Vault < 1.10)",
    # The same CustomizeDiff (getMountCustomizeDiffFunc) on their mount path field.
    "vault_consul_secret_backend": "path, when disable_remount is set (or Vault < 1.10)",
    "vault_nomad_secret_backend": "backend, when disable_remount is set (or Vault < 1.10)",
    # vault/resource_database_secrets_mount.go databaseSecretsMountCustomizeDiff.
    "vault_database_secrets_mount": "an engine block's name, or fewer engine blocks",
    "nomad_job": "jobspec, when the job's namespace, or its id with deregister_on_id_change, "
                 "changes",
}


# Masking ---------------------------------------------------------------------

_SECRET_KEY = re.compile(_KEY)
_PEM_PRIVATE = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----.*?(?:-----END \1-----|\Z)", re.S)
_PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", re.S)
_INTERPOLATION = re.compile(r"\$\{[^{}]*\}")


# Attribute names the providers mark Sensitive beyond what the key pattern says:
# AWS and other secret engines' `secret_key`, LDAP's `bindpass`, and `data_json`,
# the payload of a generic or KV secret (all of it is the secret).
_SENSITIVE_NAMES = re.compile(r"(?i:[\w.-]*(?:secret_key|bindpass|credentials?|data_json|"
                              r"client_key|private_key|passphrase))")
# A password in a URL (`postgres://user:pw@db:5432`): the userinfo's secret half.
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:)([^/@\s]+)(@)")


def secret_key(key: str) -> bool:
    """A key name that says its value is a secret: `token`, `client_token`,
    `secret_id`, `password`, `DB_PASSWORD`, `API_KEY`, `secret_key`, `bindpass`,
    `data_json` (not `token_ttl`)."""
    return (_SECRET_KEY.fullmatch(key) is not None
            or _SENSITIVE_NAMES.fullmatch(key) is not None)


def mask(value: Any, key: str = "") -> Any:
    """The value as a record may show it: secrets replaced by "(sensitive)", PEM
    certificates shortened. `key` is the attribute's own name."""
    if key and secret_key(key):
        return _mask_all(value)
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def _mask_all(value: Any) -> Any:
    """Under a secret key: every string and number hidden; booleans and null shown
    (`bind_secret_id = false` is no secret, and a reviewer must see it)."""
    if isinstance(value, dict):
        return {k: _mask_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_all(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTERPOLATION.fullmatch(value.strip()):
        return value  # `${vault_token.x.client_token}`: a reference, not the secret
    return SENSITIVE


def mask_text(text: str) -> str:
    """Secret shapes and `key = "literal"` secrets inside text masked; each PEM
    certificate shortened to its size and SHA-256 prefix (a change stays visible)."""
    text = _PEM_PRIVATE.sub(lambda m: f"-----BEGIN {m.group(1)}----- {SENSITIVE}", text)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + SENSITIVE + m.group(3), text)
    text = _PEM_CERT.sub(_short_cert, text)
    for _, pattern in SHAPES:
        text = pattern.sub(SENSITIVE, text)
    # `key = "value"` guesses only on the lines that hint at one, as the check does
    # (the patterns backtrack: a long jobspec stays fast).
    out, at = [], 0
    for start, end in _hinted_lines(text):
        line = UNQUOTED.sub(_unquoted, QUOTED.sub(_quoted, text[start:end]))
        out += [text[at:start], line]
        at = end
    return "".join(out) + text[at:]


def _short_cert(m: re.Match[str]) -> str:
    body = re.sub(r"\s+", "", m.group(1))
    digest = hashlib.sha256(body.encode()).hexdigest()[:12]
    return f"-----BEGIN CERTIFICATE----- ({len(body)} base64 chars, sha256 {digest}…)"


def _quoted(m: re.Match[str]) -> str:
    if _not_secret(m.group(3)) or m.group(3) == SENSITIVE:
        return m.group(0)
    start, end = m.span(3)
    return m.string[m.start():start] + SENSITIVE + m.string[end:m.end()]


def _unquoted(m: re.Match[str]) -> str:
    if _not_secret(m.group(2)):
        return m.group(0)
    start, end = m.span(2)
    return m.string[m.start():start] + SENSITIVE + m.string[end:m.end()]


# Diffing ---------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON (so True and 1 differ, as they do to Terraform)."""
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True,
                                                                    default=str)


def _join(path: str, step: str | int) -> str:
    if isinstance(step, int):
        return f"{path}[{step}]"
    return f"{path}.{step}" if path else str(step)


def diff_values(before: Any, after: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, before, after) for each difference, unmasked. Objects key by key
    (a missing key or block is None); lists of objects of equal length element by element
    (`sources[0].action`), other lists whole (`token_policies`)."""
    if _same(before, after):
        return
    if isinstance(before, dict) and after is None and before:
        after = {}  # a block removed: each of its keys (`lifecycle.prevent_destroy`)
    elif isinstance(after, dict) and before is None and after:
        before = {}
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            if not path and key in IGNORED_KEYS:
                continue
            yield from diff_values(before.get(key), after.get(key), _join(path, str(key)))
        return
    if (isinstance(before, list) and isinstance(after, list) and len(before) == len(after)
            and all(isinstance(v, dict) for v in before + after)):
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            yield from diff_values(b, a, _join(path, i))
        return
    yield path, before, after


def mask_at(path: str, value: Any) -> Any:
    """`mask` with the key the value sits under (the last named step of `path`)."""
    names = [s for s in re.split(r"\.|\[\d+\]", path) if s]
    return mask(value, names[-1] if names else "")


def _top(path: str) -> str:
    return re.split(r"\.|\[", path, maxsplit=1)[0]


def _job_identity(jobspec: Any) -> tuple[str, str] | None:
    """(namespace, job id) of a jobspec the checks' HCL reader reads; None otherwise."""
    from hashistack.checks.env import blocks
    from hashistack.hcl_read import read

    if not isinstance(jobspec, str) or jobspec.lstrip().startswith("${"):
        return None
    try:
        ((name, body),) = [(k, v) for j in blocks(read(jobspec).get("job")) for k, v in j.items()]
    except (ValueError, TypeError, AttributeError):
        return None
    return str(body.get("namespace") or "default"), str(name)


def _conditional(rtype: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """Top-level attributes that force replacement only in this change (CONDITIONAL)."""
    remount = {"vault_auth_backend": "path", "vault_jwt_auth_backend": "path",
               "vault_consul_secret_backend": "path", "vault_nomad_secret_backend": "backend"}
    if rtype in remount:
        field = remount[rtype]
        if not _same(before.get(field), after.get(field)) and after.get("disable_remount"):
            return {field}
    if rtype == "vault_database_secrets_mount":
        return _database_engines(before, after)
    if rtype == "nomad_job" and not _same(before.get("jobspec"), after.get("jobspec")):
        old, new = _job_identity(before.get("jobspec")), _job_identity(after.get("jobspec"))
        if old and new:
            deregister = after.get("deregister_on_id_change", True) is not False
            if old[0] != new[0] or (old[1] != new[1] and deregister):
                return {"jobspec"}
    return set()


def _database_engines(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """Engine blocks (postgresql, mysql, ...) whose count drops or whose entry's
    name changes replace the mount (databaseSecretsMountCustomizeDiff)."""
    forced = set()
    for key, old in before.items():
        if not isinstance(old, list) or not all(isinstance(e, dict) and "name" in e for e in old):
            continue
        new = after.get(key)
        new = new if isinstance(new, list) else []
        pairs = zip(old, new, strict=False)
        if len(new) < len(old) or any(
            isinstance(n, dict) and o.get("name") != n.get("name") for o, n in pairs
        ):
            forced.add(key)
    return forced


def attribute_changes(rtype: str, before: Mapping[str, Any],
                      after: Mapping[str, Any]) -> tuple[AttributeChange, ...]:
    """The masked attribute changes of one resource; ForceNew ones flagged."""
    forced = REPLACE_ON_CHANGE.get(rtype, frozenset()) | _conditional(rtype, before, after)
    return tuple(
        AttributeChange(path, mask_at(path, b), mask_at(path, a),
                        forces_replacement=_top(path) in forced and _top(path) != "lifecycle")
        for path, b, a in diff_values(dict(before), dict(after))
    )


def _metadata_path(body: Mapping[str, Any]) -> str:
    meta = body.get("//") if isinstance(body, Mapping) else None
    meta = meta.get("metadata") if isinstance(meta, Mapping) else None
    path = meta.get("path") if isinstance(meta, Mapping) else None
    return path if isinstance(path, str) else ""


def _resources(doc: Mapping[str, Any]) -> dict[str, tuple[str, JsonObject]]:
    """{address: (type, body)} of a stack's managed resources."""
    out: dict[str, tuple[str, JsonObject]] = {}
    resource = doc.get("resource") if isinstance(doc, Mapping) else None
    for rtype, named in (resource or {}).items() if isinstance(resource, Mapping) else ():
        if not isinstance(named, Mapping):
            continue
        for name, body in named.items():
            out[f"{rtype}.{name}"] = (str(rtype), body if isinstance(body, dict) else {})
    return out


def _moves(doc: Mapping[str, Any]) -> dict[str, str]:
    """{from: to} of the stack's `moved` blocks."""
    moved = doc.get("moved") if isinstance(doc, Mapping) else None
    if isinstance(moved, Mapping):  # a single block written as an object
        moved = [moved]
    return {str(m["from"]): str(m["to"]) for m in moved or ()
            if isinstance(m, Mapping) and isinstance(m.get("from"), str)
            and isinstance(m.get("to"), str)}


def _body(body: Mapping[str, Any]) -> JsonObject:
    return {k: v for k, v in body.items() if k not in IGNORED_KEYS}


def _retarget(value: Any, renames: Mapping[str, str]) -> Any:
    """The value with each `${old.address.attr}` reference pointed at the new address."""
    text = json.dumps(value, sort_keys=True)
    for before, after in renames.items():
        text = text.replace("${" + before + ".", "${" + after + ".")
    return json.loads(text)


def _renames(deleted: dict[str, tuple[str, JsonObject]],
             created: dict[str, tuple[str, JsonObject]],
             known: Mapping[str, str]) -> dict[str, str]:
    """{old address: new address} for deletes and creates of one type with equal
    bodies. Repeated so a rename that changes the references in its children
    (`${vault_mount.old.path}`) is found for those children too."""
    pairs: dict[str, str] = {}
    while True:
        found = False
        subst = {**known, **pairs}
        taken = set(pairs.values())
        for old in sorted(deleted):
            if old in pairs:
                continue
            rtype, body = deleted[old]
            text = json.dumps(_retarget(_body(body), subst), sort_keys=True)
            for new in sorted(created):
                if new in taken or created[new][0] != rtype:
                    continue
                if json.dumps(_body(created[new][1]), sort_keys=True) == text:
                    pairs[old] = new
                    taken.add(new)
                    found = True
                    break
        if not found:
            return pairs


def _changed(environment: str, stack: str, address: str, rtype: str, before: JsonObject,
             after: JsonObject, renames: Mapping[str, str], **extra: Any) -> ResourceChange | None:
    """The update or replace record of one resource present on both sides (after a
    move: at its new address); None if nothing changed and it did not move.

    A reference that only follows a renamed or moved resource
    (`${vault_mount.old.path}` → `${vault_mount.new.path}`) is shown but forces
    nothing: the value it resolves to is the same."""
    attrs = []
    for change in attribute_changes(rtype, before, after):
        if change.forces_replacement:
            retargeted = attribute_changes(rtype, _retarget(before, renames), after)
            if not any(c.path == change.path for c in retargeted):
                change = AttributeChange(change.path, change.before, change.after, False)
        attrs.append(change)
    if not attrs and not extra:
        return None
    action: Action = "replace" if any(a.forces_replacement for a in attrs) else "update"
    return ResourceChange(environment, stack, address, rtype, action, _metadata_path(after),
                          tuple(attrs), **extra)


def diff_stack(environment: str, stack: str, base: Mapping[str, Any] | None,
               head: Mapping[str, Any] | None) -> list[ResourceChange]:
    """The resource changes of one stack (either side may be missing)."""
    old, new = _resources(base or {}), _resources(head or {})
    moves = {f: t for f, t in sorted(_moves(head or {}).items())
             if f in old and f not in new and t in new and t not in old
             and old[f][0] == new[t][0]}
    moved_to = set(moves.values())
    deleted = {a: v for a, v in old.items() if a not in new and a not in moves}
    created = {a: v for a, v in new.items() if a not in old and a not in moved_to}
    renames = _renames(deleted, created, moves)
    back = {v: k for k, v in renames.items()}
    retarget = {**moves, **renames}
    out: list[ResourceChange] = []
    for address, (rtype, body) in deleted.items():
        out.append(ResourceChange(environment, stack, address, rtype, "delete",
                                  _metadata_path(body), renamed_to=renames.get(address)))
    for address, (rtype, body) in created.items():
        out.append(ResourceChange(environment, stack, address, rtype, "create",
                                  _metadata_path(body), renamed_from=back.get(address)))
    for frm, to in moves.items():
        moved = _changed(environment, stack, to, new[to][0], old[frm][1], new[to][1],
                         retarget, renamed_from=frm)
        if moved is not None:
            out.append(moved)
    for address in sorted(set(old) & set(new)):
        change = _changed(environment, stack, address, new[address][0], old[address][1],
                          new[address][1], retarget)
        if change:
            out.append(change)
    return sorted(out, key=lambda c: c.address)


def diff_resources(base: Mapping[str, JsonObject], head: Mapping[str, JsonObject]
                   ) -> list[ResourceChange]:
    """Every resource created, updated, replaced or deleted from BASE to HEAD, each
    `{stack: cdk.tf.json}` as hashistack.checks.load_synth returns; ordered by
    (environment, stack, address)."""
    out: list[ResourceChange] = []
    for stack in sorted(set(base) | set(head)):
        doc = head.get(stack) if stack in head else base.get(stack)
        out += diff_stack(environment_of(stack, doc or {}), stack, base.get(stack),
                          head.get(stack))
    return sorted(out, key=lambda c: (c.environment, c.stack, c.address))
