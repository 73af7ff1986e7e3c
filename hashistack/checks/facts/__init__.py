"""Facts: what the rules (and hashistack.review) ask of one parsed environment
(hashistack.checks.env.Env) — its Nomad jobs and the token each task gets, the
Connect CA configs and their Vault logins, Nomad's token roles, Vault Agent
configs, Consul intentions, secret-looking literals.

A fact module imports hashistack.checks.env and hashistack.checks.core, other
facts and the pure core (hashistack.vault, .nomad, .consul models); never a
rule, the pack or the runner (tests/test_checks_layering.py holds it to that).
Lookups asked once per job or task are memoized on the Env (Env.memo).
"""
