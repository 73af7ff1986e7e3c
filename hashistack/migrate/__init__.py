"""Migrating an environment from Nomad's legacy token flow to workload identity
(issue 12 §5): `python -m hashistack migrate-report CDKTF_OUT_DIR`.

Pure Python over synthesized JSON (no cdktf, jsii or Node), like the checks and
the review, whose facts it reuses: `hashistack.migrate.plan` computes, per job
task, the JWT role it will log in with and its Vault access before and after
(the ACL engine, path by path), the agent `vault {}` changes and the order of
steps; `hashistack.migrate.report` renders that as Markdown or JSON.
"""
