"""One environment's synthesized stacks, as the rules see them (pure: no cdktf).

Stacks are grouped by their `"//".hashistack.environment` metadata (written by
stacks/__init__.py), falling back to the stack name before the last `-`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from hashistack.checks.core import JsonObject, Suppression
from hashistack.hcl_read import read as read_hcl
from hashistack.vault.policy import INTERPOLATION, PolicyDocument, PolicyError, duration_seconds
from hashistack.versions import Version

RENDERED = "rendered"  # pseudo resource type: a file under stacks/<stack>/rendered/
# Rendered agent configs (stacks/nomad_stack.py: `nomad-<role>.hcl`, `vault-agent-<app>.hcl`;
# stacks/agents.py: `consul-<role>.hcl`; stacks/vault_cluster.py: `vault-server-<node>.hcl`):
# Nomad, Vault Agent, Consul and Vault read them as HCL1 and refuse to start on one that
# does not parse.
AGENT_CONFIG = re.compile(r"(?:nomad|vault-agent|vault-server|consul)-[^/]+\.hcl")
CONSUL_AGENT_CONFIG = re.compile(r"consul-[^/]+\.hcl")
NOMAD_AGENT_FILES = ("server", "client")  # top-level blocks that make a file a Nomad agent config
# `${type.name.attr}`: what cdktf writes for `resource.attr` (e.g. `policy.name`), and the
# consumer side of a cross-stack reference (an output of the producing stack).
REFERENCE = re.compile(r"\$\{([A-Za-z_][\w-]*)\.([\w-]+)\.([\w-]+)\}")
REMOTE_OUTPUT = re.compile(r"\$\{data\.terraform_remote_state\.[\w-]+\.outputs\.([\w-]+)\}")
MAX_HOPS = 4
T = TypeVar("T")


@dataclass(frozen=True)
class Resource:
    """One resource body of a synthesized stack (or a provider block, a rendered
    file), read defensively by the rules."""

    stack: str
    type: str
    name: str
    body: Mapping[str, Any] = field(hash=False)
    # Turns a `${type.name.attr}` reference into the literal it names (Env.deref).
    resolve: Callable[[Any], Any] | None = field(
        default=None, hash=False, compare=False, repr=False
    )

    @property
    def address(self) -> str:
        """The Terraform address `type.name` (`rendered/<file>` for a file)."""
        if self.type == RENDERED:
            return f"rendered/{self.name}"
        return f"{self.type}.{self.name}"

    @property
    def path(self) -> str:
        """The construct path cdktf recorded, else the stack's name."""
        path = as_object(as_object(self.body.get("//")).get("metadata")).get("path")
        return path if isinstance(path, str) and path else self.stack  # providers have none

    @property
    def key(self) -> str:
        """`stack:address`: unique across the environment."""
        return f"{self.stack}:{self.address}"

    def get(self, key: str, default: Any = None) -> Any:
        """The attribute as written (a reference stays a reference)."""
        return self.body.get(key, default)

    def value(self, key: str, default: Any = None) -> Any:
        """An attribute, with a reference to another resource's literal attribute resolved."""
        value = self.body.get(key, default)
        return self.resolve(value) if self.resolve else value

    def names(self, key: str) -> list[str]:
        """A list-of-names attribute (TPV also accepts one comma-separated string), each
        reference (`${vault_policy.x.name}`) resolved to the name it stands for."""
        value = self.body.get(key) or []
        if isinstance(value, str):
            value = value.split(",")
        elif not isinstance(value, list):
            return []  # not a list of names: Terraform refuses it before Vault sees it
        out = [self.resolve(str(v).strip()) if self.resolve else v for v in value]
        return [str(v).strip() for v in out if str(v).strip()]

    def seconds(self, key: str) -> int | None:
        """A TTL attribute in seconds; None if unset or a Terraform reference."""
        value = self.body.get(key)
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return int(value)
        if INTERPOLATION.search(str(value)):
            return None
        try:
            return int(duration_seconds(str(value)))
        except ValueError:
            return None

    def suppressions(self) -> list[Suppression]:
        """Those written by `hashistack.checks.suppress(...)` into the resource's JSON."""
        entries = as_object(self.body.get("//")).get("hashistack_suppressions")
        return [Suppression(str(e.get("rule", "")), e.get("reason", ""),
                            scope=str(e["scope"]) if e.get("scope") else None)
                for e in _entries(entries)]

    def mapping(self, key: str) -> Mapping[str, Any]:
        """A map attribute (claim_mappings, bound_claims); {} if unset or not a map."""
        return as_object(self.body.get(key))

    def items(self, key: str) -> list[Any]:
        """A list attribute (a repeated block, a list of objects); [] if unset or not a list."""
        value = self.body.get(key)
        return value if isinstance(value, list) else []


@dataclass
class Env:
    """One environment's stacks and rendered files: the facts every rule reads."""

    name: str
    stacks: dict[str, JsonObject] = field(default_factory=dict)
    rendered: dict[str, dict[str, str]] = field(default_factory=dict)

    # Metadata -----------------------------------------------------------------

    def _meta(self, key: str) -> Any:
        for doc in self.stacks.values():
            value = as_object(as_object(as_object(doc).get("//")).get("hashistack")).get(key)
            if value is not None:
                return value
        return None

    @property
    def tier_as_written(self) -> object:
        """The stacks' tier metadata as it stands, valid or not."""
        return self._meta("tier")

    @property
    def declared_tier(self) -> str | None:
        """The tier the stacks declare (hashistack.checks.declare_environment), if any."""
        tier = self.tier_as_written
        # Only the three tiers count: anything else is as good as undeclared.
        return tier if tier in ("dev", "staging", "prod") else None

    @property
    def tier(self) -> str:
        """The declared tier; undeclared, the strictest ("prod"), so a stack nobody
        labelled is not waved through (HS-CHECK-002 says so)."""
        return self.declared_tier or "prod"

    def cannot_evaluate(self, where: Resource | str, reason: str) -> None:
        """Note something a rule had to skip; HS-CHECK-003 reports each once."""
        notes = self.__dict__.setdefault("_unevaluated", {})
        key = (where.key if isinstance(where, Resource) else str(where), reason)
        notes.setdefault(key, (where, reason))

    @property
    def unevaluated(self) -> list[tuple[Resource | str, str]]:
        """What rules could not read, with why (HS-CHECK-003 reports each)."""
        return list(self.__dict__.get("_unevaluated", {}).values())

    @property
    def integration(self) -> str | None:
        """`workload-identity` or `legacy`, as the stacks declare it."""
        integration: str | None = self._meta("integration")  # load_synth checks: a string
        return integration

    @property
    def nomad_version(self) -> Version | None:
        """The Nomad version the stacks declare, if any."""
        text = self._meta("nomad_version")
        try:
            return Version.parse(text) if isinstance(text, str) and text else None
        except ValueError:
            return None

    def config_suppressions(self) -> list[tuple[str, Suppression]]:
        """(stack, suppression) of each one the environment file declared."""
        seen, out = set(), []
        for stack, doc in self.stacks.items():
            declared = as_object(as_object(as_object(doc).get("//")).get("hashistack"))
            for e in _entries(declared.get("suppressions")):
                s = Suppression(
                    str(e.get("rule", "")), e.get("reason", ""), str(e.get("resource", ""))
                )
                if (s.rule, s.resource, str(s.reason)) not in seen:
                    seen.add((s.rule, s.resource, str(s.reason)))
                    out.append((stack, s))
        return out

    # Resources ----------------------------------------------------------------

    @cached_property
    def _resources(self) -> list[Resource]:
        return [
            Resource(stack, rtype, name, body, self._resolver(stack))
            for stack, doc in sorted(self.stacks.items())
            for rtype, items in sorted(as_object(as_object(doc).get("resource")).items())
            for name, body in sorted(as_object(items).items())
            if isinstance(body, Mapping)  # hashistack.checks.load refuses anything else
        ]

    def _resolver(self, stack: str) -> Callable[[Any], Any]:
        return lambda value: self.deref(value, stack)

    def deref(self, value: Any, stack: str | None = None, _hops: int = 0) -> Any:
        """The literal a whole-value reference stands for: `${vault_policy.x.name}` is
        resource x's `name` (in `stack` first, else the one resource of that address in
        the environment), and a cross-stack `${data.terraform_remote_state.<s>.outputs.<o>}`
        is output o's value where it is defined. Anything else comes back unchanged."""
        if not isinstance(value, str) or _hops >= MAX_HOPS:
            return value
        text = value.strip()
        m = REMOTE_OUTPUT.fullmatch(text)
        if m:
            for producer, doc in sorted(self.stacks.items()):
                out = as_object(as_object(doc).get("output")).get(m.group(1))
                if isinstance(out, Mapping) and "value" in out:
                    return self.deref(out["value"], producer, _hops + 1)
            return value
        m = REFERENCE.fullmatch(text)
        if m is None or m.group(1) == "data":
            return value
        target = self._addressed(m.group(1), m.group(2), stack)
        if target is None or m.group(3) not in target.body:
            return value
        return self.deref(target.body[m.group(3)], target.stack, _hops + 1)

    @cached_property
    def _by_type(self) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = {}
        for r in self._resources:
            out.setdefault(r.type, []).append(r)
        return out

    @cached_property
    def _by_address(self) -> dict[tuple[str, str], list[Resource]]:
        out: dict[tuple[str, str], list[Resource]] = {}
        for r in self._resources:
            out.setdefault((r.type, r.name), []).append(r)
        return out

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A fact derived from the whole environment, computed once: rules ask
        for the same lookups (jobs, roles by name) once per job or task."""
        facts = self.__dict__.setdefault("_facts", {})
        if key not in facts:
            facts[key] = compute()
        fact: T = facts[key]  # a key is always computed by the same function
        return fact

    def _addressed(self, rtype: str, name: str, stack: str | None) -> Resource | None:
        found = self._by_address.get((rtype, name), [])
        local = [r for r in found if r.stack == stack]
        if local:
            return local[0]
        return found[0] if len(found) == 1 else None

    def resource_at(self, address: str, stack: str | None = None) -> Resource | None:
        """The resource a `type.name` address (or `${type.name.attr}`) names."""
        m = re.fullmatch(
            r"\$\{([\w-]+)\.([\w-]+)(?:\.[\w-]+)?\}|([\w-]+)\.([\w-]+)", str(address).strip()
        )
        if m is None:
            return None
        return self._addressed(m.group(1) or m.group(3), m.group(2) or m.group(4), stack)

    def resources(self, *types: str) -> list[Resource]:
        """Every resource of the environment, or those of `types`."""
        if not types:
            return list(self._resources)
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        return [r for r in self._resources if r.type in types]

    def providers(self, kind: str) -> Iterator[Resource]:
        """Each provider block, addressed like `provider.vault[0]`."""
        for stack, doc in sorted(self.stacks.items()):
            blocks = as_object(as_object(doc).get("provider")).get(kind) or []
            for i, body in enumerate(blocks if isinstance(blocks, list) else [blocks]):
                if isinstance(body, Mapping):
                    yield Resource(stack, "provider", f"{kind}[{i}]", body)

    def stack_of(self, product: str) -> str:
        """The env's `<env>-<product>` stack name, or any stack as a fallback."""
        wanted = f"{self.name}-{product}"
        return wanted if wanted in self.stacks else next(iter(sorted(self.stacks)), wanted)

    # Vault policies -------------------------------------------------------------

    @cached_property
    def policies(self) -> dict[str, Resource]:
        """vault_policy resources by their Vault name."""
        return {str(r.value("name")): r for r in self.resources("vault_policy")}

    def policy(self, name: str) -> Resource | None:
        """The vault_policy a name (or a `${vault_policy.x.name}` reference) stands for."""
        return self.policies.get(str(self.deref(name)))

    def policy_doc(self, res: Resource) -> PolicyDocument | None:
        """The parsed policy text, or None if Vault would refuse it (HS-VAULT-010 says so)."""
        return self._parsed.get(res.key, (None, None))[0]

    def policy_error(self, res: Resource) -> str | None:
        """Why a vault_policy's text does not read as a policy, or None."""
        return self._parsed.get(res.key, (None, None))[1]

    @cached_property
    def _parsed(self) -> dict[str, tuple[PolicyDocument | None, str | None]]:
        """Each vault_policy parsed once: (document, None) or (None, Vault's reason)."""
        out: dict[str, tuple[PolicyDocument | None, str | None]] = {}
        for r in self.resources("vault_policy"):
            try:
                out[r.key] = (
                    PolicyDocument.parse(str(r.get("policy") or ""), source=r.address),
                    None,
                )
            except PolicyError as err:
                out[r.key] = (None, str(err))
            except RecursionError:
                out[r.key] = (None, "nested too deeply to read")
        return out

    # Rendered Nomad agent configs ------------------------------------------------

    def rendered_files(self) -> Iterator[tuple[Resource, str]]:
        """(file as a Resource, text) of every rendered file of the environment."""
        for stack, files in sorted(self.rendered.items()):
            for fname, text in sorted(files.items()):
                yield Resource(stack, RENDERED, fname, {}), text

    @property
    def rendered_hcl(self) -> list[tuple[Resource, JsonObject]]:
        """Every rendered `.hcl` file that reads as HCL1 (Nomad and Vault Agent configs)."""
        return self._rendered_read[0]

    @property
    def unreadable_agent_configs(self) -> list[tuple[Resource, str]]:
        """Rendered agent configs (AGENT_CONFIG) that are empty or do not parse, and why:
        the agent would refuse them (HS-CHECK-004). Other `.hcl` files that do not parse
        are noted as not evaluated (HS-CHECK-003)."""
        return self._rendered_read[1]

    @cached_property
    def _rendered_read(
        self,
    ) -> tuple[list[tuple[Resource, JsonObject]], list[tuple[Resource, str]]]:
        parsed, broken = [], []
        for where, text in self.rendered_files():
            if not where.name.endswith(".hcl"):
                continue
            agent = AGENT_CONFIG.fullmatch(where.name.rsplit("/", 1)[-1]) is not None
            try:
                doc = read_hcl(text)
            except ValueError as err:
                problem = f"does not parse as HCL ({err})"
            except RecursionError:
                problem = "does not parse as HCL (nested too deeply)"
            else:
                if agent and not doc:
                    broken.append((where, "is empty: the agent would start with no "
                                   "configuration of its own"))
                parsed.append((where, doc))
                continue
            if agent:
                broken.append((where, problem))
            else:
                self.cannot_evaluate(where, problem.replace("parse", "read", 1))
        return parsed, broken

    @cached_property
    def agent_configs(self) -> list[tuple[Resource, JsonObject]]:
        """Rendered Nomad agent configs: those with a `server` or `client` block (a
        Consul file's `server = true` is an attribute, not a block)."""
        return [(w, d) for w, d in self.rendered_hcl
                if any(blocks(d.get(k)) for k in NOMAD_AGENT_FILES)]

    @cached_property
    def consul_agent_configs(self) -> list[tuple[Resource, JsonObject]]:
        """Rendered Consul agent configs (`consul-<role>.hcl`), parsed."""
        return [(w, d) for w, d in self.rendered_hcl
                if CONSUL_AGENT_CONFIG.fullmatch(w.name.rsplit("/", 1)[-1])]

    def create_from_roles(self) -> set[str]:
        """Token roles a rendered Nomad agent config names in `vault.create_from_role`."""
        return {
            str(self.deref(v["create_from_role"]))
            for _, doc in self.agent_configs
            for v in blocks(doc.get("vault"))
            if v.get("create_from_role")
        }


def as_object(value: Any) -> Mapping[str, Any]:
    """The value if it is an object, else {}: what the facts read is never assumed."""
    return value if isinstance(value, Mapping) else {}


def _entries(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list of entries (suppressions); nothing else."""
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def blocks(value: Any) -> list[JsonObject]:
    """One block comes back as a dict, repeated blocks as a list (hashistack.hcl_read)."""
    if value is None:
        return []
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]


def labeled(value: Any) -> list[tuple[str, JsonObject]]:
    """(label, body) of each labeled block: `group "a" {}` read as {"group": {"a": {...}}}."""
    return [(label, body) for item in blocks(value) for label, body in item.items()
            if isinstance(body, dict)]


def environment_of(stack: str, doc: Mapping[str, Any]) -> str:
    """The environment a stack declares, else its name up to the last `-`."""
    env = as_object(as_object(as_object(doc).get("//")).get("hashistack")).get("environment")
    return str(env) if isinstance(env, str) and env else stack.rsplit("-", 1)[0]


def group(
    synth: Mapping[str, JsonObject], rendered: Mapping[str, Mapping[str, str]] | None = None
) -> list[Env]:
    """One `Env` per environment of `{stack: cdk.tf.json}` and their rendered files."""
    envs: dict[str, Env] = {}
    for stack, doc in sorted(synth.items()):
        env = envs.setdefault(environment_of(stack, doc), Env(environment_of(stack, doc)))
        env.stacks[stack] = doc
        env.rendered[stack] = dict((rendered or {}).get(stack) or {})
    return list(envs.values())
