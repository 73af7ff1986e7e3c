vault {
  address = "https://vault.staging.example.internal:8200"
  ca_cert = "/etc/ssl/hashistack/staging-ca.pem"
}

auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config     = {
      role_id_file_path = "/etc/vault-agent/prometheus/role_id"
      secret_id_file_path = "/etc/vault-agent/prometheus/secret_id"
      remove_secret_id_file_after_reading = false
    }
  }
  sink "file" {
    config = {
      path = "/run/prometheus-vault-agent/vault-token"
      mode = 384
    }
  }
}
