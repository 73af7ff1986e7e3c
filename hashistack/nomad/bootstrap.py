"""Seed 003's Nomad start-up script and systemd unit (legacy token workflow).

Nomad <= 1.9 servers need a periodic Vault token. Nomad renews it but only
in memory, so after a restart past its period the old token is gone. The
script fetches a fresh one at every start: cert-auth login, create a periodic
orphan token, revoke the token the previous start created (by the accessor it
kept under /run), revoke the login token, start Nomad with ``VAULT_TOKEN`` in
Nomad's environment only. No token ever appears in the generated text: the
functions take no token argument. Workload identity (Nomad 1.7+) needs none
of this.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from hashistack import _validate as valid
from hashistack.errors import FieldError

# A directory directly or further under /run, for systemd's RuntimeDirectory=.
_RUN_DIR = re.compile(r"/run/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")

# Where the start-up script keeps the accessor (never the token) of the token it
# gave Nomad, so the next start can revoke it. Owner-only, on tmpfs.
ACCESSOR_DIR = "/run/nomad-vault"
ACCESSOR_FILE = "nomad-token.accessor"
ROLES = ("server", "client")


def _abs(value: str, what: str) -> str:
    # No whitespace either: these paths also go into shell and systemd lines.
    return valid.abs_path(value, what, spaces=False)


def _run_dir(value: str, what: str) -> str:
    _abs(value, what)
    value = value.rstrip("/")
    if _RUN_DIR.fullmatch(value) and {".", ".."} & set(value.split("/")):
        raise FieldError(f"{what} must not contain '.' or '..' segments, got {value!r}", path=what)
    return valid.matches(value, _RUN_DIR, what,
                         "must be a directory under /run (systemd RuntimeDirectory=)")


def _q(value: str) -> str:
    return shlex.quote(value)


def startup_script(
    *,
    vault_addr: str,
    client_cert: str,
    client_key: str,
    ca_cert: str | None = None,
    cert_role: str = "nomad_startup",
    cert_auth_path: str = "cert",
    token_policies: Sequence[str] = ("nomad-server",),
    period: str = "72h",
    nomad_binary: str = "/usr/bin/nomad",
    nomad_config_dir: str = "/etc/nomad.d",
    pid_file: str = "/run/nomad/nomad.pid",
    accessor_dir: str = ACCESSOR_DIR,
) -> str:
    """Bash start-up script for a Nomad server in the legacy token workflow.

    The cert role's token needs `update` *and* `sudo` on
    `auth/token/create-orphan`, plus the `token_policies` it hands on.
    create-orphan alone can be ACLd without sudo, but this script asks for an
    explicit `period`, and Vault's token store refuses that without root or
    sudo on the request path ("root or sudo privileges required to create
    periodic token", vault/token_store.go). The policy
    `hashistack.vault.presets.nomad_startup()` (default `period=True`)
    grants exactly update + sudo there for this reason, and `update` on
    `auth/token/revoke-accessor`: each start revokes the token the previous
    start gave Nomad, by the accessor it kept in `accessor_dir` (a root- or
    nomad-user-only directory under /run; `systemd_unit` creates it). Without
    that, a restart loop piles up live 72 h tokens. The new token's accessor
    comes from a lookup-self with that token (the `default` policy's
    `auth/token/lookup-self`): one `vault write -field=` prints one field.
    """
    # Cert auth only works over TLS (seed 003's note).
    if not valid.is_url(valid.text(vault_addr, "vault_addr"), schemes=("https",)):
        raise FieldError(f"vault_addr must be https:// (cert auth needs TLS), got {vault_addr!r}",
                         path="vault_addr")
    _abs(client_cert, "client_cert")
    _abs(client_key, "client_key")
    if ca_cert is not None:
        _abs(ca_cert, "ca_cert")
    valid.matches(valid.text(cert_role, "cert_role"), valid.SHELL_SAFE_NAME, "cert_role",
                  "must be letters, digits, '_', '.', '-'")
    valid.mount_path(valid.text(cert_auth_path, "cert_auth_path"), "cert_auth_path")
    if isinstance(token_policies, str) or not token_policies:
        raise FieldError("token_policies must be a non-empty list of policy names",
                         path="token_policies")
    for p in token_policies:
        valid.matches(valid.text(p, "token_policies entry"), valid.SHELL_SAFE_NAME,
                      "token_policies entry",
                      "is not a policy name")
    # Nomad: the role/token "must have a non-zero period".
    if not valid.duration(valid.text(period, "period"), "period"):
        raise FieldError("period must be greater than zero", path="period")
    for value, what in ((nomad_binary, "nomad_binary"), (nomad_config_dir, "nomad_config_dir"),
                        (pid_file, "pid_file")):
        _abs(value, what)
    accessor_dir = _run_dir(accessor_dir, "accessor_dir")

    # -address / -ca-cert flags instead of exported VAULT_* variables, so
    # nothing but VAULT_TOKEN reaches Nomad's environment. Vault takes them
    # after the subcommand: `vault login -address=...`.
    opts = f"-address={_q(vault_addr)}"
    if ca_cert is not None:
        opts += f" -ca-cert={_q(ca_cert)}"
    policies = " ".join(_q(f"policies={p}") for p in token_policies)
    return f"""#!/usr/bin/env bash
# Nomad start-up (legacy Vault token workflow, Nomad <= 1.9), generated by
# hashistack.nomad.bootstrap. Gets Nomad a fresh periodic token at every start
# and revokes the one the previous start gave it.
set -euo pipefail
# Everything this script creates is owner-only.
umask 077

# The accessor (never the token) of the token the last start gave Nomad. /run is
# tmpfs: after a reboot the file is gone and that token is not revoked here; with
# no Nomad left to renew it, it expires within its period ({period}).
accessor_dir={_q(accessor_dir)}
accessor_file="$accessor_dir/{ACCESSOR_FILE}"
mkdir -p "$accessor_dir"
chmod 0700 "$accessor_dir"

# systemd runs servers as the nomad user: it must be able to read the key.
if [[ ! -r {_q(client_key)} ]]; then
  echo "nomad-startup: cannot read {_q(client_key)} as $(id -un)" >&2
  exit 1
fi

login_token=""
nomad_token=""
tmp=""
cleanup() {{
  if [[ -n "$tmp" ]]; then
    rm -f "$tmp"
  fi
  # On any failure, do not leave the login token valid until its TTL, nor a
  # new Nomad token that no Nomad holds (it would live for its period).
  if [[ -n "$nomad_token" ]]; then
    VAULT_TOKEN="$nomad_token" vault token revoke {opts} -self >/dev/null 2>&1 || true
  fi
  if [[ -n "$login_token" ]]; then
    VAULT_TOKEN="$login_token" vault token revoke {opts} -self >/dev/null 2>&1 || true
  fi
}}
trap cleanup EXIT

# Cert-auth login. -token-only implies -no-store: nothing lands in ~/.vault-token.
# Seed 003 passed -client-cert twice (the second one was the key); the key
# belongs in -client-key.
login_token="$(vault login {opts} -token-only -method=cert -path={_q(cert_auth_path)} \\
  -client-cert={_q(client_cert)} -client-key={_q(client_key)} {_q(f"name={cert_role}")})"

# Periodic orphan token for Nomad: survives revoking its parent, renewable forever.
nomad_token="$(VAULT_TOKEN="$login_token" vault write {opts} -field=token \\
  auth/token/create-orphan {policies} {_q(f"period={period}")})"
# Its accessor, by lookup-self with the new token (the default policy allows it).
nomad_accessor="$(VAULT_TOKEN="$nomad_token" vault token lookup {opts} -field=accessor)"

# Revoke the token the previous start gave Nomad (POST auth/token/revoke-accessor):
# that Nomad is gone, systemd stopped the unit's processes before this start.
# A revoke that fails (the token expired, Vault forgot the accessor) must not
# keep Nomad from starting: log it and go on.
if [[ -s "$accessor_file" ]]; then
  previous="$(<"$accessor_file")"
  if [[ ! "$previous" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
    echo "nomad-startup: ignoring $accessor_file: not an accessor" >&2
  elif ! VAULT_TOKEN="$login_token" vault token revoke {opts} -accessor "$previous" >/dev/null; then
    echo "nomad-startup: could not revoke the previous Nomad token;" \\
      "it expires within its period unless renewed" >&2
  fi
fi

VAULT_TOKEN="$login_token" vault token revoke {opts} -self >/dev/null
login_token=""

# Keep the new accessor for the next start: written whole (temp file, then mv
# in the same directory), mode 0600 (mktemp), in the 0700 directory.
tmp="$(mktemp "$accessor_dir/.accessor.XXXXXX")"
printf '%s\\n' "$nomad_accessor" > "$tmp"
mv -f "$tmp" "$accessor_file"
tmp=""

mkdir -p "$(dirname {_q(pid_file)})"
# VAULT_TOKEN is set for the Nomad process only (systemd Type=forking).
VAULT_TOKEN="$nomad_token" {_q(nomad_binary)} agent -config {_q(nomad_config_dir)} &
# Nomad holds the token now: a failure from here on must not revoke it.
nomad_token=""
echo "$!" > {_q(pid_file)}
"""


def systemd_unit(
    *,
    script_path: str = "/opt/nomad/bin/nomad-startup.sh",
    pid_file: str = "/run/nomad/nomad.pid",
    after: Sequence[str] = ("network-online.target", "vault.service"),
    role: str = "server",
    user: str | None = None,
    data_dir: str = "/opt/nomad/data",
    accessor_dir: str = ACCESSOR_DIR,
) -> str:
    """systemd unit running `startup_script` (Type=forking, as seed 003 says).

    SIGHUP makes Nomad reload its vault config; the token itself comes from
    the environment, so a new token needs `systemctl restart`, which reruns
    the script (and it revokes the token it replaces).

    `role="server"` (the default, and what the legacy token flow is for: only
    servers hold the Vault token) runs as the unprivileged `nomad` user and
    sandboxed: read-only system but `data_dir`, no /home, private /tmp and
    /dev, no new privileges, no capabilities. Nomad's own package unit says
    so ("Nomad clients need to be run as root whereas Nomad servers should be
    run as the nomad user", hashicorp/nomad
    `.release/linux/package/usr/lib/systemd/system/nomad.service`); the
    package makes that user and gives it /opt/nomad/data. The user must be
    able to read the start-up client key.

    `role="client"` is for an agent that also runs the client (server and
    client in one agent): root, because its task drivers need it (Docker,
    exec's isolation), and none of the sandbox, which would give the agent a
    mount namespace of its own, hiding the alloc and secrets mounts it makes
    from dockerd, and pass no-new-privileges on to exec/raw_exec tasks.

    Either way /run/nomad (PID file) and `accessor_dir` are systemd runtime
    directories, 0700, owned by `user`, and kept across restarts
    (RuntimeDirectoryPreserve) so each start can revoke the previous token.
    `user` overrides the role's user.
    """
    _abs(script_path, "script_path")
    _abs(pid_file, "pid_file")
    _abs(data_dir, "data_dir")
    accessor_dir = _run_dir(accessor_dir, "accessor_dir")
    if isinstance(after, str):
        raise FieldError("after must be a list of unit names, not a string", path="after")
    for unit in after:
        valid.unit_name(unit, "after entry")
    if role not in ROLES:
        raise FieldError(f"role must be 'server' or 'client', not {role!r}", path="role")
    server = role == "server"
    user = ("nomad" if server else "root") if user is None else user
    valid.matches(valid.text(user, "user"), valid.SHELL_SAFE_NAME, "user", "is not a user name")

    pid_dir = pid_file.rsplit("/", 1)[0] or "/"
    runtime = [d[len("/run/"):] for d in (pid_dir, accessor_dir) if _RUN_DIR.fullmatch(d)]
    writable = [data_dir] + ([] if _RUN_DIR.fullmatch(pid_dir) else [pid_dir])
    read_write = "".join(f"ReadWritePaths={p}\n" for p in writable)
    if server:
        who = f"""# A Nomad server runs unprivileged (hashicorp/nomad .release/linux/package/
# usr/lib/systemd/system/nomad.service: "Nomad servers should be run as the nomad user").
# It must be able to read the start-up client key.
User={user}
Group={user}
"""
        sandbox = f"""NoNewPrivileges=yes
CapabilityBoundingSet=
# Read-only system but Nomad's data_dir (and the runtime directories above).
ProtectSystem=strict
{read_write}# tmpfs, not yes: an inaccessible /home makes the vault CLI's token helper fail
# (EACCES on ~/.vault-token) where a missing file is fine.
ProtectHome=tmpfs
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
"""
    else:
        who = f"""# This agent also runs the client: root, which Nomad's task drivers need (Docker,
# exec's isolation; hashicorp/nomad's package unit: "Nomad clients need to be run
# as root"). No sandbox either: ProtectSystem/ProtectHome/PrivateTmp would give it
# a mount namespace of its own, hiding its alloc and secrets mounts from dockerd,
# and NoNewPrivileges would pass on to exec/raw_exec tasks.
User={user}
Group={user}
"""
        sandbox = ""
    return f"""[Unit]
Description=Nomad agent (fetches its Vault token at start)
Documentation=https://developer.hashicorp.com/nomad/docs
Wants=network-online.target
After={" ".join(after)}

[Service]
Type=forking
{who}PIDFile={pid_file}
# The PID file's directory and the token accessor's, owner-only; kept across
# restarts so that each start revokes the token the previous one minted.
RuntimeDirectory={" ".join(runtime)}
RuntimeDirectoryMode=0700
RuntimeDirectoryPreserve=yes
ExecStart={script_path}
ExecReload=/bin/kill -HUP $MAINPID
KillSignal=SIGINT
Restart=on-failure
{sandbox}
[Install]
WantedBy=multi-user.target
"""
