import hcl  # Vault reads agent config with HCL1
import pytest

from hashistack.nomad.vault_agent import (
    AgentTemplate,
    AppRoleMethod,
    AutoAuth,
    CertMethod,
    EnvTemplate,
    Exec,
    FileSink,
    VaultAgentConfig,
    VaultTLS,
)
from tests.hashicorp_hcl import parse_many


def seed_002() -> VaultAgentConfig:
    return VaultAgentConfig(
        vault_address="http://127.0.0.1:8200",
        auto_auth=AutoAuth(
            method=AppRoleMethod(
                role_id_file_path="/etc/vault/role_id",
                secret_id_file_path="/etc/vault/secret_id",
            ),
            sinks=[FileSink(path="/tmp/vault-token")],
        ),
        templates=[
            AgentTemplate(destination="/etc/secrets/config.json",
                          source="/etc/vault/template.ctmpl")
        ],
    )


def supervisor() -> VaultAgentConfig:
    return VaultAgentConfig(
        vault_address="https://vault.service.consul:8200",
        auto_auth=AutoAuth(
            method=CertMethod(name="web", client_cert="/etc/tls/web.pem",
                              client_key="/etc/tls/web-key.pem", ca_cert="/etc/tls/ca.pem"),
            sinks=[],
        ),
        env_templates=[
            EnvTemplate("DB_PASS", contents='{{ with secret "secret/data/web" }}'
                        "{{ .Data.data.password }}{{ end }}"),
            EnvTemplate("DB_USER", source="/etc/vault/user.ctmpl", error_on_missing_key=False),
        ],
        exec=Exec(command=["/usr/local/bin/web", "--listen", ":8080"]),
        tls=VaultTLS(ca_cert="/etc/tls/ca.pem", client_cert="/etc/tls/web.pem",
                     client_key="/etc/tls/web-key.pem"),
    )


def file_templates() -> VaultAgentConfig:
    return VaultAgentConfig(
        vault_address="https://vault.service.consul:8200",
        auto_auth=AutoAuth(
            AppRoleMethod("/etc/vault/role_id", "/etc/vault/secret_id", mount_path="auth/apps",
                          remove_secret_id_file_after_reading=False),
            sinks=[FileSink("/run/vault/token", mode=0o600)],
        ),
        templates=[
            AgentTemplate("/etc/app/app.conf", contents="{{ with secret \"secret/data/app\" }}\n"
                          "password = {{ .Data.data.password }}\n{{ end }}\n",
                          perms="0640", command=["systemctl", "reload", "app"],
                          error_on_missing_key=True),
        ],
    )


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[str, dict]]:
    texts = {"seed": seed_002().to_hcl(), "supervisor": supervisor().to_hcl(),
             "files": file_templates().to_hcl()}
    results = parse_many(texts)
    for name in texts:
        assert "ok" in results[name], results[name]
    return {name: (texts[name], results[name]["ok"]) for name in texts}


def test_seed_002_is_expressible(rendered):
    text, p = rendered["seed"]
    assert p["vault"] == [{"address": "http://127.0.0.1:8200"}]
    method = p["auto_auth"][0]["method"]["approle"][0]
    assert method["mount_path"] == "auth/approle"
    assert method["config"] == {
        "role_id_file_path": "/etc/vault/role_id",
        "secret_id_file_path": "/etc/vault/secret_id",
    }
    sink = p["auto_auth"][0]["sink"]["file"][0]
    assert sink["config"] == {"path": "/tmp/vault-token", "mode": 0o640}
    assert p["template"] == [
        {"source": "/etc/vault/template.ctmpl", "destination": "/etc/secrets/config.json"}
    ]
    # What Vault itself (HCL1) reads: the same shape the seed wrote.
    v1 = hcl.loads(text)
    approle = v1["auto_auth"]["method"]["approle"]
    assert approle["config"]["role_id_file_path"] == "/etc/vault/role_id"
    assert v1["auto_auth"]["sink"]["file"]["config"] == {"path": "/tmp/vault-token", "mode": 416}


def test_process_supervisor_mode(rendered):
    text, p = rendered["supervisor"]
    assert p["exec"] == [{
        "command": ["/usr/local/bin/web", "--listen", ":8080"],
        "restart_on_secret_changes": "always",
        "restart_stop_signal": "SIGTERM",
    }]
    envs = p["env_template"]
    assert envs["DB_PASS"][0]["error_on_missing_key"] is True
    assert "secret/data/web" in envs["DB_PASS"][0]["contents"]
    assert envs["DB_USER"][0] == {"source": "/etc/vault/user.ctmpl", "error_on_missing_key": False}
    assert "template" not in p and "sink" not in p["auto_auth"][0]
    cert = p["auto_auth"][0]["method"]["cert"][0]
    assert cert["mount_path"] == "auth/cert"
    assert cert["config"]["name"] == "web"
    assert cert["config"]["client_key"] == "/etc/tls/web-key.pem"
    assert p["vault"][0]["client_cert"] == "/etc/tls/web.pem"
    assert hcl.loads(text)["env_template"]["DB_USER"]["source"] == "/etc/vault/user.ctmpl"


def test_file_template_with_contents_perms_and_exec(rendered):
    text, p = rendered["files"]
    tpl = p["template"][0]
    assert tpl["perms"] == "0640"
    assert tpl["exec"] == [{"command": ["systemctl", "reload", "app"]}]
    assert tpl["contents"].startswith('{{ with secret "secret/data/app" }}')
    method = p["auto_auth"][0]["method"]["approle"][0]
    assert method["mount_path"] == "auth/apps"
    assert method["config"]["remove_secret_id_file_after_reading"] is False
    assert p["auto_auth"][0]["sink"]["file"][0]["config"]["mode"] == 0o600
    assert hcl.loads(text)["template"]["perms"] == "0640"


def auth() -> AutoAuth:
    return AutoAuth(AppRoleMethod("/r"), sinks=[])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: VaultAgentConfig("http://v:8200", auth(), exec=Exec(["/bin/app"])),
         "at least one env_template"),
        (lambda: VaultAgentConfig("http://v:8200", auth(), env_templates=[EnvTemplate("A", "x")]),
         "exec"),
        (lambda: VaultAgentConfig("http://v:8200", auth(), exec=Exec(["/bin/app"]),
                                  env_templates=[EnvTemplate("A", "x")],
                                  templates=[AgentTemplate("/d", contents="x")]),
         "templates"),
        (lambda: VaultAgentConfig("http://v:8200", auth(), exec=Exec(["/bin/app"]),
                                  env_templates=[EnvTemplate("A", "x"), EnvTemplate("A", "y")]),
         "duplicate"),
        (lambda: VaultAgentConfig("http://v:8200", auth()), "sink"),
        (lambda: VaultAgentConfig("v:8200", AutoAuth(AppRoleMethod("/r"))), "vault_address"),
        (lambda: Exec([]), "Exec.command"),
        (lambda: Exec("/bin/app"), "Exec.command"),
        (lambda: Exec(["/bin/app"], restart_on_secret_changes="sometimes"),
         "restart_on_secret_changes"),
        (lambda: Exec(["/bin/app"], restart_stop_signal="TERM"), "restart_stop_signal"),
        (lambda: EnvTemplate("1BAD", "x"), "EnvTemplate.name"),
        (lambda: EnvTemplate("A\n", "x"), "EnvTemplate.name"),
        (lambda: AgentTemplate("/d", contents="x", perms="0640\n"), "AgentTemplate.perms"),
        (lambda: EnvTemplate("A"), "source or contents"),
        (lambda: EnvTemplate("A", contents="x", source="/s"), "source or contents"),
        (lambda: AgentTemplate("/d"), "source or contents"),
        (lambda: AgentTemplate("/d", contents="x", perms="rw-r--r--"), "AgentTemplate.perms"),
        (lambda: AgentTemplate("/d", contents="x", command="reload"), "AgentTemplate.command"),
        (lambda: AppRoleMethod(""), "role_id_file_path"),
        (lambda: AppRoleMethod("/r", mount_path="approle"), "mount_path"),
        (lambda: CertMethod(client_cert="/c"), "client_cert"),
        (lambda: FileSink(mode=0o1777), "FileSink.mode"),
        (lambda: FileSink(path=""), "FileSink.path"),
        (lambda: VaultTLS(client_key="/k"), "client_cert"),
        (lambda: AutoAuth(method="approle"), "AutoAuth.method"),
    ],
)
def test_validation(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_agent_systemd_unit_keeps_it_running_and_verifies(tmp_path):
    import shutil
    import subprocess

    from hashistack.nomad.vault_agent import systemd_unit

    text = systemd_unit(name="myapp", config_path="/etc/vault-agent/vault-agent-myapp.hcl",
                        read_write_paths=["/etc/secrets"])
    assert "ExecStart=/usr/bin/vault agent -config=/etc/vault-agent/vault-agent-myapp.hcl" in text
    assert "Restart=on-failure" in text and "RuntimeDirectory=vault-agent/myapp" in text
    assert "ReadWritePaths=/etc/secrets" in text and "ProtectSystem=full" in text
    with pytest.raises(ValueError, match="config_path must be an absolute path"):
        systemd_unit(name="myapp", config_path="agent.hcl")
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: unit not verified")
    unit = tmp_path / "vault-agent-myapp.service"
    # /bin/true stands in for the vault binary, which verify wants to exist.
    unit.write_text(systemd_unit(name="myapp", config_path="/etc/vault-agent/a.hcl",
                                 vault_binary="/bin/true", read_write_paths=["/etc/secrets"]))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_rendered_agents_keep_their_secret_id_and_share_a_template_unit(shipped, tmp_path):
    import shutil
    import subprocess

    out, _ = shipped
    rendered = out / "stacks" / "prod-nomad" / "rendered"
    unit = (rendered / "vault-agent@.service").read_text()
    assert "-config=/etc/vault-agent/vault-agent-%i.hcl" in unit
    for instance in ("myapp", "myapp-exec"):
        config = (rendered / f"vault-agent-{instance}.hcl").read_text()
        assert "remove_secret_id_file_after_reading = false" in config
        # The sink is in the instance's RuntimeDirectory (vault-agent/%i).
        assert f'"/run/vault-agent/{instance}/token"' in config
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: unit not verified")
    instance = tmp_path / "vault-agent@myapp.service"
    instance.write_text(unit.replace("/usr/bin/vault", "/bin/true"))
    done = subprocess.run(["systemd-analyze", "verify", str(instance)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
