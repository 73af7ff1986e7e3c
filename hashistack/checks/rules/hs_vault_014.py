"""HS-VAULT-014: a prod raft cluster of an even size or fewer than 3 nodes."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.vault_servers import raft_node_ids
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-VAULT-014", ERROR, "raft quorum even or below 3 in prod",
    explanation=(
        "Integrated storage (raft) needs a majority, (n+1)/2, of its servers to elect a "
        "leader and write (Vault's internals/integrated-storage.mdx, \"Deployment table\"). "
        "One or two servers survive no failure; an even count survives no more failures "
        "than one server fewer. Counted over the environment's rendered server configs, "
        "one raft node_id each."
    ),
    fix="Run 3 or 5 Vault servers in prod ([vault.cluster] nodes in the environment file).",
)
def raft_quorum(env: Env) -> Iterator[Hit]:
    if env.tier != "prod":
        return
    nodes = raft_node_ids(env)
    count = len(nodes)
    if count and (count < 3 or count % 2 == 0):
        first = min((w for files in nodes.values() for w in files), key=lambda w: w.name)
        yield Hit(first, f"{count} raft node(s) ({', '.join(sorted(nodes))}): prod needs an "
                  "odd count of 3 or more")
