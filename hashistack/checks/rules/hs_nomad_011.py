"""HS-NOMAD-011: a prod Nomad server expecting an even or too small quorum."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env, blocks
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-NOMAD-011", ERROR, "even or <3 bootstrap_expect in prod",
    explanation="Raft needs a majority of servers: 3 servers survive one failure, 5 survive "
                "two, and an even count survives no more than one server fewer. Nomad warns "
                "at start on 1 (\"Bootstrap mode enabled! Potentially unsafe operation\") "
                "and on an even number (\"should ideally be set to an odd number\"; "
                "command/agent/command.go). Prod only.",
    fix="List 3 or 5 servers in [nomad.cluster] (bootstrap_expect defaults to their count).",
)
def nomad_quorum(env: Env) -> Iterator[Hit]:
    if env.tier != "prod":
        return
    for where, doc in env.agent_configs:
        for server in blocks(doc.get("server")):
            expect = server.get("bootstrap_expect")
            if isinstance(expect, bool) or not isinstance(expect, int):
                continue
            if expect < 3 or expect % 2 == 0:
                yield Hit(where, f"server.bootstrap_expect is {expect}: prod needs an odd "
                                 "quorum of 3 or more (3 or 5)")
