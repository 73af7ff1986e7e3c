"""The rules that run, listed once (as cdk-nag's packs list theirs).

`DEFAULT_PACK` is every rule, in the order findings are reported. A rule is a
`Rule` (hashistack.checks.rulekit.rule builds it from the decorated function) in
its own module; nothing registers itself on import. To add a rule: write
rules/hs_<area>_<nnn>.py and list it here. Your own rules need no change here:
`pack_of` makes the pack `run_checks(rules=...)` and `apply_checks(rules=...)` run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hashistack.checks.rulekit import Rule
from hashistack.checks.rules.hs_check_001 import suppression_refused
from hashistack.checks.rules.hs_check_002 import no_tier
from hashistack.checks.rules.hs_check_003 import cannot_evaluate
from hashistack.checks.rules.hs_check_004 import agent_config_unreadable
from hashistack.checks.rules.hs_check_005 import rule_failed
from hashistack.checks.rules.hs_check_006 import suppression_unmatched
from hashistack.checks.rules.hs_consul_001 import ca_ttls
from hashistack.checks.rules.hs_consul_002 import ca_policy
from hashistack.checks.rules.hs_consul_003 import upstream_denied
from hashistack.checks.rules.hs_consul_004 import ca_token_in_state
from hashistack.checks.rules.hs_consul_005 import consul_acl_off
from hashistack.checks.rules.hs_consul_006 import consul_tls_off
from hashistack.checks.rules.hs_consul_007 import consul_quorum
from hashistack.checks.rules.hs_nomad_001 import legacy_with_1_10
from hashistack.checks.rules.hs_nomad_002 import nomad_talks_to_servers
from hashistack.checks.rules.hs_nomad_010 import nomad_acl_off
from hashistack.checks.rules.hs_nomad_011 import nomad_quorum
from hashistack.checks.rules.hs_nomad_012 import broad_leased_tokens
from hashistack.checks.rules.hs_secret_001 import secret_literals
from hashistack.checks.rules.hs_state_001 import unguarded_state
from hashistack.checks.rules.hs_tls_001 import plaintext
from hashistack.checks.rules.hs_vault_001 import template_reads_not_granted
from hashistack.checks.rules.hs_vault_002 import jwt_role_bound_elsewhere
from hashistack.checks.rules.hs_vault_003 import root_policy
from hashistack.checks.rules.hs_vault_004 import privileged_grants
from hashistack.checks.rules.hs_vault_005 import broad_globs
from hashistack.checks.rules.hs_vault_006 import nomad_token_role
from hashistack.checks.rules.hs_vault_007 import jwt_role_audiences
from hashistack.checks.rules.hs_vault_008 import periodic_with_max_ttl
from hashistack.checks.rules.hs_vault_009 import audit_device
from hashistack.checks.rules.hs_vault_010 import unparsable_policy
from hashistack.checks.rules.hs_vault_011 import agent_reads_not_granted
from hashistack.checks.rules.hs_vault_012 import unbound_secret_ids
from hashistack.checks.rules.hs_vault_013 import listener_tls_disabled
from hashistack.checks.rules.hs_vault_014 import raft_quorum
from hashistack.checks.rules.hs_vault_015 import scraper_policy_broad

# The order is the report's (kept from when rules registered on import).
DEFAULT_PACK: tuple[Rule, ...] = (
    suppression_refused,       # HS-CHECK-001 (reported by the suppressions)
    ca_ttls,                   # HS-CONSUL-001
    ca_policy,                 # HS-CONSUL-002
    ca_token_in_state,         # HS-CONSUL-004
    upstream_denied,           # HS-CONSUL-003
    plaintext,                 # HS-TLS-001
    broad_leased_tokens,       # HS-NOMAD-012 (before HS-CHECK-003: it notes what it cannot read)
    no_tier,                   # HS-CHECK-002
    cannot_evaluate,           # HS-CHECK-003
    agent_config_unreadable,   # HS-CHECK-004
    rule_failed,               # HS-CHECK-005 (reported by the runner)
    nomad_talks_to_servers,    # HS-NOMAD-002
    consul_acl_off,            # HS-CONSUL-005
    consul_tls_off,            # HS-CONSUL-006
    consul_quorum,             # HS-CONSUL-007
    nomad_acl_off,             # HS-NOMAD-010
    nomad_quorum,              # HS-NOMAD-011
    nomad_token_role,          # HS-VAULT-006
    jwt_role_audiences,        # HS-VAULT-007
    periodic_with_max_ttl,     # HS-VAULT-008
    legacy_with_1_10,          # HS-NOMAD-001
    secret_literals,           # HS-SECRET-001
    unguarded_state,           # HS-STATE-001
    agent_reads_not_granted,   # HS-VAULT-011
    unbound_secret_ids,        # HS-VAULT-012
    audit_device,              # HS-VAULT-009
    listener_tls_disabled,     # HS-VAULT-013
    raft_quorum,               # HS-VAULT-014
    template_reads_not_granted,  # HS-VAULT-001
    jwt_role_bound_elsewhere,  # HS-VAULT-002
    root_policy,               # HS-VAULT-003
    privileged_grants,         # HS-VAULT-004
    broad_globs,               # HS-VAULT-005
    unparsable_policy,         # HS-VAULT-010
    scraper_policy_broad,      # HS-VAULT-015
    suppression_unmatched,     # HS-CHECK-006 (reported by the suppressions)
)

# The pack by id: what `all_rules()` returns and suppressions are checked against.
RULES: dict[str, Rule] = {r.id: r for r in DEFAULT_PACK}
if len(RULES) != len(DEFAULT_PACK):
    raise ValueError("DEFAULT_PACK lists a rule id twice")


def all_rules() -> dict[str, Rule]:
    """Every rule of the default pack, by id, in report order."""
    return RULES


# The checks' own rules: they report refused and unmatched suppressions and rules
# that failed, so they run with every pack.
CHECKS_OWN = tuple(r for r in DEFAULT_PACK if r.id.startswith("HS-CHECK-"))
# An id for a rule of your own: upper-case words joined by "-" ("ACME-VAULT-001").
# "HS-" ids are this project's.
USER_RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


def pack_of(rules: Iterable[Rule] | None) -> dict[str, Rule]:
    """The rules that run, by id: the default pack when `rules` is None, else
    `rules` (e.g. `[*DEFAULT_PACK, my_rule]`, or only your own) plus the checks'
    own HS-CHECK rules. ValueError on an id given twice, an id that is not
    `WORD-WORD-...`, or an `HS-` id that is not this project's rule."""
    if rules is None:
        return RULES
    pack: dict[str, Rule] = {}
    for r in rules:
        if not isinstance(r, Rule):
            raise ValueError(f"a rule pack holds Rule objects (made by @rule), got {r!r}")
        if r.id in pack:
            raise ValueError(f"rule pack lists {r.id} twice")
        if r.id.startswith("HS-") and RULES.get(r.id) is not r:
            raise ValueError(f"{r.id}: HS- ids are hashistack's own; give your rule "
                             "another prefix (ACME-VAULT-001)")
        if not USER_RULE_ID.match(r.id):
            raise ValueError(f"rule id {r.id!r} must be upper-case words joined by '-' "
                             "(ACME-VAULT-001)")
        pack[r.id] = r
    for r in CHECKS_OWN:
        pack.setdefault(r.id, r)
    return pack
