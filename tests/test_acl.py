"""Acl: Vault's matching rules (vault/acl.go), checked against Vault's own test cases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashistack.vault.acl import Acl, Identity, render
from hashistack.vault.policy import CAPABILITIES, PolicyDocument, PolicyError

# The policies of hashicorp/vault vault/acl_test.go (aclPolicy, aclPolicy2).
VAULT_ACL_POLICY = """
name = "DeV"
path "dev/*" { policy = "sudo" }
path "stage/*" { policy = "write" }
path "stage/aws/*" {
  policy = "read"
  capabilities = ["update", "sudo"]
}
path "stage/aws/policy/*" { policy = "sudo" }
path "prod/*" { policy = "read" }
path "prod/aws/*" { policy = "deny" }
path "sys/*" { policy = "deny" }
path "foo/bar" { capabilities = ["read", "create", "sudo"] }
path "baz/quux" { capabilities = ["read", "create", "patch"] }
path "test/+/segment" { capabilities = ["read"] }
path "+/segment/at/front" { capabilities = ["read"] }
path "test/segment/at/end/+" { capabilities = ["read"] }
path "test/segment/at/end/v2/+/" { capabilities = ["read"] }
path "test/+/wildcard/+/*" { capabilities = ["read"] }
path "test/+/wildcardglob/+/end*" { capabilities = ["read"] }
path "1/2/*" { capabilities = ["create"] }
path "1/2/+" { capabilities = ["read"] }
path "1/2/+/+" { capabilities = ["update", "recover"] }
"""
VAULT_ACL_POLICY2 = """
name = "OpS"
path "dev/hide/*" { policy = "deny" }
path "stage/aws/policy/*" {
  policy = "deny"
  # This should have no effect
  capabilities = ["read", "update", "sudo"]
}
path "prod/*" { policy = "write" }
path "sys/seal" { policy = "sudo" }
path "foo/bar" { capabilities = ["deny"] }
path "baz/quux" { capabilities = ["deny"] }
"""

# acl_test.go testACLSingle: (operation, path, allowed, sudo)
SINGLE = [
    ("read", "root", False, False),
    ("read", "dev/foo", True, True),
    ("update", "dev/foo", True, True),
    ("delete", "stage/foo", True, False),
    ("list", "stage/aws/foo", True, True),
    ("update", "stage/aws/foo", True, True),
    ("update", "stage/aws/policy/foo", True, True),
    ("delete", "prod/foo", False, False),
    ("update", "prod/foo", False, False),
    ("read", "prod/foo", True, False),
    ("list", "prod/foo", True, False),
    ("read", "prod/aws/foo", False, False),
    ("read", "foo/bar", True, True),
    ("list", "foo/bar", False, True),
    ("update", "foo/bar", False, True),
    ("create", "foo/bar", True, True),
    ("read", "baz/quux", True, False),
    ("create", "baz/quux", True, False),
    ("patch", "baz/quux", True, False),
    ("list", "baz/quux", False, False),
    ("update", "baz/quux", False, False),
    # Path segment wildcards
    ("read", "test/foo/bar/segment", False, False),
    ("read", "test/foo/segment", True, False),
    ("read", "test/bar/segment", True, False),
    ("read", "test/segment/at/frond", False, False),
    ("read", "test/segment/at/front", True, False),
    ("read", "test/segment/at/end/foo", True, False),
    ("read", "test/segment/at/end/foo/", False, False),
    ("read", "test/segment/at/end/v2/foo/", True, False),
    ("read", "test/segment/wildcard/at/foo/", True, False),
    ("read", "test/segment/wildcard/at/end", True, False),
    ("read", "test/segment/wildcard/at/end/", True, False),
    # Segment wildcards against a glob
    ("read", "1/2/3/4", False, False),
    ("read", "1/2/3", True, False),
    ("update", "1/2/3", False, False),
    ("update", "1/2/3/4", True, False),
    ("create", "1/2/3/4/5", True, False),
    ("recover", "1/2/3/4", True, False),
]

# acl_test.go testLayeredACL (aclPolicy + aclPolicy2)
LAYERED = [
    ("read", "root", False, False),
    ("read", "dev/foo", True, True),
    ("update", "dev/foo", True, True),
    ("read", "dev/hide/foo", False, False),
    ("update", "dev/hide/foo", False, False),
    ("delete", "stage/foo", True, False),
    ("list", "stage/aws/foo", True, True),
    ("update", "stage/aws/foo", True, True),
    ("update", "stage/aws/policy/foo", False, False),
    ("delete", "prod/foo", True, False),
    ("update", "prod/foo", True, False),
    ("read", "prod/foo", True, False),
    ("list", "prod/foo", True, False),
    ("read", "prod/aws/foo", False, False),
    ("read", "sys/status", False, False),
    ("update", "sys/seal", True, True),
    ("read", "foo/bar", False, False),
    ("list", "foo/bar", False, False),
    ("update", "foo/bar", False, False),
    ("create", "foo/bar", False, False),
    ("read", "baz/quux", False, False),
    ("list", "baz/quux", False, False),
    ("update", "baz/quux", False, False),
    ("create", "baz/quux", False, False),
    ("patch", "baz/quux", False, False),
]


@pytest.mark.parametrize(("op", "path", "allowed", "sudo"), SINGLE)
def test_vault_single_policy(op, path, allowed, sudo):
    acl = Acl.from_hcl([VAULT_ACL_POLICY])
    assert acl.allows(path, op) is allowed
    assert acl.allows(path, "sudo") is sudo


@pytest.mark.parametrize(("op", "path", "allowed", "sudo"), LAYERED)
def test_vault_layered_policies(op, path, allowed, sudo):
    for texts in ([VAULT_ACL_POLICY, VAULT_ACL_POLICY2], [VAULT_ACL_POLICY2, VAULT_ACL_POLICY]):
        acl = Acl.from_hcl(texts)
        assert acl.allows(path, op) is allowed
        assert acl.allows(path, "sudo") is sudo


def test_vault_capabilities():
    # acl_test.go testACLCapabilities (Vault's order there; ours is sorted).
    acl = Acl.from_hcl(VAULT_ACL_POLICY)
    assert acl.capabilities("dev") == ["deny"]
    assert acl.capabilities("dev/") == sorted(["sudo", "read", "list", "update", "delete",
                                               "create"])
    assert acl.capabilities("stage/aws/test") == sorted(["sudo", "read", "list", "update"])


# acl_test.go TestACL_SegmentWildcardPriority: (read rule, update rule, path);
# the update rule is the more specific and must win.
PRIORITY = [
    ("+/*", "*", "foo/bar/bar/baz"),  # same first position; fewer '+' wins
    ("+/*", "foo/+/*", "foo/bar/bar/baz"),  # later first wildcard wins
    ("foo/+/+/*", "foo/+/bar/baz", "foo/bar/bar/baz"),  # fewer '+' segments
    ("foo/+/+/baz", "foo/+/bar/baz", "foo/bar/bar/baz"),
    ("foo/+/(ar/baz", "foo/(ar/+/baz", "foo/(ar/(ar/baz"),  # '(' < '+': position, not text
    ("foo/bar/+/baz*", "foo/bar/+/baz", "foo/bar/bar/baz"),  # a trailing glob loses
    ("foo/bar/+/b*", "foo/bar/+/ba*", "foo/bar/bar/baz"),  # the shorter loses
]


@pytest.mark.parametrize(("read", "update", "path"), PRIORITY)
def test_vault_segment_wildcard_priority(read, update, path):
    for order in ((read, update), (update, read)):
        doc = PolicyDocument()
        doc.add(order[0], ["read" if order[0] == read else "update"])
        doc.add(order[1], ["read" if order[1] == read else "update"])
        acl = Acl.from_policies([doc])
        assert acl.capabilities(path) == ["update"]
        assert acl.allows(path, "update") and not acl.allows(path, "read")


@pytest.mark.parametrize(
    ("rules", "path", "expected"),
    [
        # policies.mdx: "secret/zip-*" matches "secret/zip-zap/zong" (prefix, not segment).
        ({"secret/zip-*": ["read"]}, "secret/zip-zap/zong", ["read"]),
        ({"secret/zip-*": ["read"]}, "secret/zip", ["deny"]),
        # "+" is one segment, any characters within it.
        ({"secret/+/teamb": ["read"]}, "secret/foo/teamb", ["read"]),
        ({"secret/+/teamb": ["read"]}, "secret/foo/bar/teamb", ["deny"]),
        ({"secret/+/teamb": ["read"]}, "secret//teamb", ["read"]),
        # exact beats any pattern; longest prefix among globs.
        ({"secret/*": ["read"], "secret/a": ["list"]}, "secret/a", ["list"]),
        ({"secret/*": ["read"], "secret/a*": ["list"]}, "secret/ab", ["list"]),
        ({"secret/*": ["read"], "secret/a/*": ["deny"]}, "secret/a/b", ["deny"]),
        # rule 1 beats rule 2: a later glob wins over an earlier '+'.
        ({"secret/+/x": ["read"], "secret/a*": ["list"]}, "secret/a/x", ["list"]),
        # rule 2: same position, the non-glob wins.
        ({"secret/+": ["read"], "secret/*": ["list"]}, "secret/a", ["read"]),
        # deny wins over sudo; a glob with nothing for a path means deny.
        ({"sys/*": ["sudo", "deny"]}, "sys/seal", ["deny"]),
        ({"a/*": ["read"]}, "b", ["deny"]),
        # leading '/' is stripped from rules and queries alike.
        ({"/secret/x": ["read"]}, "//secret/x", ["read"]),
    ],
)
def test_matching_table(rules, path, expected):
    doc = PolicyDocument()
    for rule_path, caps in rules.items():
        doc.add(rule_path, caps)
    assert Acl.from_policies([doc]).capabilities(path) == expected


def test_list_falls_back_to_the_exact_rule_without_trailing_slash():
    # acl.go AllowOperation: for a list of "foo/" the exact rule "foo" applies.
    acl = Acl.from_policies([PolicyDocument().add("secret/metadata/app", ["list", "read"])])
    assert acl.allows("secret/metadata/app/", "list")
    assert not acl.allows("secret/metadata/app/", "read")
    assert acl.capabilities("secret/metadata/app/") == ["list", "read"]


def test_same_pattern_in_two_policies_is_the_union():
    a = PolicyDocument().add("secret/*", ["read"])
    b = PolicyDocument().add("secret/*", ["list"])
    assert Acl.from_policies([a, b]).capabilities("secret/x") == ["list", "read"]


def test_unknown_operation_and_bad_text():
    acl = Acl.from_hcl([])
    with pytest.raises(ValueError, match="unknown operation"):
        acl.allows("a", "write")
    with pytest.raises(PolicyError, match="invalid capability"):
        Acl.from_hcl(['path "a" { capabilities = ["write"] }'])


# acl_test.go TestACL_GrantingPolicies (the allow/deny half; granting policy
# names are not modelled).
GRANTING = """
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["update", "read"] }
path "kv/path/longer2" { capabilities = ["update"] }
path "kv/deny" { capabilities = ["deny"] }
path "ns1/kv/foo" { capabilities = ["update", "read", "recover"] }
"""
GRANTING_MERGED = """
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/bar" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["read"] }
path "kv/path/longer3" { capabilities = ["read"] }
path "kv/deny" { capabilities = ["update"] }
"""


@pytest.mark.parametrize(
    ("path", "op", "merged", "allowed"),
    [
        ("kv/foo", "read", False, True),
        ("kv/foo", "update", False, True),
        ("kv/bad", "read", False, False),
        ("kv/deny", "read", False, False),
        ("kv/path/foo", "read", False, True),
        ("kv/path/longer", "read", False, True),
        ("kv/foo", "read", True, True),
        ("kv/path/longer3", "read", True, True),
        ("kv/bar", "read", True, True),
        ("kv/deny", "read", True, False),
        ("kv/path/longer", "update", True, True),
        ("kv/path/foo", "read", True, True),
        ("ns1/kv/foo", "recover", True, True),
    ],
)
def test_vault_granting_policies(path, op, merged, allowed):
    texts = [GRANTING, GRANTING_MERGED] if merged else [GRANTING]
    assert Acl.from_hcl(texts).allows(path, op) is allowed


# -- LIST on a trailing-slash path (acl.go since VAULT-3825) --------------------


@pytest.mark.parametrize(
    ("rules", "path", "expected"),
    [
        # The path without its trailing slash is considered too.
        ({"+": ["sudo", "delete"]}, "ab/", ["delete", "sudo"]),
        ({"+/sys/policies/acl": ["list"]}, "foo/sys/policies/acl/", ["list"]),
        ({"kv1/+": ["list", "read"]}, "kv1/private/", ["list", "read"]),
        # ...but a more specific deny still wins (resolveACLPermsForListOp).
        ({"kv1/+": ["list"], "kv1/private/*": ["deny"]}, "kv1/private/", ["deny"]),
        # A more specific candidate that does not grant list loses to one that does.
        ({"kv1/+": ["list"], "kv1/private/*": ["read"]}, "kv1/private/", ["list"]),
        # No list grant and no deny: the most specific candidate.
        ({"kv1/+": ["read"], "kv1/private/*": ["update"]}, "kv1/private/", ["update"]),
        # No candidate for either form.
        ({"other/+": ["list"]}, "kv1/private/", ["deny"]),
    ],
)
def test_list_considers_the_path_without_its_trailing_slash(rules, path, expected):
    doc = PolicyDocument()
    for rule_path, caps in rules.items():
        doc.add(rule_path, caps)
    acl = Acl.from_policies([doc])
    assert acl.capabilities(path) == expected  # acl.go Capabilities is a list op
    assert acl.allows(path, "list") is ("list" in expected)


def test_trailing_slash_lookup_is_for_list_only():
    acl = Acl.from_hcl('path "+" { capabilities = ["read", "list"] }')
    assert acl.allows("ab/", "list")
    assert not acl.allows("ab/", "read")  # a read of "ab/" matches nothing


# -- what Vault's parser accepts, Acl honours -------------------------------------


def test_exact_rule_without_capabilities_hides_the_glob_above_it():
    acl = Acl.from_hcl('path "secret/*" { capabilities = ["read"] }\n'
                       'path "secret/private" { capabilities = [] }')
    assert acl.capabilities("secret/other") == ["read"]
    assert acl.capabilities("secret/private") == ["deny"]
    assert not acl.allows("secret/private", "read")


def test_star_inside_a_path_is_literal():
    acl = Acl.from_hcl('path "secret/a*b" { capabilities = ["read"] }\n'
                       'path "x/*/y*" { capabilities = ["list"] }')
    assert acl.capabilities("secret/a*b") == ["read"]
    assert acl.capabilities("secret/axb") == ["deny"]
    assert acl.capabilities("x/*/yz") == ["list"]
    assert acl.capabilities("x/a/yz") == ["deny"]


def test_plus_inside_a_segment_is_literal():
    acl = Acl.from_hcl('path "a+b/c" { capabilities = ["read"] }\n'
                       'path "d/+e" { capabilities = ["list"] }')
    assert acl.capabilities("a+b/c") == ["read"]
    assert acl.capabilities("axb/c") == ["deny"]
    assert acl.capabilities("d/+e") == ["list"]
    assert acl.capabilities("d/xe") == ["deny"]


def test_empty_and_double_slash_paths():
    acl = Acl.from_hcl('path "/" { capabilities = ["read"] }\n'
                       'path "//a" { capabilities = ["list"] }')
    assert acl.capabilities("") == ["read"]
    assert acl.capabilities("/a") == ["deny"]  # requests lose every leading '/'


# -- templated policies -------------------------------------------------------

ACC = "${vault_jwt_auth_backend.nomad.accessor}"


def _tpl(key: str, accessor: str = ACC) -> str:
    return f"{{{{identity.entity.aliases.{accessor}.metadata.{key}}}}}"


WORKLOAD = Identity(alias_metadata={"nomad_namespace": "default", "nomad_job_id": "web"})


def test_template_renders_with_identity():
    doc = PolicyDocument().add(f"secret/data/{_tpl('nomad_namespace')}/{_tpl('nomad_job_id')}/*",
                               ["read"])
    acl = Acl.from_policies([doc], WORKLOAD)
    assert acl.capabilities("secret/data/default/web/db") == ["read"]
    assert acl.capabilities("secret/data/default/other/db") == ["deny"]
    assert Acl.from_policies([doc]).capabilities("secret/data/default/web/db") == ["deny"]


@pytest.mark.parametrize(
    ("identity", "rendered"),
    [
        (WORKLOAD, "kv/default"),
        # identitytpl looks metadata up in a map with no empty check: "" renders.
        (Identity(alias_metadata={"nomad_namespace": ""}), "kv/"),
        (Identity(alias_metadata={}), None),  # missing key
        (Identity(alias_metadata={"nomad_namespace": "*"}), None),  # would widen
        (Identity(alias_metadata={"nomad_namespace": "a+b"}), None),
        # A `${...}` accessor matches only the Terraform address the identity names.
        (Identity(alias_metadata={"nomad_namespace": "ns"}, accessor="auth_jwt_1"), None),
        (Identity(alias_metadata={"nomad_namespace": "ns"}, accessor="auth_jwt_1",
                  accessor_ref="vault_jwt_auth_backend.nomad.accessor"), "kv/ns"),
        (Identity(alias_metadata={"nomad_namespace": "ns"},
                  accessor_ref="vault_jwt_auth_backend.other.accessor"), None),
        (None, None),
    ],
)
def test_render(identity, rendered):
    assert render(f"kv/{_tpl('nomad_namespace')}", identity) == rendered


def test_render_accessor_and_entity_fields():
    ident = Identity(alias_metadata={"k": "v"}, accessor="auth_jwt_1", alias_name="web",
                     entity_id="e1", entity_name="n1", entity_metadata={"team": "t"})
    assert render(f"a/{_tpl('k', 'auth_jwt_1')}", ident) == "a/v"
    assert render(f"a/{_tpl('k', 'auth_jwt_2')}", ident) is None  # another mount's alias
    assert render("a/{{identity.entity.aliases.auth_jwt_1.name}}", ident) == "a/web"
    assert render("a/{{ identity.entity.id }}/{{identity.entity.name}}", ident) == "a/e1/n1"
    assert render("a/{{identity.entity.metadata.team}}", ident) == "a/t"
    assert render("a/{{identity.groups.names.g.id}}", ident) is None  # not modelled


def test_alias_name_and_custom_metadata():
    ident = Identity(alias_name="web", alias_custom_metadata={"team": "t"},
                     accessor_ref="vault_jwt_auth_backend.nomad.accessor")
    assert render(f"a/{{{{identity.entity.aliases.{ACC}.name}}}}", ident) == "a/web"
    assert render(f"a/{{{{identity.entity.aliases.{ACC}.custom_metadata.team}}}}",
                  ident) == "a/t"
    assert render(f"a/{{{{identity.entity.aliases.{ACC}.name}}}}",
                  Identity(alias_name="")) is None  # an empty string is "not found"
    assert render("a/{{identity.entity.metadata.team}}",
                  Identity(entity_metadata={"team": ""})) == "a/"


def test_time_templates_render_as_vault_does():
    ident = Identity(now=1_700_000_000.9)
    assert render("t/{{time.now}}", ident) == "t/1700000000"
    assert render("t/{{ time.now.plus.1h }}", ident) == "t/1700003600"
    assert render("t/{{time.now.minus.2d}}", ident) == "t/1699827200"
    assert render("t/{{time.now.plus}}", ident) is None  # "missing time operand"
    assert render("t/{{time.then}}", ident) is None
    assert render("t/{{time.now.times.1h}}", ident) is None
    assert render("t/{{time.now}}", None) is not None  # needs no entity


def test_non_identity_template_is_dropped_when_rendered():
    doc = PolicyDocument.parse('path "a/{{foo}}" { capabilities = ["read"] }\n'
                               'path "a/*" { capabilities = ["list"] }')
    acl = Acl.from_policies([doc], WORKLOAD)
    assert acl.capabilities("a/{{foo}}") == ["list"]


def test_wildcard_in_rendered_value_never_widens():
    doc = PolicyDocument().add(f"secret/{_tpl('nomad_job_id')}", ["read"])
    acl = Acl.from_policies([doc], Identity(alias_metadata={"nomad_job_id": "*"}))
    assert acl.capabilities("secret/anything") == ["deny"]
    assert acl.capabilities("secret/*") == ["deny"]


# -- properties ---------------------------------------------------------------

_SEG = st.text("abc", min_size=1, max_size=3)
_PATH = st.lists(_SEG, min_size=1, max_size=4).map("/".join)
_CAPS = st.sets(st.sampled_from(CAPABILITIES), min_size=1).map(sorted)
_PATTERN = st.lists(st.one_of(_SEG, st.just("+")), min_size=1, max_size=4).flatmap(
    lambda segs: st.sampled_from(["", "*"]).map(lambda g: "/".join(segs) + g)
).filter(lambda p: not p.endswith("+*"))
_DOC = st.lists(st.tuples(_PATTERN, _CAPS), max_size=6).map(lambda rules: _doc(rules))


def _doc(rules) -> PolicyDocument:
    doc = PolicyDocument()
    for path, caps in rules:
        doc.add(path, caps)
    return doc


def _expected(caps) -> list[str]:
    return ["deny"] if "deny" in caps else sorted(caps)


@settings(max_examples=200, deadline=None)
@given(_PATH, _CAPS, _CAPS, st.integers(0, 10), _DOC)
def test_exact_rule_always_wins(path, exact, glob, cut, others):
    doc = others.merge(PolicyDocument().add(path[:cut] + "*", glob))
    doc = PolicyDocument([r for r in doc.rules if r.path != path]).add(path, exact)
    assert Acl.from_policies([doc]).capabilities(path) == _expected(exact)


@settings(max_examples=200, deadline=None)
@given(_DOC, _PATTERN, _PATH)
def test_adding_a_deny_never_adds_capabilities(doc, deny_path, query):
    before = set(Acl.from_policies([doc]).capabilities(query)) - {"deny"}
    after = Acl.from_policies([doc, PolicyDocument().add(deny_path, ["deny"])])
    assert set(after.capabilities(query)) - {"deny"} <= before


@settings(max_examples=200, deadline=None)
@given(_DOC, _DOC, _PATH)
def test_policy_order_does_not_matter(a, b, query):
    assert (Acl.from_policies([a, b]).capabilities(query)
            == Acl.from_policies([b, a]).capabilities(query))


@settings(max_examples=200, deadline=None)
@given(st.text("ab/-", max_size=5).filter(lambda p: not p.startswith("/")),
       st.text("ab/-.", max_size=8), _CAPS)
def test_glob_matches_every_path_with_its_prefix(prefix, rest, caps):
    acl = Acl.from_policies([PolicyDocument().add(prefix + "*", caps)])
    assert acl.capabilities(prefix + rest) == _expected(caps)


@settings(max_examples=200, deadline=None)
@given(_SEG, st.text("abc-.", max_size=5), _CAPS)
def test_plus_is_exactly_one_segment(head, seg, caps):
    acl = Acl.from_policies([PolicyDocument().add(f"{head}/+/end", caps)])
    assert acl.capabilities(f"{head}/{seg}/end") == _expected(caps)
    assert acl.capabilities(f"{head}/{seg}/x/end") == ["deny"]
    assert acl.capabilities(f"{head}/end") == ["deny"]
