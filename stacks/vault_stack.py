"""`<env>-vault`: everything Vault holds for the integration."""

from __future__ import annotations

from cdktf import Fn, TerraformStack
from cdktf_cdktf_provider_vault.provider import VaultProvider, VaultProviderClientAuth
from constructs import Construct

from hashistack.names import CONNECT_CA_ROLE, vault_agent_role
from hashistack.vault import (
    AppRole,
    AppRoleBackend,
    AuditDevice,
    CertAuthBackend,
    CertAuthRole,
    DatabaseSecrets,
    KvV2,
    NomadWorkloadIdentity,
    PeriodicToken,
    PkiHierarchy,
    TokenRole,
    VaultPolicy,
    presets,
)
from hashistack.vault.cert_auth import read_ca_pem
from stacks import acl_tokens, agent_tokens, backends, observability, vault_cluster
from stacks.config import Environment
from stacks.legacy import keeps_legacy
from stacks.namespaces import secret_path


def app_policy_name(app: str) -> str:
    return f"app-{app}"


class VaultStack(TerraformStack):
    def __init__(self, scope: Construct, env: Environment) -> None:
        name = f"{env.name}-vault"
        super().__init__(scope, name)
        self.env = env
        v = env.vault
        VaultProvider(
            self,
            "vault",
            address=v.address,
            namespace=v.namespace,
            ca_cert_file=v.tls.ca_file,
            skip_tls_verify=v.tls.skip_verify or None,
            tls_server_name=v.tls.server_name,
            client_auth=VaultProviderClientAuth(cert_file=v.tls.cert_file, key_file=v.tls.key_file)
            if v.tls.cert_file
            else None,
        )
        backends.configure(self, env, name)
        # Files to ship to the machines, written beside this stack's JSON.
        self.rendered: dict[str, str] = vault_cluster.server_files(env)

        # OpenBao 2.4.0+ servers declare the device in their files instead.
        if env.audit_enabled and not vault_cluster.audit_in_config(env):
            AuditDevice(
                self,
                "audit",
                type=v.audit.type,
                file_path=v.audit.file_path,
                socket_address=v.audit.socket_address,
                socket_type=v.audit.socket_type,
            )

        self.kv = KvV2(self, "kv", path=v.kv_mount, create_mount=env.kv_create_mount)
        # Each grantee declares its own read: the Nomad stack's `job.use_secret(...)`
        # for the job (its template and its grant from that one declaration), and
        # below, the Vault Agent's AppRole for the agent. Both hold this policy.
        self.app_policies = {
            app.name: VaultPolicy(self, f"policy-{app.name}", name=app_policy_name(app.name))
            for app in env.apps
            if app.secrets or app.database
        }
        # Dynamic credentials: the engine, its connections (no password: set out of
        # band, hashistack/vault/database.py) and roles. The Nomad stack's
        # `job.use_dynamic_secret(...)` grants each app read on its role's creds.
        self.databases = self._databases(env) if v.databases else None

        self.pki = PkiHierarchy(
            self,
            "pki",
            root_path=v.pki.root_path,
            intermediate_path=v.pki.intermediate_path,
            common_name=v.pki.common_name,
            root_ttl=v.pki.root_ttl,
            intermediate_ttl=env.consul.connect_ca.intermediate_cert_ttl,
            key_type=v.pki.key_type,
            key_bits=v.pki.key_bits,
        )
        self.connect_ca_policy = VaultPolicy(
            self,
            "policy-connect-ca",
            name=CONNECT_CA_ROLE,
            document=self.pki.connect_ca_policy(),
        )

        self.approle = AppRoleBackend(self, "approle", path=v.agent_approle.path)
        # Consul's CA provider logs in itself (AppRole) or is handed a periodic
        # token; either way it holds only the documented Connect CA policy.
        ca = env.consul.connect_ca
        self.connect_ca_token = None
        if env.connect_ca_auth == "approle":
            # Consul logs in again whenever its token lapses, reading the secret
            # ID file each time: an expiring secret ID would stop the CA.
            AppRole(
                self,
                "approle-connect-ca",
                backend=self.approle,
                role=CONNECT_CA_ROLE,
                token_policies=[CONNECT_CA_ROLE],
                token_period=ca.token_period,
                secret_id_ttl=0,
                bound_cidrs=ca.bound_cidrs,
            )
        else:
            self.connect_ca_token = PeriodicToken(
                self,
                "token-connect-ca",
                role=CONNECT_CA_ROLE,
                policies=[CONNECT_CA_ROLE],
                period=ca.token_period,
            )
        # The Prometheus scraper: read on sys/metrics, an AppRole login ([observability]).
        observability.vault_access(self, env, approle=self.approle)
        self.agent_roles = {}
        if v.agent_approle.enabled:
            for app in env.apps:
                if not app.secrets:
                    continue
                agent = self.agent_roles[app.name] = AppRole(
                    self,
                    f"approle-agent-{app.name}",
                    backend=self.approle,
                    role=vault_agent_role(app.name),
                    token_policies=[self.app_policies[app.name]],
                    token_ttl=v.agent_approle.token_ttl,
                    token_max_ttl=v.agent_approle.token_max_ttl,
                    secret_id_ttl=v.agent_approle.secret_id_ttl or 0,
                    bound_cidrs=v.agent_approle.bound_cidrs,
                )
                # The agent's templates read the app's secret (stacks/nomad_stack.py).
                self.kv.grant_read(agent, secret_path(app))

        # Nomad and Consul tokens as Vault leases, and who may read them (issue 12 §2).
        self.creds_policies = acl_tokens.vault_engines(self, env)
        agent_tokens.vault_access(self, env, approle=self.approle,
                                  creds_policies=self.creds_policies)  # their Vault Agents

        self.app_roles = {}  # app -> JobRole (workload identity only)
        if env.integration == "workload-identity":
            self._workload_identity(env)
        if keeps_legacy(env.integration, env.nomad.keep_legacy_flow):
            self._legacy(env)

    def _databases(self, env: Environment) -> DatabaseSecrets:
        v = env.vault
        engine = DatabaseSecrets(self, "databases", path=v.database_mount)
        for db in v.databases:
            # tls_ca_file was read into tls_ca when the file was loaded (stacks/database_tls.py).
            engine.add_connection(db.name, plugin=db.plugin, connection_url=db.connection_url,
                                  username=db.username, tls_ca=db.tls_ca)
            for role in db.roles:
                engine.add_role(
                    role.name,
                    connection=db.name,
                    creation_statements=role.creation_statements,
                    revocation_statements=role.revocation_statements,
                    default_ttl=role.default_ttl,
                    max_ttl=role.max_ttl,
                )
        return engine

    def _workload_identity(self, env: Environment) -> None:
        wi = env.vault.workload_identity
        # A deploy-machine path, like the providers' CA files: read at plan time.
        ca_pem = jwks_ca_pem(env)
        self.workload_identity = NomadWorkloadIdentity(
            self,
            "workload-identity",
            jwks_url=env.jwks_url,
            path=wi.path,
            role=wi.role,
            policy=wi.policy,
            audience=wi.audience,
            token_period=wi.token_period,
            kv_mount=env.vault.kv_mount,
            jwks_ca_pem=ca_pem,
        )
        for app in env.apps:
            if app.name not in self.app_policies:
                continue
            self.app_roles[app.name] = self.workload_identity.add_job_role(
                app_policy_name(app.name),
                job=app.name,
                namespace=app.namespace,
                policies=[self.app_policies[app.name]],
            )

    def _legacy(self, env: Environment) -> None:
        tr, cert = env.vault.token_role, env.vault.cert_auth
        self.server_policy = VaultPolicy(
            self,
            "policy-nomad-server",
            name=tr.server_policy,
            document=presets.nomad_server(tr.name),
        )
        self.token_role = TokenRole(
            self,
            "token-role",
            name=tr.name,
            server_policy=tr.server_policy,
            allowed_policies=[p.name for p in self.app_policies.values()],
            period=tr.period,
            orphan=tr.orphan,
        )
        self.startup_policy = VaultPolicy(
            self,
            "policy-nomad-startup",
            name=cert.startup_policy,
            document=presets.nomad_startup(),
        )
        # The environment model requires one of the two for the legacy flow.
        pem = read_ca_pem(cert.ca_pem_file) if cert.ca_pem_file else cert.ca_pem
        backend = CertAuthBackend(self, "cert-auth", path=cert.path)
        self.cert_role = CertAuthRole(
            self,
            "cert-role",
            backend=backend,
            name=cert.role,
            certificate=pem,
            token_policies=[cert.startup_policy, tr.server_policy],
            token_ttl=cert.token_ttl,
            allowed_common_names=cert.allowed_common_names,
        )


def jwks_ca_pem(env: Environment) -> str | None:
    """The CA Vault and Consul trust for Nomad's JWKS URL. A file is a path on
    the deploy machine, like the providers' CA files: read at plan time."""
    wi = env.vault.workload_identity
    return Fn.file(wi.jwks_ca_file) if wi.jwks_ca_file else wi.jwks_ca_pem
