"""HS-CONSUL-007: a prod Consul server expecting an even or too small quorum."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-CONSUL-007", ERROR, "even or <3 bootstrap_expect in prod (Consul)",
    explanation="Consul's servers elect a leader by Raft, which needs a majority: 3 servers "
                "survive one failure, 5 survive two, one survives none, and an even count "
                "no more than one server fewer. Consul warns at start: \"A cluster with 2 "
                "servers will provide no failure tolerance\", \"bootstrap_expect is even "
                "number: A cluster with an even number of servers does not achieve optimum "
                "fault tolerance\" (agent/config/builder.go). Prod only.",
    fix="List 3 or 5 servers in [consul.cluster] (bootstrap_expect defaults to their count).",
)
def consul_quorum(env: Env) -> Iterator[Hit]:
    if env.tier != "prod":
        return
    for where, doc in env.consul_agent_configs:
        expect = doc.get("bootstrap_expect")
        if doc.get("server") is not True or isinstance(expect, bool) \
                or not isinstance(expect, int):
            continue
        if expect < 3 or expect % 2 == 0:
            yield Hit(where, f"bootstrap_expect is {expect}: prod needs an odd quorum of "
                             "3 or more (3 or 5)")
