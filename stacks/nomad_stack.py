"""`<env>-nomad`: Nomad's side: the apps' jobs, and the rendered agent files."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_nomad.provider import NomadProvider
from constructs import Construct

from hashistack.names import VAULT_AGENT_PREFIX, vault_agent_role
from hashistack.nomad import bootstrap
from hashistack.nomad.agent_config import (
    CONSUL_IDENTITY,
    AgentConfig,
    AgentConsulBlock,
    AgentTls,
    AgentVaultBlock,
)
from hashistack.nomad.job import NomadJob
from hashistack.nomad.jobspec import (
    Check,
    Connect,
    Group,
    Job,
    Network,
    Service,
    Task,
    Upstream,
    secret_env_template,
    secret_field_template,
)
from hashistack.nomad.vault_agent import (
    AgentTemplate,
    AppRoleMethod,
    AutoAuth,
    EnvTemplate,
    Exec,
    FileSink,
    VaultAgentConfig,
    VaultTLS,
)
from hashistack.nomad.vault_agent import systemd_unit as vault_agent_unit
from stacks import agent_tokens, agents, backends, observability
from stacks.config import App, Environment
from stacks.consul_tenancy import consul_block
from stacks.legacy import keeps_legacy, side_by_side
from stacks.namespaces import nomad_namespaces, secret_path

UPSTREAM_PORT_BASE = 10000
STARTUP_SCRIPT = "/opt/nomad/bin/nomad-startup.sh"
SECRETS_DIR = "/etc/secrets"  # where the VM Vault Agent renders an app's env file
STARTUP_CERT = "/opt/nomad/tls/nomad_startup.crt"
STARTUP_KEY = "/opt/nomad/tls/nomad_startup_key.pem"


def nomad_provider(scope: Construct, env: Environment) -> NomadProvider:
    """The Nomad provider for the environment's servers (its token: NOMAD_TOKEN)."""
    n = env.nomad
    return NomadProvider(
        scope,
        "nomad",
        address=n.address,
        region=n.region,
        ca_file=n.tls.ca_file,
        cert_file=n.tls.cert_file,
        key_file=n.tls.key_file,
        skip_verify=n.tls.skip_verify or None,
    )


class NomadStack(TerraformStack):
    def __init__(self, scope: Construct, env: Environment, *, vault, consul) -> None:
        name = f"{env.name}-nomad"
        super().__init__(scope, name)
        nomad_provider(self, env)
        backends.configure(self, env, name)
        self.env = env
        # Files to ship to the machines, written beside this stack's JSON.
        self.rendered: dict[str, str] = {}

        # Nomad has only `default` until a namespace is made.
        self.namespaces = nomad_namespaces(self, env)
        wi = env.integration == "workload-identity"
        ports = {a.name: UPSTREAM_PORT_BASE + i for i, a in enumerate(env.apps)}
        self.jobs = {}
        for app in env.apps:
            job = NomadJob(self, f"job-{app.name}", job=_app_job(env, app, ports),
                           namespace=self.namespaces.get(app.namespace))
            path = secret_path(app)
            if app.secrets and wi:
                job.use_secret(vault.kv, path, app.secrets, role=vault.app_roles[app.name])
            elif app.secrets:
                job.use_secret(vault.kv, path, app.secrets, policy=vault.app_policies[app.name])
            if app.database is not None:
                # The same login as the KV read: the app's role (WI) or its policy (legacy).
                db = app.database
                if wi:
                    job.use_dynamic_secret(vault.databases, db.role, db.env,
                                           role=vault.app_roles[app.name])
                else:
                    job.use_dynamic_secret(vault.databases, db.role, db.env,
                                           policy=vault.app_policies[app.name])
            self.jobs[app.name] = job
            if app.name in vault.agent_roles:
                self._vault_agent(env, app, vault)

        self._agents(env)
        self.rendered.update(observability.rendered_files(env))  # prometheus.yml and its agent
        self.rendered.update(agent_tokens.nomad_files(env))  # CONSUL_HTTP_TOKEN from Vault
        if keeps_legacy(env.integration, env.nomad.keep_legacy_flow):
            self._bootstrap(env)

    def _agents(self, env: Environment) -> None:
        n, v = env.nomad, env.vault
        wi = env.integration == "workload-identity"
        vault_block = AgentVaultBlock(
            workflow="workload-identity" if wi else "token",
            address=v.address,
            jwt_auth_backend_path=v.workload_identity.path if wi else None,
            create_from_role=None if wi else v.token_role.name,
            ca_file=v.tls.ca_file,
            tls_server_name=v.tls.server_name,
            namespace=v.namespace,
        )
        # The local Consul agent, not the servers Terraform talks to.
        local = env.nomad_consul
        identities = wi and env.consul_acl
        consul_block = AgentConsulBlock(
            address=local.address,
            ssl=local.ssl,
            ca_file=local.ca_file if local.ssl else None,
            # Envoy sidecars reach Consul over gRPC; with TLS that is the 8503
            # listener and needs the CA (hashicorp/nomad#15360).
            grpc_address=local.grpc_address,
            grpc_ca_file=local.ca_file if local.ssl and local.grpc_address else None,
            service_identity=CONSUL_IDENTITY if identities else None,
            task_identity=CONSUL_IDENTITY if identities else None,
        )
        tls = n.agent_tls
        agent_tls = (
            AgentTls(ca_file=tls.ca_file, cert_file=tls.cert_file, key_file=tls.key_file)
            if tls
            else None
        )
        self.agent_configs: dict[str, AgentConfig] = {}
        for role in ("server", "client"):
            config = self.agent_configs[role] = AgentConfig(
                role=role,
                datacenter=n.datacenters[0],
                region=n.region,
                vault=(side_by_side(vault_block, v.token_role.name)
                       if role == "server" and n.keep_legacy_flow else vault_block),
                consul=consul_block,
                tls=agent_tls,
                **agents.nomad_settings(env, role),
            )
            self.rendered[f"nomad-{role}.hcl"] = config.to_hcl()

    def _bootstrap(self, env: Environment) -> None:
        tr, cert = env.vault.token_role, env.vault.cert_auth
        self.rendered["nomad-startup.sh"] = bootstrap.startup_script(
            vault_addr=env.vault.address,
            client_cert=STARTUP_CERT,
            client_key=STARTUP_KEY,
            ca_cert=env.vault.tls.ca_file,
            cert_role=cert.role,
            cert_auth_path=cert.path,
            token_policies=(tr.server_policy,),
            period=tr.period,
        )
        # The legacy token goes to the servers only, which run as the nomad user.
        self.rendered["nomad.service"] = bootstrap.systemd_unit(
            script_path=STARTUP_SCRIPT, role="server",
            data_dir=self.agent_configs["server"].data_dir,
        )

    def _vault_agent(self, env: Environment, app: App, vault) -> None:
        """Seed 002's Vault Agent for `app`, and its process-supervisor variant."""
        v = env.vault
        role_dir = f"/etc/vault-agent/{app.name}"

        def login(instance: str) -> dict:
            auto_auth = AutoAuth(
                method=AppRoleMethod(
                    role_id_file_path=f"{role_dir}/role_id",
                    secret_id_file_path=f"{role_dir}/secret_id",
                    mount_path=f"auth/{v.agent_approle.path}",
                    # Vault's default deletes the file on first read: the next login
                    # (token past its max TTL, or a restart) would have no secret ID.
                    remove_secret_id_file_after_reading=False,
                ),
                # The unit's RuntimeDirectory, vault-agent/%i.
                sinks=(FileSink(path=f"/run/vault-agent/{instance}/token", mode=0o600),),
            )
            tls = VaultTLS(ca_cert=v.tls.ca_file) if v.tls.ca_file else None
            return {"vault_address": v.address, "auto_auth": auto_auth, "tls": tls}

        kv_path = vault.kv.data_path(secret_path(app))
        data = secret_env_template(kv_path, app.secrets)
        self.rendered[f"{vault_agent_role(app.name)}.hcl"] = VaultAgentConfig(
            **login(app.name),
            templates=[
                AgentTemplate(
                    destination=f"{SECRETS_DIR}/{app.name}.env", contents=data, perms="0600"
                )
            ],
        ).to_hcl()
        self.rendered[f"{vault_agent_role(app.name)}-exec.hcl"] = VaultAgentConfig(
            **login(f"{app.name}-exec"),
            env_templates=[
                EnvTemplate(
                    name=var, contents=secret_field_template(kv_path, key)
                )
                for var, key in sorted(app.secrets.items())
            ],
            exec=Exec(command=[f"/usr/local/bin/{app.name}"]),
        ).to_hcl()
        # One template unit runs every agent: vault-agent@<app> or vault-agent@<app>-exec.
        self.rendered["vault-agent@.service"] = vault_agent_unit(
            name="%i", config_path=f"/etc/vault-agent/{VAULT_AGENT_PREFIX}%i.hcl",
            runtime_directory="vault-agent/%i", read_write_paths=(SECRETS_DIR,))


def _app_job(env: Environment, app: App, ports: dict[str, int]) -> Job:
    """An app in the mesh: reachable only through its sidecar, so intentions
    decide who may call it. No host port is mapped; the health check goes
    through an exposed path on the proxy."""
    upstreams = [Upstream(destination_name=u, local_bind_port=ports[u]) for u in app.upstreams]
    task = Task(name=app.name, driver="docker", config={"image": app.image})
    service = Service(
        name=app.name,
        port=str(app.port),
        checks=[Check(type="http", path=app.health_path, name=f"{app.name}-health", expose=True)],
        connect=Connect(upstreams=upstreams),
    )
    group = Group(
        name=app.name,
        count=app.count,
        tasks=[task],
        services=[service],
        network=Network(mode="bridge", ports={}),
        consul=consul_block(app),
    )
    return Job(
        name=app.name,
        namespace=app.namespace,
        datacenters=list(env.nomad.datacenters),
        region=env.nomad.region,
        groups=[group],
    )
