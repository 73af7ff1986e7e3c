vault {
  address = "https://vault.legacy.example.internal:8200"
  ca_cert = "/etc/ssl/hashistack/legacy-ca.pem"
}

auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config     = {
      role_id_file_path = "/etc/vault-agent/myapp/role_id"
      secret_id_file_path = "/etc/vault-agent/myapp/secret_id"
      remove_secret_id_file_after_reading = false
    }
  }
  sink "file" {
    config = {
      path = "/run/vault-agent/myapp-exec/token"
      mode = 384
    }
  }
}

env_template "DB_PASS" {
  contents             = "{{ with secret \"secret/data/myapp\" }}{{ .Data.data.password }}{{ end }}"
  error_on_missing_key = true
}

env_template "DB_USER" {
  contents             = "{{ with secret \"secret/data/myapp\" }}{{ .Data.data.username }}{{ end }}"
  error_on_missing_key = true
}

exec {
  command                   = ["/usr/local/bin/myapp"]
  restart_on_secret_changes = "always"
  restart_stop_signal       = "SIGTERM"
}
