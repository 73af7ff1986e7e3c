"""The synthesized Vault side against a real Vault-API server (`bao server -dev`):
every policy loads, the ACL engine answers as the server does, and a job's
workload identity logs in with its role and reads exactly its secret.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import time
import urllib.error
from pathlib import Path

import pytest

from hashistack.vault.acl import Acl
from hashistack.vault.policy import PolicyDocument
from tests.live.bao import Server
from tests.synth_json import resources

pytestmark = pytest.mark.live
ACCESSOR_REF = re.compile(r"\$\{vault_jwt_auth_backend\.[\w-]+\.accessor\}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("bao"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def accessor(server) -> str:
    """A JWT mount like the stacks' `jwt-nomad`: templated policies name its accessor."""
    server.api("POST", "sys/auth/jwt-nomad", {"type": "jwt"})
    return server.api("GET", "sys/auth")["data"]["jwt-nomad/"]["accessor"]


def policies(stacks: dict, accessor: str) -> dict[str, dict[str, str]]:
    """{environment: {policy name: text}}, Terraform's accessor reference resolved."""
    out: dict[str, dict[str, str]] = {}
    for stack, doc in stacks.items():
        for p in resources(doc, "vault_policy").values():
            env = stack.rsplit("-", 1)[0]
            out.setdefault(env, {})[p["name"]] = ACCESSOR_REF.sub(accessor, p["policy"])
    return out


def test_every_synthesized_policy_loads(server, shipped, legacy, accessor):
    loaded = 0
    for _, stacks in (shipped, legacy):
        for env, texts in policies(stacks, accessor).items():
            for name, text in texts.items():
                server.api("PUT", f"sys/policies/acl/{env}-{name}", {"policy": text})
                back = server.api("GET", f"sys/policies/acl/{env}-{name}")["data"]["policy"]
                assert back == text
                loaded += 1
    assert loaded >= 10


def probe_paths(docs: list[PolicyDocument]) -> list[str]:
    """The paths the policies mention, and neighbours that tell globs and `+` apart."""
    paths = {"secret/data/elsewhere", "sys/mounts", "auth/token/lookup-self"}
    for doc in docs:
        for rule in doc.rules:
            if rule.is_templated:
                continue  # a token without an entity renders none (nor does the engine)
            path = rule.path.replace("+", "seg")
            base = path[:-1] if path.endswith("*") else path
            paths |= {base, base + "x", base + "x/y", base.rstrip("/"), base + "/"}
    return sorted(p for p in paths if p)


def test_acl_engine_agrees_with_the_server(server, shipped, legacy, accessor):
    compared = granted = 0
    for _, stacks in (shipped, legacy):
        for env, texts in policies(stacks, accessor).items():
            for name, text in texts.items():
                server.api("PUT", f"sys/policies/acl/{env}-{name}", {"policy": text})
            docs = [PolicyDocument.parse(t) for t in texts.values()]
            token = server.api("POST", "auth/token/create", {
                "policies": [f"{env}-{n}" for n in texts], "no_default_policy": True,
                "ttl": "10m"})["auth"]["client_token"]
            paths = probe_paths(docs)
            # Asked by root: the token itself holds no `default` policy to ask with.
            answer = server.api("POST", "sys/capabilities", {"token": token, "paths": paths})
            acl = Acl.from_policies(docs)
            for path in paths:
                assert sorted(answer[path]) == acl.capabilities(path), (env, path)
                compared += 1
                granted += acl.capabilities(path) != ["deny"]
    assert compared > 100 and granted > 20


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_jwt(key: Path, claims: dict) -> str:
    """An RS256 JWT, as a Nomad 1.10 server signs workload identities (openssl CLI)."""
    header = _b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "test"}).encode())
    body = f"{header}.{_b64(json.dumps(claims).encode())}"
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key)],
                               input=body.encode(), capture_output=True, check=True).stdout
    return f"{body}.{_b64(signature)}"


def nomad_claims(job: str, namespace: str = "default", task: str | None = None) -> dict:
    now = int(time.time())
    return {
        "aud": ["vault.io"], "iat": now, "nbf": now, "exp": now + 300,
        "sub": f"global:{namespace}:{job}:{job}:{task or job}:default",
        "nomad_namespace": namespace, "nomad_job_id": job, "nomad_group": job,
        "nomad_task": task or job,
    }


def test_workload_identity_logs_in_and_reads_exactly_its_secret(server, shipped, accessor,
                                                                tmp_path):
    _, stacks = shipped
    vault = stacks["dev-vault"]
    key = tmp_path / "nomad.key"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True,
                   capture_output=True)
    public = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout"], check=True,
                            capture_output=True, text=True).stdout
    [backend] = resources(vault, "vault_jwt_auth_backend").values()
    # terraform-provider-vault r/jwt_auth_backend writes config at auth/<path>/config; no
    # Nomad answers its jwks_url here, so the test key's public half stands in for it.
    server.api("POST", f"auth/{backend['path']}/config", {
        "jwt_validation_pubkeys": [public], "jwt_supported_algs": backend["jwt_supported_algs"],
        "default_role": backend["default_role"]})
    for name, text in policies({"dev-vault": vault}, accessor)["dev"].items():
        server.api("PUT", f"sys/policies/acl/{name}", {"policy": text})
    # r/jwt_auth_backend_role: each field is written under the same name.
    for role in resources(vault, "vault_jwt_auth_backend_role").values():
        fields = {k: v for k, v in role.items() if k not in ("//", "backend", "role_name")}
        server.api("POST", f"auth/{backend['path']}/role/{role['role_name']}", fields)
    server.api("POST", "secret/data/myapp", {"data": {"username": "u", "password": "p"}})
    server.api("POST", "secret/data/other", {"data": {"username": "x"}})

    jwt = sign_jwt(key, nomad_claims("myapp"))
    login = server.api("POST", f"auth/{backend['path']}/login",
                       {"role": "app-myapp", "jwt": jwt}, token=None)["auth"]
    assert "app-myapp" in login["token_policies"]
    assert "nomad-workloads" not in login["token_policies"]  # the job's own role, not the default
    token = login["client_token"]
    assert server.api("GET", "secret/data/myapp", token=token)["data"]["data"]["username"] == "u"
    with pytest.raises(urllib.error.HTTPError) as denied:
        server.api("GET", "secret/data/other", token=token)
    assert denied.value.code == 403
    # Another job's identity cannot use this job's role (bound_claims).
    with pytest.raises(urllib.error.HTTPError) as refused:
        server.api("POST", f"auth/{backend['path']}/login",
                   {"role": "app-myapp", "jwt": sign_jwt(key, nomad_claims("other"))}, token=None)
    assert refused.value.code in (400, 403)


def test_connect_ca_login_makes_consuls_calls_and_no_more(server, shipped, accessor):
    """Consul's Vault CA provider with the synthesized Connect CA policy: the PKI
    calls it makes succeed; anything else is refused."""
    _, stacks = shipped
    vault = stacks["dev-vault"]
    # r/mount and r/pki_secret_backend_root_cert, as terraform-provider-vault writes them.
    for mount in resources(vault, "vault_mount").values():
        if mount["type"] == "pki":
            server.api("POST", f"sys/mounts/{mount['path']}", {
                "type": "pki", "description": mount["description"],
                "config": {"max_lease_ttl": f"{mount['max_lease_ttl_seconds']}s"}})
    [root] = resources(vault, "vault_pki_secret_backend_root_cert").values()
    server.api("POST", "connect-root/root/generate/internal", {
        k: root[k] for k in ("common_name", "ttl", "key_type", "key_bits")})
    name = "consul-connect-ca"
    server.api("PUT", f"sys/policies/acl/{name}",
               {"policy": policies({"dev-vault": vault}, accessor)["dev"][name]})
    token = server.api("POST", "auth/token/create", {
        "policies": [name], "no_default_policy": True, "ttl": "10m"})["auth"]["client_token"]

    def call(method, path, body=None):
        return server.api(method, path, body, token=token)

    # What the provider does with Vault-managed mounts (agent/connect/ca/provider_vault.go).
    call("GET", "sys/mounts/connect-root")
    call("GET", "sys/mounts/connect-intermediate")
    csr = call("POST", "connect-intermediate/intermediate/generate/internal", {
        "common_name": "Consul intermediate", "key_type": "ec", "key_bits": 256})["data"]["csr"]
    signed = call("POST", "connect-root/root/sign-intermediate",
                  {"csr": csr, "format": "pem_bundle", "ttl": "8760h"})["data"]["certificate"]
    call("POST", "connect-intermediate/intermediate/set-signed", {"certificate": signed})
    call("POST", "sys/mounts/connect-intermediate/tune", {"max_lease_ttl": "8760h"})
    call("POST", "connect-intermediate/roles/leaf-cert", {"allow_any_name": True})
    call("POST", "auth/token/renew-self", {})
    for method, path, body in [
        ("GET", "secret/data/myapp", None),
        ("POST", "sys/mounts/elsewhere", {"type": "kv"}),
        ("POST", "connect-root/root/generate/internal", {"common_name": "x"}),
        ("GET", "sys/policies/acl", None),
        ("POST", "auth/token/create", {}),
    ]:
        with pytest.raises(urllib.error.HTTPError) as refused:
            call(method, path, body)
        assert refused.value.code == 403, path


def test_acl_engine_agrees_with_the_server_on_generated_policies(server):
    """A few thousand generated cases: globs, `+` segments, deny, list on trailing
    slashes, the same path in two policies."""
    import random

    rnd = random.Random(7)
    segments = ["a", "ab", "b", "+", "c"]
    caps = ["read", "list", "deny", "update", "create", "sudo"]
    compared = by_design = 0
    for batch in range(60):
        texts = []
        for _ in range(2):
            doc = PolicyDocument()
            for _ in range(rnd.randint(1, 6)):
                path = "kv/" + "/".join(rnd.choice(segments) for _ in range(rnd.randint(1, 3)))
                if rnd.random() < 0.4 and not path.endswith("+"):  # Vault forbids `+*`
                    path += "*"
                doc.add(path, rnd.sample(caps, rnd.randint(1, 2)))
            texts.append(doc.to_hcl())
        names = [f"gen-{batch}-{i}" for i in range(len(texts))]
        for name, text in zip(names, texts, strict=True):
            server.api("PUT", f"sys/policies/acl/{name}", {"policy": text})
        token = server.api("POST", "auth/token/create", {
            "policies": names, "no_default_policy": True, "ttl": "10m"})["auth"]["client_token"]
        paths = sorted({"kv/" + "/".join(rnd.choice(segments + ["abc", "x"])
                                         for _ in range(rnd.randint(1, 4)))
                        + ("/" if rnd.random() < 0.3 else "") for _ in range(60)})
        answer = server.api("POST", "sys/capabilities", {"token": token, "paths": paths})
        acl = Acl.from_policies([PolicyDocument.parse(t) for t in texts])
        for path in paths:
            expected = acl.capabilities(path)  # Vault's answer: the engine follows Vault
            if openbao_differs(acl, path):
                expected = openbao_list_answer(acl, path)
                by_design += 1
            assert sorted(answer[path]) == expected, (texts, path)
            compared += 1
    assert compared > 2000 and by_design < compared // 10


def openbao_differs(acl: Acl, path: str) -> bool:
    """Where OpenBao and Vault differ by design. For a LIST of `foo/` with no exact
    rule, Vault weighs the glob and `+` candidates of `foo/` and `foo` together
    (vault/acl.go resolveACLPermsForListOp, VAULT-3825's follow-up); OpenBao takes
    `foo/`'s when there are any and looks at `foo` only otherwise
    (internal/vault/policy/acl.go AllowOperation). `capabilities` asks as a LIST."""
    if not path.endswith("/") or path in acl._exact or path[:-1] in acl._exact:
        return False
    return bool(acl._candidates(path)) and bool(acl._candidates(path[:-1]))


def openbao_list_answer(acl: Acl, path: str) -> list[str]:
    from hashistack.vault.acl import _priority

    caps = max(acl._candidates(path), key=_priority)[4]
    return ["deny"] if "deny" in caps else sorted(caps)
