"""Resources that hold what no apply brings back (HS-STATE-001; hashistack.review alarms)."""

# Destroying these loses what no apply brings back: a mount's secrets or keys (the
# provider's delete is an unmount), a CA's private key, an auth method's roles and
# issued secret IDs, the audit trail's device, Consul's CA settings and login method, a
# database connection (after `rotate-root` its root password is known only to Vault).
STATEFUL = (
    "vault_mount", "vault_pki_secret_backend_root_cert",
    "vault_pki_secret_backend_intermediate_set_signed", "vault_auth_backend",
    "vault_jwt_auth_backend", "vault_audit", "consul_certificate_authority",
    "consul_acl_auth_method", "vault_database_secret_backend_connection",
)
