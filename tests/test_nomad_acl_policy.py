"""Nomad ACL policies (issue 12 §2): the model against Nomad's grammar (NMD
acl/policy.go), the presets' documented minimums, HashiCorp's parser over the
rendered rules, and the `nomad_acl_policy` construct."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_nomad.provider import NomadProvider

from hashistack._cdktf import ConstructError
from hashistack.errors import FieldError
from hashistack.hcl_read import read
from hashistack.nomad import NomadAclPolicy
from hashistack.nomad import acl_policy as nap
from hashistack.nomad.acl_policy import AclPolicy, LabeledRule, decode, namespace
from tests import hashicorp_hcl
from tests.synth_json import by, resources

NAMESPACES = ("default", "apps")


def in_order(policy: AclPolicy) -> AclPolicy:
    return replace(policy, rules=tuple(sorted(policy.rules, key=lambda r: (r.kind, r.name))))


def presets() -> list[AclPolicy]:
    return [make(NAMESPACES) for make in nap.PRESETS.values()]


# The grammar: what Nomad's strict parse accepts and refuses.

@pytest.mark.parametrize("policy", ["deny", "read", "write", "scale"])
def test_namespace_policies_are_nomads(policy):
    assert namespace("default", policy).granted() == frozenset(
        nap.NAMESPACE_POLICY_EXPANDS[policy])


@pytest.mark.parametrize("rule, why", [
    (lambda: namespace("default", "admin"), "policy 'admin'"),
    (lambda: namespace("default", capabilities=["submit_job"]), "unknown capability"),
    (lambda: namespace("default", capabilities="read-job"), "must be a list"),
    (lambda: namespace("default", capabilities=["read-job", "read-job"]), "twice"),
    (lambda: namespace("default"), "policy or capabilities"),
    (lambda: namespace("team/a", "read"), "valid label"),
    (lambda: namespace("", "read"), "valid label"),
    (lambda: namespace("x" * 129, "read"), "valid label"),
    (lambda: LabeledRule("host_volume", "data", capabilities=("mount-rw",)), "unknown"),
    (lambda: LabeledRule("variables", "x", "read"), "kind"),
    (lambda: AclPolicy(name="p"), "at least one rule"),
    (lambda: AclPolicy(name="bad name", node="read"), "policy name"),
    (lambda: AclPolicy(name="p", plugin="scale"), "plugin: policy 'scale'"),
    (lambda: AclPolicy(name="p", agent="list"), "agent: policy 'list'"),
    (lambda: AclPolicy(name="p", operator_capabilities=("snapshot-restore",)), "unknown"),
    (lambda: AclPolicy(name="p", rules=(namespace("a", "read"), namespace("a", "write"))),
     "more than once"),
])
def test_refusals_name_the_rule(rule, why):
    with pytest.raises(FieldError, match=why):
        rule()


def test_globs_and_exact_labels_choose_the_rule_as_nomad_does():
    # acl-policy.mdx "Namespace rules": exact match first, then the glob with the
    # most matched characters.
    policy = AclPolicy(name="p", rules=(
        namespace("*", "write"), namespace("*-web", "deny"), namespace("prod-web", "read")))
    read_caps = frozenset(nap.NAMESPACE_POLICY_EXPANDS["read"])
    assert policy.namespace_capabilities("prod-web") == read_caps
    assert policy.namespace_capabilities("staging-web") == frozenset()  # deny
    assert "submit-job" in policy.namespace_capabilities("batch")
    assert AclPolicy(name="q", node="read").namespace_capabilities("default") == frozenset()


# The presets: the documented minimum for each use.

def test_ci_deploy_is_submit_and_read_job_only():
    # terraform-provider-nomad resource_job.go: Register/Plan/Deregister (submit-job),
    # Info/Allocations/Submission, Evaluations().Info, Deployments().Info (read-job).
    ci = nap.ci_deploy(NAMESPACES)
    for ns in NAMESPACES:
        assert ci.namespace_capabilities(ns) == {"submit-job", "read-job"}
    assert ci.namespace_capabilities("other") == frozenset()
    assert (ci.node, ci.agent, ci.operator, ci.plugin, ci.quota) == (None,) * 5
    for forbidden in ("alloc-exec", "read-logs", "read-fs", "dispatch-job", "alloc-node-exec"):
        assert forbidden not in ci.namespace_capabilities("default")


def test_read_only_cannot_change_anything():
    ro = nap.read_only(NAMESPACES)
    caps = ro.namespace_capabilities("apps")
    assert {"list-jobs", "read-job"} <= caps
    assert caps.isdisjoint({"submit-job", "dispatch-job", "alloc-exec", "read-logs",
                            "read-fs", "scale-job", "alloc-lifecycle"})
    assert (ro.node, ro.agent, ro.operator) == ("read", "read", None)


def test_operator_writes_namespaces_but_is_not_management():
    op = nap.operator(NAMESPACES)
    assert {"submit-job", "alloc-exec", "read-logs"} <= op.namespace_capabilities("default")
    assert op.node == "write"
    # No snapshot or keyring operations (operator "write" would grant them) and no
    # namespace it was not given.
    assert op.operator == "read" and not op.operator_capabilities
    assert op.namespace_capabilities("kube-system") == frozenset()


# Rendered rules: HashiCorp's parsers, and back through Nomad's grammar.

def test_rendered_rules_parse_with_hashicorp_hcl2_and_round_trip():
    policies = {p.name: p for p in presets()}
    policies["mixed"] = AclPolicy(
        name="mixed",
        rules=(namespace("*", "read", ["read-logs"]), LabeledRule("host_volume", "data", "read"),
               LabeledRule("node_pool", "gpu_pool", capabilities=("read",))),
        operator_capabilities=("license-read",), quota="read", plugin="list")
    parsed = hashicorp_hcl.parse_many({name: p.to_hcl() for name, p in policies.items()})
    for name, policy in policies.items():
        assert "error" not in parsed[name], parsed[name]
        # hcl2json: block bodies come as lists; decode checks every key as Nomad does.
        # (hcl2json sorts labels; the order of rules means nothing to Nomad.)
        assert in_order(decode(name, parsed[name]["ok"])) == in_order(policy)
        # Nomad itself reads policies with HCL1 (acl/policy.go hcl.Decode).
        assert in_order(decode(name, read(policy.to_hcl()))) == in_order(policy)


@pytest.mark.parametrize("text, why", [
    ('namespace "default" { policy = "read" }\nsentinel_x { policy = "read" }', "unknown rule"),
    ('namespace "default" { policy = "read"\n  capabilitiez = ["read-job"] }', "unknown key"),
    ('node { policy = "admin" }', "policy 'admin'"),
])
def test_decode_refuses_what_nomad_refuses(text, why):
    with pytest.raises(FieldError, match=why):
        decode("p", read(text))


# The construct.

def stack() -> TerraformStack:
    s = TerraformStack(Testing.app(), "s")
    NomadProvider(s, "nomad", address="http://127.0.0.1:4646")
    return s


def test_construct_writes_the_rules():
    s = stack()
    NomadAclPolicy(s, "ci", policy="ci-deploy", namespaces=["default", "apps"])
    own = AclPolicy(name="ops-readonly", node="read")
    NomadAclPolicy(s, "own", policy=own)
    out = json.loads(Testing.synth(s))
    ci = by(out, "nomad_acl_policy", "name", "ci-deploy")
    assert ci["rules_hcl"] == nap.ci_deploy(("default", "apps")).to_hcl()
    assert by(out, "nomad_acl_policy", "name", "ops-readonly")["rules_hcl"] == own.to_hcl()
    assert len(resources(out, "nomad_acl_policy")) == 2


def test_construct_refusals():
    with pytest.raises(ConstructError, match="preset 'admin'"):
        NomadAclPolicy(stack(), "p", policy="admin")
    with pytest.raises(ConstructError, match="non-empty"):
        NomadAclPolicy(stack(), "p", policy="read-only", namespaces=[])
    with pytest.raises(ConstructError, match="s/p: .*valid label"):
        NomadAclPolicy(stack(), "p", policy="read-only", namespaces=["a/b"])
