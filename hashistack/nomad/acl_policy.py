"""Nomad ACL policies as a model (pure): rules, their grammar, presets.

The grammar is Nomad's own, from NMD acl/policy.go (`Parse`, strict mode, as
`nomad acl policy apply` uses it): the rule blocks `namespace "<ns>"`,
`host_volume "<name>"` (labels `^[a-zA-Z0-9-*]{1,128}$`), `node_pool "<name>"`,
`node`, `agent`, `operator`, `quota`, `plugin`; the `policy` dispositions
each accepts (`isPolicyValid`: deny, read, write, scale; `plugin` also list);
the capabilities each list accepts (`isNamespaceCapabilityValid`,
`isOperatorCapabilityValid`, `isHostVolumeCapabilityValid`,
`isNodePoolCapabilityValid`) and what a namespace `policy` expands to
(`expandNamespacePolicy`). Nomad reads policies with HCL1
(github.com/hashicorp/hcl); the text `to_hcl` writes is valid HCL1 and HCL2.

`sentinel` (Enterprise) and namespace `variables` blocks are not modelled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hashistack.errors import FieldError
from hashistack.hcl import Block, block, render

# NMD acl/policy.go, isPolicyValid (namespace, node pool, host volume, agent,
# node, operator, quota) and PluginPolicy.isValid (plugin: list too).
POLICIES = ("deny", "read", "write", "scale")
PLUGIN_POLICIES = ("deny", "read", "list", "write")

# NMD acl/policy.go, isNamespaceCapabilityValid (the last two: Enterprise only).
NAMESPACE_CAPABILITIES = (
    "deny", "list-jobs", "parse-job", "read-job", "submit-job", "dispatch-job", "read-logs",
    "read-fs", "alloc-exec", "alloc-node-exec", "alloc-lifecycle", "csi-register-plugin",
    "csi-write-volume", "csi-read-volume", "csi-list-volume", "csi-mount-volume",
    "host-volume-create", "host-volume-register", "host-volume-read", "host-volume-write",
    "host-volume-delete", "list-scaling-policies", "read-scaling-policy", "read-job-scaling",
    "scale-job", "register-job", "revert-job", "deregister-job", "purge-job", "evaluate-job",
    "plan-job", "tag-job-version", "stable-job", "fail-deployment", "pause-deployment",
    "promote-deployment", "unblock-deployment", "cancel-deployment",
    "set-alloc-health-deployment", "gc-allocation", "pause-allocation", "force-periodic-job",
    "delete-service-registration", "sentinel-override", "submit-recommendation",
)
# isOperatorCapabilityValid, isHostVolumeCapabilityValid, isNodePoolCapabilityValid.
OPERATOR_CAPABILITIES = ("deny", "snapshot-save", "license-read", "keyring-rotate",
                         "keyring-read", "keyring-delete")
HOST_VOLUME_CAPABILITIES = ("deny", "mount-readonly", "mount-readwrite")
NODE_POOL_CAPABILITIES = ("delete", "deny", "read", "write")

_READ = ("list-jobs", "parse-job", "read-job", "csi-list-volume", "csi-read-volume",
         "read-job-scaling", "list-scaling-policies", "read-scaling-policy", "host-volume-read")
# expandNamespacePolicy: what `policy = "..."` in a namespace rule grants.
NAMESPACE_POLICY_EXPANDS: Mapping[str, tuple[str, ...]] = {
    "deny": ("deny",),
    "read": _READ,
    "write": (*_READ, "scale-job", "submit-job", "dispatch-job", "read-logs", "read-fs",
              "alloc-exec", "alloc-lifecycle", "csi-mount-volume", "csi-write-volume",
              "submit-recommendation", "host-volume-create"),
    "scale": ("list-scaling-policies", "read-scaling-policy", "read-job-scaling", "scale-job",
              "read-job", "submit-recommendation"),
}

# validNamespace / validVolume and validNodePool in NMD acl/policy.go.
_LABEL = re.compile(r"[a-zA-Z0-9*-]{1,128}")
_NODE_POOL_LABEL = re.compile(r"[a-zA-Z0-9_*-]{1,128}")
# Nomad's policy names (nomad/structs ValidPolicyName): ^[a-zA-Z0-9-]{1,128}$.
POLICY_NAME = re.compile(r"[a-zA-Z0-9-]{1,128}")


def _policy(value: str | None, allowed: Sequence[str], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise FieldError(f"{what}: policy {value!r} is not one of {', '.join(allowed)} "
                         "(Nomad acl/policy.go)", path=what)
    return value


def _capabilities(values: Iterable[str], allowed: Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(values, str):
        raise FieldError(f"{what}: capabilities must be a list, not the string {values!r}",
                         path=what)
    caps = tuple(values)
    unknown = [c for c in caps if c not in allowed]
    if unknown:
        raise FieldError(f"{what}: unknown capability {', '.join(map(repr, unknown))} "
                         "(Nomad acl/policy.go lists the valid ones)", path=what)
    if len(set(caps)) != len(caps):
        raise FieldError(f"{what}: a capability is listed twice", path=what)
    return caps


def _label(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise FieldError(f"{what}: {value!r} is not a valid label (Nomad acl/policy.go: "
                         f"{pattern.pattern})", path=what)
    return value


@dataclass(frozen=True)
class LabeledRule:
    """A `namespace`, `host_volume` or `node_pool` rule: `policy` and/or `capabilities`.

    `kind` says which block; each checks its label and lists as Nomad does.
    """

    kind: str
    name: str
    policy: str | None = None
    capabilities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        lists = {"namespace": NAMESPACE_CAPABILITIES, "host_volume": HOST_VOLUME_CAPABILITIES,
                 "node_pool": NODE_POOL_CAPABILITIES}
        if self.kind not in lists:
            raise FieldError(f"rule kind {self.kind!r} is not one of {', '.join(lists)}",
                             path="kind")
        what = f'{self.kind} "{self.name}"'
        _label(self.name, _NODE_POOL_LABEL if self.kind == "node_pool" else _LABEL, what)
        _policy(self.policy, POLICIES, what)
        object.__setattr__(self, "capabilities",
                           _capabilities(self.capabilities, lists[self.kind], what))
        if self.policy is None and not self.capabilities:
            raise FieldError(f"{what}: give a policy or capabilities (an empty rule grants "
                             "nothing)", path=what)

    def granted(self) -> frozenset[str]:
        """The namespace capabilities this rule grants, its `policy` expanded as Nomad does
        (for other kinds: the capabilities as written)."""
        caps = set(self.capabilities)
        if self.kind == "namespace" and self.policy is not None:
            caps |= set(NAMESPACE_POLICY_EXPANDS[self.policy])
        return frozenset(caps)

    def to_block(self) -> Block:
        """The rule as HCL."""
        return block(self.kind, self.name, policy=self.policy,
                     capabilities=list(self.capabilities) or None)


def namespace(
    name: str, policy: str | None = None, capabilities: Iterable[str] = ()
) -> LabeledRule:
    """A `namespace "<name>"` rule (`"*"` and other globs allowed, as in Nomad)."""
    if isinstance(capabilities, str):
        raise FieldError(f'namespace "{name}": capabilities must be a list, not the string '
                         f"{capabilities!r}", path=f'namespace "{name}"')
    return LabeledRule("namespace", name, policy, tuple(capabilities))


@dataclass(frozen=True)
class AclPolicy:
    """One Nomad ACL policy: its rules, rendered as the `rules_hcl` Nomad stores.

    `node`, `agent`, `quota` take a policy only; `operator` a policy and/or
    capabilities (`operator_capabilities`); `plugin` one of deny, read, list,
    write. At least one rule is required (Nomad: "Invalid policy").
    """

    name: str
    description: str = field(default="", compare=False)
    rules: tuple[LabeledRule, ...] = ()
    node: str | None = None
    agent: str | None = None
    operator: str | None = None
    operator_capabilities: tuple[str, ...] = ()
    quota: str | None = None
    plugin: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not POLICY_NAME.fullmatch(self.name):
            raise FieldError(f"Nomad ACL policy name {self.name!r} must be 1-128 letters, "
                             "digits and '-'", path="name")
        object.__setattr__(self, "rules", tuple(self.rules))
        for what in ("node", "agent", "operator", "quota"):
            _policy(getattr(self, what), POLICIES, f"{self.name}: {what}")
        _policy(self.plugin, PLUGIN_POLICIES, f"{self.name}: plugin")
        object.__setattr__(self, "operator_capabilities", _capabilities(
            self.operator_capabilities, OPERATOR_CAPABILITIES, f"{self.name}: operator"))
        seen = [(r.kind, r.name) for r in self.rules]
        dupes = sorted({f'{k} "{n}"' for k, n in seen if seen.count((k, n)) > 1})
        if dupes:
            # Strict parsing refuses a duplicate key ("Invalid or duplicate policy keys").
            raise FieldError(f"{self.name}: {', '.join(dupes)} given more than once",
                             path=self.name)
        if not self.rules and all(
                getattr(self, f) is None for f in ("node", "agent", "operator", "quota", "plugin")
        ) and not self.operator_capabilities:
            raise FieldError(f"{self.name}: a Nomad ACL policy needs at least one rule",
                             path=self.name)

    def namespace_capabilities(self, ns: str) -> frozenset[str]:
        """What this policy grants in namespace `ns`, by Nomad's choice of rule: the
        exact label, else the glob with the most matched characters (acl-policy.mdx,
        "Namespace rules"); a granted `deny` empties the set."""
        rule = _best_namespace_rule(
            [r for r in self.rules if r.kind == "namespace"], ns)
        if rule is None:
            return frozenset()
        caps = rule.granted()
        return frozenset() if "deny" in caps else caps

    def to_hcl(self) -> str:
        """The rules as HCL text (what `nomad_acl_policy.rules_hcl` holds)."""
        blocks = [r.to_block() for r in self.rules]
        for what in ("node", "agent"):
            if getattr(self, what) is not None:
                blocks.append(block(what, policy=getattr(self, what)))
        if self.operator is not None or self.operator_capabilities:
            blocks.append(block("operator", policy=self.operator,
                                capabilities=list(self.operator_capabilities) or None))
        for what in ("quota", "plugin"):
            if getattr(self, what) is not None:
                blocks.append(block(what, policy=getattr(self, what)))
        return render(*blocks)


def _best_namespace_rule(rules: Sequence[LabeledRule], ns: str) -> LabeledRule | None:
    for rule in rules:
        if rule.name == ns:
            return rule
    best: tuple[int, LabeledRule] | None = None
    for rule in rules:
        if "*" not in rule.name:
            continue
        pattern = "".join(".*" if c == "*" else re.escape(c) for c in rule.name)
        if re.fullmatch(pattern, ns):
            difference = len(ns) - len(rule.name.replace("*", ""))
            if best is None or difference < best[0]:
                best = (difference, rule)
    return best[1] if best else None


def decode(name: str, data: Mapping[str, Any]) -> AclPolicy:
    """An `AclPolicy` from parsed rules (hcl2json or the HCL1 reader's shape:
    `{"namespace": {"default": {...} | [{...}]}, "node": {...} | [{...}]}`),
    refusing what Nomad's strict parse refuses: unknown blocks or keys included.
    """
    known = {"namespace", "host_volume", "node_pool", "node", "agent", "operator", "quota",
             "plugin"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise FieldError(f"{name}: unknown rule {', '.join(unknown)} (Nomad: \"Invalid or "
                         "duplicate policy keys\")", path=name)
    rules = []
    for kind in ("namespace", "host_volume", "node_pool"):
        found = data.get(kind, {})
        # The HCL1 reader gives a repeated block as a list of {label: body}.
        for labeled in found if isinstance(found, list) else [found]:
            if not isinstance(labeled, Mapping):
                raise FieldError(f"{name}: {kind} needs a label", path=name)
            for label, body in labeled.items():
                what = f'{kind} "{label}"'
                attrs = _one(body, what, {"policy", "capabilities"})
                rules.append(LabeledRule(kind, label, attrs.get("policy"),
                                         _list(attrs.get("capabilities", []), what)))
    single: dict[str, Any] = {}
    for what in ("node", "agent", "operator", "quota", "plugin"):
        if what in data:
            keys = {"policy", "capabilities"} if what == "operator" else {"policy"}
            single[what] = _one(data[what], what, keys)
    op = single.get("operator", {})
    return AclPolicy(
        name=name, rules=tuple(rules),
        node=single.get("node", {}).get("policy"),
        agent=single.get("agent", {}).get("policy"),
        operator=op.get("policy"),
        operator_capabilities=_list(op.get("capabilities", []), "operator"),
        quota=single.get("quota", {}).get("policy"),
        plugin=single.get("plugin", {}).get("policy"),
    )


def _list(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FieldError(f"{what}: capabilities must be a list of strings", path=what)
    return tuple(value)


def _one(body: Any, what: str, keys: set[str]) -> Mapping[str, Any]:
    if isinstance(body, list):
        if len(body) != 1:
            raise FieldError(f"{what} is given {len(body)} times", path=what)
        body = body[0]
    if not isinstance(body, Mapping):
        raise FieldError(f"{what} is not a block", path=what)
    extra = sorted(set(body) - keys)
    if extra:
        raise FieldError(f"{what}: unknown key {', '.join(extra)}", path=what)
    return body


# Presets: the documented minimum for each use, with where it comes from.

def ci_deploy(namespaces: Sequence[str] = ("default",), name: str = "ci-deploy") -> AclPolicy:
    """What `cdktf deploy` of `nomad_job` resources needs in `namespaces`, and no more.

    terraform-provider-nomad nomad/resource_job.go calls Jobs().RegisterOpts and
    Jobs().PlanOpts (create, update, plan: `namespace:submit-job`), Jobs().Deregister
    (destroy: submit-job, NMD nomad/job_endpoint.go Deregister), Jobs().Info,
    Jobs().Allocations, Jobs().Submission, Evaluations().Info, Deployments().Info
    (read: `namespace:read-job`): NMD website/content/api-docs/jobs.mdx,
    evaluations.mdx and deployments.mdx (v1.11.3) give those requirements. No
    dispatch, logs, exec, node or agent access: a pipeline that needs them gets a
    policy of its own. Jobs that mount CSI or host volumes need
    `csi-mount-volume` / a `host_volume` rule as well (NMD job_endpoint.go doRegister).
    """
    return AclPolicy(
        name=name,
        description="CI deploys: register, plan, stop and read jobs (hashistack)",
        rules=tuple(namespace(ns, capabilities=("submit-job", "read-job")) for ns in namespaces),
    )


def read_only(namespaces: Sequence[str] = ("default",), name: str = "read-only") -> AclPolicy:
    """Read jobs and their status in `namespaces`, and the cluster's nodes and agents.

    `policy = "read"` in a namespace expands to list-jobs, parse-job, read-job and the
    read side of volumes and scaling (NMD acl/policy.go expandNamespacePolicy): no
    logs, no file system, no exec. `node` and `agent` read: `nomad node status`,
    `nomad server members` (NMD acl-policy.mdx, node and agent rules).
    """
    return AclPolicy(
        name=name,
        description="Read-only: jobs, nodes, agents (hashistack)",
        rules=tuple(namespace(ns, "read") for ns in namespaces),
        node="read",
        agent="read",
    )


def operator(namespaces: Sequence[str] = ("default",), name: str = "operator") -> AclPolicy:
    """Operate the cluster's `namespaces`: write there (submit, exec, logs: acl/policy.go
    expandNamespacePolicy "write"), drain and manage nodes, read agents, read the
    operator APIs (Raft, autopilot), read plugins.

    Not `management`: no ACL administration, no snapshot or keyring operations
    (`operator` "write" would add snapshot-save and keyring-rotate/-delete,
    expandOperatorPolicy); a break-glass management token stays out of Vault.
    """
    return AclPolicy(
        name=name,
        description="Operators: write in the cluster's namespaces, manage nodes (hashistack)",
        rules=tuple(namespace(ns, "write") for ns in namespaces),
        node="write",
        agent="read",
        operator="read",
        plugin="read",
    )


PRESETS = {"operator": operator, "ci-deploy": ci_deploy, "read-only": read_only}
