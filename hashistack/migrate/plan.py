"""What moving one legacy environment to workload identity changes (pure).

Read from the legacy synth output (`hashistack.checks.env.Env`):

* per Nomad job task with a `vault` block: its legacy token (jobspec
  `vault.policies`, as HS-VAULT-001 computes it: `checks.facts.tokens.token_for`)
  and the JWT role it will log in with, named and bound as
  `hashistack.vault.workload_identity.NomadWorkloadIdentity` makes them: a job
  whose policies include its app policy (`app-<job>`, the name stacks/ gives
  it) gets a role of that name bound to its namespace and job ID holding that
  policy (`add_job_role`); any other job logs in with the auth method's default
  role `nomad-workloads`, whose templated policy is rendered for the job. Both
  sides go through the ACL engine (`hashistack.vault.acl`) on every path
  either side's policies mention: equal, wider or narrower access;
* the agent `vault {}` blocks, before, during the migration (servers: the
  legacy block plus `default_identity`) and after (`hashistack.nomad.agent_config`);
* the legacy Vault objects that go at the end, and the order of steps: the
  environment switches with `nomad.keep_legacy_flow` (stacks/legacy.py), which
  keeps those objects at their addresses while both flows run, so nothing is
  taken out of Terraform's state by hand (but what `prevent_destroy` guards).

Sources: NMD@v1.10.0 website/content/docs/upgrade/upgrade-specific.mdx ("Vault
and Consul integration changes"), NMD@v1.9.7
website/content/docs/integrations/vault/acl.mdx ("Migrating to Using Workload
Identity with Vault"; the v1.10.0 guide links that page's v1.8.x copy) and NMD@v1.10.0
website/content/docs/configuration/vault.mdx.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hashistack.checks.env import Env, Resource, blocks
from hashistack.checks.facts.jobs import JobInfo, jobs
from hashistack.checks.facts.token_roles import nomad_token_roles, server_policies
from hashistack.checks.facts.tokens import Token, token_for
from hashistack.errors import FieldError
from hashistack.hcl import Block, block, render
from hashistack.names import WI_AUDIENCE, WI_AUTH_PATH, WI_POLICY, WI_ROLE, WI_USER_CLAIM
from hashistack.nomad.agent_config import VAULT_IDENTITY, AgentVaultBlock
from hashistack.nomad.claims import JOB_ID, NAMESPACE, VAULT_CLAIM_MAPPINGS, task_claims
from hashistack.nomad.jobspec import VaultBlock
from hashistack.vault import presets
from hashistack.vault.acl import Acl, Identity
from hashistack.vault.acl import render as render_path
from hashistack.vault.policy import CAPABILITIES, PolicyDocument

# hashistack.vault.workload_identity's defaults, as `nomad setup vault` names them.
JWT_PATH = WI_AUTH_PATH  # configuration/vault.mdx: jwt_auth_backend_path default
DEFAULT_ROLE = WI_ROLE
DEFAULT_POLICY = WI_POLICY
AUDIENCE = WI_AUDIENCE
USER_CLAIM = WI_USER_CLAIM
# The accessor the templated default policy is written with; unknown before the
# JWT auth method exists, so the job's identity matches any (Identity.accessor None).
_ACCESSOR = "jwt_nomad_accessor"

EQUAL, WIDER, NARROWER, MIXED = "equal", "wider", "narrower", "wider and narrower"
# Agent vault{} settings of the token workflow only (upgrade-specific.mdx, v1.10.0:
# removed fields; `create_from_role` on a server derives task tokens).
LEGACY_SERVER_KEYS = ("token", "create_from_role", "task_token_ttl", "allow_unauthenticated")


def app_policy(job: str) -> str:
    """The app policy a job's role is named after (stacks/vault_stack.py app_policy_name)."""
    return f"app-{job}"


@dataclass(frozen=True)
class JwtRole:
    """The JWT role a task will log in with, as NomadWorkloadIdentity makes it."""

    name: str
    mount: str
    token_policies: tuple[str, ...]
    bound_claims: Mapping[str, str] = field(default_factory=dict, hash=False)
    bound_audiences: tuple[str, ...] = (AUDIENCE,)
    user_claim: str = USER_CLAIM
    default: bool = False  # the auth method's default_role: no vault.role needed

    def to_json(self) -> dict[str, object]:
        """The role as JSON."""
        return {"name": self.name, "mount": self.mount, "default_role": self.default,
                "bound_audiences": list(self.bound_audiences),
                "bound_claims": dict(self.bound_claims), "user_claim": self.user_claim,
                "claim_mappings": dict(VAULT_CLAIM_MAPPINGS),
                "token_policies": list(self.token_policies)}


@dataclass(frozen=True)
class PathAccess:
    """Capabilities on one path with the legacy token and with the JWT role."""

    path: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def verdict(self) -> str:
        """equal, wider, narrower, or wider and narrower (some of each)."""
        was, now = set(self.before), set(self.after)
        if was == now:
            return EQUAL
        if was <= now:
            return WIDER
        if now <= was:
            return NARROWER
        return MIXED

    def to_json(self) -> dict[str, object]:
        """The row as JSON."""
        return {"path": self.path, "before": list(self.before), "after": list(self.after),
                "access": self.verdict}


@dataclass(frozen=True)
class TemplateRead:
    """A path a task's template reads, and whether each token may read it."""

    path: str
    destination: str
    before: bool
    after: bool

    def to_json(self) -> dict[str, object]:
        """The read as JSON."""
        return {"path": self.path, "destination": self.destination,
                "readable_before": self.before, "readable_after": self.after}


@dataclass(frozen=True)
class TaskMigration:
    """One job task with a `vault` block: its token before and after."""

    job: str
    namespace: str
    group: str
    task: str
    role: JwtRole
    policies_before: tuple[str, ...]
    policies_after: tuple[str, ...]
    access: tuple[PathAccess, ...]
    reads: tuple[TemplateRead, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        """The task's access overall: equal, wider, narrower or wider and narrower."""
        found = {a.verdict for a in self.access} - {EQUAL}
        if not found:
            return EQUAL
        if found == {WIDER}:
            return WIDER
        if found == {NARROWER}:
            return NARROWER
        return MIXED

    @property
    def jobspec_change(self) -> str:
        """What changes in the task's `vault` block."""
        before = f"policies = [{', '.join(_q(p) for p in self.policies_before)}]"
        if self.role.default:
            return f"{before} → (no role: the auth method's default role {_q(self.role.name)})"
        return f"{before} → role = {_q(self.role.name)}"

    def to_json(self) -> dict[str, object]:
        """The task as JSON."""
        return {"job": self.job, "namespace": self.namespace, "group": self.group,
                "task": self.task, "jwt_role": self.role.to_json(),
                "jobspec_change": self.jobspec_change,
                "policies_before": list(self.policies_before),
                "policies_after": list(self.policies_after), "access": self.verdict,
                "paths": [a.to_json() for a in self.access],
                "template_reads": [r.to_json() for r in self.reads], "notes": list(self.notes)}


@dataclass(frozen=True)
class AgentChange:
    """One rendered Nomad agent config's `vault {}` block: before, during the
    migration (both flows side by side) and after."""

    file: str
    role: str  # server | client
    before: str
    during: str
    after: str
    removed: tuple[str, ...]
    added: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """The change as JSON."""
        return {"file": self.file, "role": self.role, "before": self.before,
                "during": self.during, "after": self.after, "removed": list(self.removed),
                "added": list(self.added)}


@dataclass(frozen=True)
class LegacyObject:
    """A Vault object only the legacy flow uses, removed at the end."""

    address: str  # Terraform address in the `<env>-vault` stack
    kind: str  # "token role", "policy", "auth method", "cert role"
    name: str
    command: str  # the vault CLI command that removes it
    protected: bool = False  # lifecycle.prevent_destroy: Terraform will not destroy it

    def to_json(self) -> dict[str, object]:
        """The object as JSON."""
        return {"address": self.address, "kind": self.kind, "name": self.name,
                "command": self.command, "protected": self.protected}


@dataclass(frozen=True)
class Step:
    """One step of the migration, with the commands it takes."""

    title: str
    detail: str
    commands: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The step as JSON."""
        return {"title": self.title, "detail": self.detail, "commands": list(self.commands)}


SOURCES = (
    "NMD@v1.10.0 website/content/docs/upgrade/upgrade-specific.mdx "
    "(\"Vault and Consul integration changes\": the removed fields, and \"Before "
    "upgrading to Nomad 1.10 ... Configure Vault to work with workload identity. "
    "Migrate all workloads to use workload identity.\")",
    "NMD@v1.9.7 website/content/docs/integrations/vault/acl.mdx (\"Migrating to Using "
    "Workload Identity with Vault\": \"As long as all servers are upgraded to Nomad 1.7+ "
    "and still retain access to Vault, jobs can still use either the new workload "
    "identity flow or the deprecated legacy flow\"; the order of steps)",
    "NMD@v1.10.0 website/content/docs/configuration/vault.mdx (jwt_auth_backend_path, "
    "default \"jwt-nomad\"; default_identity on servers; create_from_role)",
    "hashistack/vault/workload_identity.py (NomadWorkloadIdentity, add_job_role: "
    "role and binding conventions)",
)


@dataclass(frozen=True)
class Migration:
    """Everything the report says about one legacy environment."""

    environment: str
    nomad_version: str | None
    tasks: tuple[TaskMigration, ...]
    agents: tuple[AgentChange, ...]
    legacy_objects: tuple[LegacyObject, ...]
    steps: tuple[Step, ...]
    kv_mount: str
    sources: tuple[str, ...] = SOURCES

    def to_json(self) -> dict[str, object]:
        """The migration as JSON."""
        return {"environment": self.environment, "nomad_version": self.nomad_version,
                "jwt_auth_backend_path": JWT_PATH, "audience": AUDIENCE,
                "jobs": [t.to_json() for t in self.tasks],
                "agent_config": [a.to_json() for a in self.agents],
                "legacy_vault_objects": [o.to_json() for o in self.legacy_objects],
                "steps": [s.to_json() for s in self.steps], "sources": list(self.sources)}


# Which environments -----------------------------------------------------------------


def is_legacy(env: Env) -> bool:
    """Whether the environment uses the token flow: its stacks say so, or (no
    metadata) a server's `vault.create_from_role` or a job's `vault.policies` does."""
    if env.integration is not None:
        return env.integration == "legacy"
    if any(v.get("create_from_role") for _, doc in env.agent_configs if "server" in doc
           for v in blocks(doc.get("vault"))):
        return True
    return any(vb is not None and vb.policies and not vb.role
               for job in jobs(env) for vb in job.vaults.values())


# The plan ---------------------------------------------------------------------------


def plan(env: Env) -> Migration:
    """The migration of one legacy environment (`is_legacy(env)`)."""
    kv = _kv_mount(env)
    tasks = tuple(t for job in jobs(env) for t in _job_tasks(env, job, kv))
    legacy = tuple(_legacy_objects(env))
    version = env.nomad_version
    return Migration(
        environment=env.name,
        nomad_version=str(version) if version else None,
        tasks=tasks,
        agents=tuple(_agent_changes(env)),
        legacy_objects=legacy,
        steps=tuple(_steps(env, tasks, legacy)),
        kv_mount=kv,
    )


def _kv_mount(env: Env) -> str:
    mounts = [str(m.value("path")).strip("/") for m in env.resources("vault_mount")
              if str(m.value("type")) in ("kv", "kv-v2") and m.value("path")]
    return mounts[0] if len(mounts) == 1 else ("secret" if "secret" in mounts or not mounts
                                               else mounts[0])


def _job_tasks(env: Env, job: JobInfo, kv: str) -> Iterable[TaskMigration]:
    for (grp, task), vb in sorted(job.vaults.items()):
        if vb is None:
            continue
        yield _task(env, job, grp, task, vb, kv)


def _docs(env: Env, names: Iterable[str]) -> tuple[list[PolicyDocument], list[str]]:
    docs, missing = [], []
    for name in names:
        res = env.policy(name)
        doc = env.policy_doc(res) if res is not None else None
        if doc is not None:
            docs.append(doc)
        elif name != "default":
            missing.append(name)
    return docs, missing


def _task(env: Env, job: JobInfo, grp: str, task: str, vb: VaultBlock, kv: str
          ) -> TaskMigration:
    token = token_for(env, job, grp, task, vb)
    before = token.policies if isinstance(token, Token) else tuple(vb.policies or ())
    dedicated = app_policy(job.name)
    claims = task_claims(job.namespace, job.name, task, grp)
    identity = Identity(alias_name=claims[JOB_ID], now=0.0,
                        alias_metadata={VAULT_CLAIM_MAPPINGS[c]: v for c, v in claims.items()})
    old_docs, missing = _docs(env, before)
    notes = [f"policy {_q(p)} is not defined in these stacks: its grants are not compared"
             for p in missing]
    if dedicated in before and env.policy(dedicated) is not None:
        role = JwtRole(dedicated, JWT_PATH, (dedicated,),
                       {NAMESPACE: job.namespace, JOB_ID: job.name})
        new_docs, _ = _docs(env, [dedicated])
    else:
        role = JwtRole(DEFAULT_ROLE, JWT_PATH, (DEFAULT_POLICY,), default=True)
        new_docs = [presets.nomad_workloads(_ACCESSOR, kv_mount=kv)]
        notes.append(f"no app policy {_q(dedicated)} among its policies: it logs in with "
                     f"the default role {_q(DEFAULT_ROLE)}, whose templated policy "
                     f"{_q(DEFAULT_POLICY)} is rendered for this job")
    dropped = [p for p in before if p not in role.token_policies and p != "default"]
    if dropped and not role.default:
        notes.append(f"the role holds only {_q(dedicated)}: {', '.join(map(_q, dropped))} "
                     "not carried over (add them to the app policy, or grant on the role, "
                     "if the job needs them)")
    # Legacy task tokens carry no entity: templated rules render for nobody.
    old_rules, new_rules = _rules(old_docs, None), _rules(new_docs, identity)
    old_acl, new_acl = Acl(old_rules), Acl(new_rules)
    paths = sorted({p.lstrip("/") for p, _ in (*old_rules, *new_rules)})
    access = tuple(PathAccess(p, _caps(old_acl, p), _caps(new_acl, p)) for p in paths)
    reads = tuple(
        TemplateRead(r.path, r.destination, old_acl.allows(r.path, "read"),
                     new_acl.allows(r.path, "read"))
        for r in job.reads if (r.group, r.task) == (grp, task)
    )
    for r in reads:
        if r.before and not r.after:
            notes.append(f"template {_q(r.destination)} reads {_q(r.path)}, which the JWT "
                         "role's policies do not grant: the task would block at start")
    return TaskMigration(job.name, job.namespace, grp, task, role, before,
                         role.token_policies, access, reads, tuple(notes))


def _rules(docs: Iterable[PolicyDocument], identity: Identity | None
           ) -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for doc in docs:
        for rule in doc.rules:
            path = render_path(rule.path, identity) if rule.is_templated else rule.path
            if path is not None:
                out.append((path, tuple(rule.capabilities)))
    return out


def _caps(acl: Acl, path: str) -> tuple[str, ...]:
    found = set(acl.capabilities(path)) - {"deny"}
    return tuple(c for c in CAPABILITIES if c in found)


# Agent configs ----------------------------------------------------------------------


def _vault_hcl(attrs: Mapping[str, Any], children: Iterable[Block] = ()) -> str:
    plain = {k: v for k, v in attrs.items() if not isinstance(v, (dict, list)) or
             (isinstance(v, list) and all(not isinstance(i, dict) for i in v))}
    nested = [block(k, **v) for k, v in attrs.items() if isinstance(v, dict)]
    return render(block("vault", blocks=[*nested, *children], **plain))


def _agent_changes(env: Env) -> Iterable[AgentChange]:
    for where, doc in env.agent_configs:
        role = "server" if "server" in doc else "client"
        for attrs in blocks(doc.get("vault")):
            yield _agent_change(where.name, role, attrs)


def _agent_change(fname: str, role: str, attrs: Mapping[str, Any]) -> AgentChange:
    before = _vault_hcl(attrs)
    kwargs: dict[str, Any] = {
        k: str(attrs[k]) for k in ("address", "namespace", "ca_file", "ca_path", "cert_file",
                                   "key_file", "tls_server_name")
        if isinstance(attrs.get(k), str) and attrs[k]
    }
    if isinstance(attrs.get("tls_skip_verify"), bool):
        kwargs["tls_skip_verify"] = attrs["tls_skip_verify"]
    if isinstance(attrs.get("enabled"), bool):
        kwargs["enabled"] = attrs["enabled"]
    try:
        after_block = AgentVaultBlock(workflow="workload-identity", **kwargs).block(role)
    except FieldError:
        kwargs.pop("address", None)  # not a URL Nomad would take: the default address
        after_block = AgentVaultBlock(workflow="workload-identity", **kwargs).block(role)
    after = render(after_block)
    if role == "server" and "default_identity" not in attrs:
        # Both flows side by side: the legacy settings stay, servers sign identities too.
        during = _vault_hcl(attrs, [VAULT_IDENTITY.block("default_identity")])
    else:
        during = before
    new_keys = [*(k for k, v in after_block.attrs.items() if v is not None),
                *(b.type for b in after_block.blocks)]
    removed = tuple(k for k in attrs if k not in new_keys)
    added = tuple(k for k in new_keys if k not in attrs)
    return AgentChange(fname, role, before, during, after, removed, added)


# Legacy Vault objects ----------------------------------------------------------------


def _legacy_objects(env: Env) -> Iterable[LegacyObject]:
    seen: set[str] = set()

    def once(res: Resource, kind: str, name: str, command: str) -> Iterable[LegacyObject]:
        if res.key not in seen:
            seen.add(res.key)
            lifecycle = res.body.get("lifecycle")
            guarded = isinstance(lifecycle, dict) and lifecycle.get("prevent_destroy") is True
            yield LegacyObject(res.address, kind, name, command, guarded)

    for role in nomad_token_roles(env):
        name = str(role.value("role_name"))
        yield from once(role, "token role", name, f"vault delete auth/token/roles/{name}")
        for pname in sorted(server_policies(env, name)):
            res = env.policy(pname)
            if res is not None:
                yield from once(res, "policy", pname, f"vault policy delete {pname}")
    for pname, res in sorted(env.policies.items()):
        doc = env.policy_doc(res)
        if doc is not None and Acl.from_policies(doc).allows("auth/token/create-orphan",
                                                             "update"):
            yield from once(res, "policy", pname, f"vault policy delete {pname}")
    for r in env.resources("vault_cert_auth_backend_role"):
        name = str(r.value("name"))
        backend = str(r.value("backend") or "cert").strip("/")
        yield from once(r, "cert role", name, f"vault delete auth/{backend}/certs/{name}")
    for r in env.resources("vault_auth_backend"):
        if str(r.value("type")) == "cert":
            path = str(r.value("path") or "cert").strip("/")
            yield from once(r, "auth method", path, f"vault auth disable {path}")


# Steps ------------------------------------------------------------------------------


def _steps(env: Env, tasks: tuple[TaskMigration, ...], legacy: tuple[LegacyObject, ...]
           ) -> Iterable[Step]:
    name = env.name
    version = env.nomad_version
    vault_stack = f"{name}-vault"
    if version is not None and version < (1, 7, 0):
        yield Step(
            "Upgrade every Nomad agent to 1.7 or later first, still on the legacy flow",
            f"This environment declares Nomad {version}: workload identity needs 1.7+. Set "
            "`nomad.version` to the 1.9 release you install, keep `integration = "
            "\"legacy\"`, and upgrade servers, then clients, by Nomad's upgrade process.",
            ("make synth", f"npx cdktf deploy '{name}-*'"))
    yield Step(
        "Switch the environment file to workload identity",
        f"In the `{name}` environment file set `[nomad] integration = "
        "\"workload-identity\"` and `keep_legacy_flow = true`, and keep `version` at the "
        f"running 1.x release ({version or '1.9'}): Nomad 1.10 comes only after the "
        "migration.",
        (f"HASHISTACK_ENV={name} make synth", f".venv/bin/python -m hashistack check "
                                              f"cdktf.out --env {name}"))
    if legacy:
        yield Step(
            "Keep the legacy Vault objects until the end",
            f"`keep_legacy_flow` keeps them in `{vault_stack}` at the same addresses, so its "
            "plan adds the workload-identity objects and destroys none of these while legacy "
            "tasks still need them; the servers keep their start-up script and a `vault {}` "
            "with both flows (stacks/legacy.py). Check the plan before deploying.",
            (f"npx cdktf diff {vault_stack}   # no destroy of "
             + ", ".join(o.address for o in legacy),))
    roles = sorted({t.role.name for t in tasks})
    yield Step(
        f"Deploy Vault's side: `{JWT_PATH}` and the JWT roles",
        f"Creates the JWT auth method `{JWT_PATH}` (default role `{DEFAULT_ROLE}`), the "
        f"templated `{DEFAULT_POLICY}` policy and the roles "
        f"{', '.join(f'`{r}`' for r in roles) or '(none)'}; then check what is left. "
        f"The same switch gives `{name}-consul` Consul's own workload-identity auth "
        "method (Consul's side of the migration is not covered here).",
        (f"npx cdktf deploy {vault_stack}", f"npx cdktf deploy {name}-consul",
         "nomad setup vault -check"))
    # Only now: once servers sign identities, every job registered gets one and its
    # tasks log in at the JWT auth method, which must exist by then (acl.mdx: "Upon
    # job registration, the Nomad servers update tasks that have a vault block with
    # this default identity").
    yield Step(
        "Servers: add `default_identity` to `vault {}`, change nothing else",
        "Roll the servers one at a time with the \"during\" block (Agent config, above; "
        "with `keep_legacy_flow` it is the rendered `nomad-server.hcl`). "
        "They keep their Vault token (the start-up script) and `create_from_role`, so "
        "legacy tasks keep getting tokens, while new identities are signed for Vault "
        "(acl.mdx: \"do not modify any of the existing Vault configuration\"). Only "
        "after Vault's side exists: a job registered from here on logs in with its "
        "identity.",
        ("sudo systemctl restart nomad   # on each server, one at a time",))
    yield Step(
        "Clients: roll with the new `vault {}` block",
        f"Clients log tasks in at `jwt_auth_backend_path = \"{JWT_PATH}\"` (1.7+ default); "
        "one client at a time, its tasks keep running.",
        ("sudo systemctl restart nomad   # on each client, one at a time",))
    yield Step(
        "Redeploy the jobs",
        "Each task's `vault { policies }` becomes `vault { role }` (or the default role); "
        "new allocations log in with their workload identity and Nomad revokes the old "
        "task tokens as jobs are redeployed. Go on when the check lists no job without "
        "workload identity.",
        (f"npx cdktf deploy {name}-nomad", "nomad setup vault -check"))
    yield Step(
        "Servers: remove their Vault access",
        "Remove `keep_legacy_flow` from the environment file and synthesize: roll the "
        "servers with the rendered workload-identity `nomad-server.hcl` (the \"after\" "
        "block: no address, token or `create_from_role`) and stop minting the server token "
        "at start (the start-up script and unit are no longer rendered). Do not deploy "
        f"`{vault_stack}` before every server runs it.",
        (f"HASHISTACK_ENV={name} make synth",
         "sudo systemctl restart nomad   # on each server, one at a time"))
    if legacy:
        guarded = [o for o in legacy if o.protected]
        commands = [f"npx cdktf deploy {vault_stack}   # destroys "
                    + ", ".join(o.address for o in legacy if not o.protected)]
        if guarded:
            commands = [f"terraform -chdir=cdktf.out/stacks/{vault_stack} state rm "
                        + " ".join(o.address for o in guarded),
                        *(o.command for o in guarded), *commands]
        yield Step(
            "Remove the token role and the legacy policies",
            "Nothing uses them now: the Vault stack's plan without `keep_legacy_flow` "
            "destroys them. "
            + ("Those with `prevent_destroy` (prod) Terraform will not destroy: take them out "
               "of its state and delete them in Vault. " if guarded else "")
            + "Task tokens Nomad did not revoke expire with their TTL (or `vault token "
            "revoke -accessor`).",
            tuple(commands))
    yield Step(
        "Upgrade to Nomad 1.10",
        "Set `nomad.version` to the 1.10 release in the environment file, synthesize, "
        "and upgrade servers, then clients.",
        (f"HASHISTACK_ENV={name} make synth", f"npx cdktf deploy '{name}-*'"))


def _q(text: str) -> str:
    return f'"{text}"'
