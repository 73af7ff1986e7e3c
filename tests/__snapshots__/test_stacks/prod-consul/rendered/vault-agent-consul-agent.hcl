vault {
  address = "https://vault.prod.example.internal:8200"
  ca_cert = "/etc/ssl/hashistack/prod-ca.pem"
}

auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config     = {
      role_id_file_path = "/etc/vault-agent/consul-agent/role_id"
      secret_id_file_path = "/etc/vault-agent/consul-agent/secret_id"
      remove_secret_id_file_after_reading = false
    }
  }
}

template {
  contents             = "{{ with secret \"consul/creds/consul-agent\" }}{{ .Data.token }}{{ end }}"
  destination          = "/run/vault-agent-consul-agent/agent-token"
  perms                = "0600"
  error_on_missing_key = true
  exec {
    command = ["/usr/bin/consul", "acl", "set-agent-token", "-http-addr=https://127.0.0.1:8501", "-ca-file=/etc/nomad.d/tls/consul-connect-root.pem", "-token-file=/run/vault-agent-consul-agent/agent-token", "agent", "@/run/vault-agent-consul-agent/agent-token"]
  }
}
