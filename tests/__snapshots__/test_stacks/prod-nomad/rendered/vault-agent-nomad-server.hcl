vault {
  address = "https://vault.prod.example.internal:8200"
  ca_cert = "/etc/ssl/hashistack/prod-ca.pem"
}

auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config     = {
      role_id_file_path = "/etc/vault-agent/nomad-server/role_id"
      secret_id_file_path = "/etc/vault-agent/nomad-server/secret_id"
      remove_secret_id_file_after_reading = false
    }
  }
}

template {
  contents             = "CONSUL_HTTP_TOKEN={{ with secret \"consul/creds/nomad-server\" }}{{ .Data.token }}{{ end }}\n"
  destination          = "/run/vault-agent-nomad/consul-token.env"
  perms                = "0600"
  error_on_missing_key = true
}
