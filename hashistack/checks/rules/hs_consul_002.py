"""HS-CONSUL-002: what the Connect CA's Vault login can do, against the documented policy."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.connect_ca import ca_login_roles, vault_cas
from hashistack.checks.rulekit import ERROR, WARNING, Hit, rule
from hashistack.vault.presets import connect_ca_excess


@rule(
    "HS-CONSUL-002",
    ERROR,
    "Connect CA's Vault login can do more than documented",
    explanation=(
        "The documented policy for Consul's Vault CA provider (WUD consul v1.21.x "
        "secure-mesh/certificate/vault.mdx) lists every path Consul needs; anything more "
        "is power a Consul server compromise would hand over. Mounts created in these "
        'stacks mean the "Vault-managed PKI paths" set, otherwise the Consul-managed one.'
    ),
    fix="Use hashistack.vault.presets.connect_ca(root, intermediate) as the role's only policy.",
)
def ca_policy(env: Env) -> Iterator[Hit]:
    mounted = {str(m.get("path", "")).strip("/") for m in env.resources("vault_mount")}
    for _, config in vault_cas(env):
        root = str(config.get("RootPKIPath", "")).strip("/")
        inter = str(config.get("IntermediatePKIPath", "")).strip("/")
        if not root or not inter:
            continue
        managed_by = "vault" if {root, inter} <= mounted else "consul"
        for role in ca_login_roles(env, config):
            for name in role.names("token_policies"):
                if name == "default":
                    continue
                res = env.policy(name)
                if res is None:
                    yield Hit(
                        role,
                        f"CA login role {role.value('role_name')!r} has policy "
                        f"{name!r}, not defined in these stacks: cannot verify it",
                        level=WARNING,
                    )
                    continue
                doc = env.policy_doc(res)
                for r in connect_ca_excess(doc, root, inter, managed_by=managed_by) if doc else ():
                    yield Hit(
                        res,
                        f"policy {name!r} of the Connect CA login role "
                        f"{role.value('role_name')!r} ({role.path}) grants "
                        f"{list(r.capabilities)} on {r.path!r}, beyond the documented "
                        f"{managed_by}-managed set",
                        vault_path=r.path,
                    )
