"""One rule to a file, named by its id (`HS-VAULT-004` is hs_vault_004.py).

A rule module imports only hashistack.checks.rulekit, .core, .env, .jsonattr
and .facts (never another rule); importing it registers nothing.
hashistack.checks.pack lists the rules that run (tests/test_checks_layering.py
holds both to that). state.py and secrets.py are not rules: they re-export
facts under their old import paths.
"""
