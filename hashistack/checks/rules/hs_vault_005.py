"""HS-VAULT-005: broad globs under a mount, in prod."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.connect_ca import vault_cas
from hashistack.checks.facts.policies import PRIVILEGED, granted, literal_prefix
from hashistack.checks.rulekit import WARNING, Hit, rule
from hashistack.vault import presets
from hashistack.vault.policy import PathRule, PolicyDocument


def _connect_ca_documented(env: Env, r: PathRule) -> bool:
    """Within the documented Connect CA set for a CA in this env (its `<int>/*` CRUDL)."""
    for _, config in vault_cas(env):
        root, inter = (str(config.get(k, "")).strip("/") for k in ("RootPKIPath",
                                                                   "IntermediatePKIPath"))
        if root and inter and not presets.connect_ca_excess(
                PolicyDocument([r]), root, inter, managed_by="consul"):
            return True
    return False


@rule(
    "HS-VAULT-005", WARNING, "broad glob under a mount in prod",
    explanation=(
        "A glob directly under a mount (`secret/*`, or KV v2 `secret/data/*`) reaches "
        "every secret there, now and later, and one inside the mount's name (`secret*`) "
        "every mount so named (Vault policies concept page: glob). Listing "
        "metadata is exempt: Nomad's own nomad-workloads policy grants list on "
        "`secret/metadata/*` (NMD integrations/vault/acl.mdx), and so is the documented "
        "Connect CA set (CRUDL on `<intermediate_pki_path>/*`, WUD consul "
        "secure-mesh/certificate/vault.mdx)."
    ),
    fix="Grant per-app paths, or a templated path per job (presets.nomad_workloads).",
)
def broad_globs(env: Env) -> Iterator[Hit]:
    if env.tier != "prod":
        return
    for res in env.policies.values():
        doc = env.policy_doc(res)
        for r in doc.rules if doc else ():
            caps = granted(r)
            if not r.is_glob or r.is_templated or not caps or caps == {"list"}:
                continue
            literal = literal_prefix(r)
            parts = literal.split("/")
            if parts[0] + "/" in PRIVILEGED or any(p.startswith(literal) for p in PRIVILEGED):
                continue  # HS-VAULT-004's business (`*`, `s*`, `sys/...`)
            # `secret*` (a glob inside the mount segment) spans whole mounts; `secret/*`
            # and KV v2 `secret/data/*` every secret of one.
            if (len(parts) <= 2 or (len(parts) == 3 and parts[1] == "data")) \
                    and not _connect_ca_documented(env, r):
                what = "mount whose name starts with" if len(parts) == 1 else "secret under"
                yield Hit(res, f"policy {res.get('name')!r} grants {sorted(caps)} on every "
                          f"{what} {literal if len(parts) == 1 else r.path!r}",
                          vault_path=r.path)
