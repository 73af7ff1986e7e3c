"""Effective Vault access per identity, before and after (issue 10, access half).

Pure Python over synthesized JSON (no cdktf, jsii or Node). Identities and the
policies they hold come from the checks' fact layer (hashistack.checks.env and
.facts: the same token a task logs in with as HS-VAULT-001 computes);
capabilities from the ACL engine (hashistack.vault.acl), never from policy text.

Identities per environment: every JWT role, AppRole role, token role (the
policies tokens made from it may hold: allowed_policies) and cert role, and
each Nomad job task's token. The paths compared for one identity are those its
policies mention on either side, rendered for it (templated paths: with the
job's claims; for a JWT role, with the claims its bound_claims pin, else a
`{claim}` placeholder), plus, for a glob or `+` path, a concrete path it covers
(`*` and `+` replaced by SAMPLE).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from hashistack.checks.core import JsonObject
from hashistack.checks.env import Env, Resource, group
from hashistack.checks.facts.jobs import CLAIMS, jobs
from hashistack.checks.facts.tokens import bound_claim_mismatch, role_identity, token_for
from hashistack.review.model import AccessChange, PolicyTextChange
from hashistack.vault.acl import Acl, Identity, render
from hashistack.vault.policy import CAPABILITIES, PolicyDocument, masked

SAMPLE = "{any}"  # the segment a glob or `+` is evaluated at, as a concrete path
KINDS = ("jwt_role", "approle_role", "token_role", "cert_role", "nomad_job")
# Broadening reasons, in the order they are listed.
NEW_IDENTITY, NEW_PATH, NEW_CAPABILITY, SUDO, WIDER_GLOB = (
    "new identity", "new path", "new capability", "sudo", "wider glob")
_FIXED_TIME = Identity(now=0.0)  # `{{time.now}}` renders the same on both sides


@dataclass(frozen=True)
class Holder:
    """One identity of an environment: the policies its tokens hold, and whom
    templated policy paths render for."""

    kind: str  # one of KINDS
    name: str  # "JWT role app-myapp (auth/jwt-nomad)", ...
    policies: tuple[str, ...]
    identity: Identity = field(default=_FIXED_TIME, hash=False, compare=False)


@dataclass
class _View:
    """What one identity may do on one side: the ACL, and the paths its policies
    mention, each with the glob patterns it stands for (itself, or the pattern
    it is a sample of)."""

    acl: Acl
    paths: dict[str, set[str]]
    written: set[str] = field(default_factory=set)  # the rules' own paths

    @property
    def globs(self) -> set[str]:
        return {g for origins in self.paths.values() for g in origins}


def diff_access(
    base: Mapping[str, JsonObject],
    head: Mapping[str, JsonObject],
    base_rendered: Mapping[str, Mapping[str, str]] | None = None,
    head_rendered: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[AccessChange], list[PolicyTextChange]]:
    """Per identity and path, the capabilities gained and lost from BASE to HEAD
    (`{stack: cdk.tf.json dict}` each, as hashistack.checks.load_synth returns),
    and each vault_policy whose text changed, with whether any access did."""
    before = {e.name: e for e in group(base, base_rendered)}
    after = {e.name: e for e in group(head, head_rendered)}
    access: list[AccessChange] = []
    policies: list[PolicyTextChange] = []
    for name in sorted(set(before) | set(after)):
        b, h = before.get(name), after.get(name)
        access += _access_changes(name, b, h)
        if b is not None and h is not None:
            policies += _policy_changes(name, b, h)
    return access, policies


# Identities -----------------------------------------------------------------------


def holders(env: Env) -> list[Holder]:
    """Every identity of the environment, in a stable order (KINDS, then name)."""
    found: dict[tuple[str, str], Holder] = {}
    for h in (*_jwt_roles(env), *_approle_roles(env), *_token_roles(env), *_cert_roles(env),
              *_job_tokens(env)):
        found.setdefault((h.kind, h.name), h)  # the same role twice: the first one counts
    return sorted(found.values(), key=lambda h: (KINDS.index(h.kind), h.name))


def _policies(res: Resource, *keys: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for k in keys for n in res.names(k)))


def _mount(res: Resource, default: str) -> str:
    return f"auth/{str(res.value('backend') or default).strip('/')}"


def _jwt_roles(env: Env) -> Iterable[Holder]:
    for role in env.resources("vault_jwt_auth_backend_role"):
        yield Holder(
            "jwt_role",
            f"JWT role {role.value('role_name')} ({_mount(role, 'jwt')})",
            _policies(role, "token_policies", "policies"),
            replace(role_identity(env, role, _role_claims(role)), now=0.0),
        )


def _role_claims(role: Resource) -> dict[str, str]:
    """The claims a login with this role carries, as far as the role says: a claim
    bound to one literal value has it; any other is a `{claim}` placeholder, so a
    templated path reads `secret/data/{nomad_namespace}/{nomad_job_id}`."""
    names = [*CLAIMS, *map(str, role.mapping("claim_mappings"))]
    user = role.value("user_claim")
    if isinstance(user, str) and user:
        names.append(user.lstrip("/") if role.get("user_claim_json_pointer") in (True, "true")
                     else user)
    claims = {n: "{" + n + "}" for n in names}
    glob = role.get("bound_claims_type") == "glob"
    for claim, value in role.mapping("bound_claims").items():
        values = value if isinstance(value, list) else str(value).split(",")
        values = [str(v).strip() for v in values]
        if len(values) == 1 and values[0] and not (glob and any(c in values[0] for c in "*?[")):
            claims[str(claim)] = values[0]
    return claims


def _other_identity(env: Env, role: Resource, backend_type: str) -> Identity:
    """Logins through AppRole or cert auth: an alias on that mount, whose name and
    metadata the synth does not know, so only templates naming none render."""
    ref = env.resource_at(str(role.get("backend") or ""), role.stack)
    if ref is not None and ref.type == backend_type:
        return Identity(accessor_ref=f"{ref.address}.accessor", now=0.0)
    return _FIXED_TIME


def _approle_roles(env: Env) -> Iterable[Holder]:
    for role in env.resources("vault_approle_auth_backend_role"):
        yield Holder(
            "approle_role",
            f"AppRole {role.value('role_name')} ({_mount(role, 'approle')})",
            _policies(role, "token_policies", "policies"),
            _other_identity(env, role, "vault_auth_backend"),
        )


def _token_roles(env: Env) -> Iterable[Holder]:
    # Tokens made from a token role carry no entity: no entity template renders.
    for role in env.resources("vault_token_auth_backend_role"):
        yield Holder("token_role", f"token role {role.value('role_name')}",
                     _policies(role, "allowed_policies"))


def _cert_roles(env: Env) -> Iterable[Holder]:
    for role in env.resources("vault_cert_auth_backend_role"):
        yield Holder(
            "cert_role",
            f"cert role {role.value('name')} ({_mount(role, 'cert')})",
            _policies(role, "token_policies", "policies", "allowed_policies"),
            _other_identity(env, role, "vault_auth_backend"),
        )


def _job_tokens(env: Env) -> Iterable[Holder]:
    """Each task's token as HS-VAULT-001 computes it (token_for); a task that gets
    none (no role, a role bound to another job) holds no policy."""
    for job in jobs(env):
        tasks = [t for (_, t), vb in job.vaults.items() if vb is not None]
        for (grp, task), vb in sorted(job.vaults.items()):
            if vb is None:
                continue  # no vault block: no token at all
            label = task if tasks.count(task) == 1 else f"{grp}/{task}"
            name = f"Nomad job {job.namespace}/{job.name} (task {label})"
            token = token_for(env, job, grp, task, vb)
            if isinstance(token, str) or (
                    token.role is not None
                    and bound_claim_mismatch(token.role, job.claims(grp, task))):
                yield Holder("nomad_job", name, ())
                continue
            yield Holder("nomad_job", name, token.policies,
                         replace(token.identity or _FIXED_TIME, now=0.0))


# Access ---------------------------------------------------------------------------


def _docs(env: Env, names: Iterable[str], override: Mapping[str, PolicyDocument | None]
          ) -> list[PolicyDocument]:
    out = []
    for name in names:
        if name in override:
            doc = override[name]
        else:
            res = env.policy(name)
            doc = env.policy_doc(res) if res is not None else None  # undefined or refused
        if doc is not None:
            out.append(doc)
    return out


def wildcard(path: str) -> bool:
    return path.endswith("*") or "+" in masked(path).split("/")


def sample(path: str) -> str:
    """A concrete path a glob or `+` pattern covers: `secret/data/*` ->
    `secret/data/{any}`, `secret/+/x` -> `secret/{any}/x`."""
    text = "/".join(SAMPLE if p == "+" else p for p in path.split("/"))
    return text[:-1] + SAMPLE if text.endswith("*") else text


def _mentioned(rules: Iterable[tuple[str, tuple[str, ...]]]) -> dict[str, set[str]]:
    paths: dict[str, set[str]] = {}
    for path, _ in rules:
        path = path.lstrip("/")
        if wildcard(path):
            paths.setdefault(path, set()).add(path)
            paths.setdefault(sample(path), set()).add(path)
        else:
            paths.setdefault(path, set())
    return paths


def _rendered(docs: Iterable[PolicyDocument], identity: Identity | None
              ) -> list[tuple[str, tuple[str, ...]]]:
    """The rules as Vault keeps them for this identity (templated paths rendered,
    those that cannot render dropped); identity None keeps templates as text."""
    out = []
    for doc in docs:
        for rule in doc.rules:
            path: str | None = rule.path
            if identity is not None and rule.is_templated:
                path = render(rule.path, identity)
            if path is not None:
                out.append((path, rule.capabilities))
    return out


def _view(rules: list[tuple[str, tuple[str, ...]]]) -> _View:
    return _View(Acl(rules), _mentioned(rules), {p.lstrip("/") for p, _ in rules})


def view(env: Env, who: Holder, override: Mapping[str, PolicyDocument | None] | None = None
         ) -> _View:
    return _view(_rendered(_docs(env, who.policies, override or {}), who.identity))


def caps(acl: Acl, path: str) -> frozenset[str]:
    return frozenset(acl.capabilities(path)) - {"deny"}


def _ordered(capabilities: Iterable[str]) -> tuple[str, ...]:
    found = set(capabilities)
    return tuple(c for c in CAPABILITIES if c in found)


def _access_changes(envname: str, before: Env | None, after: Env | None) -> list[AccessChange]:
    old = {(h.kind, h.name): h for h in holders(before)} if before else {}
    new = {(h.kind, h.name): h for h in holders(after)} if after else {}
    empty = _view([])
    out = []
    for key in sorted(set(old) | set(new), key=lambda k: (KINDS.index(k[0]), k[1])):
        b = view(before, old[key]) if before is not None and key in old else empty
        h = view(after, new[key]) if after is not None and key in new else empty
        new_globs = h.globs - b.globs
        rows: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        for path in sorted(set(b.paths) | set(h.paths)):
            was, now = caps(b.acl, path), caps(h.acl, path)
            rows[path] = (now - was, was - now)
        for path, (gained, lost) in rows.items():
            if not (gained or lost) or _said(path, rows, b, h):
                continue
            was = caps(b.acl, path)
            why = []
            if gained:
                why += [NEW_IDENTITY] if key not in old else []
                why += [NEW_PATH] if not was else []
                why += [NEW_CAPABILITY] if was and gained - {"sudo"} else []
                why += [SUDO] if "sudo" in gained else []
                # A pattern the identity's policies did not have, granting where
                # nothing was granted: the rule now covers more (`x/myapp` -> `x/*`).
                why += [WIDER_GLOB] if not was and h.paths.get(path, set()) & new_globs else []
            out.append(AccessChange(
                environment=envname, identity=key[1], kind=key[0], path=path,
                gained=_ordered(gained), lost=_ordered(lost), broadening=tuple(why)))
    return out


def _said(path: str, rows: Mapping[str, tuple[frozenset[str], frozenset[str]]],
          b: _View, h: _View) -> bool:
    """A sample path (`secret/data/{any}`) whose change its pattern's own row
    (`secret/data/*`) already shows: one row, not two."""
    if path in b.written or path in h.written:
        return False
    origins = b.paths.get(path, set()) | h.paths.get(path, set())
    return any(rows.get(o) == rows[path] for o in origins if o != path)


# Policy text ----------------------------------------------------------------------


def _differs(a: _View, b: _View) -> bool:
    return any(caps(a.acl, p) != caps(b.acl, p) for p in set(a.paths) | set(b.paths))


def _policy_changes(envname: str, before: Env, after: Env) -> list[PolicyTextChange]:
    """Each policy in both whose text differs. Effective when swapping the old text
    back in changes what some identity holding it (in HEAD) may do; a policy no
    identity here holds (e.g. a server token's) is effective when its own rules,
    templates kept as text, grant differently."""
    out = []
    who = holders(after)
    for name in sorted(set(before.policies) & set(after.policies)):
        old_res, new_res = before.policies[name], after.policies[name]
        if str(old_res.get("policy") or "") == str(new_res.get("policy") or ""):
            continue
        old_doc, new_doc = before.policy_doc(old_res), after.policy_doc(new_res)
        held = [h for h in who if name in h.policies]
        if held:
            effective = any(_differs(view(after, h), view(after, h, {name: old_doc}))
                            for h in held)
        else:
            effective = _differs(*(_view(_rendered([d] if d else [], None))
                                   for d in (old_doc, new_doc)))
        out.append(PolicyTextChange(envname, name, effective,
                                    held_by=tuple(h.name for h in held)))
    return out
